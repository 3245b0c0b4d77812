import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  classificationReportInput,
  regressionReportInput,
} from '../../../tests/fixtures/report/sampleReportInputs.ts'
import type { ModelExplanation } from '../../engine/explain/explainModel.ts'
import type { EvaluationReport } from '../../engine/pipeline/engineContext.ts'
import type { LeaderboardEntry } from '../../engine/pipeline/executor.ts'
import { residualsOption } from './chartOptions.ts'
import {
  baselineFromPredictions,
  type ReportExplanation,
  reportInputFromRun,
  reportPlotsFromPredictions,
  rowExplanationsFromShap,
  type StoredEvaluationReport,
  type StoredLeaderboardEntry,
  shapLeaningOutput,
  shapOutputAxisName,
} from './reportInput.ts'

describe('the feature-blind baseline', () => {
  it('classification: the majority class, with the class shares as probabilities', () => {
    // 6 'no', 3 'yes', 1 'maybe'.
    const yTrue = Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
    const baseline = baselineFromPredictions({ yTrue, classes: ['no', 'yes', 'maybe'] })!
    expect(baseline.kind).toBe('majority-class')
    expect(baseline.description).toBe("always predicting 'no' (60% of the test rows)")
    expect(baseline.metrics.accuracy).toBeCloseTo(0.6, 12)
    expect(baseline.metrics.balanced_accuracy).toBeCloseTo(1 / 3, 12)
    expect(baseline.metrics.roc_auc).toBeCloseTo(0.5, 6)
    // log loss of constant shares = the entropy of the shares
    const entropy = -(0.6 * Math.log(0.6) + 0.3 * Math.log(0.3) + 0.1 * Math.log(0.1))
    expect(baseline.metrics.log_loss).toBeCloseTo(entropy, 6)
  })

  it('binary: a tie goes to the first class and ROC-AUC is 0.5', () => {
    const baseline = baselineFromPredictions(
      { yTrue: Float64Array.from([1, 0, 1, 0]), classes: ['a', 'b'] },
      1,
    )!
    expect(baseline.description).toBe("always predicting 'a' (50% of the test rows)")
    expect(baseline.metrics.accuracy).toBe(0.5)
    expect(baseline.metrics.roc_auc).toBeCloseTo(0.5, 12)
  })

  it('regression: the mean of the target, so r2 is 0 and rmse is the standard deviation', () => {
    const baseline = baselineFromPredictions({ yTrue: Float64Array.from([100_000, 200_000, 300_000]) })!
    expect(baseline.kind).toBe('mean')
    expect(baseline.description).toBe('always predicting the mean, 200000')
    expect(baseline.metrics.r2).toBe(0)
    expect(baseline.metrics.rmse).toBeCloseTo(Math.sqrt(2e10 / 3), 6)
    expect(baseline.metrics.mae).toBeCloseTo(200_000 / 3, 6)
  })

  it('no test rows: no baseline', () => {
    expect(baselineFromPredictions({ yTrue: new Float64Array(0) })).toBeUndefined()
  })

  it('reportInputFromRun stores the baseline beside the plots', () => {
    const input = reportInputFromRun({
      metrics: regressionReportInput().metrics,
      dataset: { name: 'housing' },
      predictions: { yTrue: Float64Array.from([1, 2, 3]), yPred: Float64Array.from([1, 2, 3]) },
    })
    expect(input.baseline?.metrics.r2).toBe(0)
  })
})

describe('report input helpers', () => {
  it("the explainability block's output is a report explanation", () => {
    expectTypeOf<ModelExplanation>().toExtend<ReportExplanation>()
  })

  it("a run outcome's evaluation report and leaderboard rows fit the stored metrics.json types", () => {
    expectTypeOf<EvaluationReport>().toExtend<StoredEvaluationReport>()
    expectTypeOf<LeaderboardEntry>().toExtend<StoredLeaderboardEntry>()
  })

  it('binary plots are drawn for the task’s positive class', () => {
    const base = classificationReportInput().metrics
    const metrics = {
      ...base,
      task: { ...base.task, taskType: 'binary' as const, positiveClass: 'no' },
      report: {
        kind: 'classification' as const,
        classes: ['no', 'yes'],
        metrics: {},
        perClass: [],
        confusion: [
          [1, 1],
          [0, 2],
        ],
      },
    }
    const input = reportInputFromRun({
      metrics,
      dataset: { name: 'toy' },
      predictions: {
        yTrue: Float64Array.from([0, 0, 1, 1]),
        yPred: Float64Array.from([0, 1, 1, 1]),
        proba: Float64Array.from([0.9, 0.1, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]),
        classes: ['no', 'yes'],
      },
    })
    expect(input.plots?.kind).toBe('classification')
    if (input.plots?.kind !== 'classification') return
    expect(input.plots.roc.map((c) => c.label)).toEqual(['no'])
    expect(input.plots.roc[0].auc).toBe(1)
    expect(input.plots.confusionNormalized).toEqual([
      [0.5, 0.5],
      [0, 1],
    ])
    expect(input.rowExplanations).toBeUndefined()
  })

  it('classification without probabilities has no plot data; regression gets residuals', () => {
    expect(
      reportPlotsFromPredictions(
        { yTrue: Float64Array.from([0, 1]), yPred: Float64Array.from([0, 1]), classes: ['a', 'b'] },
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).toBeUndefined()
    const plots = reportPlotsFromPredictions({
      yTrue: Float64Array.from([1, 2]),
      yPred: Float64Array.from([1.5, 1.5]),
    })
    expect(plots).toEqual({
      kind: 'regression',
      residuals: {
        predicted: [1.5, 1.5],
        actual: [1, 2],
        residual: [-0.5, 0.5],
        rowIndex: [0, 1],
        totalRows: 2,
      },
    })
  })

  it('waterfalls explain the output the row leans to, and chain from φ₀ to the raw prediction', () => {
    const sample = classificationReportInput()
    const explanation = sample.explanation
    const shap = explanation?.shap
    if (!explanation || !shap) throw new Error('fixture has SHAP')
    const input = reportInputFromRun({
      metrics: sample.metrics,
      dataset: sample.dataset,
      explanation,
      explainedRows: [0, 5, 9999],
    })
    expect(input.rowExplanations).toHaveLength(2)
    const [first] = input.rowExplanations ?? []
    const nF = shap.featureValues.length
    const raw = shap.values.map(
      (phi, o) => shap.expectedValue[o] + phi.slice(0, nF).reduce((a, b) => a + b, 0),
    )
    const leaning = raw.indexOf(Math.max(...raw))
    expect(first.outputName).toBe(shap.outputs[leaning])
    expect(shapLeaningOutput(shap, 0)).toBe(leaning)
    expect(first.label).toBe(`Test row ${shap.rowIndex[0]}`)
    expect(first.explanation.prediction).toBeCloseTo(raw[leaning], 12)
    const direct = rowExplanationsFromShap(shap, explanation.featureNames, [0], leaning)[0]
    expect(first.explanation).toEqual(direct.explanation)
  })

  it('residual points are numbered as the data grid numbers rows when the test rows are known', () => {
    const plots = reportPlotsFromPredictions({
      yTrue: Float64Array.from([3, 5, 7]),
      yPred: Float64Array.from([2, 5, 9]),
      rows: Int32Array.from([9, 1233, 40_000]),
    })
    if (plots?.kind !== 'regression') throw new Error('regression plots')
    expect(plots.residuals.rowNumber).toEqual([10, 1234, 40_001])
    const series = (
      residualsOption(plots.residuals).series as { tooltip: { formatter: (p: unknown) => string } }[]
    )[0]
    expect(series.tooltip.formatter({ value: [9, -2, 7, 9, 2, 40_001] })).toMatch(/^Row 40,001\n/)
    expect(series.tooltip.formatter({ value: [9, -2, 7, 9, 2, -1] })).toMatch(/^Test row 2\n/)
  })

  it('the waterfall axis says what the SHAP values add up to: log-odds, softmax scores, probabilities', () => {
    const shap = classificationReportInput().explanation!.shap!
    expect(shapOutputAxisName({ ...shap, outputs: ['yes'], link: 'sigmoid' }, 0)).toBe('Log-odds of yes')
    expect(shapOutputAxisName({ ...shap, link: 'softmax' }, 1)).toBe('Score of Chinstrap (before softmax)')
    expect(shapOutputAxisName({ ...shap, link: 'identity' }, 2)).toBe('Probability of Gentoo')
    expect(shapOutputAxisName({ ...shap, outputs: ['prediction'], link: 'identity' }, 0)).toBe('Prediction')
    expect(shapOutputAxisName(shap, 0)).toBe('Model output')
  })

  it('regression runs keep their one SHAP output', () => {
    const sample = regressionReportInput()
    const input = reportInputFromRun({
      metrics: sample.metrics,
      dataset: sample.dataset,
      explanation: sample.explanation,
      predictions: { yTrue: Float64Array.from([3]), yPred: Float64Array.from([2]) },
    })
    expect(input.rowExplanations?.map((r) => r.outputName)).toEqual(['prediction'])
    expect(input.plots?.kind).toBe('regression')
  })
})
