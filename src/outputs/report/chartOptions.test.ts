import { describe, expect, it } from 'vitest'
import type { FeaturePartialDependence } from '../../engine/explain/partialDependence.ts'
import type { ShapSummaryFeature } from '../../engine/explain/shapSummary.ts'
import type { RowExplanation } from '../../engine/explain/treeShap.ts'
import type { ClassPrecisionRecallCurve, ClassRocCurve, ResidualPoints } from '../../engine/metrics/curves.ts'
import {
  beeswarmOffsets,
  type ChartOption,
  calibrationOption,
  chartTitle,
  confusionMatrixOption,
  featureImportanceOption,
  interpolateColor,
  partialDependenceGridOption,
  partialDependenceOption,
  permutationImportanceOption,
  precisionRecallOption,
  precisionRecallOverlayOption,
  predictedVsActualOption,
  residualOverlayOption,
  residualsOption,
  rocCurveOption,
  rocOverlayOption,
  shapSummaryOption,
  shapWaterfallOption,
  thinIndices,
  trainingCurveOption,
} from './chartOptions.ts'
import { chartPalette, formatChartNumber } from './chartTheme.ts'
import { renderChartSvg } from './echartsRuntime.ts'

/** The parts of a series the tests read. */
interface SeriesView {
  type: string
  name?: string
  data: unknown[]
  large?: boolean
  markLine?: { data: Record<string, unknown>[] }
  tooltip?: { formatter?: (params: unknown) => string; show?: boolean }
  label?: { formatter?: (params: unknown) => string }
  xAxisIndex?: number
}

const seriesOf = (option: ChartOption) => option.series as unknown as SeriesView[]
const axis = (value: unknown) => (Array.isArray(value) ? value : [value]) as Record<string, unknown>[]

const roc: ClassRocCurve = {
  label: 'yes',
  fpr: [0, 0, 0.5, 1],
  tpr: [0, 0.5, 1, 1],
  thresholds: [1.9, 0.9, 0.4, 0.1],
  auc: 0.875,
}
const pr: ClassPrecisionRecallCurve = {
  label: 'yes',
  precision: [0.5, 0.667, 1, 1],
  recall: [1, 1, 0.5, 0],
  thresholds: [0.1, 0.4, 0.9],
  averagePrecision: 0.8333,
}
const residuals: ResidualPoints = {
  predicted: [1, 2, 3, 4],
  actual: [1.5, 1.5, 3, 5],
  residual: [0.5, -0.5, 0, 1],
  rowIndex: [0, 1, 2, 3],
  totalRows: 4,
}

const pdp: FeaturePartialDependence = {
  feature: 'age',
  featureIndex: 0,
  categorical: false,
  grid: [20, 40, 60],
  average: [
    [0.7, 0.5, 0.4],
    [0.3, 0.5, 0.6],
  ],
}

describe('helpers', () => {
  it('thinIndices keeps everything below the limit and the last index above it', () => {
    expect(thinIndices(4, 10)).toEqual([0, 1, 2, 3])
    expect(thinIndices(10, 4)).toEqual([0, 3, 6, 9])
  })

  it('beeswarmOffsets stacks points of one bin alternately around the centre, within the half width', () => {
    const offsets = beeswarmOffsets([1, 1, 1, 1, 1, 5], 10, 0.4)
    expect(offsets[5]).toBe(0)
    const same = offsets.slice(0, 5)
    expect(new Set(same).size).toBe(5)
    expect(Math.max(...same.map(Math.abs))).toBeCloseTo(0.4)
    expect(same.filter((o) => o > 0).length).toBe(2)
    expect(beeswarmOffsets([3, 1, 2], 10)).toEqual(beeswarmOffsets([3, 1, 2], 10))
    expect(beeswarmOffsets([])).toEqual([])
  })

  it('interpolateColor mixes evenly spaced stops', () => {
    expect(interpolateColor(['#000000', '#ffffff'], 0.5)).toBe('#808080')
    expect(interpolateColor(['#ff0000', '#00ff00', '#0000ff'], 0.75)).toBe('#008080')
    expect(interpolateColor(['#ff0000', '#00ff00'], 2)).toBe('#00ff00')
  })

  it('formatChartNumber keeps 4 significant digits and marks missing values', () => {
    expect(formatChartNumber(0.123456)).toBe('0.1235')
    expect(formatChartNumber(12)).toBe('12')
    expect(formatChartNumber(null)).toBe('—')
    expect(formatChartNumber(Number.NaN)).toBe('—')
    expect(formatChartNumber(0.00001234)).toBe('1.234e-5')
  })
})

describe('classification charts', () => {
  const confusion = {
    classes: ['a', 'b'],
    confusion: [
      [3, 1],
      [0, 4],
    ],
  }

  it('confusion matrix: one labelled cell per pair, predicted on x, true on y (first class on top)', () => {
    const option = confusionMatrixOption(confusion)
    const [heat] = seriesOf(option)
    expect(heat.type).toBe('heatmap')
    expect(heat.data).toEqual([
      [0, 0, 3, 3, 0.75],
      [1, 0, 1, 1, 0.25],
      [0, 1, 0, 0, 0],
      [1, 1, 4, 4, 1],
    ])
    const [x] = axis(option.xAxis)
    const [y] = axis(option.yAxis)
    expect(x.data).toEqual(['a', 'b'])
    expect(x.name).toBe('Predicted class')
    expect(y.name).toBe('True class')
    expect(y.inverse).toBe(true)
    expect((option.visualMap as { max: number }).max).toBe(4)
    expect(heat.label?.formatter?.({ value: [1, 0, 1, 1, 0.25] })).toBe('1')
    expect(heat.tooltip?.formatter?.({ value: [1, 0, 1, 1, 0.25] })).toBe(
      'True a → predicted b\nCount: 1\nShare of true class: 25%',
    )
  })

  it('normalised confusion matrix colours by share of the true class', () => {
    const option = confusionMatrixOption(confusion, { normalized: true })
    const cells = seriesOf(option)[0].data as number[][]
    expect(cells.map((c) => c[2])).toEqual([0.75, 0.25, 0, 1])
    expect((option.visualMap as { max: number }).max).toBe(1)
    expect(chartTitle(option)).toContain('normalised')
  })

  it('ROC: a curve with its AUC in the legend, plus the chance diagonal, richText tooltips', () => {
    const option = rocCurveOption([roc])
    const series = seriesOf(option)
    expect(series.map((s) => s.name)).toEqual(['yes (AUC 0.875)', 'Chance'])
    expect(series[0].data).toEqual([
      [0, 0, 1.9],
      [0, 0.5, 0.9],
      [0.5, 1, 0.4],
      [1, 1, 0.1],
    ])
    expect(series[1].data).toEqual([
      [0, 0],
      [1, 1],
    ])
    expect(axis(option.xAxis)[0]).toMatchObject({ name: 'False positive rate', min: 0, max: 1 })
    expect(axis(option.yAxis)[0]).toMatchObject({ name: 'True positive rate', min: 0, max: 1 })
    expect((option.tooltip as { renderMode: string }).renderMode).toBe('richText')
    expect(series[0].tooltip?.formatter?.({ seriesName: 'yes (AUC 0.875)', value: [0.5, 1, 0.4] })).toBe(
      'yes (AUC 0.875)\nFPR: 0.5\nTPR: 1\nThreshold: 0.4',
    )
    expect(chartTitle(option)).toBe('ROC curve')
    expect(chartTitle(rocCurveOption([roc, { ...roc, label: 'no' }]))).toBe('ROC curves (one-vs-rest)')
  })

  it('precision–recall: AP in the legend, recall on x', () => {
    const option = precisionRecallOption([pr])
    const [series] = seriesOf(option)
    expect(series.name).toBe('yes (AP 0.833)')
    expect((series.data as number[][]).map((d) => [d[0], d[1]])).toEqual([
      [1, 0.5],
      [1, 0.667],
      [0.5, 1],
      [0, 1],
    ])
    expect(axis(option.xAxis)[0].name).toBe('Recall')
  })

  it('calibration: one point per bin with its count, and the perfectly calibrated line', () => {
    const option = calibrationOption([
      {
        label: 'yes',
        meanPredicted: [0.1, 0.8],
        fractionOfPositives: [0.2, 0.7],
        count: [5, 3],
        binEdges: [0, 0.5, 1],
      },
    ])
    const series = seriesOf(option)
    expect(series[0].data).toEqual([
      [0.1, 0.2, 5],
      [0.8, 0.7, 3],
    ])
    expect(series[1].name).toBe('Perfectly calibrated')
    expect(axis(option.xAxis)[0].name).toBe('Mean predicted probability')
  })
})

describe('regression charts', () => {
  it('residuals vs predicted with the y = 0 line; thinned deterministically above maxPoints', () => {
    const option = residualsOption(residuals)
    const [series] = seriesOf(option)
    expect((series.data as number[][]).map((d) => [d[0], d[1]])).toEqual([
      [1, 0.5],
      [2, -0.5],
      [3, 0],
      [4, 1],
    ])
    expect(series.markLine?.data).toEqual([{ yAxis: 0 }])
    expect(axis(option.yAxis)[0].name).toBe('Residual (actual − predicted)')
    const thinned = residualsOption(residuals, { maxPoints: 2 })
    expect((seriesOf(thinned)[0].data as number[][]).map((d) => d[4])).toEqual([0, 3])
  })

  it('large scatters switch to large mode', () => {
    const n = 3000
    const big: ResidualPoints = {
      predicted: Array.from({ length: n }, (_, i) => i),
      actual: Array.from({ length: n }, (_, i) => i + 1),
      residual: Array.from({ length: n }, () => 1),
      rowIndex: Array.from({ length: n }, (_, i) => i),
      totalRows: n,
    }
    expect(seriesOf(residualsOption(big))[0].large).toBe(true)
    expect(seriesOf(residualsOption(residuals))[0].large).toBe(false)
  })

  it('predicted vs actual: actual on x, identity line over the data range', () => {
    const option = predictedVsActualOption(residuals)
    const [points, identity] = seriesOf(option)
    expect((points.data as number[][]).map((d) => [d[0], d[1]])).toEqual([
      [1.5, 1],
      [1.5, 2],
      [3, 3],
      [5, 4],
    ])
    expect(identity.data).toEqual([
      [1, 1],
      [5, 5],
    ])
  })
})

describe('training and importance charts', () => {
  it('loss curve numbers epochs from 1 and adds validation when recorded', () => {
    const option = trainingCurveOption({
      unit: 'epoch',
      loss: 'log_loss',
      train: [0.9, 0.5],
      validation: [1, 0.7],
    })
    const series = seriesOf(option)
    expect(series.map((s) => s.name)).toEqual(['Training', 'Validation'])
    expect(series[0].data).toEqual([
      [1, 0.9],
      [2, 0.5],
    ])
    expect(axis(option.xAxis)[0].name).toBe('Epoch')
    expect(axis(option.yAxis)[0].name).toBe('Loss (log_loss)')
    expect(seriesOf(trainingCurveOption({ unit: 'iteration', loss: 'l2', train: [1] }))).toHaveLength(1)
  })

  it('feature importance: top 20 bars, largest first', () => {
    const importances = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, i]))
    const option = featureImportanceOption(importances)
    const [y] = axis(option.yAxis)
    expect(y.inverse).toBe(true)
    expect((y.data as string[]).slice(0, 3)).toEqual(['f24', 'f23', 'f22'])
    expect(y.data).toHaveLength(20)
    expect(seriesOf(option)[0].data).toEqual(Array.from({ length: 20 }, (_, i) => 24 - i))
  })

  it('permutation importance: mean bars plus mean ± std error bars, sorted by mean', () => {
    const option = permutationImportanceOption({
      features: ['a', 'b', 'c'],
      baselineScore: 0.9,
      mean: [0.1, 0.3, 0.2],
      std: [0.01, 0.05, 0],
      drops: [],
      completedRepeats: 3,
      rowsUsed: 50,
      truncated: false,
      metric: 'accuracy',
    })
    const [bars, errors] = seriesOf(option)
    expect(axis(option.yAxis)[0].data).toEqual(['b', 'c', 'a'])
    expect(bars.data).toEqual([0.3, 0.2, 0.1])
    expect(errors.type).toBe('custom')
    const whiskers = errors.data as number[][]
    const expected = [
      [0, 0.25, 0.35],
      [1, 0.2, 0.2],
      [2, 0.09, 0.11],
    ]
    for (const [i, w] of whiskers.entries()) {
      for (const [j, v] of w.entries()) expect(v).toBeCloseTo(expected[i][j], 12)
    }
    expect(axis(option.xAxis)[0].name).toBe('Score drop in Accuracy')
    expect(bars.tooltip?.formatter?.({ dataIndex: 0 })).toBe('b\nMean drop: 0.3\nStd: 0.05')
  })
})

describe('partial dependence and SHAP charts', () => {
  it('binary partial dependence draws the positive class only; regression its one output', () => {
    const option = partialDependenceOption(pdp, ['no', 'yes'])
    const series = seriesOf(option)
    expect(series.map((s) => s.name)).toEqual(['yes'])
    expect(series[0].data).toEqual([
      [20, 0.3],
      [40, 0.5],
      [60, 0.6],
    ])
    expect(axis(option.xAxis)[0].name).toBe('age')
    expect(axis(option.yAxis)[0].name).toBe('Average probability')
    const regression = partialDependenceOption({ ...pdp, average: [[1, 2, 3]] }, ['prediction'])
    expect(axis(regression.yAxis)[0].name).toBe('Average prediction')
  })

  it('in the data’s units: standardised years back on a year axis, one-hot columns by level name', () => {
    const years = { ...pdp, feature: 'Year_Built', grid: [-1, 0, 1.5] }
    const option = partialDependenceOption(years, ['prediction'], {
      units: {
        Year_Built: {
          kind: 'numeric',
          source: 'Year_Built',
          center: 1970,
          scale: 20,
          log: false,
          datetime: false,
        },
      },
    })
    expect(seriesOf(option)[0].data.map((d) => (d as number[])[0])).toEqual([1950, 1970, 2000])
    const x = axis(option.xAxis)[0] as { name: string; axisLabel: { formatter: (v: number) => string } }
    expect(x.name).toBe('Year_Built')
    // Four-digit years as they are, not 1.95K.
    expect(x.axisLabel.formatter(1950)).toBe('1950')
    const dummy = { ...pdp, feature: 'Neighborhood=Edwards', grid: [0, 1] }
    const level = partialDependenceOption(dummy, ['prediction'], {
      units: { 'Neighborhood=Edwards': { kind: 'level', source: 'Neighborhood', level: 'Edwards' } },
    })
    expect(chartTitle(level)).toBe('Partial dependence on Neighborhood = Edwards')
    const levelAxis = axis(level.xAxis)[0] as { axisLabel: { formatter: (v: number) => string } }
    expect([0, 1].map(levelAxis.axisLabel.formatter)).toEqual(['not Edwards', 'Edwards'])
  })

  it('small multiples: one grid and axis pair per feature, series bound to their panel', () => {
    const option = partialDependenceGridOption({
      outputs: ['a', 'b', 'c'],
      features: [
        { ...pdp, average: [pdp.average[0], pdp.average[1], pdp.average[1]] },
        {
          ...pdp,
          feature: 'zone',
          featureIndex: 1,
          categorical: true,
          grid: [0, 1],
          average: [
            [0.1, 0.2],
            [0.3, 0.4],
            [0.6, 0.4],
          ],
        },
      ],
      rowsUsed: 10,
      truncated: false,
    })
    expect(axis(option.grid)).toHaveLength(2)
    expect(axis(option.xAxis)).toHaveLength(2)
    const series = seriesOf(option)
    expect(series).toHaveLength(6)
    expect(series.map((s) => s.xAxisIndex)).toEqual([0, 0, 0, 1, 1, 1])
    expect(axis(option.title).map((t) => t.text)).toEqual(['Partial dependence', 'age', 'zone'])
  })

  it('SHAP beeswarm: most important feature on the top row, colour dimension, missing values apart', () => {
    const summary: ShapSummaryFeature[] = [
      { feature: 'bmi', featureIndex: 0, meanAbsShap: 2, shap: [2, -2, 1], normalizedValue: [1, 0, 0.5] },
      {
        feature: 'age',
        featureIndex: 1,
        meanAbsShap: 0.5,
        shap: [0.5, -0.5, 0.1],
        normalizedValue: [0.2, Number.NaN, 0.9],
      },
    ]
    const option = shapSummaryOption(summary, { outputName: 'yes', colorBins: 4 })
    const series = seriesOf(option)
    expect(series.map((s) => s.name)).toEqual([
      'Feature value 0–0.25',
      'Feature value 0.25–0.5',
      'Feature value 0.5–0.75',
      'Feature value 0.75–1',
      'Missing value',
    ])
    // Each point sits in its colour step: values 0 and 0.2 → step 0, 0.5 → 2, 0.9 and 1 → 3.
    expect(series.slice(0, 4).map((s) => (s.data as number[][]).map((d) => d[3]))).toEqual([
      [0, 0.2],
      [],
      [0.5],
      [1, 0.9],
    ])
    expect(series.map((s) => s.large)).toEqual([true, false, true, true, true])
    const valued = series.slice(0, 4).flatMap((s) => s.data as number[][])
    const missing = series[4]
    expect(missing.data).toHaveLength(1)
    const bmiRows = valued.filter((d) => d[2] === 0).sort((a, b) => b[3] - a[3])
    expect(bmiRows.map((d) => d[0])).toEqual([2, 1, -2])
    expect(bmiRows.every((d) => Math.abs(d[1] - 1) <= 0.4)).toBe(true)
    expect((missing.data as number[][])[0][0]).toBe(-0.5)
    const y = axis(option.yAxis)[0] as { axisLabel: { formatter: (v: number) => string } }
    expect([y.axisLabel.formatter(1), y.axisLabel.formatter(0), y.axisLabel.formatter(-1)]).toEqual([
      'bmi',
      'age',
      '',
    ])
    // The colour bar targets only the missing-value series, so it cannot recolour the steps.
    expect(option.visualMap).toMatchObject({ dimension: 3, seriesIndex: 4 })
    expect(chartTitle(option)).toBe('SHAP summary (yes)')
    // Rows 0 and 2 of every feature are kept, so the missing value (row 1) drops out.
    const thinned = seriesOf(shapSummaryOption(summary, { maxPointsPerFeature: 2 }))
    expect(thinned.slice(0, -1).reduce((total, s) => total + s.data.length, 0)).toBe(4)
    expect(thinned[thinned.length - 1].data).toHaveLength(0)
  })

  it('SHAP waterfall: bars chain from the expected value to the prediction; the tail is summed', () => {
    const row: RowExplanation = {
      output: 0,
      expectedValue: 1,
      prediction: 3.5,
      contributions: [
        { feature: 'a', value: 5, shap: 2 },
        { feature: 'b', value: Number.NaN, shap: -1 },
        { feature: 'c', value: 1, shap: 1 },
        { feature: 'd', value: 2, shap: 0.5 },
      ],
    }
    const option = shapWaterfallOption(row, { maxFeatures: 2 })
    const [bars] = seriesOf(option)
    expect(axis(option.yAxis)[0].data).toEqual(['a = 5', 'b = —', '2 other features'])
    expect(bars.data).toEqual([
      [0, 1.5, 3.5, 2],
      [1, 2.5, 1.5, -1],
      [2, 1, 2.5, 1.5],
    ])
    expect(bars.markLine?.data.map((d) => d.xAxis)).toEqual([1, 3.5])
  })
})

describe('overlays and themes', () => {
  it('one series per run for ROC, PR and residual overlays', () => {
    const rocs = rocOverlayOption([
      { name: 'Run #1', curve: roc },
      { name: 'Run #2', curve: { fpr: [0, 1], tpr: [0, 1], thresholds: [2, 0] } },
    ])
    expect(seriesOf(rocs).map((s) => s.name)).toEqual(['Run #1 (AUC 0.875)', 'Run #2', 'Chance'])
    const prs = precisionRecallOverlayOption([{ name: 'Run #1', curve: pr }])
    expect(seriesOf(prs).map((s) => s.name)).toEqual(['Run #1 (AP 0.833)'])
    const clouds = residualOverlayOption([
      { name: 'Run #1', curve: residuals },
      { name: 'Run #2', curve: residuals },
    ])
    const series = seriesOf(clouds)
    expect(series.slice(0, 2).map((s) => [s.name, s.data.length])).toEqual([
      ['Run #1', 4],
      ['Run #2', 4],
    ])
    expect(series[2].markLine?.data).toEqual([{ yAxis: 0 }])
  })

  it('the theme sets background and text colours', () => {
    const light = rocCurveOption([roc])
    const dark = rocCurveOption([roc], { theme: 'dark' })
    expect(light.backgroundColor).toBe(chartPalette('light').background)
    expect(dark.backgroundColor).toBe(chartPalette('dark').background)
    expect(dark.backgroundColor).not.toBe(light.backgroundColor)
  })

  it('every builder renders to SVG without a DOM', () => {
    const options = [
      confusionMatrixOption({
        classes: ['a', 'b'],
        confusion: [
          [1, 2],
          [3, 4],
        ],
      }),
      rocCurveOption([roc]),
      precisionRecallOption([pr]),
      calibrationOption([
        { label: 'x', meanPredicted: [0.2], fractionOfPositives: [0.3], count: [1], binEdges: [0, 1] },
      ]),
      residualsOption(residuals),
      predictedVsActualOption(residuals),
      trainingCurveOption({ unit: 'epoch', loss: 'mse', train: [3, 2, 1] }),
      featureImportanceOption({ a: 1, b: 2 }),
      permutationImportanceOption({
        features: ['a'],
        baselineScore: 1,
        mean: [0.2],
        std: [0.1],
        drops: [[0.1, 0.3]],
        completedRepeats: 2,
        rowsUsed: 10,
        truncated: false,
      }),
      partialDependenceOption(pdp, ['no', 'yes']),
      shapSummaryOption([
        { feature: 'a', featureIndex: 0, meanAbsShap: 1, shap: [1, -1], normalizedValue: [0, 1] },
      ]),
      shapWaterfallOption({
        output: 0,
        expectedValue: 0,
        prediction: 1,
        contributions: [{ feature: 'a', value: 1, shap: 1 }],
      }),
    ]
    for (const option of options) {
      const svg = renderChartSvg(option, { width: 400, height: 300 })
      expect(svg.startsWith('<svg')).toBe(true)
      expect(svg).toContain(chartTitle(option))
    }
  })
})
