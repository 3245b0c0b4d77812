/**
 * Storage-level enforcement of the domain invariants. A DBCore middleware sees every mutation (add,
 * put, delete, deleteRange — including bulk and `modify`) before it reaches IndexedDB, validates new
 * records with the domain parsers, and refuses:
 * - any change to an imported dataset (deleting one is allowed only with its workspace),
 * - any change to a run that is no longer running, and any change of a run's snapshot,
 * - any change to an artifact (artifacts are read-only).
 * Deletions of datasets, finished runs, artifacts and models are allowed only inside a
 * {@link allowWorkspaceDeletion} scope (deleting a workspace removes everything it owns).
 */
import type { DBCoreMutateRequest, DBCoreTable } from 'dexie'
import Dexie from 'dexie'
import type { Artifact } from '../domain/artifact.ts'
import { parseArtifact } from '../domain/artifact.ts'
import type { Dataset } from '../domain/dataset.ts'
import { assertDatasetUnchanged, parseDataset } from '../domain/dataset.ts'
import { InvariantError } from '../domain/errors.ts'
import { parseExperiment } from '../domain/experiment.ts'
import { parseHook } from '../domain/hook.ts'
import { parseModelRecord } from '../domain/model.ts'
import { parsePipeline } from '../domain/pipeline.ts'
import type { Run } from '../domain/run.ts'
import { assertRunWriteAllowed, parseRun } from '../domain/run.ts'
import { parseWorkspace } from '../domain/workspace.ts'

const parsers: Record<string, (value: unknown) => unknown> = {
  workspaces: parseWorkspace,
  datasets: parseDataset,
  experiments: parseExperiment,
  pipelines: parsePipeline,
  hooks: parseHook,
  runs: parseRun,
  artifacts: parseArtifact,
  models: parseModelRecord,
}

let deletionScopeDepth = 0

/** Runs `action` with deletions of immutable records allowed (only for deleting a whole workspace). */
export async function allowWorkspaceDeletion<T>(action: () => Promise<T>): Promise<T> {
  deletionScopeDepth++
  try {
    return await action()
  } finally {
    deletionScopeDepth--
  }
}

export function installInvariantGuards(db: Dexie): void {
  db.use({
    stack: 'dbcore',
    name: 'butterfly-invariants',
    create(down) {
      return {
        ...down,
        table(tableName) {
          const table = down.table(tableName)
          const parse = parsers[tableName]
          if (!parse) return table
          return {
            ...table,
            // NOTE: no native async/await here: Dexie tracks its transaction zone through its own
            // promises, and a native await between this layer and the next one loses it.
            mutate(request: DBCoreMutateRequest) {
              return checkMutation(table, tableName, request, parse).then(() => table.mutate(request))
            },
          }
        },
      }
    },
  })
}

function checkMutation(
  table: DBCoreTable,
  tableName: string,
  request: DBCoreMutateRequest,
  parse: (value: unknown) => unknown,
): Promise<void> {
  const resolved = Dexie.Promise.resolve()
  if (request.type === 'add' || request.type === 'put') {
    for (const value of request.values) parse(value)
    if (!['datasets', 'runs', 'artifacts'].includes(tableName)) return resolved
    const keys = request.values.map((value) => (value as { id: string }).id)
    return table.getMany({ trans: request.trans, keys }).then((stored) => {
      stored.forEach((previous, i) => {
        if (previous === undefined) return
        const next = request.values[i]
        if (tableName === 'datasets') assertDatasetUnchanged(previous as Dataset, next as Dataset)
        if (tableName === 'runs') assertRunWriteAllowed(previous as Run, next as Run)
        if (tableName === 'artifacts') {
          const artifact = previous as Artifact
          throw new InvariantError(
            'artifact-read-only',
            `Artifact ${artifact.fileName} of run ${artifact.runId} is read-only`,
          )
        }
      })
    })
  }
  if (deletionScopeDepth > 0) return resolved
  if (request.type === 'deleteRange') {
    if (['datasets', 'runs', 'artifacts', 'models'].includes(tableName))
      throw new InvariantError(
        'dataset-immutable',
        `Range deletes on ${tableName} are only allowed when deleting a workspace`,
      )
    return resolved
  }
  if (request.type !== 'delete' || !['datasets', 'artifacts', 'models', 'runs'].includes(tableName))
    return resolved
  return table.getMany({ trans: request.trans, keys: request.keys }).then((stored) => {
    if (tableName === 'runs') {
      const finished = (stored as (Run | undefined)[]).find((run) => run && run.status !== 'running')
      if (finished)
        throw new InvariantError(
          'run-completed',
          `Run ${finished.id} is ${finished.status} and cannot be deleted`,
        )
      return
    }
    if (stored.some((record) => record !== undefined))
      throw new InvariantError(
        tableName === 'datasets' ? 'dataset-immutable' : 'artifact-read-only',
        `Records of ${tableName} are only deleted together with their workspace`,
      )
  })
}
