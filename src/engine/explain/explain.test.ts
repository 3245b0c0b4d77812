import { describe, expect, it } from 'vitest'
import { WorkerError } from '../../domain/errors.ts'
import { createRng } from '../../domain/random.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { FittedModel } from '../models/model.ts'
import { defaultExplainBudget, evenlySpacedIndices, sampleRowIndices } from './budget.ts'
import { explainModel } from './explainModel.ts'
import { featureGrid, partialDependence } from './partialDependence.ts'
import { permutationImportance, topIndices } from './permutationImportance.ts'
import { createMetricScorer } from './scorers.ts'
import { meanAbsoluteShap, shapSummary } from './shapSummary.ts'
import { syntheticEnsemble } from './syntheticTrees.ts'
import { ensembleRawOutput, type ShapEnsemble, treeShap } from './treeShap.ts'

/** A FittedModel around a row function: regression value, or P(class 1) of a binary classifier. */
function toyModel(
  kind: 'regression' | 'binary',
  f: (row: number[]) => number,
  counter?: { calls: number },
): FittedModel {
  const values = (X: FeatureMatrix): Float64Array => {
    if (counter) counter.calls++
    return Float64Array.from({ length: X.nRows }, (_, i) => f(X.columns.map((c) => c[i])))
  }
  return {
    family: 'toy',
    framework: 'tfjs',
    hyperparameters: {},
    trainingMetadata: {},
    featureNames: ['signal', 'noise', 'weak'],
    nClasses: kind === 'binary' ? 2 : 0,
    async predict(X) {
      const v = values(X)
      return kind === 'binary' ? v.map((p) => (p > 0.5 ? 1 : 0)) : v
    },
    async predictProba(X) {
      const p = values(X)
      const out = new Float64Array(X.nRows * 2)
      p.forEach((q, i) => {
        out[2 * i] = 1 - q
        out[2 * i + 1] = q
      })
      return out
    },
    async serialize() {
      return new Uint8Array()
    },
  }
}

function toyData(n: number, seed: number): FeatureMatrix {
  const rng = createRng(seed)
  return {
    nRows: n,
    names: ['signal', 'noise', 'weak'],
    columns: [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng.nextNormal())),
    categoricalLevels: [0, 0, 0],
  }
}

const linear = (row: number[]): number => 3 * row[0] + 0.5 * row[2]

describe('row sampling', () => {
  it('samples distinct sorted rows deterministically, all rows when few', () => {
    const a = sampleRowIndices(1000, 50, createRng(1))
    expect(a).toHaveLength(50)
    expect(new Set(a).size).toBe(50)
    expect(Array.from(a)).toEqual([...a].sort((x, y) => x - y))
    expect(sampleRowIndices(1000, 50, createRng(1))).toEqual(a)
    expect(sampleRowIndices(1000, 50, createRng(2))).not.toEqual(a)
    expect(Array.from(sampleRowIndices(3, 50, createRng(1)))).toEqual([0, 1, 2])
    expect(Array.from(evenlySpacedIndices(10, 4))).toEqual([0, 2, 5, 7])
  })
})

describe('permutation importance', () => {
  it('ranks the informative feature first and gives the unused one exactly 0 (regression, R²)', async () => {
    const X = toyData(400, 1)
    const y: Target = {
      kind: 'regression',
      values: Float64Array.from({ length: 400 }, (_, i) => linear([X.columns[0][i], 0, X.columns[2][i]])),
    }
    const result = await permutationImportance({
      model: toyModel('regression', linear),
      X,
      y,
      scorer: createMetricScorer('r2').score,
      rng: createRng(9),
      repeats: 4,
    })
    expect(result.features).toEqual(['signal', 'noise', 'weak'])
    expect(result.baselineScore).toBe(1)
    expect(topIndices(result.mean, 3)).toEqual([0, 2, 1])
    expect(result.mean[0]).toBeGreaterThan(1)
    expect(result.mean[1]).toBe(0)
    expect(result.std[1]).toBe(0)
    expect(result.drops.map((d) => d.length)).toEqual([4, 4, 4])
    expect(result.completedRepeats).toBe(4)
    expect(result.truncated).toBe(false)
  })

  it('predicts again only the rows a shuffle changed, with the scores of predicting every row', async () => {
    // Two 0/1 columns (most rows keep their value under a shuffle), one with missing values, and a numeric one.
    const rng = createRng(12)
    const n = 300
    const X: FeatureMatrix = {
      nRows: n,
      names: ['signal', 'noise', 'weak'],
      columns: [
        Float64Array.from({ length: n }, () => rng.nextNormal()),
        Float64Array.from({ length: n }, () => (rng.nextFloat() < 0.15 ? 1 : 0)),
        Float64Array.from({ length: n }, () =>
          rng.nextFloat() < 0.2 ? Number.NaN : rng.nextFloat() < 0.1 ? 1 : 0,
        ),
      ],
      categoricalLevels: [0, 0, 0],
    }
    const f = (row: number[]) =>
      1 / (1 + Math.exp(-(2 * row[0] + row[1] - (Number.isNaN(row[2]) ? 0.5 : row[2]))))
    const y: Target = {
      kind: 'classification',
      codes: Int32Array.from({ length: n }, (_, i) => (X.columns[0][i] + 0.3 * X.columns[1][i] > 0 ? 1 : 0)),
      classes: ['a', 'b'],
    }
    const rowsPredicted = { calls: 0, rows: 0 }
    const model = toyModel('binary', f)
    const counting: FittedModel = {
      ...model,
      async predictProba(M) {
        rowsPredicted.calls++
        rowsPredicted.rows += M.nRows
        return model.predictProba(M)
      },
    }
    const scorer = createMetricScorer('log_loss')
    const options = { X, y, scorer: scorer.score, rng: createRng(4), repeats: 3 }
    const everyRow = await permutationImportance({ ...options, model, rng: createRng(4) })
    const reusing = await permutationImportance({ ...options, model: counting, predictionScorer: scorer })
    expect(reusing).toEqual(everyRow)
    expect(everyRow.mean[0]).toBeGreaterThan(0)
    // Baseline + 9 shuffles; the numeric column's shuffles change (almost) every row, the 0/1 ones a
    // quarter to a half of them: well under the 10 × n rows of predicting every row each time.
    expect(rowsPredicted.calls).toBe(10)
    expect(rowsPredicted.rows).toBeGreaterThan(n + 3 * 290 + 6 * 0.15 * n)
    expect(rowsPredicted.rows).toBeLessThan(0.65 * 10 * n)
  })

  it("scores a binary metric about the task's positive class, as evaluation does", async () => {
    // Truth: 6 rows of class 0, 2 of class 1; the model calls every row class 0 (P(class 1) = 0.1).
    const y: Target = {
      kind: 'classification',
      codes: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1]),
      classes: ['no', 'yes'],
    }
    const predictions = new Float64Array(16)
    for (let i = 0; i < 8; i++) predictions.set([0.9, 0.1], 2 * i)
    // F1 of 'yes' (index 1, the default) is 0; F1 of 'no' (positive class 0) is 2·6/(2·6 + 2) = 6/7.
    expect(createMetricScorer('f1').scorePredictions(predictions, y)).toBe(0)
    expect(createMetricScorer('f1', 0).scorePredictions(predictions, y)).toBeCloseTo(6 / 7, 12)
    expect(createMetricScorer('f1', 1).scorePredictions(predictions, y)).toBe(0)
  })

  it('is reproducible from the seed and samples at most maxRows', async () => {
    const X = toyData(300, 2)
    const y: Target = {
      kind: 'classification',
      codes: Int32Array.from(X.columns[0], (v) => (v > 0 ? 1 : 0)),
      classes: ['a', 'b'],
    }
    const model = toyModel('binary', (row) => 1 / (1 + Math.exp(-4 * row[0])))
    const run = () =>
      permutationImportance({
        model,
        X,
        y,
        scorer: createMetricScorer('log_loss').score,
        rng: createRng(5),
        maxRows: 120,
        repeats: 3,
      })
    const first = await run()
    expect(first.rowsUsed).toBe(120)
    expect(await run()).toEqual(first)
    expect(first.mean[0]).toBeGreaterThan(0.3)
    expect(first.mean[1]).toBe(0)
  })

  it('shuffles feature groups together', async () => {
    const X = toyData(200, 3)
    const y: Target = {
      kind: 'regression',
      values: Float64Array.from({ length: 200 }, (_, i) => linear([X.columns[0][i], 0, X.columns[2][i]])),
    }
    const result = await permutationImportance({
      model: toyModel('regression', linear),
      X,
      y,
      scorer: createMetricScorer('rmse').score,
      rng: createRng(1),
      repeats: 2,
      groups: [
        { name: 'signal+weak', columns: [0, 2] },
        { name: 'noise', columns: [1] },
      ],
    })
    expect(result.features).toEqual(['signal+weak', 'noise'])
    expect(result.mean[0]).toBeGreaterThan(3)
    expect(result.mean[1]).toBe(0)
  })

  it('stops new rounds when the time budget would be exceeded, keeping equal repeats per feature', async () => {
    const X = toyData(50, 4)
    const y: Target = { kind: 'regression', values: new Float64Array(50) }
    let clock = 0
    // Every model call takes 1 s of fake time: a round of 3 features takes 3 s.
    const model = toyModel('regression', linear)
    const slow: FittedModel = {
      ...model,
      predict: async (M) => {
        clock += 1000
        return model.predict(M)
      },
    }
    const result = await permutationImportance({
      model: slow,
      X,
      y,
      scorer: createMetricScorer('mae').score,
      rng: createRng(1),
      repeats: 10,
      maxSeconds: 8,
      now: () => clock,
    })
    // baseline 1 s + round 1 (3 s) = 4 s; round 2 would end at 8 s (≤ 8) → runs; round 3 would end past 8 s.
    expect(result.completedRepeats).toBe(2)
    expect(result.truncated).toBe(true)
    expect(result.drops.map((d) => d.length)).toEqual([2, 2, 2])
  })

  it('reports progress and stops with WorkerError cancelled', async () => {
    const X = toyData(30, 5)
    const y: Target = { kind: 'regression', values: new Float64Array(30) }
    const fractions: number[] = []
    let calls = 0
    const promise = permutationImportance({
      model: toyModel('regression', linear),
      X,
      y,
      scorer: createMetricScorer('r2').score,
      rng: createRng(1),
      repeats: 2,
      onProgress: (p) => fractions.push(p.fraction),
      isCancelled: () => ++calls > 4,
    })
    await expect(promise).rejects.toBeInstanceOf(WorkerError)
    await expect(promise).rejects.toMatchObject({ code: 'cancelled' })
    expect(fractions).toEqual([1 / 6, 2 / 6, 3 / 6])
  })
})

describe('cancellation from a message', () => {
  it('lets a macrotask set the cancel flag while a synchronous model runs', async () => {
    const X = toyData(500, 9)
    const y: Target = { kind: 'regression', values: new Float64Array(500) }
    let cancelled = false
    // A worker's cancel message arrives as a macrotask, like this timer.
    setTimeout(() => {
      cancelled = true
    }, 0)
    const counter = { calls: 0 }
    const promise = permutationImportance({
      model: toyModel('regression', linear, counter),
      X,
      y,
      scorer: createMetricScorer('r2').score,
      rng: createRng(1),
      repeats: 1000,
      maxSeconds: 600,
      isCancelled: () => cancelled,
    })
    await expect(promise).rejects.toMatchObject({ code: 'cancelled' })
    expect(counter.calls).toBeLessThan(3000)
  })
})

describe('partial dependence', () => {
  it('builds quantile grids, distinct-value grids and level grids', () => {
    const column = Float64Array.from({ length: 101 }, (_, i) => i)
    expect(featureGrid(column, 0, 3).map((v) => Number(v.toFixed(9)))).toEqual([5, 50, 95])
    expect(featureGrid(Float64Array.from([2, 1, Number.NaN, 2, 3]), 0, 20)).toEqual([1, 2, 3])
    expect(featureGrid(Float64Array.from([0, 1]), 4, 20)).toEqual([0, 1, 2, 3])
  })

  it('is monotone and exact on a linear model', async () => {
    const X = toyData(300, 6)
    const result = await partialDependence({
      model: toyModel('regression', linear),
      X,
      features: [0, 1],
      rng: createRng(2),
      maxRows: 100,
    })
    expect(result.outputs).toEqual(['prediction'])
    expect(result.rowsUsed).toBe(100)
    const signal = result.features[0]
    expect(signal.grid).toHaveLength(defaultExplainBudget.partialDependence.gridResolution)
    for (let g = 1; g < signal.grid.length; g++) {
      expect(signal.grid[g]).toBeGreaterThan(signal.grid[g - 1])
      expect(signal.average[0][g]).toBeGreaterThan(signal.average[0][g - 1])
      // Slope 3 exactly: the other features' contribution is a constant offset.
      expect((signal.average[0][g] - signal.average[0][0]) / (signal.grid[g] - signal.grid[0])).toBeCloseTo(
        3,
        9,
      )
    }
    const noise = result.features[1]
    expect(new Set(noise.average[0].map((v) => v.toFixed(12))).size).toBe(1)
  })

  it('averages class probabilities per class and uses category levels', async () => {
    const X: FeatureMatrix = { ...toyData(60, 7), categoricalLevels: [0, 3, 0] }
    X.columns[1] = Float64Array.from({ length: 60 }, (_, i) => i % 3)
    const model = toyModel('binary', (row) => (row[1] === 2 ? 0.9 : 0.2))
    const result = await partialDependence({
      model,
      X,
      features: [1],
      classes: ['no', 'yes'],
      rng: createRng(1),
    })
    const pd = result.features[0]
    expect(pd.categorical).toBe(true)
    expect(pd.grid).toEqual([0, 1, 2])
    expect(pd.average[1].map((v) => Number(v.toFixed(12)))).toEqual([0.2, 0.2, 0.9])
    expect(pd.average[0].map((v) => Number(v.toFixed(12)))).toEqual([0.8, 0.8, 0.1])
  })

  it('calls the model once per feature', async () => {
    const counter = { calls: 0 }
    await partialDependence({
      model: toyModel('regression', linear, counter),
      X: toyData(50, 8),
      features: [0, 1, 2],
      rng: createRng(1),
    })
    expect(counter.calls).toBe(3)
  })
})

describe('SHAP summary', () => {
  it('sorts features by mean |φ| and scales values to 0..1', () => {
    const shap = {
      nRows: 3,
      nFeatures: 2,
      values: [Float64Array.from([0.1, -2, 0.2, 1, -0.3, 3])],
      expectedValue: [0],
      rawPrediction: new Float64Array(3),
    }
    const importance = meanAbsoluteShap(shap)
    expect(importance[0]).toBeCloseTo(0.2, 14)
    expect(importance[1]).toBe(2)
    const summary = shapSummary(
      shap,
      [Float64Array.from([1, 2, Number.NaN]), Float64Array.from([5, 5, 5])],
      ['a', 'b'],
    )
    expect(summary.map((s) => s.feature)).toEqual(['b', 'a'])
    expect(summary[0].shap).toEqual([-2, 1, 3])
    expect(summary[0].normalizedValue).toEqual([0.5, 0.5, 0.5])
    expect(summary[1].normalizedValue).toEqual([0, 1, Number.NaN])
    expect(
      shapSummary(shap, [Float64Array.from([1, 2, 3]), Float64Array.from([5, 5, 5])], ['a', 'b'], {
        maxPoints: 2,
      })[0].shap,
    ).toEqual([-2, 1])
  })
})

describe('explainModel', () => {
  function treeModel(ensemble: ShapEnsemble): FittedModel {
    return {
      ...toyModel('regression', linear),
      async predict(X) {
        return ensembleRawOutput(ensemble, X.columns, X.nRows)
      },
    }
  }

  it('runs permutation, SHAP and partial dependence of the top features within the budget', async () => {
    const rng = createRng(11)
    const ensemble = syntheticEnsemble(rng.fork('model'), {
      nFeatures: 3,
      maxDepth: 4,
      nTrees: 10,
      usedFeatures: [0, 2],
    })
    const X = toyData(400, 12)
    const model = treeModel(ensemble)
    const y: Target = { kind: 'regression', values: ensembleRawOutput(ensemble, X.columns, X.nRows) }
    const stages = new Set<string>()
    const budget = {
      ...defaultExplainBudget,
      shap: { maxRows: 60, maxSeconds: 20 },
      partialDependence: { ...defaultExplainBudget.partialDependence, topFeatures: 2, maxRows: 50 },
    }
    const explanation = await explainModel({
      model,
      X,
      y,
      trees: ensemble,
      rng: createRng(3),
      budget,
      onProgress: (p) => stages.add(p.stage),
    })
    expect([...stages]).toEqual(['permutation', 'shap', 'partial_dependence'])
    expect(explanation.permutation.metric).toBe('r2')
    expect(explanation.permutation.mean[1]).toBe(0)
    expect(explanation.partialDependence.features.map((f) => f.featureIndex).sort()).toEqual([0, 2])
    const shap = explanation.shap!
    expect(shap.rowIndex).toHaveLength(60)
    expect(shap.outputs).toEqual(['prediction'])
    expect(shap.meanAbsShap[1]).toBe(0)
    // The SHAP values are those of a direct TreeSHAP call on the same rows.
    const direct = treeShap(ensemble, X.columns, X.nRows, { rows: shap.rowIndex })
    expect(shap.values[0]).toEqual(Array.from(direct.values[0]))
    expect(shap.summary[0].map((s) => s.feature).at(-1)).toBe('noise')
    expect(JSON.parse(JSON.stringify(explanation)).permutation.features).toEqual(['signal', 'noise', 'weak'])
  })
})
