import { describe, expect, it } from 'vitest'
import {
  classificationReportInput,
  regressionReportInput,
} from '../../../tests/fixtures/report/sampleReportInputs.ts'
import { renderChartSvg } from './echartsRuntime.ts'
import { reportFigures } from './reportHtml.ts'
import { darkCounterpart, darkSchemeRules, parseSvgColor } from './svgTheme.ts'

/** Every fill/stroke/stop-color of an SVG, in document order. */
function paints(svg: string): { attribute: string; color: string }[] {
  return [...svg.matchAll(/\s(fill|stroke|stop-color)="([^"]+)"/g)].map((m) => ({
    attribute: m[1],
    color: m[2],
  }))
}

function sameColor(a: string, b: string): boolean {
  if (a === b) return true
  const x = parseSvgColor(a)
  const y = parseSvgColor(b)
  if (!x || !y) return false
  return x.every((v, i) => Math.abs(v - y[i]) <= (i === 3 ? 1e-6 : 2))
}

describe('one SVG per figure, recoloured for the dark scheme by CSS', () => {
  it('maps palette colours and points of the palette gradients; leaves other colours alone', () => {
    expect(darkCounterpart('#ffffff')).toBe('rgb(24,24,36)') // background
    expect(darkCounterpart('#6d28d9')).toBe('rgb(167,139,250)') // accent
    expect(darkCounterpart('rgba(109,40,217,0.3)')).toBe('rgba(167,139,250,0.3)')
    // Halfway along the light heatmap gradient → halfway along the dark one.
    expect(darkCounterpart('rgb(168,138,219)')).toBe('rgb(108,97,151)')
    expect(darkCounterpart('rgb(0,0,0)')).toBeUndefined()
    expect(darkCounterpart('none')).toBeUndefined()
    expect(
      darkSchemeRules('<rect fill="#ffffff"></rect><path stroke="#ffffff" fill="#ffffff"/>', '#fig-a'),
    ).toEqual([
      '#fig-a [fill="#ffffff"]{fill:rgb(24,24,36)}',
      '#fig-a [stroke="#ffffff"]{stroke:rgb(24,24,36)}',
    ])
  })

  it('every report figure, light drawing + dark rules, uses only colours the dark drawing uses: no light-scheme colour is left', () => {
    const size = { width: 720, height: 360 }
    let figures = 0
    for (const input of [classificationReportInput(), regressionReportInput()]) {
      const { evaluation, explanation } = reportFigures(input)
      for (const figure of [...evaluation, ...explanation]) {
        const light = paints(
          renderChartSvg(figure.build('light'), { ...size, height: figure.height }, 'light'),
        )
        const dark = paints(renderChartSvg(figure.build('dark'), { ...size, height: figure.height }, 'dark'))
        const darkColors = [...new Set(dark.map((p) => p.color))]
        // (Not element for element: ECharts' dark theme fills legend icons that its light one outlines;
        // here they keep the outline, recoloured.)
        for (const paint of light) {
          if (paint.color.startsWith('url(') || paint.color === 'none') continue
          const shown = darkCounterpart(paint.color) ?? paint.color
          expect(
            darkColors.some((c) => sameColor(shown, c)),
            `${figure.id}: ${paint.attribute} ${paint.color} shows as ${shown}, which the dark drawing never uses`,
          ).toBe(true)
        }
        figures++
      }
    }
    expect(figures).toBeGreaterThan(15)
  })
})
