/** Progress of one model fit (own file: model.ts and the forest code both use it, without a cycle). */
export interface TrainingProgress {
  /** 0..1 of this fit. */
  fraction: number
  epoch?: number
  iteration?: number
  loss?: number
  validationLoss?: number
  /** A line for the progress display (e.g. the streamed MLP's epoch and time left). */
  message?: string
}
