/**
 * One SVG per report figure for both colour schemes: the chart is drawn once with the light palette and
 * dark mode recolours it with CSS. CSS rules override SVG presentation attributes, so a rule such as
 * `#fig-roc [fill="#ffffff"]{fill:#181824}` repaints every element drawn with that light colour. Each
 * light colour maps to its dark counterpart in the palettes of chartTheme.ts; colours ECharts
 * interpolate along a palette gradient (the confusion heatmap, SHAP's low → high) map to the same
 * point of the dark gradient.
 */
import { SHAP_MIDDLE } from './chartOptions.ts'
import { chartPalette } from './chartTheme.ts'

type Rgba = [number, number, number, number]

/** A CSS colour as ECharts writes it in SVG (#rgb, #rrggbb, rgb(), rgba()), or undefined. */
export function parseSvgColor(text: string): Rgba | undefined {
  const value = text.trim().toLowerCase()
  let m = /^#([0-9a-f]{3})$/.exec(value)
  if (m) return [0, 1, 2].map((i) => Number.parseInt(m![1][i] + m![1][i], 16)).concat(1) as Rgba
  m = /^#([0-9a-f]{6})$/.exec(value)
  if (m) return [0, 2, 4].map((i) => Number.parseInt(m![1].slice(i, i + 2), 16)).concat(1) as Rgba
  m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(value)
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])]
  return undefined
}

function formatColor([r, g, b, a]: Rgba): string {
  const round = (v: number) => Math.round(v)
  return a === 1
    ? `rgb(${round(r)},${round(g)},${round(b)})`
    : `rgba(${round(r)},${round(g)},${round(b)},${a})`
}

const key = ([r, g, b]: Rgba) => `${r},${g},${b}`

/** Light palette colour → dark palette colour, and the gradients whose inner points also map. */
function paletteMap(): { exact: Map<string, Rgba>; gradients: [Rgba, Rgba, Rgba, Rgba][] } {
  const light = chartPalette('light')
  const dark = chartPalette('dark')
  const exact = new Map<string, Rgba>()
  const pairs: [string, string][] = []
  for (const name of Object.keys(light) as (keyof typeof light)[]) {
    const l = light[name]
    const d = dark[name]
    if (Array.isArray(l) && Array.isArray(d)) for (const [i, c] of l.entries()) pairs.push([c, d[i]])
    else pairs.push([l as string, d as string])
  }
  for (const [l, d] of pairs) {
    const from = parseSvgColor(l)
    const to = parseSvgColor(d)
    // The first pairing of a colour wins (palette order: background, text, … ), so a colour used in two
    // roles maps one way; the report's tests check that every figure comes out as its dark drawing.
    if (from && to && !exact.has(key(from))) exact.set(key(from), to)
  }
  const gradient = (l: [string, string], d: [string, string]) =>
    [parseSvgColor(l[0])!, parseSvgColor(l[1])!, parseSvgColor(d[0])!, parseSvgColor(d[1])!] as [
      Rgba,
      Rgba,
      Rgba,
      Rgba,
    ]
  return {
    exact,
    gradients: [
      gradient(light.heatmap, dark.heatmap),
      // SHAP's ramp runs low → a middle shared by both schemes → high (shapSummaryOption).
      gradient([light.shapLow, SHAP_MIDDLE], [dark.shapLow, SHAP_MIDDLE]),
      gradient([SHAP_MIDDLE, light.shapHigh], [SHAP_MIDDLE, dark.shapHigh]),
    ],
  }
}

let cachedMap: ReturnType<typeof paletteMap> | undefined

/**
 * The dark counterpart of a colour of a light chart: the dark palette's colour for a light palette
 * colour, the same point of the dark gradient for a point of a light gradient (within rounding), else
 * undefined (the colour is the same in both schemes). Alpha is kept.
 */
export function darkCounterpart(color: string): string | undefined {
  const rgba = parseSvgColor(color)
  if (!rgba) return undefined
  cachedMap ??= paletteMap()
  const exact = cachedMap.exact.get(key(rgba))
  if (exact) return formatColor([exact[0], exact[1], exact[2], rgba[3]])
  for (const [l0, l1, d0, d1] of cachedMap.gradients) {
    // Project onto the light gradient; accept when the colour lies on it (ECharts rounds to integers).
    const dir = [l1[0] - l0[0], l1[1] - l0[1], l1[2] - l0[2]]
    const length2 = dir[0] ** 2 + dir[1] ** 2 + dir[2] ** 2
    const t = (dir[0] * (rgba[0] - l0[0]) + dir[1] * (rgba[1] - l0[1]) + dir[2] * (rgba[2] - l0[2])) / length2
    if (!(t >= 0 && t <= 1)) continue
    const off = [0, 1, 2].map((i) => rgba[i] - (l0[i] + t * dir[i]))
    if (Math.hypot(off[0], off[1], off[2]) > 1.5) continue
    return formatColor([
      d0[0] + t * (d1[0] - d0[0]),
      d0[1] + t * (d1[1] - d0[1]),
      d0[2] + t * (d1[2] - d0[2]),
      rgba[3],
    ])
  }
  return undefined
}

/**
 * CSS rules (without the media query around them) that recolour a light SVG for the dark scheme,
 * scoped to `scope` (a selector of the figure): one rule per distinct light colour of a `fill`,
 * `stroke` or `stop-color` attribute that has a dark counterpart, in first-use order.
 */
export function darkSchemeRules(svg: string, scope: string): string[] {
  const rules: string[] = []
  const seen = new Set<string>()
  for (const match of svg.matchAll(/\s(fill|stroke|stop-color)="([^"]+)"/g)) {
    const [, attribute, color] = match
    const id = `${attribute}=${color}`
    if (seen.has(id)) continue
    seen.add(id)
    const dark = darkCounterpart(color)
    if (dark) rules.push(`${scope} [${attribute}="${color}"]{${attribute}:${dark}}`)
  }
  return rules
}
