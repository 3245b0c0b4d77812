/**
 * Explanations in the units of the data: how each model input relates to the table's columns (from the
 * run's feature recipe), so partial dependence axes and per-row explanations read in years, square feet
 * and category names instead of standardised values or one-hot columns. Plain data, JSON-ready; stored
 * with the explanation, so a report can be redrawn from the artifact alone.
 */
import type { DataFrame } from '../frame.ts'
import type { DatetimePart, FeatureRecipe } from '../pipeline/featureRecipe.ts'

/** How one model input reads in the table's units. */
export type FeatureUnit =
  /** A numeric column, scaled (and maybe log1p'd): `x = unscale(v)`. `datetime`: epoch ms. */
  | { kind: 'numeric'; source: string; center: number; scale: number; log: boolean; datetime: boolean }
  /** A calendar part (year, month…) of a datetime column, scaled. */
  | { kind: 'datetime_part'; source: string; part: DatetimePart; center: number; scale: number }
  /** One one-hot column: 1 when the column holds `level` (null: any level not kept, 'other'). */
  | { kind: 'level'; source: string; level: string | null }
  /** Level codes 0..k-1 of a categorical column (ordinal encoding). */
  | { kind: 'levels'; source: string; levels: string[] }
  /** The training share of the row's level, scaled. */
  | { kind: 'frequency'; source: string; center: number; scale: number }
  /** 1 where the column is missing. */
  | { kind: 'missing'; source: string }

/** The explained rows' values of one table column, as the table holds them (null = missing). */
export interface SourceValues {
  column: string
  kind: 'number' | 'datetime' | 'text'
  values: (number | string | null)[]
}

/**
 * The unit of every model input the recipe computes from a single column, by feature name (inputs made
 * by interactions or hooks have none).
 */
export function featureUnits(recipe: FeatureRecipe, frame?: DataFrame): Record<string, FeatureUnit> {
  const units: Record<string, FeatureUnit> = {}
  const isDatetime = (source: string) => frame?.columns.find((c) => c.name === source)?.kind === 'datetime'
  for (const step of recipe.steps) {
    switch (step.kind) {
      case 'numeric':
        units[step.output] = {
          kind: 'numeric',
          source: step.source,
          center: step.affine.center,
          scale: step.affine.scale,
          log: step.log,
          datetime: isDatetime(step.source),
        }
        break
      case 'datetime_part':
        units[step.output] = {
          kind: 'datetime_part',
          source: step.source,
          part: step.part,
          center: step.affine.center,
          scale: step.affine.scale,
        }
        break
      case 'onehot':
        step.outputs.forEach((output, k) => {
          units[output] = { kind: 'level', source: step.source, level: step.levels[k] ?? null }
        })
        break
      case 'ordinal':
        units[step.output] = { kind: 'levels', source: step.source, levels: [...step.levels] }
        break
      case 'frequency':
        units[step.output] = {
          kind: 'frequency',
          source: step.source,
          center: step.affine.center,
          scale: step.affine.scale,
        }
        break
      case 'missing_indicator':
        units[step.output] = { kind: 'missing', source: step.source }
        break
      case 'interaction':
        break
    }
  }
  return units
}

/**
 * A model input's value in the table's units: the scaling (and log1p) undone for numeric inputs,
 * calendar parts as whole numbers, frequencies as shares; codes and 0/1 columns unchanged.
 */
export function toDataUnits(unit: FeatureUnit | undefined, value: number): number {
  if (!unit || Number.isNaN(value)) return value
  switch (unit.kind) {
    case 'numeric': {
      const x = value * unit.scale + unit.center
      return unit.log ? Math.expm1(x) : x
    }
    case 'datetime_part':
      return Math.round(value * unit.scale + unit.center)
    case 'frequency':
      return value * unit.scale + unit.center
    default:
      return value
  }
}

/**
 * The values of `columns` of `frame` at frame rows `rows`, as the table holds them: numbers, epoch ms
 * for datetimes, level strings for categorical columns, null when missing.
 */
export function sourceValues(
  frame: DataFrame,
  columns: readonly string[],
  rows: ArrayLike<number>,
): SourceValues[] {
  const out: SourceValues[] = []
  for (const name of columns) {
    const column = frame.columns.find((c) => c.name === name)
    if (!column) continue
    const values: (number | string | null)[] = []
    for (let i = 0; i < rows.length; i++) {
      if (column.type === 'numeric') {
        const v = column.values[rows[i]]
        values.push(Number.isNaN(v) ? null : v)
      } else {
        const code = column.codes[rows[i]]
        values.push(code < 0 ? null : column.levels[code])
      }
    }
    out.push({
      column: name,
      kind: column.type === 'categorical' ? 'text' : column.kind === 'datetime' ? 'datetime' : 'number',
      values,
    })
  }
  return out
}
