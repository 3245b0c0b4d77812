/**
 * Charts at the sizes the run page and the report draw them (half a 1280-px page: about 460 × 360; the
 * report: 800 × 360), with values of a price table: tick labels are short-scale and never collide.
 */
import { describe, expect, it } from 'vitest'
import {
  classificationReportInput,
  regressionReportInput,
} from '../../../tests/fixtures/report/sampleReportInputs.ts'
import { createRng } from '../../domain/random.ts'
import { classificationReport } from '../../engine/metrics/classification.ts'
import type { ResidualPoints } from '../../engine/metrics/curves.ts'
import {
  legendRoom,
  predictedVsActualOption,
  residualOverlayOption,
  residualsOption,
  rocOverlayOption,
  textWidth,
} from './chartOptions.ts'
import { formatAxisTick } from './chartTheme.ts'
import { renderChartSvg } from './echartsRuntime.ts'
import { reportFigures } from './reportHtml.ts'
import { type ReportInput, reportPlotsFromPredictions } from './reportInput.ts'

const n = 200
const actual = Array.from({ length: n }, (_, i) => 35_000 + ((i * 7919) % 200) * 3_000)
const predicted = actual.map((y, i) => y + ((i % 11) - 5) * 12_000)
const prices: ResidualPoints = {
  actual,
  predicted,
  residual: actual.map((y, i) => y - predicted[i]),
  rowIndex: actual.map((_, i) => i),
  totalRows: n,
}

/** The tick labels of the SVG with their anchor position (ECharts writes one <text> per label). */
function tickLabels(svg: string): { text: string; x: number; y: number }[] {
  return [
    ...svg.matchAll(/<text[^>]*transform="translate\(([-\d.]+) ([-\d.]+)\)"[^>]*>([^<]*)<\/text>/g),
  ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3] }))
}

describe('axis ticks', () => {
  it('the short scale from a thousand, four significant digits below', () => {
    expect([0, 0.25, 950, 1000, 1500, 200_000, 1_500_000, 1e9].map(formatAxisTick)).toEqual([
      '0',
      '0.25',
      '950',
      '1K',
      '1.5K',
      '200K',
      '1.5M',
      '1B',
    ])
  })

  for (const [name, build] of [
    ['residuals', residualsOption],
    ['predicted vs actual', predictedVsActualOption],
  ] as const) {
    for (const width of [460, 800]) {
      it(`${name} at ${width} × 360: no long numbers, no colliding labels on a row`, () => {
        const labels = tickLabels(renderChartSvg(build(prices), { width, height: 360 }))
        const numeric = labels.filter((l) => /^-?[\d.]+[KMB]?$/.test(l.text))
        expect(numeric.length).toBeGreaterThan(4)
        for (const label of numeric) expect(label.text).not.toMatch(/\d{5,}/)
        // Labels on one row (same y) must be further apart than their widths (7 px a character at 12 px).
        const rows = new Map<number, { text: string; x: number }[]>()
        for (const label of numeric)
          rows.set(Math.round(label.y), [...(rows.get(Math.round(label.y)) ?? []), label])
        for (const row of rows.values()) {
          const sorted = row.sort((a, b) => a.x - b.x)
          for (let i = 1; i < sorted.length; i++) {
            const room = ((sorted[i - 1].text.length + sorted[i].text.length) / 2) * 7
            expect(
              sorted[i].x - sorted[i - 1].x,
              `${sorted[i - 1].text} | ${sorted[i].text}`,
            ).toBeGreaterThan(room)
          }
        }
      })
    }
  }
})

/** Every text of an SVG that is laid out horizontally (not rotated), with its box (ECharts' own anchors). */
function textBoxes(svg: string): { text: string; x0: number; x1: number; y0: number; y1: number }[] {
  const out: { text: string; x0: number; x1: number; y0: number; y1: number }[] = []
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = m[1]
    const translate = /transform="translate\(([-\d.]+) ([-\d.]+)\)"/.exec(attrs)
    if (!translate || m[2].trim() === '') continue
    const size = Number(/font-size:([\d.]+)px/.exec(attrs)?.[1] ?? 12)
    const x = Number(translate[1]) + Number(/\sx="([-\d.]+)"/.exec(attrs)?.[1] ?? 0)
    const y = Number(translate[2]) + Number(/\sy="([-\d.]+)"/.exec(attrs)?.[1] ?? 0)
    const w = textWidth(m[2], size)
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start'
    const x0 = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x
    out.push({ text: m[2], x0, x1: x0 + w, y0: y - size / 2, y1: y + size / 2 })
  }
  return out
}

/** A 26-class table (letters): the largest confusion matrix and legends the run page draws. */
function manyClassesInput(): ReportInput {
  const rng = createRng(26)
  const classes = Array.from({ length: 26 }, (_, k) => `letter_${String.fromCharCode(65 + k)}`)
  const n = 2600
  const yTrue = Int32Array.from({ length: n }, (_, i) => i % 26)
  const proba = new Float64Array(n * 26)
  for (let i = 0; i < n; i++) {
    const z = classes.map((_, k) => Math.exp((k === yTrue[i] ? 2.5 : 0) + rng.nextNormal()))
    const total = z.reduce((a, b) => a + b, 0)
    for (let k = 0; k < 26; k++) proba[i * 26 + k] = z[k] / total
  }
  const report = classificationReport(yTrue, proba, classes)
  const base = classificationReportInput()
  return {
    ...base,
    metrics: { ...base.metrics, report: { kind: 'classification', classes, ...report } },
    plots: reportPlotsFromPredictions(
      { yTrue: Float64Array.from(yTrue), yPred: new Float64Array(n), proba, classes },
      report.confusion,
    ),
  }
}

describe('every chart of a run at the sizes it is drawn', () => {
  const inputs = {
    '26 classes': manyClassesInput(),
    penguins: classificationReportInput(),
    regression: regressionReportInput(),
  }
  for (const [name, input] of Object.entries(inputs)) {
    const { evaluation, explanation } = reportFigures(input)
    for (const figure of [...evaluation, ...explanation]) {
      // The run page: half a page (the full one, 940 px, for wide figures); the report: 760 px.
      for (const width of [460, 760, ...(figure.wide ? [940] : [])]) {
        it(`${name}: ${figure.id} at ${width} × ${figure.height}: title whole, no pager, no text over text`, () => {
          const svg = renderChartSvg(figure.build('light', width), { width, height: figure.height })
          const boxes = textBoxes(svg)
          for (const box of boxes) {
            expect(box.x0, `'${box.text}' starts inside the chart`).toBeGreaterThanOrEqual(-1)
            expect(box.x1, `'${box.text}' ends inside the chart`).toBeLessThanOrEqual(width + 1)
            expect(box.y1, `'${box.text}' is above the bottom`).toBeLessThanOrEqual(figure.height + 1)
          }
          // A scroll legend writes its page as "1/3".
          expect(boxes.filter((b) => /^\d+\/\d+$/.test(b.text))).toEqual([])
          const overlaps: string[] = []
          for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
              const [a, b] = [boxes[i], boxes[j]]
              const overlap =
                Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 2 &&
                Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > 2
              if (overlap) overlaps.push(`'${a.text}' over '${b.text}'`)
            }
          }
          expect(overlaps).toEqual([])
        })
      }
    }
  }

  it('compare overlays of eight runs: every run in the legend, the chart grown for its rows', () => {
    const runs = Array.from({ length: 8 }, (_, k) => `Run ${k + 1} · Gradient-boosted trees`)
    const input = classificationReportInput()
    const roc = input.plots?.kind === 'classification' ? input.plots.roc[0] : undefined
    const residuals = regressionReportInput().plots
    if (!roc || residuals?.kind !== 'regression') throw new Error('fixtures have plots')
    for (const option of [
      rocOverlayOption(runs.map((name) => ({ name, curve: roc }))),
      residualOverlayOption(runs.map((name) => ({ name, curve: residuals.residuals }))),
    ]) {
      const height = 360 + legendRoom(option)
      expect(height).toBeGreaterThan(360)
      const boxes = textBoxes(renderChartSvg(option, { width: 460, height }))
      expect(boxes.filter((b) => /^\d+\/\d+$/.test(b.text))).toEqual([])
      for (const name of runs) expect(boxes.some((b) => b.text.startsWith(name))).toBe(true)
      const axisName = boxes.find((b) => b.text === 'False positive rate' || b.text === 'Predicted value')!
      // The legend starts below the x axis name: the plot keeps its height.
      for (const b of boxes.filter((b) => b.text.startsWith('Run ')))
        expect(b.y0).toBeGreaterThan(axisName.y1)
      expect(axisName.y0).toBeGreaterThan(250)
    }
  })

  it('a 26-class confusion matrix drops its cell numbers at half a page and shows them at full width', () => {
    const input = manyClassesInput()
    const figure = reportFigures(input).evaluation.find((f) => f.id === 'confusion')!
    expect(figure.wide).toBe(true)
    const counts = (width: number) =>
      textBoxes(renderChartSvg(figure.build('light', width), { width, height: figure.height })).filter((b) =>
        /^\d+$/.test(b.text),
      )
    expect(counts(460)).toEqual([])
    expect(counts(940).length).toBe(26 * 26)
    const legend = reportFigures(input).evaluation.find((f) => f.id === 'roc')!
    const texts = textBoxes(renderChartSvg(legend.build('light', 460), { width: 460, height: legend.height }))
    // Every class in the legend, none paged away.
    for (const letter of ['A', 'M', 'Z'])
      expect(texts.some((t) => t.text.startsWith(`letter_${letter} (AUC`))).toBe(true)
  })
})
