/** Progress of one model fit (own file: model.ts and the forest code both use it, without a cycle). */
export interface TrainingProgress {
  /** 0..1 of this fit. */
  fraction: number
  epoch?: number
  iteration?: number
  loss?: number
  validationLoss?: number
}
