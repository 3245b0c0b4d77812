/**
 * ECharts option builders for every evaluation and explanation plot. Pure functions of plot data (no DOM,
 * no echarts runtime import), so the app's live charts and the HTML report's server-side SVGs draw the
 * same figures. Tooltips use `renderMode: 'richText'` (the HTML tooltip writes inline styles that a strict
 * CSP rejects); colours come from {@link chartPalette} because ECharts cannot read CSS variables.
 */
import type {
  BarSeriesOption,
  ComposeOption,
  CustomSeriesOption,
  CustomSeriesRenderItem,
  GridComponentOption,
  HeatmapSeriesOption,
  LegendComponentOption,
  LineSeriesOption,
  MarkLineComponentOption,
  ScatterSeriesOption,
  TitleComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
  XAXisComponentOption,
  YAXisComponentOption,
} from 'echarts'
import { type FeatureUnit, toDataUnits } from '../../engine/explain/featureUnits.ts'
import type {
  FeaturePartialDependence,
  PartialDependenceResult,
} from '../../engine/explain/partialDependence.ts'
import type { PermutationImportance } from '../../engine/explain/permutationImportance.ts'
import type { ShapSummaryFeature } from '../../engine/explain/shapSummary.ts'
import type { RowExplanation } from '../../engine/explain/treeShap.ts'
import type {
  CalibrationCurve,
  ClassPrecisionRecallCurve,
  ClassRocCurve,
  ResidualPoints,
} from '../../engine/metrics/curves.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import type { PrecisionRecallCurve, RocCurve } from '../../engine/metrics/ranking.ts'
import type { TrainingCurve } from '../../engine/models/model.ts'
import {
  type ChartPalette,
  type ChartTheme,
  chartPalette,
  formatChartNumber as fmt,
  formatAxisTick,
  formatDateValue as isoDate,
} from './chartTheme.ts'

/** The option type of every builder here: only the series and components Butterfly registers. */
export type ChartOption = ComposeOption<
  | BarSeriesOption
  | CustomSeriesOption
  | HeatmapSeriesOption
  | LineSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | TitleComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>

/** Options every builder accepts. */
export interface ChartBuildOptions {
  /** Palette (default 'light'). */
  theme?: ChartTheme
  /** Overrides the builder's default title. */
  title?: string
  /** Width in px the chart is drawn at (default {@link DEFAULT_CHART_WIDTH}): titles, legends and cell labels fit it. */
  width?: number
}

type Series =
  NonNullable<ChartOption['series']> extends infer S ? (S extends unknown[] ? S[number] : S) : never

/** Most points a scatter draws; above it rows are thinned at evenly spaced positions (deterministic). */
export const DEFAULT_MAX_SCATTER_POINTS = 5000
/** Above this many points a scatter series switches to ECharts' `large` mode: one path for all points (about 4× less SVG, faster canvas). */
const LARGE_THRESHOLD = 500
/** Most points a curve keeps (ROC/PR curves of big test sets can have one point per row). */
const MAX_CURVE_POINTS = 1500

/** The title text of an option built here ('' when it has none), for figure captions and aria-labels. */
export function chartTitle(option: ChartOption): string {
  const title = Array.isArray(option.title) ? option.title[0] : option.title
  return typeof title?.text === 'string' ? title.text : ''
}

/**
 * Indices 0..n-1 thinned to at most `max`, evenly spaced (⌊j·n/max⌋), always keeping the last one so
 * curves still end where they end.
 */
export function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const out = Array.from({ length: max - 1 }, (_, j) => Math.floor((j * n) / (max - 1)))
  out.push(n - 1)
  return out
}

/**
 * Vertical offsets of a beeswarm row, in [-halfWidth, halfWidth]: points are binned along x and each
 * bin's points are stacked alternately above and below the centre line, ordered by value inside the bin
 * (the layout of shap's `summary_plot`). Deterministic; needs no random jitter.
 */
export function beeswarmOffsets(values: readonly number[], nBins = 60, halfWidth = 0.4): number[] {
  const n = values.length
  const offsets = new Array<number>(n).fill(0)
  if (n === 0) return offsets
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const v of values) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  const width = hi - lo || 1
  const bins = new Map<number, number[]>()
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b)
  for (const i of order) {
    const bin = Math.min(nBins - 1, Math.floor(((values[i] - lo) / width) * nBins))
    const members = bins.get(bin)
    if (members) members.push(i)
    else bins.set(bin, [i])
  }
  let tallest = 1
  for (const members of bins.values()) tallest = Math.max(tallest, Math.floor(members.length / 2))
  for (const members of bins.values()) {
    members.forEach((i, k) => {
      // k = 0 on the centre, then 1 up, 1 down, 2 up, 2 down…
      const layer = Math.ceil(k / 2)
      const sign = k % 2 === 1 ? 1 : -1
      offsets[i] = layer === 0 ? 0 : (sign * layer * halfWidth) / tallest
    })
  }
  return offsets
}

// ---------------------------------------------------------------------------------------------------
// Shared pieces

/** Width the builders lay out for when none is given: half a 1280-px page, where the run page draws most charts. */
export const DEFAULT_CHART_WIDTH = 460
/** Most legend entries drawn in full, wrapped onto rows; past it the legend pages (scrolls). */
export const MAX_PLAIN_LEGEND = 30
const LEGEND_ROW_HEIGHT = 22

/** Estimated width in px of `text` at `fontSize` (ECharts' own estimate without a canvas is close to it). */
export function textWidth(text: string, fontSize = 12): number {
  let units = 0
  for (const ch of text) units += /[A-Z0-9MW@%]/.test(ch) ? 0.65 : /[il.,:;'|!() ]/.test(ch) ? 0.3 : 0.56
  return units * fontSize
}

function baseOption(
  p: ChartPalette,
  width: number | undefined,
  title: string,
  subtitle?: string,
): ChartOption {
  // A title wider than the chart would be cut at both edges: shorten it with an ellipsis (the figure's
  // caption holds it in full).
  const room = (width ?? DEFAULT_CHART_WIDTH) - 24
  return {
    backgroundColor: p.background,
    color: p.series,
    textStyle: {
      color: p.text,
      // Single quotes only: ECharts' SVG renderer writes this into a double-quoted style attribute.
      fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    },
    title: {
      text: title,
      ...(subtitle ? { subtext: subtitle } : {}),
      left: 'center',
      top: 6,
      textStyle: { color: p.text, fontSize: 14, fontWeight: 600, width: room, overflow: 'truncate' },
      subtextStyle: { color: p.muted, fontSize: 11, width: room, overflow: 'truncate' },
    },
    tooltip: {
      renderMode: 'richText',
      trigger: 'item',
      confine: true,
      backgroundColor: p.background,
      borderColor: p.border,
      textStyle: { color: p.text, fontSize: 12 },
    },
  }
}

/** Width of one legend entry: icon, gap, text and the gap to the next entry. */
function legendItemWidth(name: string): number {
  return 25 + 5 + textWidth(name) + 10
}

/**
 * Rows a plain legend of `names` wraps onto at `width` (ECharts fills a row left to right, then wraps);
 * 1 past {@link MAX_PLAIN_LEGEND} entries, where the legend pages instead.
 */
export function legendRows(names: readonly string[], width = DEFAULT_CHART_WIDTH): number {
  if (names.length > MAX_PLAIN_LEGEND) return 1
  const room = width - 20
  let rows = 1
  let used = 0
  for (const name of names) {
    const w = Math.min(room, legendItemWidth(name))
    if (used > 0 && used + w > room) {
      rows++
      used = 0
    }
    used += w
  }
  return rows
}

/** Extra chart height a legend of `names` needs at `width` beyond one row (for the figure's height). */
export function legendExtraHeight(names: readonly string[], width = DEFAULT_CHART_WIDTH): number {
  return (legendRows(names, width) - 1) * LEGEND_ROW_HEIGHT
}

/** Height an option's legend needs beyond one row at `width` (add it to the chart's height). */
export function legendRoom(option: ChartOption, width = DEFAULT_CHART_WIDTH): number {
  const legend = Array.isArray(option.legend) ? option.legend[0] : option.legend
  const names = (legend?.data ?? []).map((d) => (typeof d === 'string' ? d : String(d?.name ?? '')))
  return legendExtraHeight(names, width)
}

/**
 * The legend under the plot: every entry shown for up to {@link MAX_PLAIN_LEGEND} of them (wrapped onto
 * rows, never paged), a paged legend past that.
 */
function legend(p: ChartPalette, names: string[], width?: number): LegendComponentOption {
  const plain = names.length <= MAX_PLAIN_LEGEND
  return {
    type: plain ? 'plain' : 'scroll',
    data: names,
    bottom: 4,
    ...(plain ? { left: 'center', width: (width ?? DEFAULT_CHART_WIDTH) - 20, itemGap: 10 } : {}),
    textStyle: { color: p.text },
    pageTextStyle: { color: p.muted },
    pageIconColor: p.accent,
    pageIconInactiveColor: p.border,
  }
}

/** A legend of `names` and a plot grid with room for its rows below the axis. */
function legendAndGrid(
  p: ChartPalette,
  names: string[],
  width: number | undefined,
): { legend: LegendComponentOption; grid: GridComponentOption } {
  return {
    legend: legend(p, names, width),
    grid: grid(80 + legendExtraHeight(names, width ?? DEFAULT_CHART_WIDTH)),
  }
}

function axisStyle(p: ChartPalette) {
  return {
    // onZero: false keeps an axis at the plot's edge, not across the middle where the other axis is 0.
    axisLine: { onZero: false, lineStyle: { color: p.muted } },
    axisTick: { lineStyle: { color: p.muted } },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.border } },
    nameTextStyle: { color: p.text, fontSize: 12 },
  }
}

function valueXAxis(p: ChartPalette, name: string, extra: XAXisComponentOption = {}): XAXisComponentOption {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 28,
    scale: true,
    ...axisStyle(p),
    // Bounds such as 'dataMin' are raw values: short-scale ticks (200K), and labels that would overlap are dropped.
    axisLabel: { color: p.muted, hideOverlap: true, formatter: (value: number) => formatAxisTick(value) },
    ...extra,
  } as XAXisComponentOption
}

function valueYAxis(p: ChartPalette, name: string, extra: YAXisComponentOption = {}): YAXisComponentOption {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 46,
    scale: true,
    ...axisStyle(p),
    // Bounds such as 'dataMin' are raw values: short-scale ticks (200K), and labels that would overlap are dropped.
    axisLabel: { color: p.muted, hideOverlap: true, formatter: (value: number) => formatAxisTick(value) },
    ...extra,
  } as YAXisComponentOption
}

function unitAxes(p: ChartPalette, xName: string, yName: string) {
  return {
    xAxis: valueXAxis(p, xName, { min: 0, max: 1, scale: false }),
    yAxis: valueYAxis(p, yName, { min: 0, max: 1, scale: false }),
  }
}

/** A dashed reference line from (x0, y0) to (x1, y1), silent and kept out of tooltips. */
function referenceLine(
  p: ChartPalette,
  name: string,
  from: [number, number],
  to: [number, number],
): LineSeriesOption {
  return {
    type: 'line',
    name,
    data: [from, to],
    showSymbol: false,
    silent: true,
    lineStyle: { type: 'dashed', color: p.reference, width: 1 },
    itemStyle: { color: p.reference },
    tooltip: { show: false },
    z: 1,
  }
}

interface TooltipParams {
  seriesName?: string
  name?: string
  value?: unknown
  data?: unknown
}

/** A tooltip formatter over the data item's array value. */
function tooltipOf(format: (value: number[], params: TooltipParams) => string) {
  return (params: unknown): string => {
    const item = (Array.isArray(params) ? params[0] : params) as TooltipParams
    const value = Array.isArray(item.value) ? (item.value as number[]) : [Number(item.value)]
    return format(value, item)
  }
}

function curveData(x: readonly number[], y: readonly number[], extra?: readonly number[]): number[][] {
  return thinIndices(x.length, MAX_CURVE_POINTS).map((i) => (extra ? [x[i], y[i], extra[i]] : [x[i], y[i]]))
}

const grid = (bottom = 80): GridComponentOption => ({
  left: 64,
  right: 28,
  top: 56,
  bottom,
  containLabel: false,
})

// ---------------------------------------------------------------------------------------------------
// Classification

/** Input of {@link confusionMatrixOption}. */
export interface ConfusionMatrixInput {
  classes: string[]
  /** confusion[trueClass][predictedClass] counts. */
  confusion: number[][]
}

/**
 * Confusion matrix heatmap: predicted class on x, true class on y (first class at the top), one labelled
 * cell per pair. `normalized` colours and labels each cell by its share of the true class's rows (recall
 * on the diagonal); the tooltip always shows the count too.
 */
export function confusionMatrixOption(
  input: ConfusionMatrixInput,
  options: ChartBuildOptions & { normalized?: boolean } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const { classes, confusion } = input
  const normalized = options.normalized ?? false
  const rowTotals = confusion.map((row) => row.reduce((a, b) => a + b, 0))
  const data: number[][] = []
  let maxCount = 0
  confusion.forEach((row, t) => {
    row.forEach((count, predicted) => {
      maxCount = Math.max(maxCount, count)
      const share = rowTotals[t] === 0 ? 0 : count / rowTotals[t]
      data.push([predicted, t, normalized ? share : count, count, share])
    })
  })
  // Room for the longest true-class label (about 7 px per character), within bounds.
  const left = Math.round(Math.min(180, Math.max(96, 52 + 7 * Math.max(0, ...classes.map((c) => c.length)))))
  const k = Math.max(1, classes.length)
  const cell = ((options.width ?? DEFAULT_CHART_WIDTH) - left - 88) / k
  // Shares as whole percents ("33%"), counts as they are: a label is drawn only when the widest one fits
  // its cell (a 26-class matrix at half-page width has cells about 10 px wide).
  const cellLabel = (count: number, share: number) =>
    normalized ? `${Math.round(share * 100)}%` : String(count)
  const widest = normalized ? textWidth('100%') : textWidth(String(maxCount))
  const showLabels = widest + 4 <= cell
  // Class names side by side need their width; slanted ones one line height (14 px) each.
  const tilt = k > 6 || classes.some((c) => c.length > 12 || textWidth(c) + 6 > cell)
  const everyLabel = cell >= 14
  const title =
    options.title ?? (normalized ? 'Confusion matrix (normalised by true class)' : 'Confusion matrix')
  const categoryAxis = {
    type: 'category' as const,
    data: classes,
    ...axisStyle(p),
    splitArea: { show: false },
  }
  return {
    ...baseOption(p, options.width, title),
    grid: { left, right: 88, top: 56, bottom: tilt ? 96 : 64 },
    xAxis: {
      ...categoryAxis,
      name: 'Predicted class',
      nameLocation: 'middle',
      // Many or long class names would overlap side by side: slant them and make room for the name.
      nameGap: tilt ? 56 : 30,
      // Every class name while they fit slanted; past that ECharts drops the ones that would overlap.
      axisLabel: {
        color: p.muted,
        interval: everyLabel ? 0 : 'auto',
        hideOverlap: !everyLabel,
        rotate: tilt ? (everyLabel ? 35 : 90) : 0,
        width: 90,
        overflow: 'truncate',
      },
    },
    yAxis: {
      ...categoryAxis,
      name: 'True class',
      nameLocation: 'middle',
      nameGap: left - 16,
      inverse: true,
      axisLabel: { color: p.muted, width: left - 36, overflow: 'truncate' },
    },
    visualMap: {
      type: 'continuous',
      min: 0,
      max: normalized ? 1 : Math.max(1, maxCount),
      dimension: 2,
      calculable: false,
      orient: 'vertical',
      right: 8,
      top: 'middle',
      itemHeight: 160,
      inRange: { color: p.heatmap },
      textStyle: { color: p.muted },
      formatter: (value: unknown) => fmt(Number(value), 2),
    },
    series: [
      {
        type: 'heatmap',
        name: title,
        data,
        label: {
          show: showLabels,
          color: p.text,
          textBorderColor: p.background,
          textBorderWidth: 2,
          formatter: (params: { value?: unknown }) => {
            const v = params.value as number[]
            return cellLabel(v[3], v[4])
          },
        },
        itemStyle: { borderColor: p.background, borderWidth: 1 },
        tooltip: {
          formatter: tooltipOf(
            (v) =>
              `True ${classes[v[1]]} → predicted ${classes[v[0]]}\nCount: ${v[3]}\nShare of true class: ${fmt(v[4] * 100, 3)}%`,
          ),
        },
      },
    ],
  }
}

/**
 * ROC curves with the AUC in each legend entry (the positive class for a binary task, one curve per
 * class one-vs-rest for multiclass), over the chance diagonal. Hovering a point shows FPR, TPR and the
 * score threshold.
 */
export function rocCurveOption(
  curves: readonly ClassRocCurve[],
  options: ChartBuildOptions = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const series: Series[] = curves.map((curve) => ({
    type: 'line',
    name: `${curve.label} (AUC ${fmt(curve.auc, 3)})`,
    data: curveData(curve.fpr, curve.tpr, curve.thresholds),
    showSymbol: false,
    symbolSize: 4,
    lineStyle: { width: 2 },
    tooltip: {
      formatter: tooltipOf(
        (v, item) => `${item.seriesName}\nFPR: ${fmt(v[0])}\nTPR: ${fmt(v[1])}\nThreshold: ${fmt(v[2])}`,
      ),
    },
  }))
  series.push(referenceLine(p, 'Chance', [0, 0], [1, 1]))
  return {
    ...baseOption(
      p,
      options.width,
      options.title ?? (curves.length > 1 ? 'ROC curves (one-vs-rest)' : 'ROC curve'),
    ),
    ...legendAndGrid(p, [...curves.map((c) => `${c.label} (AUC ${fmt(c.auc, 3)})`), 'Chance'], options.width),
    ...unitAxes(p, 'False positive rate', 'True positive rate'),
    series,
  }
}

/** Precision–recall curves with the average precision (AP) in each legend entry. */
export function precisionRecallOption(
  curves: readonly ClassPrecisionRecallCurve[],
  options: ChartBuildOptions = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const names = curves.map((c) => `${c.label} (AP ${fmt(c.averagePrecision, 3)})`)
  return {
    ...baseOption(
      p,
      options.width,
      options.title ??
        (curves.length > 1 ? 'Precision–recall curves (one-vs-rest)' : 'Precision–recall curve'),
    ),
    ...legendAndGrid(p, names, options.width),
    ...unitAxes(p, 'Recall', 'Precision'),
    series: curves.map((curve, k) => ({
      type: 'line',
      name: names[k],
      data: curveData(curve.recall, curve.precision, curve.thresholds),
      showSymbol: false,
      step: 'end',
      lineStyle: { width: 2 },
      tooltip: {
        formatter: tooltipOf(
          (v, item) =>
            `${item.seriesName}\nRecall: ${fmt(v[0])}\nPrecision: ${fmt(v[1])}\nThreshold: ${fmt(v[2])}`,
        ),
      },
    })),
  }
}

/**
 * Reliability diagram: mean predicted probability (x) against the observed fraction of positives (y) per
 * bin, one curve per class, over the perfectly calibrated diagonal. The tooltip shows each bin's row count.
 */
export function calibrationOption(
  curves: readonly (CalibrationCurve & { label: string })[],
  options: ChartBuildOptions = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const series: Series[] = curves.map((curve) => ({
    type: 'line',
    name: curve.label,
    data: curve.meanPredicted.map((x, i) => [x, curve.fractionOfPositives[i], curve.count[i]]),
    symbol: 'circle',
    symbolSize: 7,
    lineStyle: { width: 2 },
    tooltip: {
      formatter: tooltipOf(
        (v, item) =>
          `${item.seriesName}\nMean predicted: ${fmt(v[0])}\nFraction positive: ${fmt(v[1])}\nRows: ${v[2]}`,
      ),
    },
  }))
  series.push(referenceLine(p, 'Perfectly calibrated', [0, 0], [1, 1]))
  return {
    ...baseOption(p, options.width, options.title ?? 'Calibration (reliability) curve'),
    ...legendAndGrid(p, [...curves.map((c) => c.label), 'Perfectly calibrated'], options.width),
    ...unitAxes(p, 'Mean predicted probability', 'Fraction of positives'),
    series,
  }
}

// ---------------------------------------------------------------------------------------------------
// Regression

function scatterSeries(
  name: string,
  data: number[][],
  color: string,
  format: (v: number[], item: TooltipParams) => string,
): ScatterSeriesOption {
  return {
    type: 'scatter',
    name,
    data,
    // Not below 4: under that ECharts' large mode switches to a fillRect path that ignores the colour (draws black).
    symbolSize: data.length > LARGE_THRESHOLD ? 4 : 5,
    large: data.length > LARGE_THRESHOLD,
    largeThreshold: LARGE_THRESHOLD,
    itemStyle: { color, opacity: data.length > LARGE_THRESHOLD ? 0.5 : 0.7 },
    tooltip: { formatter: tooltipOf(format) },
  }
}

function residualData(
  points: ResidualPoints,
  maxPoints: number,
  x: 'predicted' | 'actual',
  y: 'residual' | 'predicted',
) {
  return thinIndices(points.predicted.length, maxPoints).map((i) => [
    points[x][i],
    points[y][i],
    points.actual[i],
    points.predicted[i],
    points.rowIndex[i],
    points.rowNumber?.[i] ?? -1,
  ])
}

/** A residual point's row as the data grid numbers it ("Row 1,235"), or its test-row position. */
function pointRow(v: number[]): string {
  return v[5] >= 1 ? `Row ${v[5].toLocaleString('en-US')}` : `Test row ${v[4]}`
}

function sampleNote(points: ResidualPoints, shown: number): string | undefined {
  return points.totalRows > shown ? `${shown} of ${points.totalRows} rows shown (evenly spaced)` : undefined
}

/** Residuals (y − ŷ) against predictions, with the y = 0 line. Thins to `maxPoints` rows deterministically. */
export function residualsOption(
  points: ResidualPoints,
  options: ChartBuildOptions & { maxPoints?: number } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const data = residualData(points, options.maxPoints ?? DEFAULT_MAX_SCATTER_POINTS, 'predicted', 'residual')
  return {
    ...baseOption(
      p,
      options.width,
      options.title ?? 'Residuals vs predicted',
      sampleNote(points, data.length),
    ),
    grid: grid(48),
    xAxis: valueXAxis(p, 'Predicted value'),
    yAxis: valueYAxis(p, 'Residual (actual − predicted)'),
    series: [
      {
        ...scatterSeries(
          'Residuals',
          data,
          p.series[0],
          (v) => `${pointRow(v)}\nPredicted: ${fmt(v[3])}\nActual: ${fmt(v[2])}\nResidual: ${fmt(v[1])}`,
        ),
        markLine: {
          silent: true,
          symbol: 'none',
          label: { show: false },
          lineStyle: { type: 'dashed', color: p.reference },
          data: [{ yAxis: 0 }],
        },
      },
    ],
  }
}

/** Predicted against actual values with the identity line ŷ = y. Thins to `maxPoints` rows deterministically. */
export function predictedVsActualOption(
  points: ResidualPoints,
  options: ChartBuildOptions & { maxPoints?: number } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const data = residualData(points, options.maxPoints ?? DEFAULT_MAX_SCATTER_POINTS, 'actual', 'predicted')
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const [a, b] of data) {
    lo = Math.min(lo, a, b)
    hi = Math.max(hi, a, b)
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1]
  return {
    ...baseOption(p, options.width, options.title ?? 'Predicted vs actual', sampleNote(points, data.length)),
    ...legendAndGrid(p, ['Rows', 'Identity (ŷ = y)'], options.width),
    xAxis: valueXAxis(p, 'Actual value'),
    yAxis: valueYAxis(p, 'Predicted value'),
    series: [
      scatterSeries(
        'Rows',
        data,
        p.series[0],
        (v) => `${pointRow(v)}\nActual: ${fmt(v[2])}\nPredicted: ${fmt(v[3])}\nResidual: ${fmt(v[2] - v[3])}`,
      ),
      referenceLine(p, 'Identity (ŷ = y)', [lo, lo], [hi, hi]),
    ],
  }
}

// ---------------------------------------------------------------------------------------------------
// Training

/** Training (and validation, when recorded) loss per epoch or boosting iteration, numbered from 1. */
export function trainingCurveOption(curve: TrainingCurve, options: ChartBuildOptions = {}): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const unit = curve.unit === 'epoch' ? 'Epoch' : 'Iteration'
  const line = (name: string, values: readonly number[]): LineSeriesOption => ({
    type: 'line',
    name,
    data: thinIndices(values.length, MAX_CURVE_POINTS).map((i) => [i + 1, values[i]]),
    showSymbol: values.length <= 60,
    symbolSize: 4,
    lineStyle: { width: 2 },
    tooltip: { formatter: tooltipOf((v, item) => `${item.seriesName}\n${unit} ${v[0]}: ${fmt(v[1])}`) },
  })
  const series: Series[] = [line('Training', curve.train)]
  if (curve.validation?.length) series.push(line('Validation', curve.validation))
  return {
    ...baseOption(p, options.width, options.title ?? `Training loss per ${curve.unit}`),
    ...legendAndGrid(
      p,
      series.map((s) => String(s.name)),
      options.width,
    ),
    xAxis: valueXAxis(p, unit, { minInterval: 1, scale: false, min: 1, max: 'dataMax' }),
    yAxis: valueYAxis(p, `Loss (${curve.loss})`),
    series,
  }
}

// ---------------------------------------------------------------------------------------------------
// Importance

/** Rows of a horizontal bar chart, most important first. */
function topFeatures(names: readonly string[], values: readonly number[], top: number): number[] {
  return names
    .map((_, i) => i)
    .filter((i) => Number.isFinite(values[i]))
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, top)
}

/** Height in pixels that fits `rows` horizontal bars or beeswarm rows with room for axes and title. */
export function rowChartHeight(rows: number): number {
  return Math.max(260, 110 + rows * 24)
}

/**
 * Feature importance as horizontal bars, the `top` (default 20) largest first, at the top.
 * @param importances feature → importance (the run's `importances`)
 */
export function featureImportanceOption(
  importances: Readonly<Record<string, number>>,
  options: ChartBuildOptions & { top?: number } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const names = Object.keys(importances)
  const values = names.map((n) => importances[n])
  const order = topFeatures(names, values, options.top ?? 20)
  const hidden = names.length - order.length
  return {
    ...baseOption(
      p,
      options.width,
      options.title ?? 'Feature importance',
      hidden > 0 ? `Top ${order.length} of ${names.length} features` : undefined,
    ),
    grid: { left: 150, right: 40, top: 56, bottom: 48 },
    xAxis: valueXAxis(p, 'Importance', { scale: false }),
    yAxis: {
      type: 'category',
      inverse: true,
      data: order.map((i) => names[i]),
      ...axisStyle(p),
      axisLabel: { color: p.text, width: 136, overflow: 'truncate' },
    },
    series: [
      {
        type: 'bar',
        name: 'Importance',
        data: order.map((i) => values[i]),
        itemStyle: { color: p.accent },
        barMaxWidth: 18,
        tooltip: { formatter: tooltipOf((v, item) => `${item.name}\nImportance: ${fmt(v[0])}`) },
      },
    ],
  }
}

/**
 * Permutation importance: mean score drop per feature as bars with mean ± std error bars over the
 * repeats, the `top` (default 20) largest first.
 */
export function permutationImportanceOption(
  permutation: PermutationImportance & { metric?: string; negated?: boolean },
  options: ChartBuildOptions & { top?: number } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const order = topFeatures(permutation.features, permutation.mean, options.top ?? 20)
  const names = order.map((i) => permutation.features[i])
  const metric = permutation.metric ? ` in ${metricLabel(permutation.metric)}` : ''
  const renderErrorBar: CustomSeriesRenderItem = (_params, api) => {
    const y = api.value(0)
    const low = api.coord([api.value(1), y])
    const high = api.coord([api.value(2), y])
    const size = api.size?.([0, 1]) as number[] | undefined
    const half = Math.min(6, ((size?.[1] ?? 20) as number) * 0.25)
    const style = { stroke: p.text, lineWidth: 1.2 }
    return {
      type: 'group',
      children: [
        { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
        { type: 'line', shape: { x1: low[0], y1: low[1] - half, x2: low[0], y2: low[1] + half }, style },
        { type: 'line', shape: { x1: high[0], y1: high[1] - half, x2: high[0], y2: high[1] + half }, style },
      ],
    }
  }
  const subtitle = `${permutation.completedRepeats} repeats on ${permutation.rowsUsed} rows; bars = mean, whiskers = ± std`
  return {
    ...baseOption(p, options.width, options.title ?? 'Permutation importance', subtitle),
    grid: { left: 150, right: 40, top: 64, bottom: 48 },
    xAxis: valueXAxis(p, `Score drop${metric}`, { scale: false }),
    yAxis: {
      type: 'category',
      inverse: true,
      data: names,
      ...axisStyle(p),
      axisLabel: { color: p.text, width: 136, overflow: 'truncate' },
    },
    series: [
      {
        type: 'bar',
        name: 'Mean drop',
        data: order.map((i) => permutation.mean[i]),
        itemStyle: { color: p.accent, opacity: 0.85 },
        barMaxWidth: 18,
        tooltip: {
          formatter: (params: unknown) => {
            const item = params as { dataIndex: number }
            const f = order[item.dataIndex]
            return `${permutation.features[f]}\nMean drop: ${fmt(permutation.mean[f])}\nStd: ${fmt(permutation.std[f])}`
          },
        },
      },
      {
        type: 'custom',
        name: 'Mean ± std',
        renderItem: renderErrorBar,
        encode: { x: [1, 2], y: 0 },
        data: order.map((i, row) => [
          row,
          permutation.mean[i] - permutation.std[i],
          permutation.mean[i] + permutation.std[i],
        ]),
        silent: true,
        tooltip: { show: false },
        z: 3,
      },
    ],
  }
}

// ---------------------------------------------------------------------------------------------------
// Partial dependence

/** Which outputs a partial-dependence plot draws: the second class alone for binary, else all. */
function defaultOutputIndices(outputs: readonly string[]): number[] {
  return outputs.length === 2 ? [1] : outputs.map((_, o) => o)
}

/** Options of the partial-dependence builders. */
export interface PartialDependenceChartOptions extends ChartBuildOptions {
  /** Output series to draw (default: the positive class of a binary task, every output otherwise). */
  outputIndices?: number[]
  /** Level names of categorical features, by feature name, to label category codes. */
  levels?: Readonly<Record<string, readonly string[]>>
  /** How each feature reads in the data's units (the explanation's `units`), by feature name. */
  units?: Readonly<Record<string, FeatureUnit>>
}

/**
 * A partial-dependence curve in the units of the data: its x values (the grid with scaling undone), the
 * axis name, a label per x value for categories, and the name of what the curve is about.
 */
interface PdpView {
  /** Title subject, e.g. "Year_Built" or "Neighborhood = Edwards". */
  subject: string
  axisName: string
  x: number[]
  /** Label of a category code or 0/1 value; undefined for numbers. */
  label?: (x: number) => string
  /** Epoch-ms values, labelled as dates. */
  dates?: boolean
}

function pdpView(
  feature: FeaturePartialDependence,
  unit: FeatureUnit | undefined,
  levels: readonly string[] | undefined,
): PdpView {
  const x = feature.grid.map((g) => toDataUnits(unit, g))
  switch (unit?.kind) {
    case 'numeric':
      return { subject: unit.source, axisName: unit.source, x, ...(unit.datetime ? { dates: true } : {}) }
    case 'datetime_part':
      return { subject: `${unit.source} (${unit.part})`, axisName: `${unit.source} (${unit.part})`, x }
    case 'frequency':
      return {
        subject: `${unit.source} (level frequency)`,
        axisName: `Share of rows with the row's ${unit.source}`,
        x,
      }
    case 'level': {
      const level = unit.level ?? 'another level'
      return {
        subject: `${unit.source} = ${level}`,
        axisName: unit.source,
        x,
        label: (v) => (v === 1 ? level : v === 0 ? `not ${level}` : fmt(v)),
      }
    }
    case 'levels':
      return { subject: unit.source, axisName: unit.source, x, label: (v) => unit.levels[v] ?? `level ${v}` }
    case 'missing':
      return {
        subject: `${unit.source} missing`,
        axisName: unit.source,
        x,
        label: (v) => (v === 1 ? 'missing' : v === 0 ? 'present' : fmt(v)),
      }
    default:
      return {
        subject: feature.feature,
        axisName: feature.feature,
        x,
        ...(feature.categorical ? { label: (v: number) => levels?.[v] ?? `level ${v}` } : {}),
      }
  }
}

function pdpSeries(
  p: ChartPalette,
  feature: FeaturePartialDependence,
  view: PdpView,
  outputs: readonly string[],
  indices: readonly number[],
  axisIndex: number,
): Series[] {
  const label = view.label ?? (view.dates ? isoDate : (v: number) => fmt(v))
  const categorical = view.label !== undefined
  return indices.map((o) => ({
    type: 'line',
    name: outputs[o],
    xAxisIndex: axisIndex,
    yAxisIndex: axisIndex,
    data: view.x.map((x, g) => [x, feature.average[o][g]]),
    step: categorical ? 'middle' : undefined,
    showSymbol: categorical || feature.grid.length <= 30,
    symbolSize: 5,
    lineStyle: { width: 2 },
    color: p.series[o % p.series.length],
    tooltip: {
      formatter: tooltipOf((v, item) => `${view.subject} = ${label(v[0])}\n${item.seriesName}: ${fmt(v[1])}`),
    },
  }))
}

/** The x axis of a partial-dependence panel: category names, dates or short-scale numbers. */
function pdpXAxis(p: ChartPalette, view: PdpView, extra: XAXisComponentOption): XAXisComponentOption {
  const label = view.label
  return valueXAxis(p, view.axisName, {
    ...(extra as object),
    ...((label
      ? {
          minInterval: 1,
          axisLabel: { color: p.muted, hideOverlap: true, formatter: (v: number) => label(v) },
        }
      : view.dates
        ? { axisLabel: { color: p.muted, hideOverlap: true, formatter: (v: number) => isoDate(v) } }
        : Math.max(...view.x.map(Math.abs)) < 10_000
          ? // Years and other four-digit values read as they are (1968), not on the short scale (1.97K).
            { axisLabel: { color: p.muted, hideOverlap: true, formatter: (v: number) => fmt(v) } }
          : {}) as object),
  } as XAXisComponentOption)
}

function pdpYName(outputs: readonly string[]): string {
  return outputs.length === 1 && outputs[0] === 'prediction' ? 'Average prediction' : 'Average probability'
}

/**
 * Partial dependence of one feature: one line per drawn output (class probability or prediction), with
 * the x axis in the data's units when the feature's unit is known (years, square feet, category names).
 */
export function partialDependenceOption(
  feature: FeaturePartialDependence,
  outputs: readonly string[],
  options: PartialDependenceChartOptions = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const indices = options.outputIndices ?? defaultOutputIndices(outputs)
  const view = pdpView(feature, options.units?.[feature.feature], options.levels?.[feature.feature])
  const series = pdpSeries(p, feature, view, outputs, indices, 0)
  return {
    ...baseOption(p, options.width, options.title ?? `Partial dependence on ${view.subject}`),
    ...legendAndGrid(
      p,
      indices.map((o) => outputs[o]),
      options.width,
    ),
    // The grid spans the feature's observed range; nice-number padding past it would be empty.
    xAxis: pdpXAxis(p, view, { min: 'dataMin', max: 'dataMax' }),
    yAxis: valueYAxis(p, pdpYName(outputs)),
    series,
  }
}

/** Height in pixels of {@link partialDependenceGridOption} for `nFeatures` panels. */
export function partialDependenceGridHeight(nFeatures: number, columns = 3): number {
  return 90 + Math.max(1, Math.ceil(nFeatures / columns)) * 220
}

/**
 * Partial dependence of the first `maxFeatures` (default 6) features of a result as small multiples,
 * `columns` panels per row, with a shared legend. Size the chart with {@link partialDependenceGridHeight}.
 */
export function partialDependenceGridOption(
  result: PartialDependenceResult,
  options: PartialDependenceChartOptions & { maxFeatures?: number; columns?: number } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const features = result.features.slice(0, options.maxFeatures ?? 6)
  const columns = Math.max(1, Math.min(options.columns ?? 3, features.length))
  const rows = Math.max(1, Math.ceil(features.length / columns))
  const indices = options.outputIndices ?? defaultOutputIndices(result.outputs)
  const top = 60
  const bottom = 30
  const height = partialDependenceGridHeight(features.length, columns)
  const panel = (height - top - bottom) / rows
  const base = baseOption(p, options.width, options.title ?? 'Partial dependence')
  const titles: TitleComponentOption[] = [base.title as TitleComponentOption]
  const grids: GridComponentOption[] = []
  const xAxes: XAXisComponentOption[] = []
  const yAxes: YAXisComponentOption[] = []
  const series: Series[] = []
  features.forEach((feature, k) => {
    const row = Math.floor(k / columns)
    const column = k % columns
    const leftPct = (column / columns) * 100
    const widthPct = 100 / columns
    const view = pdpView(feature, options.units?.[feature.feature], options.levels?.[feature.feature])
    grids.push({
      left: `${leftPct + widthPct * 0.16}%`,
      width: `${widthPct * 0.76}%`,
      top: top + row * panel + 26,
      height: panel - 70,
    })
    titles.push({
      text: view.subject,
      left: `${leftPct + widthPct / 2}%`,
      textAlign: 'center',
      top: top + row * panel,
      textStyle: { color: p.text, fontSize: 12, fontWeight: 500 },
    })
    xAxes.push(pdpXAxis(p, { ...view, axisName: '' }, { gridIndex: k, nameGap: 22 }))
    yAxes.push(valueYAxis(p, column === 0 ? pdpYName(result.outputs) : '', { gridIndex: k, nameGap: 40 }))
    series.push(...pdpSeries(p, feature, view, result.outputs, indices, k))
  })
  return {
    ...base,
    title: titles,
    legend: legend(
      p,
      indices.map((o) => result.outputs[o]),
      options.width,
    ),
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    series,
  }
}

// ---------------------------------------------------------------------------------------------------
// SHAP

/** Middle stop of the SHAP colour ramp (between shap's blue and red). */
export const SHAP_MIDDLE = '#9b5de5'

/** The colour at `t` ∈ [0, 1] along evenly spaced `#rrggbb` stops, as `#rrggbb`. */
export function interpolateColor(stops: readonly string[], t: number): string {
  const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16))
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(x))
  const [a, b] = [rgb(stops[i]), rgb(stops[i + 1])]
  const mixed = a.map((c, k) => Math.round(c + (b[k] - c) * (x - i)))
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`
}

/**
 * SHAP summary (beeswarm): each explained row (at most `maxPointsPerFeature`, default 500, evenly spaced) is a point at its φ on x, on its feature's row (most
 * important at the top, laid out by {@link beeswarmOffsets}), coloured by the row's feature value scaled
 * to 0..1 (blue = low, red = high; grey = missing).
 */
export function shapSummaryOption(
  summary: readonly ShapSummaryFeature[],
  options: ChartBuildOptions & {
    maxFeatures?: number
    maxPointsPerFeature?: number
    outputName?: string
    /** Colour steps of the feature value (default 16). */
    colorBins?: number
  } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const features = summary.slice(0, options.maxFeatures ?? 20)
  // The same evenly spaced rows for every feature, so a row can still be followed across features.
  const kept = thinIndices(features[0]?.shap.length ?? 0, options.maxPointsPerFeature ?? 500)
  const n = features.length
  const bins = Math.max(1, Math.floor(options.colorBins ?? 16))
  const valued: number[][][] = Array.from({ length: bins }, () => [])
  const missing: number[][] = []
  features.forEach((feature, k) => {
    const shap = kept.map((i) => feature.shap[i])
    const offsets = beeswarmOffsets(shap)
    // Row 0 (most important) is drawn at the top: y = n − 1 − k.
    const y = n - 1 - k
    shap.forEach((phi, i) => {
      const value = feature.normalizedValue[kept[i]]
      if (value === null || value === undefined || Number.isNaN(value))
        missing.push([phi, y + offsets[i], k, -1])
      else valued[Math.min(bins - 1, Math.floor(value * bins))].push([phi, y + offsets[i], k, value])
    })
  })
  const names = features.map((f) => f.feature)
  const tooltip = tooltipOf(
    (v) =>
      `${names[v[2]]}\nSHAP value: ${fmt(v[0])}\nFeature value: ${v[3] < 0 ? 'missing' : `${fmt(v[3] * 100, 3)}% of its range`}`,
  )
  const gradient = [p.shapLow, SHAP_MIDDLE, p.shapHigh]
  // One series per colour step instead of a visualMap over one series: each step can then use ECharts'
  // large mode (one path for all its points), which makes the SVG ~4× smaller and faster to draw.
  const series: Series[] = valued.map((data, b) => ({
    type: 'scatter',
    name: `Feature value ${fmt(b / bins, 2)}–${fmt((b + 1) / bins, 2)}`,
    data,
    symbolSize: 4,
    // ECharts' SVG large mode throws on an empty series, so an empty step stays a plain series.
    large: data.length > 0,
    largeThreshold: 0,
    itemStyle: { color: interpolateColor(gradient, (b + 0.5) / bins), opacity: 0.85 },
    tooltip: { formatter: tooltip },
  }))
  series.push({
    type: 'scatter',
    name: 'Missing value',
    data: missing,
    symbolSize: 4,
    large: missing.length > 0,
    largeThreshold: 0,
    itemStyle: { color: p.missing, opacity: 0.85 },
    tooltip: { formatter: tooltip },
    markLine: {
      silent: true,
      symbol: 'none',
      label: { show: false },
      lineStyle: { color: p.reference, type: 'solid' },
      data: [{ xAxis: 0 }],
    },
  })
  const suffix = options.outputName ? ` (${options.outputName})` : ''
  return {
    ...baseOption(p, options.width, options.title ?? `SHAP summary${suffix}`),
    grid: { left: 150, right: 72, top: 56, bottom: 48 },
    xAxis: valueXAxis(p, 'SHAP value (impact on model output)'),
    yAxis: {
      type: 'value',
      // Integer ticks (one per feature row) need integer bounds: ticks start at `min`.
      min: -1,
      max: n,
      interval: 1,
      ...axisStyle(p),
      splitLine: { show: false },
      axisLabel: {
        color: p.text,
        width: 136,
        overflow: 'truncate',
        formatter: (v: number) => (Number.isInteger(v) && v >= 0 && v < n ? names[n - 1 - v] : ''),
      },
    },
    // The colour bar only: it targets the missing-value series, whose points (value −1) are out of range
    // and keep their grey, so the binned colours above stay as drawn.
    visualMap: {
      type: 'continuous',
      min: 0,
      max: 1,
      dimension: 3,
      seriesIndex: bins,
      calculable: false,
      orient: 'vertical',
      right: 8,
      top: 'middle',
      itemHeight: 140,
      text: ['High', 'Low'],
      textStyle: { color: p.muted },
      inRange: { color: gradient },
      outOfRange: { color: p.missing },
    },
    series,
  }
}

/**
 * One row's explanation as a waterfall: from the expected value, each feature's φ moves the output
 * (red = up, blue = down), largest |φ| at the top; features past `maxFeatures` (default 10) are summed
 * into one bar. The end of the last bar is the row's raw prediction.
 */
export function shapWaterfallOption(
  row: RowExplanation,
  options: ChartBuildOptions & { maxFeatures?: number; outputName?: string; axisName?: string } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const limit = options.maxFeatures ?? 10
  const shown = row.contributions.slice(0, limit)
  const rest = row.contributions.slice(limit)
  const steps = shown.map((c) => ({ label: `${c.feature} = ${c.display ?? fmt(c.value)}`, shap: c.shap }))
  if (rest.length > 0) {
    steps.push({ label: `${rest.length} other features`, shap: rest.reduce((total, c) => total + c.shap, 0) })
  }
  // Bars run from the bottom of the list (expected value) to the top (prediction), as shap draws them.
  let position = row.expectedValue
  const bars = [...steps].reverse().map((step) => {
    const start = position
    position += step.shap
    return { ...step, start, end: position }
  })
  bars.reverse()
  const labels = bars.map((b) => b.label)
  // The two line labels sit above the plot, centred on their lines: when the lines are nearer than a
  // label's width they would overlap, so one label names both.
  let lo = Math.min(row.expectedValue, row.prediction)
  let hi = Math.max(row.expectedValue, row.prediction)
  for (const b of bars) {
    lo = Math.min(lo, b.start, b.end)
    hi = Math.max(hi, b.start, b.end)
  }
  const plotWidth = Math.max(1, (options.width ?? DEFAULT_CHART_WIDTH) - 230)
  const labelWidth =
    Math.max(textWidth(`E[f(x)] = ${fmt(row.expectedValue)}`), textWidth(`f(x) = ${fmt(row.prediction)}`)) + 8
  const close = Math.abs(row.prediction - row.expectedValue) < (labelWidth / plotWidth) * (hi - lo || 1)
  const renderBar: CustomSeriesRenderItem = (params, api) => {
    const y = api.value(0)
    const from = api.coord([api.value(1), y])
    const to = api.coord([api.value(2), y])
    const size = api.size?.([0, 1]) as number[] | undefined
    const h = Math.min(18, (size?.[1] ?? 24) * 0.7)
    const up = (api.value(2) as number) >= (api.value(1) as number)
    return {
      type: 'rect',
      shape: {
        x: Math.min(from[0], to[0]),
        y: from[1] - h / 2,
        width: Math.max(1, Math.abs(to[0] - from[0])),
        height: h,
      },
      style: { fill: up ? p.positive : p.negative },
      name: String(params.dataIndex),
    }
  }
  const suffix = options.outputName ? ` (${options.outputName})` : ''
  return {
    ...baseOption(
      p,
      options.width,
      options.title ?? `Why this prediction${suffix}`,
      `Expected value ${fmt(row.expectedValue)} → prediction ${fmt(row.prediction)}`,
    ),
    grid: { left: 190, right: 40, top: 78, bottom: 48 },
    xAxis: valueXAxis(p, options.axisName ?? 'Model output'),
    yAxis: {
      type: 'category',
      inverse: true,
      data: labels,
      ...axisStyle(p),
      axisLabel: { color: p.text, width: 176, overflow: 'truncate' },
    },
    series: [
      {
        type: 'custom',
        name: 'Contribution',
        renderItem: renderBar,
        encode: { x: [1, 2], y: 0 },
        data: bars.map((b, i) => [i, b.start, b.end, b.shap]),
        tooltip: {
          formatter: tooltipOf(
            (v) =>
              `${labels[v[0]]}\nSHAP value: ${v[3] >= 0 ? '+' : ''}${fmt(v[3])}\n${fmt(v[1])} → ${fmt(v[2])}`,
          ),
        },
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { type: 'dashed', color: p.reference },
          label: {
            color: p.muted,
            // The category axis is inverted, so the line's start is the top of the plot.
            position: 'start',
            formatter: (params: { name?: string }) => params.name ?? '',
          },
          data: close
            ? [
                { name: '', xAxis: row.expectedValue },
                {
                  name: `E[f(x)] = ${fmt(row.expectedValue)} → f(x) = ${fmt(row.prediction)}`,
                  xAxis: row.prediction,
                },
              ]
            : [
                { name: `E[f(x)] = ${fmt(row.expectedValue)}`, xAxis: row.expectedValue },
                { name: `f(x) = ${fmt(row.prediction)}`, xAxis: row.prediction },
              ],
        },
      },
    ],
  }
}

// ---------------------------------------------------------------------------------------------------
// Comparing runs

/** One run's curve in an overlay. */
export interface RunCurve<T> {
  /** Legend name of the run, e.g. "Run #3 · gbdt". */
  name: string
  curve: T
}

/** ROC curves of several runs in one chart, one series per run (AUC in the legend when known). */
export function rocOverlayOption(
  runs: readonly RunCurve<RocCurve & { auc?: number }>[],
  options: ChartBuildOptions = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const names = runs.map((r) =>
    r.curve.auc === undefined ? r.name : `${r.name} (AUC ${fmt(r.curve.auc, 3)})`,
  )
  const series: Series[] = runs.map((r, k) => ({
    type: 'line',
    name: names[k],
    data: curveData(r.curve.fpr, r.curve.tpr, r.curve.thresholds),
    showSymbol: false,
    lineStyle: { width: 2 },
    tooltip: {
      formatter: tooltipOf((v, item) => `${item.seriesName}\nFPR: ${fmt(v[0])}\nTPR: ${fmt(v[1])}`),
    },
  }))
  series.push(referenceLine(p, 'Chance', [0, 0], [1, 1]))
  return {
    ...baseOption(p, options.width, options.title ?? 'ROC curves by run'),
    ...legendAndGrid(p, [...names, 'Chance'], options.width),
    ...unitAxes(p, 'False positive rate', 'True positive rate'),
    series,
  }
}

/** Precision–recall curves of several runs in one chart, one series per run. */
export function precisionRecallOverlayOption(
  runs: readonly RunCurve<PrecisionRecallCurve & { averagePrecision?: number }>[],
  options: ChartBuildOptions = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const names = runs.map((r) =>
    r.curve.averagePrecision === undefined ? r.name : `${r.name} (AP ${fmt(r.curve.averagePrecision, 3)})`,
  )
  return {
    ...baseOption(p, options.width, options.title ?? 'Precision–recall curves by run'),
    ...legendAndGrid(p, names, options.width),
    ...unitAxes(p, 'Recall', 'Precision'),
    series: runs.map((r, k) => ({
      type: 'line',
      name: names[k],
      data: curveData(r.curve.recall, r.curve.precision),
      showSymbol: false,
      step: 'end',
      lineStyle: { width: 2 },
      tooltip: {
        formatter: tooltipOf(
          (v, item) => `${item.seriesName}\nRecall: ${fmt(v[0])}\nPrecision: ${fmt(v[1])}`,
        ),
      },
    })),
  }
}

/** Residual clouds of several runs in one chart, one scatter series per run, with the y = 0 line. */
export function residualOverlayOption(
  runs: readonly RunCurve<ResidualPoints>[],
  options: ChartBuildOptions & { maxPointsPerRun?: number } = {},
): ChartOption {
  const p = chartPalette(options.theme ?? 'light')
  const max = options.maxPointsPerRun ?? Math.floor(DEFAULT_MAX_SCATTER_POINTS / Math.max(1, runs.length))
  const series: Series[] = runs.map((r, k) =>
    scatterSeries(
      r.name,
      residualData(r.curve, max, 'predicted', 'residual'),
      p.series[k % p.series.length],
      (v, item) => `${item.seriesName}\n${pointRow(v)}\nPredicted: ${fmt(v[3])}\nResidual: ${fmt(v[1])}`,
    ),
  )
  series.push({
    type: 'line',
    name: 'Zero',
    data: [],
    silent: true,
    tooltip: { show: false },
    markLine: {
      silent: true,
      symbol: 'none',
      label: { show: false },
      lineStyle: { type: 'dashed', color: p.reference },
      data: [{ yAxis: 0 }],
    },
  })
  return {
    ...baseOption(p, options.width, options.title ?? 'Residuals by run'),
    ...legendAndGrid(
      p,
      runs.map((r) => r.name),
      options.width,
    ),
    xAxis: valueXAxis(p, 'Predicted value'),
    yAxis: valueYAxis(p, 'Residual (actual − predicted)'),
    series,
  }
}
