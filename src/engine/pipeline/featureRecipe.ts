/**
 * The feature recipe: plain data that says how each model input is computed from the frame's columns
 * (imputation value, log, scaling, one-hot levels, datetime parts, interactions). Preprocessing and
 * feature engineering fit it on training rows only; {@link applyFeatureRecipe} evaluates it on any rows
 * of any frame with the same column names, so the same recipe serves training, test and inference.
 * Categorical steps refer to level strings, not codes, so a new frame's own level order does not matter.
 */
import { ValidationError } from '../../domain/errors.ts'
import type { Column, DataFrame, FeatureMatrix } from '../frame.ts'
import { getColumn } from '../frame.ts'

export type ScalingMode = 'standard' | 'minmax' | 'none'
export type DatetimePart = 'year' | 'month' | 'day' | 'weekday' | 'hour'

/** `(value − center) / scale`; the identity is center 0, scale 1. */
export interface Affine {
  center: number
  scale: number
}

export type FeatureStep =
  /** A numeric (or datetime epoch-ms) column: fill missing, optional log1p, then scale. */
  | { kind: 'numeric'; source: string; output: string; fill: number; log: boolean; affine: Affine }
  /** 1 where `source` is missing, else 0. */
  | { kind: 'missing_indicator'; source: string; output: string }
  /**
   * One-hot columns for `levels` (in order), plus an `other` column when `other` is set. A missing value
   * counts as `fill` (null: all zeros). Unseen levels count as 'other' when it exists, else all zeros.
   */
  | {
      kind: 'onehot'
      source: string
      outputs: string[]
      levels: string[]
      other: boolean
      fill: string | null
    }
  /** Index of the level in `levels`; missing and unseen values take the index of `fill`. */
  | { kind: 'ordinal'; source: string; output: string; levels: string[]; fill: string }
  /** Training frequency (share of rows) of the level; unseen 0; missing counts as `fill`. Then scaled. */
  | {
      kind: 'frequency'
      source: string
      output: string
      levels: string[]
      frequencies: number[]
      fill: string
      affine: Affine
    }
  /** A UTC calendar part of an epoch-ms column (missing → `fill` epoch ms), then scaled. */
  | {
      kind: 'datetime_part'
      source: string
      output: string
      part: DatetimePart
      fill: number
      affine: Affine
    }
  /** Product of two earlier outputs. */
  | { kind: 'interaction'; left: string; right: string; output: string }

export interface FeatureRecipe {
  version: 1
  /** The scaling preprocessing chose; feature engineering scales the features it adds the same way. */
  scaling: ScalingMode
  steps: FeatureStep[]
}

/** Output names of a step, in order. */
export function stepOutputs(step: FeatureStep): string[] {
  return step.kind === 'onehot' ? step.outputs : [step.output]
}

/** Output feature names of the whole recipe, in order. */
export function recipeFeatureNames(recipe: FeatureRecipe): string[] {
  return recipe.steps.flatMap(stepOutputs)
}

/** Evaluates `recipe` on rows `rows` of `frame` (all rows when omitted). */
export function applyFeatureRecipe(
  recipe: FeatureRecipe,
  frame: DataFrame,
  rows?: Int32Array,
): FeatureMatrix {
  const n = rows ? rows.length : frame.nRows
  const names: string[] = []
  const columns: Float64Array[] = []
  const categoricalLevels: number[] = []
  const byName = new Map<string, Float64Array>()
  const push = (name: string, values: Float64Array, levels = 0) => {
    names.push(name)
    columns.push(values)
    categoricalLevels.push(levels)
    byName.set(name, values)
  }
  const rowAt = rows ? (i: number) => rows[i] : (i: number) => i
  for (const step of recipe.steps) {
    switch (step.kind) {
      case 'numeric': {
        const source = numericSource(frame, step.source)
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          let v = source[rowAt(i)]
          if (Number.isNaN(v)) v = step.fill
          if (step.log) v = Math.log1p(Math.max(v, 0))
          out[i] = (v - step.affine.center) / step.affine.scale
        }
        push(step.output, out)
        break
      }
      case 'missing_indicator': {
        const column = getColumn(frame, step.source)
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++)
          out[i] =
            column.type === 'numeric' ? +Number.isNaN(column.values[rowAt(i)]) : +(column.codes[rowAt(i)] < 0)
        push(step.output, out)
        break
      }
      case 'onehot': {
        const map = levelMap(frame, step.source, step.levels, step.fill)
        const otherIndex = step.other ? step.levels.length : -1
        const outs = step.outputs.map(() => new Float64Array(n))
        for (let i = 0; i < n; i++) {
          const k = map.indexOf(rowAt(i))
          if (k >= 0) outs[k][i] = 1
          else if (k === UNSEEN && otherIndex >= 0) outs[otherIndex][i] = 1
        }
        for (const [k, name] of step.outputs.entries()) push(name, outs[k])
        break
      }
      case 'ordinal': {
        const map = levelMap(frame, step.source, step.levels, step.fill)
        const fillIndex = step.levels.indexOf(step.fill)
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const k = map.indexOf(rowAt(i))
          out[i] = k >= 0 ? k : fillIndex
        }
        push(step.output, out, step.levels.length)
        break
      }
      case 'frequency': {
        const map = levelMap(frame, step.source, step.levels, step.fill)
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const k = map.indexOf(rowAt(i))
          out[i] = ((k >= 0 ? step.frequencies[k] : 0) - step.affine.center) / step.affine.scale
        }
        push(step.output, out)
        break
      }
      case 'datetime_part': {
        const source = numericSource(frame, step.source)
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const v = source[rowAt(i)]
          out[i] =
            (datetimePart(Number.isNaN(v) ? step.fill : v, step.part) - step.affine.center) /
            step.affine.scale
        }
        push(step.output, out)
        break
      }
      case 'interaction': {
        const left = byName.get(step.left)
        const right = byName.get(step.right)
        if (!left || !right)
          throw new ValidationError(
            'invalid-record',
            `Interaction ${step.output} refers to missing features ${step.left}, ${step.right}`,
          )
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) out[i] = left[i] * right[i]
        push(step.output, out)
        break
      }
    }
  }
  return { nRows: n, names, columns, categoricalLevels }
}

/** Index returned by {@link LevelMap.indexOf} for a level the recipe has never seen. */
const UNSEEN = -2

/** Maps a frame row to the index of its level in a recipe's level list (missing → fill's index). */
interface LevelMap {
  /** Level index, -1 for a value with no column (missing with fill null), or UNSEEN. */
  indexOf(row: number): number
}

function levelMap(
  frame: DataFrame,
  source: string,
  levels: readonly string[],
  fill: string | null,
): LevelMap {
  const column = getColumn(frame, source)
  if (column.type !== 'categorical')
    throw new ValidationError(
      'invalid-argument',
      `Column '${source}' must be categorical for this feature step`,
    )
  const position = new Map(levels.map((level, i) => [level, i]))
  const codeToIndex = Int32Array.from(column.levels, (level) => position.get(level) ?? UNSEEN)
  const missingIndex = fill === null ? -1 : (position.get(fill) ?? UNSEEN)
  return {
    indexOf(row) {
      const code = column.codes[row]
      return code < 0 ? missingIndex : codeToIndex[code]
    },
  }
}

function numericSource(frame: DataFrame, name: string): Float64Array {
  const column: Column = getColumn(frame, name)
  if (column.type !== 'numeric')
    throw new ValidationError('invalid-argument', `Column '${name}' must be numeric for this feature step`)
  return column.values
}

/** A UTC calendar part of an epoch-ms time. */
export function datetimePart(epochMs: number, part: DatetimePart): number {
  const date = new Date(epochMs)
  switch (part) {
    case 'year':
      return date.getUTCFullYear()
    case 'month':
      return date.getUTCMonth() + 1
    case 'day':
      return date.getUTCDate()
    case 'weekday':
      return date.getUTCDay()
    case 'hour':
      return date.getUTCHours()
  }
}

/** Fits the scaling of `values` (training rows only). Constant columns get scale 1, as scikit-learn. */
export function fitAffine(values: Float64Array, mode: ScalingMode): Affine {
  if (mode === 'none' || values.length === 0) return { center: 0, scale: 1 }
  if (mode === 'minmax') {
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (const v of values) {
      if (v < min) min = v
      if (v > max) max = v
    }
    return { center: min, scale: max > min ? max - min : 1 }
  }
  let mean = 0
  for (const v of values) mean += v
  mean /= values.length
  let ss = 0
  for (const v of values) ss += (v - mean) ** 2
  const std = Math.sqrt(ss / values.length)
  return { center: mean, scale: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 }
}
