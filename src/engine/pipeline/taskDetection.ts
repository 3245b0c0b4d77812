/**
 * Task detection: proposes the target, the task type, excluded columns and the metric for a table, and
 * explains each choice in words. The user can override any part; the detector only suggests.
 *
 * Rules, in order:
 * - Target: the given one; else the first column named (case-insensitively) target, label, class, y,
 *   outcome (or with that word as a prefix/suffix, like `target_class`; 'y' not when 'x' or 'z' columns
 *   exist, as those make it a coordinate); else the first column named like
 *   a common target (response, status, species, diagnosis, price, churn, survived, default, quality);
 *   else the first with such a word as a prefix/suffix (`Sale_Price`; not status/default); else the only
 *   two-label categorical/boolean column; position is the last resort: the last column that can be a
 *   target (not an identifier, text, date, constant or map coordinate such as Latitude).
 * - Task: a categorical/boolean target with 2 values is binary, with more multiclass; a numeric target with
 *   2 distinct values is binary, with at most 10 distinct whole numbers multiclass, else regression.
 * - Excluded: identifier-like columns (one distinct value per row and an id-like name or identifier kind)
 *   and constant columns.
 * - Positive class (binary): the label that reads as the "event" (1, yes, true, positive, bad, malignant,
 *   default, churn, fraud, spam, …) when exactly one label does; else the minority class; a tie → the
 *   second label in code-point order.
 * - Warnings: a feature identical to the target or predicting it perfectly (likely leakage).
 */

import type { ColumnProfile, ColumnSchema, LogicalKind } from '../../domain/dataset.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { TaskDefinition, TaskType } from '../../domain/task.ts'
import { defaultMetricFor } from '../../domain/task.ts'
import type { Column, DataFrame } from '../frame.ts'
import { compareCodePoints } from './blocks/preprocessing.ts'
import { isIdentifierName } from './textColumns.ts'

const strongTargetNames = ['target', 'label', 'class', 'y', 'outcome']
const weakTargetNames = [
  'response',
  'status',
  'species',
  'diagnosis',
  'price',
  'churn',
  'survived',
  'default',
  'quality',
]
const eventLabels = new Set([
  '1',
  'yes',
  'y',
  'true',
  't',
  'positive',
  'pos',
  'bad',
  'malignant',
  'default',
  'defaulted',
  'churn',
  'churned',
  'fraud',
  'spam',
  'abnormal',
  'disease',
  'sick',
  'fail',
  'failure',
  'event',
])

export interface DetectTaskOptions {
  /** Use this target instead of detecting one. */
  target?: string
  /** Use this task type instead of detecting one. */
  taskType?: TaskType
}

/** Distinct present values of a column (capped count is fine for large columns). */
function distinctCount(column: Column): number {
  if (column.type === 'categorical') {
    const seen = new Uint8Array(column.levels.length)
    let count = 0
    for (const code of column.codes)
      if (code >= 0 && !seen[code]) {
        seen[code] = 1
        count++
      }
    return count
  }
  const set = new Set<number>()
  for (const v of column.values) if (!Number.isNaN(v)) set.add(v)
  return set.size
}

function presentCount(column: Column): number {
  let count = 0
  if (column.type === 'categorical') {
    for (const code of column.codes) if (code >= 0) count++
  } else for (const v of column.values) if (!Number.isNaN(v)) count++
  return count
}

/** Labels of a target column as text, as the executor turns a numeric target into classes. */
export function numericLabel(value: number): string {
  return String(value)
}

/**
 * What detection needs to know about one column; built from a DataFrame ({@link detectTask}) or from a
 * stored dataset schema + profile ({@link detectTaskFromProfile}).
 */
export interface ColumnSummary {
  name: string
  kind: LogicalKind
  /** Stored as numbers (numeric, boolean, datetime). */
  numeric: boolean
  /** Distinct present values. */
  distinct: number
  /** Present (non-missing) values. */
  present: number
  /** Numeric only: every present value is a whole number. */
  wholeNumbers: boolean
  /** Label counts (target only; for the positive class of a binary task). */
  labelCounts?: () => { label: string; count: number }[]
}

/** Names of map coordinates: features of a place, never what a table is built to predict. */
const coordinatePattern = /^(lat|latitude|lon|lng|long|longitude)$|_(lat|latitude|lon|lng|longitude)$/i

/** Whether a column can be a target at all: not an identifier, text, date, constant or coordinate. */
function canBeTarget(column: ColumnSummary, nRows: number): boolean {
  if (column.distinct < 2) return false
  if (column.kind === 'identifier' || column.kind === 'text' || column.kind === 'datetime') return false
  if (column.distinct === nRows && isIdentifierName(column.name)) return false
  return !coordinatePattern.test(column.name.trim())
}

/**
 * Chooses the target column: by name first, then by kind (a two-label column reads as an outcome), and
 * by position only as the last resort (the last column that can be a target at all). Returns the name
 * and why.
 */
function chooseTarget(columns: readonly ColumnSummary[], nRows: number): { name: string; reason: string } {
  const names = columns.map((c) => c.name)
  const lower = names.map((n) => n.toLowerCase().trim())
  // 'y' next to 'x' or 'z' is a coordinate or dimension (diamonds' x, y, z), not a target.
  const coordinates = lower.includes('x') || lower.includes('z')
  const strong = lower.findIndex(
    (n) =>
      (strongTargetNames.includes(n) && !(n === 'y' && coordinates)) ||
      strongTargetNames.some((w) => w !== 'y' && (n.startsWith(`${w}_`) || n.endsWith(`_${w}`))),
  )
  if (strong >= 0)
    return { name: names[strong], reason: `Target '${names[strong]}': its name marks it as the target` }
  const weak = lower.findIndex((n) => weakTargetNames.includes(n))
  if (weak >= 0)
    return { name: names[weak], reason: `Target '${names[weak]}': its name is a common prediction target` }
  // A common target word as a prefix or suffix (Sale_Price, churn_flag); 'status' and 'default' are
  // left out here, as marital_status or default_branch are usually features.
  const affixed = lower.findIndex((n) =>
    weakTargetNames.some(
      (w) => w !== 'status' && w !== 'default' && (n.startsWith(`${w}_`) || n.endsWith(`_${w}`)),
    ),
  )
  if (affixed >= 0)
    return {
      name: names[affixed],
      reason: `Target '${names[affixed]}': its name contains a common prediction target`,
    }
  const candidates = columns.filter((c) => canBeTarget(c, nRows))
  const twoLabels = candidates.filter(
    (c) => c.distinct === 2 && (c.kind === 'boolean' || c.kind === 'categorical'),
  )
  if (twoLabels.length === 1)
    return {
      name: twoLabels[0].name,
      reason: `Target '${twoLabels[0].name}': no column is named like a target, and it is the only column with two labels (an outcome)`,
    }
  const last = candidates.at(-1)?.name ?? names[names.length - 1]
  return {
    name: last,
    reason:
      candidates.length > 0 && last !== names[names.length - 1]
        ? `Target '${last}': no column is named like a target, so the last column that can be one is used (not an identifier, text, date or map coordinate); please check it`
        : `Target '${last}': no column is named like a target, so the last column is used; please check it`,
  }
}

/**
 * The detection rules over column summaries. `leakage` adds data-based warnings when the data is at
 * hand (it gets the target name, task type and the columns already excluded).
 */
export function detectTaskFromSummaries(
  columns: readonly ColumnSummary[],
  nRows: number,
  options: DetectTaskOptions = {},
  leakage?: (target: string, taskType: TaskType, skip: Set<string>) => string[],
): TaskDefinition {
  if (columns.length < 2)
    throw new ValidationError(
      'invalid-argument',
      `A task needs at least two columns, the table has ${columns.length}`,
    )
  const reasons: string[] = []
  const warnings: string[] = []
  let targetName: string
  if (options.target !== undefined) {
    if (!columns.some((c) => c.name === options.target))
      throw new ValidationError(
        'invalid-argument',
        `Unknown target column '${options.target}' (columns: ${columns.map((c) => c.name).join(', ')})`,
      )
    targetName = options.target
    reasons.push(`Target '${targetName}': chosen by the user`)
  } else {
    const choice = chooseTarget(columns, nRows)
    targetName = choice.name
    reasons.push(choice.reason)
  }
  const target = columns.find((c) => c.name === targetName)!
  const distinct = target.distinct
  let taskType: TaskType
  if (options.taskType) {
    taskType = options.taskType
    reasons.push(`Task ${taskType}: chosen by the user`)
  } else if (!target.numeric || target.kind === 'boolean') {
    taskType = distinct <= 2 ? 'binary' : 'multiclass'
    reasons.push(`Task ${taskType}: the target holds ${distinct} distinct labels`)
  } else if (distinct === 2) {
    taskType = 'binary'
    reasons.push('Task binary: the numeric target has exactly 2 distinct values')
  } else if (target.wholeNumbers && distinct <= 10) {
    taskType = 'multiclass'
    reasons.push(`Task multiclass: the target holds ${distinct} distinct whole numbers`)
  } else {
    taskType = 'regression'
    reasons.push(`Task regression: the target is numeric with ${distinct} distinct values`)
  }
  if (taskType !== 'regression' && distinct < 2)
    throw new ValidationError(
      'invalid-argument',
      `Target '${targetName}' has ${distinct} distinct value(s); classification needs at least 2`,
    )
  if (taskType === 'binary' && distinct > 2)
    throw new ValidationError(
      'invalid-argument',
      `Target '${targetName}' has ${distinct} distinct values; a binary task needs exactly 2`,
    )
  if (taskType === 'regression' && !target.numeric)
    throw new ValidationError(
      'invalid-argument',
      `Target '${targetName}' is not numeric; a regression task needs numbers`,
    )
  if (taskType === 'multiclass' && distinct > 50)
    warnings.push(`The target has ${distinct} classes; is this really classification?`)

  const excludedColumns: string[] = []
  for (const column of columns) {
    if (column.name === targetName) continue
    if (column.distinct <= 1) {
      excludedColumns.push(column.name)
      reasons.push(`Excluded '${column.name}': it is constant`)
    } else if (
      column.kind === 'identifier' ||
      (column.distinct === nRows &&
        column.present === nRows &&
        isIdentifierName(column.name) &&
        (!column.numeric || column.wholeNumbers))
    ) {
      excludedColumns.push(column.name)
      reasons.push(`Excluded '${column.name}': it looks like an identifier (one distinct value per row)`)
    }
  }
  if (leakage) warnings.push(...leakage(targetName, taskType, new Set([...excludedColumns, targetName])))

  const positiveClass = taskType === 'binary' ? choosePositiveClass(target.labelCounts?.() ?? []) : undefined
  if (positiveClass !== undefined)
    reasons.push(`Positive class '${positiveClass.label}': ${positiveClass.reason}`)
  const metric = defaultMetricFor(taskType)
  reasons.push(`Metric ${metric}: the default for ${taskType} tasks`)
  return {
    mode: options.target !== undefined || options.taskType !== undefined ? 'manual' : 'auto',
    target: targetName,
    taskType,
    ...(positiveClass ? { positiveClass: positiveClass.label } : {}),
    metric,
    excludedColumns,
    reasons,
    warnings,
  }
}

/** Summary of a frame column for detection. */
function summarize(column: Column): ColumnSummary {
  let whole = true
  if (column.type === 'numeric')
    for (const v of column.values) if (!Number.isNaN(v) && !Number.isInteger(v)) whole = false
  return {
    name: column.name,
    kind: column.kind,
    numeric: column.type === 'numeric',
    distinct: distinctCount(column),
    present: presentCount(column),
    wholeNumbers: column.type === 'numeric' && whole,
    labelCounts: () => targetLabelCounts(column),
  }
}

/** Proposes a task for `frame` (see the module comment for the rules), with leakage warnings from the data. */
export function detectTask(frame: DataFrame, options: DetectTaskOptions = {}): TaskDefinition {
  return detectTaskFromSummaries(
    frame.columns.map(summarize),
    frame.nRows,
    options,
    (target, taskType, skip) =>
      leakageWarnings(frame, frame.columns.find((c) => c.name === target)!, taskType, skip),
  )
}

/**
 * Proposes a task from a stored dataset's schema and profile (no data needed; leakage checks, which
 * need the rows, are left out). Label counts for the positive class come from the profile's top values.
 */
export function detectTaskFromProfile(
  schema: readonly ColumnSchema[],
  profile: readonly ColumnProfile[],
  rowCount: number,
  options: DetectTaskOptions = {},
): TaskDefinition {
  const byName = new Map(profile.map((p) => [p.name, p]))
  const summaries = schema.map((column): ColumnSummary => {
    const stats = byName.get(column.name)
    const numeric = column.kind === 'numeric' || column.kind === 'boolean' || column.kind === 'datetime'
    // DuckDB types whole-number columns as integers (BIGINT…); booleans are 0/1.
    const whole = /INT|BOOL/i.test(column.physicalType)
    return {
      name: column.name,
      kind: column.kind,
      numeric,
      distinct: stats?.distinct ?? 0,
      present: rowCount - (stats?.missing ?? 0),
      wholeNumbers: numeric && whole,
      labelCounts: () =>
        (stats?.topValues ?? [])
          .map((t) => ({ label: t.value, count: t.count }))
          .sort((a, b) => compareCodePoints(a.label, b.label)),
    }
  })
  return detectTaskFromSummaries(summaries, rowCount, options)
}

/** Class labels of a target column (code-point order) with their row counts. */
export function targetLabelCounts(target: Column): { label: string; count: number }[] {
  const counts = new Map<string, number>()
  if (target.type === 'categorical') {
    for (const code of target.codes)
      if (code >= 0) counts.set(target.levels[code], (counts.get(target.levels[code]) ?? 0) + 1)
  } else
    for (const v of target.values)
      if (!Number.isNaN(v)) {
        // A boolean target is read as category codes in a run ('false'/'true', as the profile shows
        // it), so its labels here must be those words, never '0'/'1'.
        const label = target.kind === 'boolean' ? String(v === 1) : numericLabel(v)
        counts.set(label, (counts.get(label) ?? 0) + 1)
      }
  return [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => compareCodePoints(a.label, b.label))
}

function choosePositiveClass(
  labels: { label: string; count: number }[],
): { label: string; reason: string } | undefined {
  if (labels.length < 2) return undefined
  const events = labels.filter((l) => eventLabels.has(l.label.toLowerCase().trim()))
  if (events.length === 1) return { label: events[0].label, reason: 'it reads as the event of interest' }
  const [a, b] = labels
  if (a.count < b.count) return { label: a.label, reason: 'it is the minority class' }
  if (b.count < a.count) return { label: b.label, reason: 'it is the minority class' }
  return {
    label: b.label,
    reason: 'the classes are balanced, so the second label in code-point order is used',
  }
}

/** Warnings for features identical to the target or predicting it perfectly. */
function leakageWarnings(frame: DataFrame, target: Column, taskType: TaskType, skip: Set<string>): string[] {
  const warnings: string[] = []
  const n = frame.nRows
  const targetKey = (i: number): string | number =>
    target.type === 'categorical'
      ? target.codes[i]
      : Number.isNaN(target.values[i])
        ? 'NaN'
        : target.values[i]
  for (const column of frame.columns) {
    if (skip.has(column.name)) continue
    const key = (i: number): string | number =>
      column.type === 'categorical'
        ? column.codes[i]
        : Number.isNaN(column.values[i])
          ? 'NaN'
          : column.values[i]
    if (taskType === 'regression') {
      if (column.type === 'numeric') {
        const r = correlation(column.values, (target as { values: Float64Array }).values)
        if (Math.abs(r) >= 0.999)
          warnings.push(
            `Possible leakage: '${column.name}' is almost perfectly correlated with the target (r = ${r.toFixed(4)})`,
          )
      }
      continue
    }
    // Classification: does each feature value go with one class only (with far fewer values than rows)?
    const classOf = new Map<string | number, string | number>()
    let pure = true
    for (let i = 0; i < n && pure; i++) {
      const k = key(i)
      const t = targetKey(i)
      const seen = classOf.get(k)
      if (seen === undefined) classOf.set(k, t)
      else if (seen !== t) pure = false
    }
    if (pure && classOf.size <= Math.max(2, n / 2))
      warnings.push(
        `Possible leakage: '${column.name}' determines the target exactly (each of its values goes with one class)`,
      )
  }
  return warnings
}

function correlation(a: Float64Array, b: Float64Array): number {
  let n = 0
  let ma = 0
  let mb = 0
  for (let i = 0; i < a.length; i++)
    if (!Number.isNaN(a[i]) && !Number.isNaN(b[i])) {
      n++
      ma += a[i]
      mb += b[i]
    }
  if (n < 3) return 0
  ma /= n
  mb /= n
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < a.length; i++)
    if (!Number.isNaN(a[i]) && !Number.isNaN(b[i])) {
      sab += (a[i] - ma) * (b[i] - mb)
      saa += (a[i] - ma) ** 2
      sbb += (b[i] - mb) ** 2
    }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0
}
