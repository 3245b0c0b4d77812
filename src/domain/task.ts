/** Task definitions: what an experiment predicts and how it is scored. */
import type { ColumnSchema, LogicalKind } from './dataset.ts'

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
  /**
   * Column kinds the person corrected (e.g. a class stored as numbers → 'categorical'), by column name.
   * The imported dataset keeps its inferred kinds; runs read these columns by the kind given here.
   */
  columnKinds?: Record<string, LogicalKind>
}

/** Kinds a person may give a column, by how it is stored: numbers can be read as categories and back. */
export function kindChoicesFor(column: ColumnSchema): readonly LogicalKind[] {
  return isNumericStorage(column.physicalType) ? ['numeric', 'categorical'] : []
}

function isNumericStorage(physicalType: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i.test(
    physicalType,
  )
}

/** A column's kind for this task: the person's correction when there is one, else the inferred kind. */
export function effectiveKind(task: Pick<TaskDefinition, 'columnKinds'>, column: ColumnSchema): LogicalKind {
  return task.columnKinds?.[column.name] ?? column.kind
}

/** The corrections that differ from the inferred kinds (a correction back to the inferred kind is dropped). */
export function kindCorrections(
  schema: readonly ColumnSchema[],
  kinds: Record<string, LogicalKind>,
): Record<string, LogicalKind> | undefined {
  const out: Record<string, LogicalKind> = {}
  for (const column of schema) {
    const kind = kinds[column.name]
    if (kind && kind !== column.kind) out[column.name] = kind
  }
  return Object.keys(out).length > 0 ? out : undefined
}

export function defaultMetricFor(taskType: TaskType): MetricName {
  return taskType === 'regression' ? 'r2' : taskType === 'binary' ? 'roc_auc' : 'accuracy'
}

export function metricsFor(taskType: TaskType): readonly MetricName[] {
  return taskType === 'regression' ? regressionMetrics : classificationMetrics
}

/**
 * Columns to read as categories for `task`: a classification target (class labels are text) and every
 * column the person corrected to 'categorical' (e.g. a class stored as numbers).
 */
export function categoricalColumnsOf(task: TaskDefinition): string[] {
  const names = Object.entries(task.columnKinds ?? {})
    .filter(([, kind]) => kind === 'categorical')
    .map(([name]) => name)
  if (task.taskType !== 'regression' && !names.includes(task.target)) names.push(task.target)
  return names
}
