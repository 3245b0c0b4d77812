/**
 * Arrow columns (from DuckDB in the data worker, or parquet-wasm) to the engine's DataFrame, reading
 * the typed value buffers and validity bitmaps directly: numbers become Float64Array (NaN = missing),
 * everything else becomes category codes over levels sorted by code point (-1 = missing).
 */
import type { Data, Table, Vector } from 'apache-arrow'
import { DataType } from 'apache-arrow'
import type { LogicalKind } from '../domain/dataset.ts'
import type { Column, DataFrame } from './frame.ts'

export interface FrameColumnHint {
  /** Force category codes even for numbers (a classification target, or a numeric-looking code). */
  categorical?: boolean
  kind?: LogicalKind
}

export function frameFromArrow(table: Table, hints: Record<string, FrameColumnHint> = {}): DataFrame {
  const columns: Column[] = table.schema.fields.map((field, index) => {
    const vector = table.getChildAt(index) as Vector
    const hint = hints[field.name] ?? {}
    const type = field.type
    const numeric = DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type)
    if (numeric && !hint.categorical) {
      return {
        name: field.name,
        type: 'numeric',
        kind: hint.kind ?? 'numeric',
        values: numericValues(vector, table.numRows),
      }
    }
    if (DataType.isBool(type) && !hint.categorical) {
      return {
        name: field.name,
        type: 'numeric',
        kind: hint.kind ?? 'boolean',
        values: numericValues(vector, table.numRows),
      }
    }
    if ((DataType.isDate(type) || DataType.isTimestamp(type)) && !hint.categorical) {
      const values = new Float64Array(table.numRows)
      for (let i = 0; i < table.numRows; i++) {
        const v = vector.get(i) as number | Date | bigint | null
        values[i] = v === null || v === undefined ? Number.NaN : v instanceof Date ? v.getTime() : Number(v)
      }
      return { name: field.name, type: 'numeric', kind: hint.kind ?? 'datetime', values }
    }
    return categoricalColumn(field.name, vector, table.numRows, hint.kind ?? 'categorical')
  })
  return { nRows: table.numRows, columns }
}

function numericValues(vector: Vector, n: number): Float64Array {
  const out = new Float64Array(n)
  let offset = 0
  for (const chunk of vector.data as Data[]) {
    const values = chunk.values as ArrayLike<number | bigint> | Uint8Array
    const isBool = DataType.isBool(chunk.type)
    const validity = chunk.nullBitmap
    const hasNulls = chunk.nullCount > 0 && validity && validity.length > 0
    for (let i = 0; i < chunk.length; i++) {
      const bit = chunk.offset + i
      if (hasNulls && ((validity[bit >> 3] >> (bit & 7)) & 1) === 0) {
        out[offset + i] = Number.NaN
        continue
      }
      if (isBool) out[offset + i] = ((values as Uint8Array)[bit >> 3] >> (bit & 7)) & 1
      else out[offset + i] = Number((values as ArrayLike<number | bigint>)[i])
    }
    offset += chunk.length
  }
  return out
}

function categoricalColumn(name: string, vector: Vector, n: number, kind: LogicalKind): Column {
  const firstCodes = new Int32Array(n)
  const seen = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const v = vector.get(i)
    if (v === null || v === undefined) {
      firstCodes[i] = -1
      continue
    }
    const text = typeof v === 'string' ? v : String(typeof v === 'bigint' ? Number(v) : v)
    let code = seen.get(text)
    if (code === undefined) {
      code = seen.size
      seen.set(text, code)
    }
    firstCodes[i] = code
  }
  // Levels sorted by code point, so class index = position in the sorted label list (as scikit-learn).
  const levels = [...seen.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const remap = new Int32Array(levels.length)
  levels.forEach((level, sortedIndex) => {
    remap[seen.get(level) as number] = sortedIndex
  })
  const codes = new Int32Array(n)
  for (let i = 0; i < n; i++) codes[i] = firstCodes[i] < 0 ? -1 : remap[firstCodes[i]]
  return { name, type: 'categorical', kind, codes, levels }
}
