/** Experiment: a dataset plus a task definition, owning one draft pipeline and grouping its runs. */
import { ValidationError } from './errors.ts'
import type { DatasetId, ExperimentId, PipelineId, WorkspaceId } from './ids.ts'
import { isIdOf } from './ids.ts'
import type { TaskDefinition } from './task.ts'
import { taskTypes } from './task.ts'

export const experimentSchemaVersion = 1

export interface Experiment {
  schemaVersion: number
  id: ExperimentId
  workspaceId: WorkspaceId
  name: string
  datasetId: DatasetId
  /** The experiment's single draft pipeline. */
  pipelineId: PipelineId
  task: TaskDefinition
  createdAt: number
  updatedAt: number
}

export function parseExperiment(value: unknown): Experiment {
  const record = value as Experiment
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Experiment ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('experiment', record.id)) fail('bad id')
  if (!isIdOf('dataset', record.datasetId)) fail('bad dataset id')
  if (!isIdOf('pipeline', record.pipelineId)) fail('bad pipeline id')
  if (typeof record.name !== 'string' || !record.name.trim()) fail('name missing')
  if (!record.task || typeof record.task.target !== 'string') fail('task target missing')
  if (!taskTypes.includes(record.task.taskType)) fail(`unknown task type ${record.task.taskType}`)
  return record
}
