import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { binaryLogLoss, classificationReport, logLoss } from './classification.ts'
import { summarizeFolds } from './crossValidation.ts'
import {
  calibrationCurve,
  calibrationCurves,
  classificationPlotData,
  normalizeConfusionByTrue,
  precisionRecallCurves,
  residualPoints,
  rocCurves,
} from './curves.ts'
import { clampToMetricRange, isBetterScore } from './metricInfo.ts'
import { averagePrecisionScore, precisionRecallCurve, rocAucScore, rocCurve } from './ranking.ts'
import { regressionMetrics } from './regression.ts'

function closeArray(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length)
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 12)
}

describe('ROC and precision-recall curves (scikit-learn docstring examples)', () => {
  const y = [0, 0, 1, 1]
  const score = [0.1, 0.4, 0.35, 0.8]

  it('ROC points, thresholds and area', () => {
    const roc = rocCurve(y, score)
    closeArray(roc.fpr, [0, 0, 0.5, 0.5, 1])
    closeArray(roc.tpr, [0, 0.5, 0.5, 1, 1])
    closeArray(roc.thresholds, [1.8, 0.8, 0.4, 0.35, 0.1])
    expect(rocAucScore(y, score)).toBeCloseTo(0.75, 14)
  })

  it('precision-recall points and average precision', () => {
    const pr = precisionRecallCurve(y, score)
    closeArray(pr.precision, [0.5, 2 / 3, 0.5, 1, 1])
    closeArray(pr.recall, [1, 1, 0.5, 0.5, 0])
    closeArray(pr.thresholds, [0.1, 0.35, 0.4, 0.8])
    expect(averagePrecisionScore(y, score)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 14)
  })

  it('scores tied rows as one threshold (a diagonal segment)', () => {
    const roc = rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.9])
    closeArray(roc.fpr, [0, 0, 1])
    closeArray(roc.tpr, [0, 0.5, 1])
    expect(rocAucScore([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.9])).toBeCloseTo(0.75, 14)
  })

  it('equals the Mann-Whitney pair count with ties counted as one half', () => {
    const rng = createRng(7)
    const n = 300
    const y = Array.from({ length: n }, () => (rng.nextFloat() < 0.3 ? 1 : 0))
    const s = Array.from({ length: n }, (_, i) => Math.round((rng.nextFloat() + y[i] * 0.3) * 20) / 20)
    let wins = 0
    let pairs = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (y[i] !== 1 || y[j] !== 0) continue
        pairs++
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0
      }
    }
    expect(rocAucScore(y, s)).toBeCloseTo(wins / pairs, 12)
  })

  it('keeps every point without drop_intermediate', () => {
    expect(rocCurve([0, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5], false).fpr).toHaveLength(6)
    // The first and last thresholds always stay; the collinear ones between them go.
    const dropped = rocCurve([0, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5])
    expect(dropped.fpr).toEqual([0, 0, 0, 1])
    closeArray(dropped.tpr, [0, 1 / 3, 1, 1])
  })

  it('is NaN when only one class is present, and rejects non-finite scores', () => {
    expect(rocAucScore([1, 1, 1], [0.2, 0.3, 0.9])).toBeNaN()
    expect(() => rocCurve([0, 1], [0.2, Number.NaN])).toThrow('score[1] is NaN')
  })

  it('gives one binary curve for the positive class and one per class for multiclass', () => {
    const proba = Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8])
    const yTrue = Int32Array.from([0, 0, 1, 1])
    const binary = rocCurves(yTrue, proba, ['no', 'yes'])
    expect(binary.map((c) => c.label)).toEqual(['yes'])
    expect(binary[0].auc).toBeCloseTo(0.75, 14)
    expect(rocCurves(yTrue, proba, ['no', 'yes'], 0)[0].auc).toBeCloseTo(0.75, 14)
    const multi = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6, 0.3, 0.3, 0.4])
    const curves = precisionRecallCurves(Int32Array.from([0, 1, 2, 2]), multi, ['a', 'b', 'c'])
    expect(curves.map((c) => c.label)).toEqual(['a', 'b', 'c'])
    expect(curves.map((c) => c.averagePrecision)).toEqual([1, 1, 1])
  })
})

describe('calibrationCurve', () => {
  it('matches the scikit-learn docstring example', () => {
    const curve = calibrationCurve(
      [0, 0, 0, 0, 1, 1, 1, 1, 1],
      [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1],
      3,
    )
    closeArray(curve.fractionOfPositives, [0, 0.5, 1])
    closeArray(curve.meanPredicted, [0.2, 0.525, 0.85])
    expect(curve.count).toEqual([3, 2, 4])
    expect(curve.binEdges).toHaveLength(4)
  })

  it('puts a probability on an inner edge into the lower bin and drops empty bins', () => {
    const curve = calibrationCurve([1, 0, 1], [0.1, 0.5, 0], 10)
    expect(curve.count).toEqual([2, 1])
    closeArray(curve.meanPredicted, [0.05, 0.5])
    closeArray(curve.fractionOfPositives, [1, 0])
  })

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => calibrationCurve([1], [1.2])).toThrow('outside [0, 1]')
  })

  it('draws one curve per class for multiclass', () => {
    const proba = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6])
    expect(calibrationCurves(Int32Array.from([0, 1, 2]), proba, ['a', 'b', 'c'])).toHaveLength(3)
  })
})

describe('residuals and normalised confusion', () => {
  it('keeps every row when small and evenly spaced rows when large', () => {
    const small = residualPoints([3, 5], [2.5, 6])
    expect(small).toEqual({
      predicted: [2.5, 6],
      actual: [3, 5],
      residual: [0.5, -1],
      rowIndex: [0, 1],
      totalRows: 2,
    })
    const n = 10_000
    const y = Float64Array.from({ length: n }, (_, i) => i)
    const large = residualPoints(y, y, 100)
    expect(large.rowIndex).toHaveLength(100)
    expect(large.rowIndex.slice(0, 3)).toEqual([0, 100, 200])
    expect(large.totalRows).toBe(n)
    expect(residualPoints(y, y, 100)).toEqual(large)
  })

  it('gathers every classification plot in one call', () => {
    const proba = Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8])
    const yTrue = Int32Array.from([0, 0, 1, 1])
    const report = classificationReport(yTrue, proba, ['no', 'yes'])
    const plots = classificationPlotData(yTrue, proba, ['no', 'yes'], report.confusion)
    expect(plots.roc[0].auc).toBeCloseTo(0.75, 14)
    expect(plots.precisionRecall).toHaveLength(1)
    expect(plots.calibration[0].count.reduce((a, b) => a + b)).toBe(4)
    expect(plots.confusionNormalized).toEqual([
      [1, 0],
      [0.5, 0.5],
    ])
    expect(JSON.parse(JSON.stringify(plots))).toEqual(plots)
  })

  it('keeps at most maxCurvePoints points of a long curve, evenly spaced with its ends, and the full AUC', () => {
    const n = 5000
    const yTrue = Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 13 < 6 ? 1 : 0))
    const proba = new Float64Array(2 * n)
    for (let i = 0; i < n; i++) {
      const p = (yTrue[i] * 0.3 + (((i * 104_729) % 1000) / 1000) * 0.7) * 0.999
      proba[2 * i] = 1 - p
      proba[2 * i + 1] = p
    }
    const report = classificationReport(yTrue, proba, ['0', '1'])
    const full = classificationPlotData(yTrue, proba, ['0', '1'], report.confusion, 1, 1e9)
    const thin = classificationPlotData(yTrue, proba, ['0', '1'], report.confusion, 1, 50)
    expect(full.roc[0].fpr.length).toBeGreaterThan(50)
    expect(full.precisionRecall[0].precision.length).toBeGreaterThan(50)
    for (const [whole, kept] of [
      [full.roc[0].fpr, thin.roc[0].fpr],
      [full.roc[0].tpr, thin.roc[0].tpr],
      [full.roc[0].thresholds, thin.roc[0].thresholds],
      [full.precisionRecall[0].precision, thin.precisionRecall[0].precision],
      [full.precisionRecall[0].recall, thin.precisionRecall[0].recall],
    ]) {
      expect(kept).toHaveLength(50)
      expect(kept[0]).toBe(whole[0])
      expect(kept[49]).toBe(whole[whole.length - 1])
      expect(kept[25]).toBe(whole[Math.round((25 * (whole.length - 1)) / 49)])
    }
    // The last precision–recall point has no threshold: one fewer, as in the full curve.
    expect(thin.precisionRecall[0].thresholds).toHaveLength(49)
    expect(thin.roc[0].auc).toBe(full.roc[0].auc)
    expect(thin.precisionRecall[0].averagePrecision).toBe(full.precisionRecall[0].averagePrecision)
    // The default keeps every point of a curve this short.
    expect(classificationPlotData(yTrue, proba, ['0', '1'], report.confusion).roc[0].fpr.length).toBe(
      Math.min(2000, full.roc[0].fpr.length),
    )
  })

  it('normalises by true row, zero rows staying zero', () => {
    expect(
      normalizeConfusionByTrue([
        [3, 1],
        [0, 0],
      ]),
    ).toEqual([
      [0.75, 0.25],
      [0, 0],
    ])
  })
})

describe('report edge cases', () => {
  it('gives 0 precision to a never-predicted class and averages over present classes only', () => {
    // Class 'c' never occurs and is never predicted: it takes no part in the macro average.
    const proba = Float64Array.from([0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.1, 0.8, 0.1])
    const report = classificationReport(Int32Array.from([0, 1, 1]), proba, ['a', 'b', 'c'])
    expect(report.perClass[0].precision).toBe(0.5)
    expect(report.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0 })
    expect(report.metrics.recall_macro).toBeCloseTo((1 + 0.5) / 2, 14)
    expect(report.metrics.roc_auc).toBeNaN()
    expect(report.confusion).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 0],
    ])
  })

  it('uses the binary Brier form for two classes and the Σ-over-classes form for more', () => {
    const binary = classificationReport(Int32Array.from([1, 0]), Float64Array.from([0.2, 0.8, 0.6, 0.4]), [
      'n',
      'p',
    ])
    expect(binary.metrics.brier).toBeCloseTo((0.04 + 0.16) / 2, 14)
    const multi = classificationReport(Int32Array.from([0]), Float64Array.from([0.5, 0.3, 0.2]), [
      'a',
      'b',
      'c',
    ])
    expect(multi.metrics.brier).toBeCloseTo(0.25 + 0.09 + 0.04, 14)
  })

  it('clips log loss at 1e-15 like scikit-learn 1.2', () => {
    expect(logLoss(Int32Array.from([0]), Float64Array.from([0, 1]), 2)).toBeCloseTo(-Math.log(1e-15), 6)
    expect(binaryLogLoss([0], [1])).toBeCloseTo(-Math.log(1 - (1 - 1e-15)), 9)
    expect(binaryLogLoss([1], [1])).toBeLessThan(1e-14)
  })

  it('names the bad argument', () => {
    expect(() => classificationReport(Int32Array.from([0, 3]), new Float64Array(4), ['a', 'b'])).toThrow(
      'yTrue[1] = 3 is not a class index',
    )
    expect(() => classificationReport(Int32Array.from([0]), new Float64Array(3), ['a', 'b'])).toThrow(
      'proba has 3 values',
    )
  })

  it('handles a constant regression target like scikit-learn', () => {
    expect(regressionMetrics(Float64Array.from([2, 2]), Float64Array.from([2, 2])).r2).toBe(1)
    expect(regressionMetrics(Float64Array.from([2, 2]), Float64Array.from([1, 2])).r2).toBe(0)
    expect(regressionMetrics(Float64Array.from([2]), Float64Array.from([2])).r2).toBeNaN()
  })
})

describe('cross-validated summaries and metric directions', () => {
  it('gives mean and population std per metric', () => {
    const summary = summarizeFolds([
      { accuracy: 0.8, log_loss: 0.5 },
      { accuracy: 0.9, log_loss: 0.3 },
      { accuracy: 1 },
    ])
    expect(summary.accuracy.mean).toBeCloseTo(0.9, 14)
    expect(summary.accuracy.std).toBeCloseTo(Math.sqrt(0.02 / 3), 14)
    expect(summary.accuracy.values).toEqual([0.8, 0.9, 1])
    expect(summary.log_loss.mean).toBeNaN()
  })

  it('knows which way is better', () => {
    expect(isBetterScore('roc_auc', 0.9, 0.8)).toBe(true)
    expect(isBetterScore('rmse', 0.9, 0.8)).toBe(false)
    expect(isBetterScore('rmse', Number.NaN, 0.8)).toBe(false)
    expect(() => isBetterScore('nope', 1, 2)).toThrow("Unknown metric 'nope'")
  })

  it('keeps a value within the range of its metric (an interval end past 1 or below 0)', () => {
    expect(clampToMetricRange('accuracy', 1.013)).toBe(1)
    expect(clampToMetricRange('roc_auc', -0.02)).toBe(0)
    expect(clampToMetricRange('accuracy', 0.9035)).toBe(0.9035)
    expect(clampToMetricRange('r2', 1.2)).toBe(1)
    expect(clampToMetricRange('r2', -3)).toBe(-3)
    expect(clampToMetricRange('rmse', -0.5)).toBe(0)
    expect(clampToMetricRange('rmse', 1e6)).toBe(1e6)
    expect(clampToMetricRange('my_hook_metric', 7)).toBe(7)
  })
})
