import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  accuracyScore,
  averagePrecisionOvr,
  balancedAccuracyScore,
  binaryBrierScore,
  binaryLogLoss,
  classificationReport,
  confusionMatrix,
  evaluateClassification,
  logLoss,
  macroAverage,
  precisionRecallFscore,
  predictClasses,
  rocAucOvr,
  weightedAverage,
} from './classification.ts'
import { averagePrecisionScore, precisionRecallCurve, rocAucScore, rocCurve } from './ranking.ts'
import {
  meanAbsoluteError,
  meanAbsolutePercentageError,
  medianAbsoluteError,
  r2Score,
  regressionMetrics,
  rootMeanSquaredError,
} from './regression.ts'

interface FixtureCase {
  name: string
  task: 'binary' | 'multiclass' | 'regression'
  n_classes?: number
  y_true: number[]
  y_score?: number[]
  y_proba?: number[][]
  threshold?: number
  y_pred: number[]
  expected: Record<string, unknown>
}

const fixtures = JSON.parse(
  readFileSync(new URL('../../../tests/fixtures/metrics/metrics-fixtures.json', import.meta.url), 'utf8'),
) as { about: string; cases: FixtureCase[] }

const TOLERANCE = 1e-9

function expectClose(actual: number, expected: number, label: string): void {
  expect(
    Math.abs(actual - expected),
    `${label}: got ${actual}, scikit-learn ${expected}`,
  ).toBeLessThanOrEqual(TOLERANCE)
}

function expectAllClose(actual: ArrayLike<number>, expected: number[], label: string): void {
  expect(actual.length, `${label} length`).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], `${label}[${i}]`)
}

/** Numeric deep comparison: numbers to 1e-9, arrays element-wise, objects key by key (all expected keys). */
function expectMatches(actual: unknown, expected: unknown, label: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, `${label}: no value computed`).toBe('number')
    expectClose(actual as number, expected, label)
  } else if (Array.isArray(expected)) {
    const values = ArrayBuffer.isView(actual) ? Array.from(actual as Float64Array) : actual
    expect(Array.isArray(values), `${label}: no array computed`).toBe(true)
    expect((values as unknown[]).length, `${label} length`).toBe(expected.length)
    expected.forEach((e, i) => {
      expectMatches((values as unknown[])[i], e, `${label}[${i}]`)
    })
  } else {
    expect(typeof actual, `${label}: no object computed`).toBe('object')
    for (const [key, e] of Object.entries(expected as Record<string, unknown>)) {
      expectMatches((actual as Record<string, unknown>)[key], e, `${label}.${key}`)
    }
  }
}

/** Our value of every metric name the fixtures use, computed with the single-metric functions. */
function computeFixtureMetrics(c: FixtureCase): Record<string, unknown> {
  if (c.task === 'regression') {
    const yTrue = Float64Array.from(c.y_true)
    const yPred = Float64Array.from(c.y_pred)
    return {
      rmse: rootMeanSquaredError(yTrue, yPred),
      mae: meanAbsoluteError(yTrue, yPred),
      r2: r2Score(yTrue, yPred),
      mape: meanAbsolutePercentageError(yTrue, yPred),
      median_absolute_error: medianAbsoluteError(yTrue, yPred),
    }
  }
  const k = c.task === 'binary' ? 2 : c.n_classes!
  const yTrue = Int32Array.from(c.y_true)
  const yPred = Int32Array.from(c.y_pred)
  const prf = precisionRecallFscore(yTrue, yPred, k)
  const common = {
    accuracy: accuracyScore(yTrue, yPred),
    balanced_accuracy: balancedAccuracyScore(yTrue, yPred, k),
    precision_macro: macroAverage(prf.precision, prf.present),
    recall_macro: macroAverage(prf.recall, prf.present),
    f1_macro: macroAverage(prf.f1, prf.present),
    f1_weighted: weightedAverage(prf.f1, prf.support),
    f1_per_class: prf.f1,
    confusion_matrix: confusionMatrix(yTrue, yPred, k),
  }
  if (c.task === 'multiclass') {
    const proba = Float64Array.from(c.y_proba!.flat())
    return { ...common, roc_auc_ovr_macro: rocAucOvr(yTrue, proba, k), log_loss: logLoss(yTrue, proba, k) }
  }
  const score = Float64Array.from(c.y_score!)
  return {
    ...common,
    precision: prf.precision[1],
    recall: prf.recall[1],
    f1: prf.f1[1],
    roc_auc: rocAucScore(yTrue, score),
    average_precision: averagePrecisionScore(yTrue, score),
    log_loss: binaryLogLoss(yTrue, score),
    brier: binaryBrierScore(yTrue, score),
    roc_curve: rocCurve(yTrue, score),
    pr_curve: precisionRecallCurve(yTrue, score),
  }
}

function binaryProba(score: number[]): Float64Array {
  const proba = new Float64Array(score.length * 2)
  score.forEach((s, i) => {
    proba[2 * i] = 1 - s
    proba[2 * i + 1] = s
  })
  return proba
}

describe('scikit-learn 1.2.1 metric fixtures', () => {
  it('has cases of every task', () => {
    expect(new Set(fixtures.cases.map((c) => c.task))).toEqual(
      new Set(['binary', 'multiclass', 'regression']),
    )
  })

  for (const c of fixtures.cases) {
    it(`${c.name}: matches every expected value (${Object.keys(c.expected).join(', ')})`, () => {
      const actual = computeFixtureMetrics(c)
      for (const [name, expected] of Object.entries(c.expected)) {
        expect(actual, `no function computes '${name}'`).toHaveProperty(name)
        expectMatches(actual[name], expected, `${c.name}.${name}`)
      }
    })
  }

  for (const c of fixtures.cases.filter((x) => x.task === 'binary')) {
    describe(c.name, () => {
      const yTrue = Int32Array.from(c.y_true)
      const proba = binaryProba(c.y_score!)
      const e = c.expected as Record<string, number> & {
        confusion_matrix: number[][]
        roc_curve: { fpr: number[]; tpr: number[] }
        pr_curve: { precision: number[]; recall: number[] }
      }

      it('decides like the fixture with its threshold', () => {
        expect(Array.from(predictClasses(proba, 2, { threshold: c.threshold! }))).toEqual(c.y_pred)
      })

      it('matches through the report with the fixture threshold', () => {
        const report = evaluateClassification(yTrue, proba, ['neg', 'pos'], { threshold: c.threshold! })
        const m = report.metrics
        for (const key of [
          'accuracy',
          'balanced_accuracy',
          'precision',
          'recall',
          'f1',
          'f1_macro',
          'f1_weighted',
        ]) {
          expectClose(m[key], e[key], key)
        }
        expectClose(m.roc_auc, e.roc_auc, 'roc_auc')
        expectClose(m.pr_auc, e.average_precision, 'pr_auc')
        expectClose(m.brier, e.brier, 'brier')
        expectClose(m.log_loss, e.log_loss, 'log_loss')
        expect(report.confusion).toEqual(e.confusion_matrix)
      })

      // The argmax sends an exact 0.5/0.5 tie to class 0 where the fixture's `score >= 0.5` says 1.
      const hasExactTie = c.y_score!.some((s) => s === 0.5)
      it(`matches through classificationReport (argmax) ${hasExactTie ? 'except at exact ties' : ''}`, () => {
        const report = classificationReport(yTrue, proba, ['neg', 'pos'])
        const predicted = Array.from(predictClasses(proba, 2))
        const differing = predicted.filter((p, i) => p !== c.y_pred[i]).length
        expect(differing).toBe(c.y_score!.filter((s) => s === 0.5).length)
        if (!hasExactTie) {
          expectClose(report.metrics.accuracy, e.accuracy, 'accuracy')
          expectClose(report.metrics.f1_weighted, e.f1_weighted, 'f1_weighted')
          expect(report.confusion).toEqual(e.confusion_matrix)
        }
        expectClose(report.metrics.roc_auc, e.roc_auc, 'roc_auc')
        expectClose(report.metrics.log_loss, e.log_loss, 'log_loss')
      })
    })
  }

  for (const c of fixtures.cases.filter((x) => x.task === 'multiclass')) {
    describe(c.name, () => {
      const k = c.n_classes!
      const yTrue = Int32Array.from(c.y_true)
      const proba = Float64Array.from(c.y_proba!.flat())
      const classes = Array.from({ length: k }, (_, i) => `class${i}`)
      const e = c.expected as Record<string, number> & {
        confusion_matrix: number[][]
        f1_per_class: number[]
      }

      it('predicts the argmax like the fixture', () => {
        expect(Array.from(predictClasses(proba, k))).toEqual(c.y_pred)
      })

      it('matches every metric through classificationReport', () => {
        const report = classificationReport(yTrue, proba, classes)
        const m = report.metrics
        for (const key of [
          'accuracy',
          'balanced_accuracy',
          'precision_macro',
          'recall_macro',
          'f1_macro',
          'f1_weighted',
          'log_loss',
        ]) {
          expectClose(m[key], e[key], key)
        }
        expectClose(m.roc_auc, e.roc_auc_ovr_macro, 'roc_auc')
        expectAllClose(
          report.perClass.map((p) => p.f1),
          e.f1_per_class,
          'f1_per_class',
        )
        expect(report.confusion).toEqual(e.confusion_matrix)
        expect(report.perClass.map((p) => p.support)).toEqual(
          e.confusion_matrix.map((row) => row.reduce((a, b) => a + b)),
        )
        expectClose(m.pr_auc, averagePrecisionOvr(yTrue, proba, k), 'pr_auc')
      })
    })
  }

  for (const c of fixtures.cases.filter((x) => x.task === 'regression')) {
    it(`${c.name}: matches through regressionMetrics`, () => {
      const yTrue = Float64Array.from(c.y_true)
      const yPred = Float64Array.from(c.y_pred)
      const e = c.expected as Record<string, number>
      const m = regressionMetrics(yTrue, yPred)
      expectClose(m.rmse, e.rmse, 'rmse')
      expectClose(m.mae, e.mae, 'mae')
      expectClose(m.r2, e.r2, 'r2')
      expectClose(m.mape, e.mape, 'mape')
      expectClose(m.median_ae, e.median_absolute_error, 'median_ae')
    })
  }
})
