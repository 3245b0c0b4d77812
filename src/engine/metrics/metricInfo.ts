/**
 * What each reported metric means for ranking models: whether larger is better, and a display label.
 * Model selection and the leaderboard read this instead of hard-coding metric directions.
 */

/** Direction and label of one metric key of the classification or regression reports. */
export interface MetricInfo {
  label: string
  greaterIsBetter: boolean
}

/** Keys as produced by `classificationReport(...).metrics` and `regressionMetrics(...)`. */
export const metricInfo: Readonly<Record<string, MetricInfo>> = {
  accuracy: { label: 'Accuracy', greaterIsBetter: true },
  balanced_accuracy: { label: 'Balanced accuracy', greaterIsBetter: true },
  precision: { label: 'Precision', greaterIsBetter: true },
  recall: { label: 'Recall', greaterIsBetter: true },
  f1: { label: 'F1', greaterIsBetter: true },
  precision_macro: { label: 'Precision (macro)', greaterIsBetter: true },
  precision_weighted: { label: 'Precision (weighted)', greaterIsBetter: true },
  recall_macro: { label: 'Recall (macro)', greaterIsBetter: true },
  recall_weighted: { label: 'Recall (weighted)', greaterIsBetter: true },
  f1_macro: { label: 'F1 (macro)', greaterIsBetter: true },
  f1_weighted: { label: 'F1 (weighted)', greaterIsBetter: true },
  roc_auc: { label: 'ROC AUC', greaterIsBetter: true },
  pr_auc: { label: 'PR AUC (average precision)', greaterIsBetter: true },
  log_loss: { label: 'Log loss', greaterIsBetter: false },
  brier: { label: 'Brier score', greaterIsBetter: false },
  r2: { label: 'R²', greaterIsBetter: true },
  rmse: { label: 'RMSE', greaterIsBetter: false },
  mae: { label: 'MAE', greaterIsBetter: false },
  mape: { label: 'MAPE', greaterIsBetter: false },
  median_ae: { label: 'Median absolute error', greaterIsBetter: false },
}

/**
 * Whether `candidate` scores better than `incumbent` on `metric`; NaN never wins.
 * @throws Error for a metric key with no entry in {@link metricInfo}
 */
export function isBetterScore(metric: string, candidate: number, incumbent: number): boolean {
  const info = metricInfo[metric]
  if (!info) throw new Error(`Unknown metric '${metric}' (known: ${Object.keys(metricInfo).join(', ')})`)
  if (Number.isNaN(candidate)) return false
  if (Number.isNaN(incumbent)) return true
  return info.greaterIsBetter ? candidate > incumbent : candidate < incumbent
}
