/**
 * Experiments from the app: create one on a dataset (task detected in a worker, default pipeline),
 * and edit its task, block configuration and global settings. Every edit recomputes the draft's
 * version hash, so it changes exactly when something that affects results changes.
 */
import * as Comlink from 'comlink'
import type { Dataset } from '../../domain/dataset.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { BlockId, ExperimentId, PipelineId } from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import type { BlockConfig, GlobalConfig, Pipeline } from '../../domain/pipeline.ts'
import { computePipelineVersionHash, validateGlobalConfig } from '../../domain/pipeline.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
  validateBlockConfig,
} from '../../engine/pipeline/defaults.ts'
import type { DetectTaskOptions } from '../../engine/pipeline/taskDetection.ts'
import { dataWorker } from './dataClient.ts'
import { db } from './db.ts'
import { createRunWorker } from './runs.ts'

/** Runs task detection over the dataset's columns in a short-lived run worker. */
export async function detectTaskFor(
  dataset: Dataset,
  options: DetectTaskOptions = {},
): Promise<TaskDefinition> {
  const data = await dataWorker().datasetArrow(dataset.id)
  const { worker, api } = createRunWorker()
  try {
    return await api.detectTask(Comlink.transfer(data, [data.buffer as ArrayBuffer]), options)
  } finally {
    worker.terminate()
  }
}

export async function createExperiment(dataset: Dataset, name?: string): Promise<Experiment> {
  const task = await detectTaskFor(dataset)
  const now = Date.now()
  const experimentId = newId('experiment')
  const blocks = createDefaultPipelineBlocks()
  const globalConfig = createDefaultGlobalConfig()
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: newId('pipeline'),
    experimentId,
    blocks,
    globalConfig,
    versionHash: await computePipelineVersionHash({ blocks, globalConfig }, [], task),
    updatedAt: now,
  }
  const count = await db.experiments.where('workspaceId').equals(dataset.workspaceId).count()
  const experiment: Experiment = {
    schemaVersion: 1,
    id: experimentId,
    workspaceId: dataset.workspaceId,
    name: name?.trim() || `${dataset.name} · ${task.target}${count ? ` (${count + 1})` : ''}`,
    datasetId: dataset.id,
    pipelineId: pipeline.id,
    task,
    createdAt: now,
    updatedAt: now,
  }
  await db.transaction('rw', db.experiments, db.pipelines, async () => {
    await db.pipelines.add(pipeline)
    await db.experiments.add(experiment)
  })
  return experiment
}

async function rehash(
  pipelineId: PipelineId,
  task: TaskDefinition,
  change: (pipeline: Pipeline) => Pipeline,
): Promise<Pipeline> {
  return db.transaction('rw', db.pipelines, db.hooks, async () => {
    const pipeline = await db.pipelines.get(pipelineId)
    if (!pipeline) throw new ValidationError('invalid-argument', `No pipeline ${pipelineId}`)
    const next = change(pipeline)
    const hooks = await db.hooks.where('pipelineId').equals(pipelineId).toArray()
    const updated = {
      ...next,
      versionHash: await computePipelineVersionHash(next, hooks, task),
      updatedAt: Date.now(),
    }
    await db.pipelines.put(updated)
    return updated
  })
}

/** Applies a manual edit of the task definition (mode becomes 'manual'). */
export async function updateTask(experimentId: ExperimentId, patch: Partial<TaskDefinition>): Promise<void> {
  const experiment = await db.experiments.get(experimentId)
  if (!experiment) throw new ValidationError('invalid-argument', `No experiment ${experimentId}`)
  const task: TaskDefinition = { ...experiment.task, ...patch, mode: 'manual' }
  if (task.taskType !== 'binary') delete task.positiveClass
  await db.experiments.put({ ...experiment, task, updatedAt: Date.now() })
  await rehash(experiment.pipelineId, task, (p) => p)
}

export async function renameExperiment(experimentId: ExperimentId, name: string): Promise<void> {
  const trimmed = name.trim()
  if (!trimmed) throw new ValidationError('invalid-argument', 'An experiment needs a name')
  await db.experiments.update(experimentId, { name: trimmed, updatedAt: Date.now() })
}

export async function updateBlockConfig(
  experiment: Experiment,
  blockId: BlockId,
  config: BlockConfig,
): Promise<void> {
  await rehash(experiment.pipelineId, experiment.task, (pipeline) => ({
    ...pipeline,
    blocks: pipeline.blocks.map((block) => {
      if (block.id !== blockId) return block
      const next = { ...block, config }
      validateBlockConfig(next)
      return next
    }),
  }))
}

export async function updateGlobalConfig(
  experiment: Experiment,
  patch: Partial<GlobalConfig>,
): Promise<void> {
  await rehash(experiment.pipelineId, experiment.task, (pipeline) => ({
    ...pipeline,
    globalConfig: validateGlobalConfig({ ...pipeline.globalConfig, ...patch }),
  }))
}

/** What an undo of a draft edit puts back: the blocks' configurations and the global settings. */
export type PipelineDraft = Pick<Pipeline, 'blocks' | 'globalConfig'>

/** Puts an earlier state of the draft back (undo); it is checked like any edit. */
export async function restorePipelineDraft(experiment: Experiment, draft: PipelineDraft): Promise<void> {
  await rehash(experiment.pipelineId, experiment.task, (pipeline) => {
    for (const block of draft.blocks) validateBlockConfig(block)
    return { ...pipeline, blocks: draft.blocks, globalConfig: validateGlobalConfig(draft.globalConfig) }
  })
}
