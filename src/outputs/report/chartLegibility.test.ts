/**
 * Charts at the sizes the run page and the report draw them (half a 1280-px page: about 460 × 360; the
 * report: 800 × 360), with values of a price table: tick labels are short-scale and never collide.
 */
import { describe, expect, it } from 'vitest'
import type { ResidualPoints } from '../../engine/metrics/curves.ts'
import { predictedVsActualOption, residualsOption } from './chartOptions.ts'
import { formatAxisTick } from './chartTheme.ts'
import { renderChartSvg } from './echartsRuntime.ts'

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
