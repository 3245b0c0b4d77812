/**
 * Freezing a run: a draft pipeline becomes an immutable snapshot and the run's record (status
 * `running`). Domain-only, so the app's main thread records a run without loading the engine.
 */
import type { Hook } from '../domain/hook.ts'
import type { ExperimentId, PipelineId, RunId, WorkspaceId } from '../domain/ids.ts'
import { newId } from '../domain/ids.ts'
import type { Block, GlobalConfig, Pipeline, PipelineSnapshot } from '../domain/pipeline.ts'
import { computePipelineVersionHash, createSnapshot } from '../domain/pipeline.ts'
import type { Run } from '../domain/run.ts'
import { createRun } from '../domain/run.ts'
import type { TaskDefinition } from '../domain/task.ts'

/** A pipeline as edited, before it is frozen (pipeline, hooks, task, dataset, optional seed). */
export type RunDraft = Parameters<typeof createSnapshot>[0]

/** Freezes a draft into a snapshot (hashes included): the one place a run's snapshot is made. */
export const freezeSnapshot = createSnapshot

/**
 * The record of a run about to execute (status `running`), from a draft (frozen here) or a snapshot
 * frozen before (re-runs, imported runs).
 */
export async function startRunRecord(input: {
  id?: RunId
  workspaceId: WorkspaceId
  number: number
  source: { draft: RunDraft } | { snapshot: PipelineSnapshot }
  rerunOf?: RunId
  now: number
}): Promise<Run> {
  const snapshot =
    'snapshot' in input.source ? input.source.snapshot : await freezeSnapshot(input.source.draft)
  const run = createRun({
    id: input.id ?? newId('run'),
    workspaceId: input.workspaceId,
    number: input.number,
    snapshot,
    now: input.now,
  })
  return input.rerunOf ? { ...run, rerunOf: input.rerunOf } : run
}

/** A pipeline record for a draft made outside the app's editor (the CLI, tests): version hash included. */
export async function draftPipeline(input: {
  id: PipelineId
  experimentId: ExperimentId
  blocks: Block[]
  globalConfig: GlobalConfig
  hooks: readonly Hook[]
  task: TaskDefinition
}): Promise<Pipeline> {
  const { blocks, globalConfig } = input
  return {
    schemaVersion: 1,
    id: input.id,
    experimentId: input.experimentId,
    blocks,
    globalConfig,
    versionHash: await computePipelineVersionHash({ blocks, globalConfig }, input.hooks, input.task),
    updatedAt: 0,
  }
}
