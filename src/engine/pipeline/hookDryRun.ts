/**
 * A hook tried on a few rows of the dataset, without a run ("Try on sample rows" in the hook editor).
 * {@link dryRunInput} builds the hook's input from the first rows of the table as a run's
 * before_preprocessing hook sees them (feature columns as they are in the table, the target apart, a few
 * rows as held-out rows); {@link describeHookResult} says what the hook returned, in words. A run gives
 * later stages numeric features instead, and evaluation and explainability hooks real predictions: in a
 * dry run `ctx.predictions` is the target itself (a model that is always right), and `ctx.metrics` is empty.
 */
import type { JsonValue } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import { hookBlockType } from '../../domain/hook.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { Column, DataFrame, Target } from '../frame.ts'
import { getColumn, takeRows, targetRows } from '../frame.ts'
import type { HookInput, HookResult } from '../hooks/hookContract.ts'
import { compareCodePoints } from './blocks/preprocessing.ts'
import { numericLabel } from './taskDetection.ts'

/** How many rows of the table a dry run reads: at most 5 as `ctx.data`, the rest as `ctx.evalData`. */
export const dryRunRowCount = 8
const dataRowCount = 5

/** What a dry run hands the hook, and how many rows went where (for the sentence under the button). */
export interface DryRunInput {
  input: HookInput
  dataRows: number
  evalRows: number
}

/** The target of `task` over `frame`'s rows where it is present (classes of these rows only). */
function sampleTarget(frame: DataFrame, task: TaskDefinition): { target: Target; rows: number[] } {
  const column = getColumn(frame, task.target)
  const rows: number[] = []
  if (task.taskType === 'regression') {
    if (column.type !== 'numeric') return { target: { kind: 'regression', values: new Float64Array() }, rows }
    for (let i = 0; i < frame.nRows; i++) if (!Number.isNaN(column.values[i])) rows.push(i)
    return { target: { kind: 'regression', values: Float64Array.from(rows, (r) => column.values[r]) }, rows }
  }
  const label = (i: number): string | undefined =>
    column.type === 'categorical'
      ? column.codes[i] >= 0
        ? column.levels[column.codes[i]]
        : undefined
      : Number.isNaN(column.values[i])
        ? undefined
        : numericLabel(column.values[i])
  for (let i = 0; i < frame.nRows; i++) if (label(i) !== undefined) rows.push(i)
  const classes = [...new Set(rows.map((r) => label(r)!))].sort(compareCodePoints)
  const index = new Map(classes.map((c, k) => [c, k]))
  return {
    target: { kind: 'classification', classes, codes: Int32Array.from(rows, (r) => index.get(label(r)!)!) },
    rows,
  }
}

/** The input of a dry run of a `kind` hook on `frame` (the first rows of the dataset). */
export function dryRunInput(
  frame: DataFrame,
  task: TaskDefinition,
  kind: HookKind,
  config: JsonValue,
  seed: number,
): DryRunInput {
  const { target, rows } = sampleTarget(frame, task)
  const excluded = new Set(task.excludedColumns)
  const features: DataFrame = {
    nRows: frame.nRows,
    columns: frame.columns.filter((c: Column) => c.name !== task.target && !excluded.has(c.name)),
  }
  const nData = rows.length > 1 ? Math.min(dataRowCount, rows.length - 1) : rows.length
  const dataRows = Int32Array.from(rows.slice(0, nData))
  const evalRows = Int32Array.from(rows.slice(nData))
  const dataPositions = Int32Array.from({ length: nData }, (_, i) => i)
  const evalPositions = Int32Array.from({ length: evalRows.length }, (_, i) => nData + i)
  const dataTarget = targetRows(target, dataPositions)
  const stage = hookBlockType(kind)
  const input: HookInput = {
    data: takeRows(features, dataRows),
    target: dataTarget,
    ...(evalRows.length > 0
      ? { evalData: takeRows(features, evalRows), evalTarget: targetRows(target, evalPositions) }
      : {}),
    ...(stage === 'evaluation' || stage === 'explainability' ? { predictions: dataTarget } : {}),
    config,
    metrics: {},
    hookMetrics: {},
    seed,
    task: {
      target: task.target,
      taskType: task.taskType,
      metric: task.metric,
      positiveClass: task.positiveClass ?? null,
      classes: target.kind === 'classification' ? target.classes : null,
    },
  }
  return { input, dataRows: nData, evalRows: evalRows.length }
}

const maxShown = 5

function listValues(values: ArrayLike<unknown>): string {
  const shown = Array.from({ length: Math.min(values.length, maxShown) }, (_, i) => {
    const v = values[i]
    if (typeof v === 'number') return Number.isNaN(v) ? 'missing' : String(Number(v.toPrecision(6)))
    return v === null || v === undefined ? 'missing' : String(v)
  })
  return `${shown.join(', ')}${values.length > maxShown ? ', …' : ''}`
}

function columnValues(column: Column): string {
  return column.type === 'numeric'
    ? listValues(column.values)
    : listValues(Array.from(column.codes, (c) => (c < 0 ? null : column.levels[c])))
}

function numbers(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([name, value]) => `${name} = ${Number(value.toPrecision(6))}`)
    .join(', ')
}

/**
 * What a hook returned, in short sentences (one per line), with the first values of each returned column.
 * `dataRows`: how many rows `ctx.data` had.
 */
export function describeHookResult(result: HookResult, dataRows: number): string[] {
  switch (result.type) {
    case 'unchanged':
      return ['Returned nothing: the stage runs as if the hook were not there.']
    case 'patch': {
      const lines: string[] = []
      const patch = result.data
      if (patch) {
        for (const column of patch.set) lines.push(`Sets column ${column.name}: ${columnValues(column)}.`)
        if (patch.drop.length > 0) lines.push(`Drops columns: ${patch.drop.join(', ')}.`)
        if (patch.keepRows)
          lines.push(
            `Keeps ${patch.keepRows.length} of ${dataRows} rows (rows ${listValues(Array.from(patch.keepRows))}).`,
          )
      }
      if (result.metrics && Object.keys(result.metrics).length > 0)
        lines.push(`Hook metrics: ${numbers(result.metrics)}.`)
      return lines.length > 0
        ? lines
        : ['Returned an empty change: the stage runs as if the hook were not there.']
    }
    case 'features':
      return [
        `Returns ${result.columns.length} numeric feature${result.columns.length === 1 ? '' : 's'}.`,
        ...result.columns.map((c) => `Feature ${c.name}: ${listValues(c.values)}.`),
        ...(result.keepRows ? [`Keeps ${result.keepRows.length} of ${dataRows} rows.`] : []),
      ]
    case 'model-choice': {
      const params = Object.entries(result.hyperparameters)
        .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
        .join(', ')
      return [
        `Chooses model family ${result.family}${params ? ` with ${params}` : ' with its default settings'}.`,
      ]
    }
    case 'predictions': {
      const p = result.predictions
      const values =
        p.kind === 'regression'
          ? listValues(p.values)
          : listValues(Array.from(p.codes, (c) => p.classes[c] ?? null))
      return [`Predicts the held-out rows: ${values}.`]
    }
    case 'metrics':
      return [`Metrics: ${numbers(result.metrics)}.`]
    case 'importances':
      return [`Importances: ${numbers(result.importances)}.`]
  }
}
