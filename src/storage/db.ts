/**
 * The workspace metadata database (IndexedDB through Dexie). Every Dexie version of the schema lives
 * here; never edit a shipped version, add `version(n + 1)` with an upgrade. Invariants are enforced in a
 * DBCore middleware, below every table API, so no caller (UI, worker, import) can write around them.
 * Bulk bytes (dataset files, artifacts) live in the blob store, referenced by path.
 */
import type { Table } from 'dexie'
import Dexie from 'dexie'
import type { Artifact } from '../domain/artifact.ts'
import type { Dataset } from '../domain/dataset.ts'
import type { Experiment } from '../domain/experiment.ts'
import type { Hook } from '../domain/hook.ts'
import type { ModelRecord } from '../domain/model.ts'
import type { Pipeline } from '../domain/pipeline.ts'
import type { Run } from '../domain/run.ts'
import type { Workspace } from '../domain/workspace.ts'
import { installInvariantGuards } from './guards.ts'

/** Small key/value settings: current workspace, backend calibration, UI preferences. */
export interface SettingRecord {
  key: string
  value: unknown
}

/** A File System Access directory handle the user picked for a folder workspace. */
export interface HandleRecord {
  key: string
  handle: FileSystemDirectoryHandle
}

// DO NOT CHANGE WITHOUT A MIGRATION: database name, table names and index specs.
export const databaseName = 'butterfly'

export class ButterflyDb extends Dexie {
  workspaces!: Table<Workspace, string>
  datasets!: Table<Dataset, string>
  experiments!: Table<Experiment, string>
  pipelines!: Table<Pipeline, string>
  hooks!: Table<Hook, string>
  runs!: Table<Run, string>
  artifacts!: Table<Artifact, string>
  models!: Table<ModelRecord, string>
  settings!: Table<SettingRecord, string>
  handles!: Table<HandleRecord, string>

  constructor(name: string = databaseName, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options)
    this.version(1).stores({
      workspaces: 'id, name, createdAt',
      datasets: 'id, workspaceId, [workspaceId+hash], [workspaceId+name], hash, importedAt',
      experiments: 'id, workspaceId, datasetId, createdAt',
      pipelines: 'id, experimentId',
      hooks: 'id, pipelineId, blockId',
      runs: 'id, workspaceId, experimentId, status, startedAt',
      artifacts: 'id, runId, modelId',
      models: 'id, runId',
      settings: 'key',
      handles: 'key',
    })
    installInvariantGuards(this)
  }
}

let sharedDb: ButterflyDb | undefined

/** The app's database (one per thread). */
export function openDb(): ButterflyDb {
  sharedDb ??= new ButterflyDb()
  return sharedDb
}
