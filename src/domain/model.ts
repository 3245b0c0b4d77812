/** Model: a trained (chosen) or candidate model of a run, described framework-independently. */
import { ValidationError } from './errors.ts'
import type { ArtifactId, ModelId, RunId } from './ids.ts'
import { isIdOf } from './ids.ts'

export const modelSchemaVersion = 1

export type ModelFramework = 'tfjs' | 'butterfly-trees'

export interface ModelRecord {
  schemaVersion: number
  id: ModelId
  runId: RunId
  /** e.g. logistic, linear, mlp, gbdt, rf, tree */
  family: string
  framework: ModelFramework
  hyperparameters: Record<string, unknown>
  /** What training did: rows, epochs or iterations, backend, validation score, timings. */
  trainingMetadata: Record<string, unknown>
  /** 'chosen' for the refitted winner of model selection; 'candidate' for the others. */
  role: 'chosen' | 'candidate'
  /** Validation score during model selection, on the experiment's metric. */
  validationScore?: number
  artifactIds: ArtifactId[]
  createdAt: number
}

export function parseModelRecord(value: unknown): ModelRecord {
  const record = value as ModelRecord
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Model ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('model', record.id)) fail('bad id')
  if (!isIdOf('run', record.runId)) fail('bad run id')
  if (!record.family) fail('family missing')
  if (record.framework !== 'tfjs' && record.framework !== 'butterfly-trees')
    fail(`unknown framework ${record.framework}`)
  return record
}
