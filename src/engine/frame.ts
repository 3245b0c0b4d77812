/**
 * The engine's columnar table: one typed array per column, no per-row objects. DuckDB hands Arrow
 * columns to the run worker, which turns them into a DataFrame; the headless runner does the same in Node.
 */
import type { LogicalKind } from '../domain/dataset.ts'

/** Numeric (and datetime, as epoch ms; and boolean as 0/1) column; NaN marks a missing value. */
export interface NumericColumn {
  name: string
  type: 'numeric'
  kind: LogicalKind
  values: Float64Array
}

/** Categorical (and text/identifier) column as integer codes into `levels`; -1 marks a missing value. */
export interface CategoricalColumn {
  name: string
  type: 'categorical'
  kind: LogicalKind
  codes: Int32Array
  /** Distinct values, sorted by Unicode code point. */
  levels: string[]
}

export type Column = NumericColumn | CategoricalColumn

export interface DataFrame {
  nRows: number
  columns: Column[]
}

export function getColumn(frame: DataFrame, name: string): Column {
  const column = frame.columns.find((c) => c.name === name)
  if (!column)
    throw new Error(`No column named '${name}' (have: ${frame.columns.map((c) => c.name).join(', ')})`)
  return column
}

/** Rows `indices` of `frame`, as a new frame (levels kept, so codes stay comparable). */
export function takeRows(frame: DataFrame, indices: Int32Array | Uint32Array): DataFrame {
  const n = indices.length
  return {
    nRows: n,
    columns: frame.columns.map((column): Column => {
      if (column.type === 'numeric') {
        const values = new Float64Array(n)
        for (let i = 0; i < n; i++) values[i] = column.values[indices[i]]
        return { ...column, values }
      }
      const codes = new Int32Array(n)
      for (let i = 0; i < n; i++) codes[i] = column.codes[indices[i]]
      return { ...column, codes }
    }),
  }
}

/**
 * Dense numeric features after preprocessing: column-major, one Float64Array per feature. Trees read
 * columns directly; neural and linear models copy to row-major Float32 for TF.js.
 */
export interface FeatureMatrix {
  nRows: number
  names: string[]
  columns: Float64Array[]
  /** For each feature: number of levels when it holds category codes 0..k-1 (NaN = missing), else 0. */
  categoricalLevels: number[]
}

/** The prediction target of a task. */
export type Target =
  | { kind: 'classification'; codes: Int32Array; classes: string[] }
  | { kind: 'regression'; values: Float64Array }

export function featureMatrixRows(matrix: FeatureMatrix, indices: Int32Array | Uint32Array): FeatureMatrix {
  const n = indices.length
  return {
    ...matrix,
    nRows: n,
    columns: matrix.columns.map((column) => {
      const out = new Float64Array(n)
      for (let i = 0; i < n; i++) out[i] = column[indices[i]]
      return out
    }),
  }
}

export function targetRows(target: Target, indices: Int32Array | Uint32Array): Target {
  const n = indices.length
  if (target.kind === 'classification') {
    const codes = new Int32Array(n)
    for (let i = 0; i < n; i++) codes[i] = target.codes[indices[i]]
    return { ...target, codes }
  }
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = target.values[indices[i]]
  return { ...target, values }
}
