/** Task definitions: what an experiment predicts and how it is scored. */

export const taskTypes = ['binary', 'multiclass', 'regression'] as const
export type TaskType = (typeof taskTypes)[number]

/** Metric keys, named as in scikit-learn. */
export const classificationMetrics = [
  'accuracy',
  'balanced_accuracy',
  'f1_macro',
  'roc_auc',
  'log_loss',
] as const
export const regressionMetrics = ['r2', 'rmse', 'mae'] as const
export type MetricName = (typeof classificationMetrics)[number] | (typeof regressionMetrics)[number]

/** Metrics where smaller is better. */
export const lowerIsBetter: ReadonlySet<string> = new Set([
  'log_loss',
  'rmse',
  'mae',
  'mape',
  'median_ae',
  'brier',
])

export interface TaskDefinition {
  /** 'auto' while every part is the detector's choice; 'manual' once the user edited any part. */
  mode: 'auto' | 'manual'
  target: string
  taskType: TaskType
  /** Binary only: the class whose probability ROC-AUC scores. */
  positiveClass?: string
  /** The metric model selection optimises. */
  metric: MetricName
  excludedColumns: string[]
  /** Why the detector chose what it chose, in words, for the UI. */
  reasons: string[]
  /** Likely problems such as leakage. */
  warnings: string[]
}

export function defaultMetricFor(taskType: TaskType): MetricName {
  return taskType === 'regression' ? 'r2' : taskType === 'binary' ? 'roc_auc' : 'accuracy'
}

export function metricsFor(taskType: TaskType): readonly MetricName[] {
  return taskType === 'regression' ? regressionMetrics : classificationMetrics
}
