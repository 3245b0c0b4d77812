/**
 * What each reported metric means for ranking models: whether larger is better, and a display label.
 * Model selection and the leaderboard read this instead of hard-coding metric directions; the direction
 * itself comes from the domain's `lowerIsBetter`, the one place it is defined.
 */
import { lowerIsBetter } from '../../domain/task.ts'

/** Direction and label of one metric key of the classification or regression reports. */
export interface MetricInfo {
  label: string
  greaterIsBetter: boolean
}

const metricLabels: Record<string, string> = {
  accuracy: 'Accuracy',
  balanced_accuracy: 'Balanced accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  precision_macro: 'Precision (macro)',
  precision_weighted: 'Precision (weighted)',
  recall_macro: 'Recall (macro)',
  recall_weighted: 'Recall (weighted)',
  f1_macro: 'F1 (macro)',
  f1_weighted: 'F1 (weighted)',
  roc_auc: 'ROC AUC',
  pr_auc: 'PR AUC (average precision)',
  log_loss: 'Log loss',
  brier: 'Brier score',
  r2: 'R²',
  rmse: 'RMSE',
  mae: 'MAE',
  mape: 'MAPE',
  median_ae: 'Median absolute error',
}

/** Keys as produced by `classificationReport(...).metrics` and `regressionMetrics(...)`. */
export const metricInfo: Readonly<Record<string, MetricInfo>> = Object.fromEntries(
  Object.entries(metricLabels).map(([key, label]) => [
    key,
    { label, greaterIsBetter: !lowerIsBetter.has(key) },
  ]),
)

/**
 * The display name of a metric key ('r2' → 'R²', 'roc_auc' → 'ROC AUC'); any other name (a hook's custom
 * metric) as it is. The one place the app, the report and the charts name metrics.
 */
export function metricLabel(key: string): string {
  return metricLabels[key] ?? key
}

/** Metrics that cannot leave [0, 1], and those that cannot pass 1 (R²) or go below 0 (errors, losses). */
const withinZeroOne = new Set([
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'precision_weighted',
  'recall_macro',
  'recall_weighted',
  'f1_macro',
  'f1_weighted',
  'roc_auc',
  'pr_auc',
  'brier',
])
const nonNegative = new Set(['log_loss', 'rmse', 'mae', 'mape', 'median_ae'])

/** The values `metric` can take (unknown metrics: any). The one place metric ranges are written down. */
export function metricBounds(metric: string): { low: number; high: number } {
  if (withinZeroOne.has(metric)) return { low: 0, high: 1 }
  if (metric === 'r2') return { low: Number.NEGATIVE_INFINITY, high: 1 }
  if (nonNegative.has(metric)) return { low: 0, high: Number.POSITIVE_INFINITY }
  return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY }
}

/**
 * `value` kept within the values `metric` can take: an interval around a mean near a bound (a corrected
 * t-interval of accuracies averaging 0.96 reaches 1.013) ends at the bound. Unknown metrics pass unchanged.
 */
export function clampToMetricRange(metric: string, value: number): number {
  const { low, high } = metricBounds(metric)
  return Math.min(high, Math.max(low, value))
}

/** True when no model can score better than `score` on `metric` (its best bound: 1 for accuracy, 0 for RMSE). */
export function isBestPossible(metric: string, score: number): boolean {
  const { low, high } = metricBounds(metric)
  return metricInfo[metric]?.greaterIsBetter === false ? score <= low : score >= high
}

/** Every metric name the engine reports; a hook metric of one of these names never replaces it. */
export const builtinMetricNames: ReadonlySet<string> = new Set(Object.keys(metricLabels))

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
