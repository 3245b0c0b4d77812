import { describe, expect, it } from 'vitest'
import type { Target } from '../frame.ts'
import {
  blendPredictions,
  countsToWeights,
  greedyEnsembleCounts,
  metricOfPredictions,
  selectEnsemble,
} from './ensembleSelection.ts'
import { scorePredictions } from './scoring.ts'

/** A regression target and models whose errors are known: noise a and b independent, c = truth + a. */
function regressionCase(n: number) {
  const truth = new Float64Array(n)
  const a = new Float64Array(n)
  const b = new Float64Array(n)
  const junk = new Float64Array(n)
  // Deterministic pseudo-noise (two unrelated sequences).
  for (let i = 0; i < n; i++) {
    truth[i] = Math.sin(i * 0.37) * 3 + i / n
    a[i] = truth[i] + Math.sin(i * 12.9898) * 1.0
    b[i] = truth[i] + Math.cos(i * 78.233 + 1) * 1.0
    junk[i] = -2 * truth[i]
  }
  const y: Target = { kind: 'regression', values: truth }
  return { y, a, b, junk }
}

describe('greedy ensemble selection (Caruana 2004, with replacement)', () => {
  it('averages two models with independent errors, about half each, and the blend beats either alone', () => {
    const { y, a, b } = regressionCase(400)
    const score = (p: Float64Array) => metricOfPredictions('r2', y, p, undefined)
    const counts = greedyEnsembleCounts([a, b], 'r2', score, 20)
    const weights = countsToWeights(counts)
    expect(counts.reduce((s, c) => s + c, 0)).toBeGreaterThan(1)
    expect(weights[0]).toBeGreaterThan(0.3)
    expect(weights[1]).toBeGreaterThan(0.3)
    const blend = score(blendPredictions([a, b], weights))
    expect(blend).toBeGreaterThan(score(a) + 0.05)
    expect(blend).toBeGreaterThan(score(b) + 0.05)
  })

  it('gives a useless model no weight: the best prefix is the good model alone', () => {
    const { y, a, junk } = regressionCase(400)
    const score = (p: Float64Array) => metricOfPredictions('r2', y, p, undefined)
    expect(countsToWeights(greedyEnsembleCounts([junk, a], 'r2', score, 20))).toEqual([0, 1])
  })

  it('minimises an error metric (rmse) as well', () => {
    const { y, a, b, junk } = regressionCase(300)
    const score = (p: Float64Array) => metricOfPredictions('rmse', y, p, undefined)
    const weights = countsToWeights(greedyEnsembleCounts([a, b, junk], 'rmse', score, 20))
    expect(weights[2]).toBe(0)
    expect(score(blendPredictions([a, b, junk], weights))).toBeLessThan(Math.min(score(a), score(b)))
  })

  it('the fast metric equals the full report for roc_auc, accuracy, log_loss (binary and multiclass) and r2', () => {
    const codes = Int32Array.from({ length: 60 }, (_, i) => (i * 7) % 3)
    const proba = new Float64Array(60 * 3)
    for (let i = 0; i < 60; i++) {
      const raw = [1 + Math.sin(i), 1 + Math.cos(i * 2), 1 + Math.sin(i * 3 + 1)]
      const total = raw[0] + raw[1] + raw[2]
      for (let k = 0; k < 3; k++) proba[i * 3 + k] = raw[k] / total
    }
    const multi: Target = { kind: 'classification', codes, classes: ['a', 'b', 'c'] }
    for (const metric of ['roc_auc', 'accuracy', 'log_loss', 'f1_macro'])
      expect(metricOfPredictions(metric, multi, proba, undefined)).toBeCloseTo(
        scorePredictions(multi, proba, undefined)[metric],
        12,
      )
    const binaryCodes = Int32Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1 : 0))
    const binaryProba = new Float64Array(120)
    for (let i = 0; i < 60; i++) {
      binaryProba[i * 2 + 1] = (1 + Math.sin(i * 1.7)) / 2
      binaryProba[i * 2] = 1 - binaryProba[i * 2 + 1]
    }
    const binary: Target = { kind: 'classification', codes: binaryCodes, classes: ['n', 'y'] }
    for (const positive of [0, 1])
      expect(metricOfPredictions('roc_auc', binary, binaryProba, positive)).toBeCloseTo(
        scorePredictions(binary, binaryProba, positive).roc_auc,
        12,
      )
  })
})

describe('selectEnsemble: weights on every fold, fold scores cross-fitted', () => {
  const { y, a, b, junk } = regressionCase(500)
  const values = (y as Extract<Target, { kind: 'regression' }>).values
  // Five folds of 100 consecutive rows (one k-fold repeat).
  const slices = (x: Float64Array) => Array.from({ length: 5 }, (_, f) => x.slice(f * 100, (f + 1) * 100))
  const foldTargets: Target[] = slices(values).map((v) => ({ kind: 'regression', values: v }))
  const groups = [{ folds: [0, 1, 2, 3, 4], parts: [0, 1, 2, 3, 4].map((k) => new Int32Array(100).fill(k)) }]

  it('two complementary models: the ensemble beats the best single model on the mean fold score', () => {
    const selection = selectEnsemble({
      predictions: [slices(a), slices(b)],
      foldTargets,
      groups,
      metric: 'r2',
      positiveClassIndex: undefined,
    })
    expect(selection.weights[0]).toBeGreaterThan(0.3)
    expect(selection.weights[1]).toBeGreaterThan(0.3)
    expect(selection.weights[0] + selection.weights[1]).toBeCloseTo(1, 12)
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
    const single = (p: Float64Array) =>
      mean(slices(p).map((part, f) => metricOfPredictions('r2', foldTargets[f], part, undefined)))
    expect(mean(selection.foldScores)).toBeGreaterThan(Math.max(single(a), single(b)))
  })

  it('a fold score uses weights chosen without that fold: it differs from the in-sample blend where weights differ', () => {
    // Model a is right on folds 0-3 and bad on fold 4; b is the opposite. In-sample weights favour a;
    // fold 4, scored with weights from folds 0-3 only, gets (almost) all of a and a poor score.
    const aa = Float64Array.from(a, (v, i) => (i >= 400 ? v + 6 * Math.sin(i) : values[i]))
    const bb = Float64Array.from(b, (v, i) => (i >= 400 ? values[i] : v + 6 * Math.sin(i)))
    const selection = selectEnsemble({
      predictions: [slices(aa), slices(bb)],
      foldTargets,
      groups,
      metric: 'r2',
      positiveClassIndex: undefined,
    })
    const inSample = metricOfPredictions(
      'r2',
      foldTargets[4],
      blendPredictions([slices(aa)[4], slices(bb)[4]], selection.weights),
      undefined,
    )
    expect(selection.foldScores[4]).toBeLessThan(inSample - 0.1)
  })

  it('is deterministic and gives junk no weight', () => {
    const input = {
      predictions: [slices(junk), slices(a)],
      foldTargets,
      groups,
      metric: 'r2',
      positiveClassIndex: undefined,
    }
    const first = selectEnsemble(input)
    expect(first.weights).toEqual([0, 1])
    expect(selectEnsemble(input)).toEqual(first)
  })
})
