/**
 * The one place ECharts is assembled: `echarts/core` plus only the charts, components and renderers
 * Butterfly draws with, so bundles stay tree-shaken. The app's `Chart` component and the report's
 * server-side SVG rendering both import `echarts` from here, which guarantees the registrations ran.
 */
import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import type { ChartOption } from './chartOptions.ts'
import type { ChartTheme } from './chartTheme.ts'

echarts.use([
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
  SVGRenderer,
])

export { echarts }

/** Size of a server-rendered chart, in CSS pixels. */
export interface SvgSize {
  width: number
  height: number
}

/**
 * The ECharts theme name to init with for a palette: ECharts' built-in 'dark' supplies dark defaults for
 * whatever the builders leave unset (handles, emphasis); the builders set every colour they draw with.
 */
export function echartsThemeName(theme: ChartTheme | undefined): string | undefined {
  return theme === 'dark' ? 'dark' : undefined
}

/**
 * Renders an option to an SVG string with ECharts' server-side mode: no DOM, so it runs in Node, in a
 * Web Worker and in the CLI. Animation is turned off so the string is the final frame and deterministic.
 * @param theme the palette the option was built with (default light)
 */
export function renderChartSvg(option: ChartOption, size: SvgSize, theme?: ChartTheme): string {
  const chart = echarts.init(null, echartsThemeName(theme), {
    renderer: 'svg',
    ssr: true,
    width: size.width,
    height: size.height,
  })
  try {
    chart.setOption({ ...option, animation: false })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}
