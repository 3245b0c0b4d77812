/**
 * Execution Context: the explicit state passed from block to block during one run. It exists only
 * while the run executes; the engine supplies the concrete data, feature and model types.
 */
import type { Sha256Hex } from './hash.ts'
import type { DatasetId } from './ids.ts'
import type { LogEntry } from './run.ts'

export interface ExecutionContext<Data, Features, Model> {
  readonly dataset: { id: DatasetId; hash: Sha256Hex }
  readonly seed: number
  /** The table as it moves through preprocessing (train and test rows). */
  data: Data
  /** Feature representations produced by preprocessing and feature engineering. */
  features: Features | undefined
  /** Candidate and chosen models. */
  models: { candidates: Model[]; chosen: Model | undefined }
  metrics: Record<string, number>
  logs: LogEntry[]
}
