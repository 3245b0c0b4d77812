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
import { defaultMetricFor } from '../../domain/task.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
  validateBlockConfig,
} from '../../engine/pipeline/defaults.ts'
import type { DetectTaskOptions } from '../../engine/pipeline/taskDetection.ts'
import { defaultLargeCells, detectionRows } from '../../engine/scale/threshold.ts'
import { dataWorker } from './dataClient.ts'
import { db } from './db.ts'
import { createRunWorker, largeCellsSetting } from './runs.ts'

/**
 * Runs task detection over the dataset's columns in a short-lived run worker: over every row, or over
 * the first {@link detectionRows} of a table that runs stream (too large to load whole).
 */
export async function detectTaskFor(
  dataset: Dataset,
  options: DetectTaskOptions = {},
): Promise<TaskDefinition> {
  const streamed = dataset.rowCount * dataset.schema.length > (largeCellsSetting() ?? defaultLargeCells)
  const data = await dataWorker().datasetArrow(dataset.id, streamed ? detectionRows : undefined)
  const { worker, api } = createRunWorker()
  try {
    return await api.detectTask(Comlink.transfer(data, [data.buffer as ArrayBuffer]), options)
  } finally {
    worker.terminate()
  }
}

/** The name an experiment gets from its dataset and target, before any suffix. */
function baseExperimentName(dataset: Dataset, target: string): string {
  return `${dataset.name} · ${target}`
}

/**
 * `<dataset> · <target>`, with ` (2)`, ` (3)`… only when another experiment of the workspace already
 * has that name (`except` is the experiment being renamed, whose own name does not count).
 */
async function uniqueExperimentName(
  dataset: Dataset,
  target: string,
  except?: ExperimentId,
): Promise<string> {
  const taken = new Set(
    (await db.experiments.where('workspaceId').equals(dataset.workspaceId).toArray())
      .filter((e) => e.id !== except)
      .map((e) => e.name),
  )
  const base = baseExperimentName(dataset, target)
  if (!taken.has(base)) return base
  let n = 2
  while (taken.has(`${base} (${n})`)) n++
  return `${base} (${n})`
}

/** Whether `name` is the one {@link uniqueExperimentName} gives for `target` (suffix included). */
function isGeneratedName(name: string, dataset: Dataset, target: string): boolean {
  const base = baseExperimentName(dataset, target)
  return name === base || (name.startsWith(`${base} (`) && /^ \(\d+\)$/.test(name.slice(base.length)))
}

/**
 * Creates an experiment on `dataset` with `task` (as the person confirmed it in the "New experiment"
 * dialog), or with the detected task when none is given.
 */
export async function createExperiment(
  dataset: Dataset,
  options: { name?: string; task?: TaskDefinition } = {},
): Promise<Experiment> {
  const { name } = options
  const task = options.task ?? (await detectTaskFor(dataset))
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
  const experiment: Experiment = {
    schemaVersion: 1,
    id: experimentId,
    workspaceId: dataset.workspaceId,
    name: name?.trim() || (await uniqueExperimentName(dataset, task.target)),
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

/**
 * Applies a manual edit of the task definition (mode becomes 'manual'). A new target is detected
 * afresh (task type, positive class, excluded columns, metric and the reasons all follow it), and an
 * experiment still carrying its generated name is renamed after the new target.
 */
export async function updateTask(experimentId: ExperimentId, patch: Partial<TaskDefinition>): Promise<void> {
  const experiment = await db.experiments.get(experimentId)
  if (!experiment) throw new ValidationError('invalid-argument', `No experiment ${experimentId}`)
  let task: TaskDefinition = { ...experiment.task, ...patch, mode: 'manual' }
  let name = experiment.name
  if (patch.target !== undefined && patch.target !== experiment.task.target) {
    const dataset = await db.datasets.get(experiment.datasetId)
    if (!dataset) throw new ValidationError('invalid-argument', `No dataset ${experiment.datasetId}`)
    task = { ...(await detectTaskFor(dataset, { target: patch.target })), mode: 'manual' }
    // Corrected column kinds belong to the experiment, not to one target: they survive a new target.
    if (experiment.task.columnKinds) task.columnKinds = experiment.task.columnKinds
    if (isGeneratedName(experiment.name, dataset, experiment.task.target))
      name = await uniqueExperimentName(dataset, patch.target, experimentId)
  }
  if (!task.columnKinds || Object.keys(task.columnKinds).length === 0) delete task.columnKinds
  // A target corrected to categories is a class label: a regression task on it becomes classification.
  const targetProfile = async () =>
    (await db.datasets.get(experiment.datasetId))?.profile.find((p) => p.name === task.target)
  if (
    patch.columnKinds?.[task.target] === 'categorical' &&
    task.taskType === 'regression' &&
    ((await targetProfile())?.distinct ?? 0) > 2
  ) {
    task.taskType = 'multiclass'
    task.metric = defaultMetricFor(task.taskType)
    task.reasons = [
      ...task.reasons,
      `Task ${task.taskType}: the target '${task.target}' is read as categories (kind corrected by hand)`,
    ]
  }
  if (task.taskType !== 'binary') delete task.positiveClass
  await db.experiments.put({ ...experiment, name, task, updatedAt: Date.now() })
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
