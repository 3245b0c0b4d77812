/**
 * Colours and number formatting for Butterfly's charts, shared by the app's live charts and the HTML
 * report's server-rendered SVGs. The values mirror the CSS tokens of `src/app/styles.css` (light and
 * dark) because ECharts draws on canvas/SVG and cannot read CSS variables.
 */

/** Which palette a chart is drawn with. */
export type ChartTheme = 'light' | 'dark'

/** Every colour a chart option needs, for one theme. */
export interface ChartPalette {
  /** Chart background (the app's `--surface`), so exported images look like the screen. */
  background: string
  text: string
  muted: string
  /** Axis lines and split lines. */
  border: string
  accent: string
  /** Categorical series colours, colour-blind friendly (Okabe–Ito based). */
  series: string[]
  /** Low → high colours of the confusion heatmap. */
  heatmap: [string, string]
  /** Low → high feature value in SHAP plots (shap's own blue → red). */
  shapLow: string
  shapHigh: string
  /** Points whose feature value is missing. */
  missing: string
  /** Positive / negative contributions (waterfall bars). */
  positive: string
  negative: string
  /** Reference lines (chance diagonal, perfect calibration, y = 0). */
  reference: string
}

const light: ChartPalette = {
  background: '#ffffff',
  text: '#1b1a26',
  muted: '#5d5b70',
  border: '#dcdae8',
  accent: '#6d28d9',
  series: ['#6d28d9', '#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#8c6d1f', '#1b1a26'],
  heatmap: ['#f5f3ff', '#5b21b6'],
  shapLow: '#008bfb',
  shapHigh: '#ff0051',
  missing: '#9e9cb0',
  positive: '#e0245e',
  negative: '#1f77d0',
  reference: '#8f8da3',
}

const dark: ChartPalette = {
  background: '#181824',
  text: '#ecebf5',
  muted: '#a5a3b8',
  border: '#33324a',
  accent: '#a78bfa',
  series: ['#a78bfa', '#56b4e9', '#f5c342', '#3fd0a4', '#ff8a50', '#e39ac6', '#8fd3ff', '#d8b36a', '#ecebf5'],
  heatmap: ['#20202f', '#b9a2ff'],
  shapLow: '#2f9bff',
  shapHigh: '#ff3d71',
  missing: '#6b6982',
  positive: '#ff5c8a',
  negative: '#4da3ff',
  reference: '#77758c',
}

/** The palette of `theme`. */
export function chartPalette(theme: ChartTheme): ChartPalette {
  return theme === 'dark' ? dark : light
}

/**
 * A number for a label or tooltip: '—' for null/NaN, integers as they are, others with 4 significant
 * digits (exponent notation outside 1e-3..1e9). Deterministic across locales.
 */
export function formatChartNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞'
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value)
  const abs = Math.abs(value)
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return value.toExponential(digits - 1)
  return String(Number(value.toPrecision(digits)))
}

const shortScale = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 })

/**
 * An axis tick label: the short scale from a thousand (`1.5K`, `200K`, `1.5M`, `1B`), so ticks stay
 * narrow and never collide as `100000200000300000`; below, at most four significant digits.
 */
export function formatAxisTick(value: number): string {
  if (Number.isFinite(value) && Math.abs(value) >= 1000) return shortScale.format(value)
  return formatChartNumber(value)
}

/** An epoch-ms time as a date (`2010-06-01`), with hours and minutes when it is not midnight UTC. */
export function formatDateValue(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ')
}
