/**
 * Greedy ensemble selection with replacement (Caruana et al. 2004, "Ensemble selection from libraries
 * of models") over the candidates' out-of-fold predictions, and an honest score for it: each validation
 * fold's ensemble predictions use weights chosen without that fold's rows (cross-fitting), so the
 * ensemble's fold scores compare with the candidates' on equal terms. Pure functions over typed arrays.
 */
import type { Target } from '../frame.ts'
import { argmaxRows } from '../metrics/argmax.ts'
import {
  accuracyScore,
  evaluateClassification,
  logLoss,
  oneVsRest,
  probaColumn,
  rocAucOvr,
} from '../metrics/classification.ts'
import { rocAucScore } from '../metrics/ranking.ts'
import { meanAbsoluteError, r2Score, regressionMetrics, rootMeanSquaredError } from '../metrics/regression.ts'
import { concatTyped } from '../typedArrays.ts'
import { isBetterScore } from './scoring.ts'

/**
 * One metric of predictions (class probabilities, row-major n × classes, or values): the common model
 * selection metrics directly, any other through the full report. Same definitions as `scoreModel`.
 */
export function metricOfPredictions(
  metric: string,
  y: Target,
  predictions: Float64Array,
  positiveClassIndex: number | undefined,
): number {
  if (y.kind === 'regression') {
    if (metric === 'r2') return r2Score(y.values, predictions)
    if (metric === 'rmse') return rootMeanSquaredError(y.values, predictions)
    if (metric === 'mae') return meanAbsoluteError(y.values, predictions)
    return regressionMetrics(y.values, predictions)[metric] ?? Number.NaN
  }
  const k = y.classes.length
  if (metric === 'accuracy') return accuracyScore(y.codes, argmaxRows(predictions, k))
  if (metric === 'log_loss') return logLoss(y.codes, predictions, k)
  if (metric === 'roc_auc') {
    if (k > 2) return rocAucOvr(y.codes, predictions, k)
    const positive = positiveClassIndex ?? 1
    return rocAucScore(oneVsRest(y.codes, positive), probaColumn(predictions, 2, positive))
  }
  return (
    evaluateClassification(
      y.codes,
      predictions,
      y.classes,
      positiveClassIndex === undefined ? {} : { positiveClass: positiveClassIndex },
    ).metrics[metric] ?? Number.NaN
  )
}

/** Rounds of greedy selection: each adds one model (with replacement), so weights are multiples of 1/rounds. */
export const ensembleRounds = 20

/**
 * Greedy ensemble selection with replacement: start empty; each round adds the model whose addition
 * gives the best score of the running average (ties → the lowest index); keep the best-scoring prefix.
 * `score` is a metric (direction from `metric`) of an averaged prediction array.
 * @returns the count of picks per model in the best prefix (at least one pick in all)
 */
export function greedyEnsembleCounts(
  predictions: readonly Float64Array[],
  metric: string,
  score: (averaged: Float64Array) => number,
  rounds = ensembleRounds,
): number[] {
  const m = predictions.length
  const length = predictions[0].length
  const sum = new Float64Array(length)
  const counts = new Array<number>(m).fill(0)
  let best: { score: number; counts: number[] } | undefined
  const trial = new Float64Array(length)
  for (let round = 1; round <= rounds; round++) {
    let pick = -1
    let pickScore = Number.NaN
    for (let j = 0; j < m; j++) {
      const p = predictions[j]
      for (let i = 0; i < length; i++) trial[i] = (sum[i] + p[i]) / round
      const s = score(trial)
      if (pick < 0 || isBetterScore(metric, s, pickScore)) {
        pick = j
        pickScore = s
      }
    }
    const p = predictions[pick]
    for (let i = 0; i < length; i++) sum[i] += p[i]
    counts[pick]++
    if (!best || isBetterScore(metric, pickScore, best.score))
      best = { score: pickScore, counts: [...counts] }
  }
  return best!.counts
}

/** Weights (summing to 1) from pick counts. */
export function countsToWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => c / total)
}

/** The weighted average of prediction arrays (models in order, so the sum is deterministic). */
export function blendPredictions(
  predictions: readonly Float64Array[],
  weights: readonly number[],
): Float64Array {
  const out = new Float64Array(predictions[0].length)
  predictions.forEach((p, j) => {
    const w = weights[j]
    if (w === 0) return
    for (let i = 0; i < out.length; i++) out[i] += w * p[i]
  })
  return out
}

/** Rows `rows` (of `width` values each) of a row-major prediction array. */
export function takeRows(values: Float64Array, width: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * width)
  for (let i = 0; i < rows.length; i++)
    for (let w = 0; w < width; w++) out[i * width + w] = values[rows[i] * width + w]
  return out
}

function concatTargets(parts: readonly Target[]): Target {
  const first = parts[0]
  if (first.kind === 'classification')
    return {
      ...first,
      codes: concatTyped(
        parts.map((p) => (p as typeof first).codes),
        (n) => new Int32Array(n),
      ),
    }
  return {
    ...first,
    values: concatTyped(
      parts.map((p) => (p as Extract<Target, { kind: 'regression' }>).values),
      (n) => new Float64Array(n),
    ),
  }
}

/** Rows `rows` of a target. */
export function targetSubset(y: Target, rows: readonly number[]): Target {
  if (y.kind === 'classification') return { ...y, codes: Int32Array.from(rows, (r) => y.codes[r]) }
  return { ...y, values: Float64Array.from(rows, (r) => y.values[r]) }
}

/** Inputs of {@link selectEnsemble}. */
export interface EnsembleSelectionInput {
  /** predictions[candidate][fold]: the candidate's predictions on the fold's validation rows. */
  predictions: readonly (readonly Float64Array[])[]
  /** The validation rows' targets per fold. */
  foldTargets: readonly Target[]
  /**
   * Folds that together cover the rows once (one repeat of k-fold: its k folds; a hold-out: its one
   * fold), with for each fold the cross-fitting part of each of its validation rows: a k-fold's rows
   * are in their fold's part; a hold-out slice is cut into parts (e.g. 5, seeded).
   */
  groups: readonly { folds: readonly number[]; parts: readonly Int32Array[] }[]
  metric: string
  positiveClassIndex: number | undefined
  rounds?: number
}

/** What {@link selectEnsemble} found. */
export interface EnsembleSelection {
  /** Weight per candidate (sums to 1), chosen on every fold's rows. */
  weights: number[]
  /** The ensemble's score per fold, each with weights chosen without that part's rows. */
  foldScores: number[]
}

/**
 * Greedy ensemble selection on all out-of-fold rows, plus cross-fitted fold scores: inside each group,
 * for every part, weights are chosen on the group's other parts and predict that part's rows; a fold's
 * score is the metric of those predictions on its rows.
 */
export function selectEnsemble(input: EnsembleSelectionInput): EnsembleSelection {
  const { predictions, foldTargets, metric, positiveClassIndex } = input
  const m = predictions.length
  const nFolds = foldTargets.length
  const width = (f: number) => {
    const y = foldTargets[f]
    return y.kind === 'classification' ? y.classes.length : 1
  }
  const scoreOf = (y: Target) => (p: Float64Array) => metricOfPredictions(metric, y, p, positiveClassIndex)
  const allFolds = Array.from({ length: nFolds }, (_, f) => f)
  const pooled = (folds: readonly number[]) => ({
    predictions: Array.from({ length: m }, (_, j) =>
      concatTyped(
        folds.map((f) => predictions[j][f]),
        (n) => new Float64Array(n),
      ),
    ),
    y: concatTargets(folds.map((f) => foldTargets[f])),
  })
  const everything = pooled(allFolds)
  const weights = countsToWeights(
    greedyEnsembleCounts(everything.predictions, metric, scoreOf(everything.y), input.rounds),
  )
  const foldScores = new Array<number>(nFolds).fill(Number.NaN)
  for (const group of input.groups) {
    const { predictions: groupPredictions, y } = pooled(group.folds)
    const w = width(group.folds[0])
    const part = concatTyped(group.parts as Int32Array[], (n) => new Int32Array(n))
    const crossFitted = new Float64Array(part.length * w)
    for (const p of [...new Set(part)].sort((a, b) => a - b)) {
      const inside: number[] = []
      const outside: number[] = []
      for (let i = 0; i < part.length; i++) (part[i] === p ? inside : outside).push(i)
      const partWeights =
        outside.length === 0
          ? weights
          : countsToWeights(
              greedyEnsembleCounts(
                groupPredictions.map((g) => takeRows(g, w, outside)),
                metric,
                scoreOf(targetSubset(y, outside)),
                input.rounds,
              ),
            )
      const blended = blendPredictions(
        groupPredictions.map((g) => takeRows(g, w, inside)),
        partWeights,
      )
      inside.forEach((row, i) => {
        for (let o = 0; o < w; o++) crossFitted[row * w + o] = blended[i * w + o]
      })
    }
    let offset = 0
    for (const f of group.folds) {
      const rows =
        foldTargets[f].kind === 'classification'
          ? (foldTargets[f] as Extract<Target, { kind: 'classification' }>).codes.length
          : (foldTargets[f] as Extract<Target, { kind: 'regression' }>).values.length
      foldScores[f] = metricOfPredictions(
        metric,
        foldTargets[f],
        crossFitted.subarray(offset * w, (offset + rows) * w),
        positiveClassIndex,
      )
      offset += rows
    }
  }
  return { weights, foldScores }
}
