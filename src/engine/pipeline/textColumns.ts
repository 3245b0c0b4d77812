/**
 * Builds the engine's DataFrame from text columns (CSV read as all-VARCHAR), with Butterfly's import
 * rules: only a missing (null) field is missing — 'NA', 'None', 'null' are values; a column whose every
 * present value is a number is numeric (Float64Array, NaN = missing); true/false columns are boolean
 * (0/1); ISO dates/timestamps are datetime (epoch ms, UTC); everything else is categorical with levels
 * sorted by code point (so class index = position in the sorted labels, as meta.json `classes`).
 */
import type { LogicalKind } from '../../domain/dataset.ts'
import type { CategoricalColumn, Column, DataFrame, NumericColumn } from '../frame.ts'
import { compareCodePoints } from './blocks/preprocessing.ts'

const numberPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const datePattern = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/
const idNamePattern =
  /(^id$|^index$|^row(_?id|_?num(ber)?)?$|[_ ]id$|^id[_ ]|Id$|ID$|^uuid$|^key$|[_ ]key$|Key$)/

/** How to read each column; 'infer' (default) applies the rules above. */
export type ColumnTypeHint = 'infer' | 'categorical' | 'numeric'

/** A categorical column from string values (null = missing), levels sorted by code point. */
export function categoricalFromText(
  name: string,
  values: readonly (string | null)[],
  kind: LogicalKind = 'categorical',
): CategoricalColumn {
  const levels = [...new Set(values.filter((v): v is string => v !== null))].sort(compareCodePoints)
  const index = new Map(levels.map((level, i) => [level, i]))
  const codes = new Int32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    codes[i] = v === null ? -1 : index.get(v)!
  }
  return { name, type: 'categorical', kind, codes, levels }
}

/** One column from its text values, typed by the import rules (or by `hint`). */
export function columnFromText(
  name: string,
  values: readonly (string | null)[],
  hint: ColumnTypeHint = 'infer',
): Column {
  const n = values.length
  if (hint !== 'categorical') {
    let allNumbers = true
    let allBooleans = true
    let allDates = true
    let present = 0
    for (let i = 0; i < n; i++) {
      const v = values[i]
      if (v === null) continue
      present++
      const t = v.trim()
      if (allNumbers && !numberPattern.test(t)) allNumbers = false
      if (allBooleans && !/^(true|false)$/i.test(t)) allBooleans = false
      if (allDates && !datePattern.test(t)) allDates = false
      if (!allNumbers && !allBooleans && !allDates) break
    }
    if (present > 0 && (allNumbers || hint === 'numeric')) {
      const out = new Float64Array(n)
      for (let i = 0; i < n; i++) out[i] = values[i] === null ? Number.NaN : Number(values[i]!.trim())
      return { name, type: 'numeric', kind: 'numeric', values: out } satisfies NumericColumn
    }
    if (present > 0 && allBooleans) {
      const out = Float64Array.from(values, (v) =>
        v === null ? Number.NaN : /^true$/i.test(v.trim()) ? 1 : 0,
      )
      return { name, type: 'numeric', kind: 'boolean', values: out }
    }
    if (present > 0 && allDates) {
      const out = Float64Array.from(values, (v) => {
        if (v === null) return Number.NaN
        const t = v.trim().replace(' ', 'T')
        // A date or time without a zone is read as UTC so results do not depend on the machine's zone.
        return Date.parse(/Z$|[+-]\d{2}:?\d{2}$/.test(t) || t.length === 10 ? t : `${t}Z`)
      })
      return { name, type: 'numeric', kind: 'datetime', values: out }
    }
  }
  const column = categoricalFromText(name, values)
  let present = 0
  let totalLength = 0
  for (const v of values)
    if (v !== null) {
      present++
      totalLength += v.length
    }
  if (present > 0 && column.levels.length === present && idNamePattern.test(name)) column.kind = 'identifier'
  else if (present > 0 && column.levels.length > 0.5 * present && totalLength / present > 30)
    column.kind = 'text'
  return column
}

/** A DataFrame from named text columns of equal length. */
export function frameFromText(
  columns: readonly { name: string; values: readonly (string | null)[] }[],
  hints: Record<string, ColumnTypeHint> = {},
): DataFrame {
  const nRows = columns[0]?.values.length ?? 0
  return { nRows, columns: columns.map((c) => columnFromText(c.name, c.values, hints[c.name] ?? 'infer')) }
}

/** True when a column name looks like an identifier or key (id, user_id, rowId, order_key, …). */
export function isIdentifierName(name: string): boolean {
  return idNamePattern.test(name)
}
