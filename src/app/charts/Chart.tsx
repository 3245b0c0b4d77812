/**
 * The app's one ECharts wrapper: a figure with the plot, its caption and Download SVG / PNG buttons. It
 * owns the chart's lifetime (init on mount, resize with its box, dispose on cleanup) and redraws in the
 * other palette when the system colour scheme changes. Options come from the pure builders in
 * `src/outputs/report/chartOptions.ts`, the same ones the HTML report uses.
 */
import type { ECharts } from 'echarts/core'
import { createEffect, createMemo, createSignal, onCleanup, onMount, Show } from 'solid-js'
import { type ChartOption, chartTitle } from '../../outputs/report/chartOptions.ts'
import { type ChartTheme, chartPalette } from '../../outputs/report/chartTheme.ts'
import { echarts, echartsThemeName, renderChartSvg } from '../../outputs/report/echartsRuntime.ts'
import { chartFileStem, dataUrlToBlob, downloadBlob, downloadLabel, svgBlob } from './chartExport.ts'
import './chart.css'

export interface ChartProps {
  /**
   * Builds the option for a palette and the plot's width in px (e.g. `(theme, width) =>
   * rocCurveOption(curves, { theme, width })`), so titles, legends and cell labels fit. Called again when
   * the signals it reads change, the colour scheme flips or the width changes.
   */
  option: (theme: ChartTheme, width: number) => ChartOption
  /** Plot height in CSS pixels (default 360); the width follows the container. */
  height?: number
  /** 'svg' (default) for crisp, exportable figures; 'canvas' for scatters with thousands of points. */
  renderer?: 'svg' | 'canvas'
  /** Read by screen readers after the title (what the chart shows, in words). */
  description?: string
  /** Download file name without extension (default: a slug of the title). */
  fileName?: string
  /** Hide the download buttons (e.g. for small live charts). */
  hideDownloads?: boolean
  class?: string
}

const darkQuery = '(prefers-color-scheme: dark)'

/** The system colour scheme as a signal, updated when the user or the OS switches it. */
function createColorScheme(): () => ChartTheme {
  const media = typeof matchMedia === 'function' ? matchMedia(darkQuery) : undefined
  const [theme, setTheme] = createSignal<ChartTheme>(media?.matches ? 'dark' : 'light')
  if (media) {
    const onChange = (event: MediaQueryListEvent) => setTheme(event.matches ? 'dark' : 'light')
    media.addEventListener('change', onChange)
    onCleanup(() => media.removeEventListener('change', onChange))
  }
  return theme
}

/**
 * Charts wait until they come near the viewport, then draw one per task: a run page with a dozen
 * figures would otherwise draw them all in one main-thread task when the run completes (issue 13.20).
 */
const drawQueue: (() => void)[] = []
let draining = false
function scheduleDraw(draw: () => void): () => void {
  drawQueue.push(draw)
  if (!draining) {
    draining = true
    setTimeout(drainOne, 0)
  }
  return () => {
    const i = drawQueue.indexOf(draw)
    if (i >= 0) drawQueue.splice(i, 1)
  }
}
function drainOne() {
  drawQueue.shift()?.()
  if (drawQueue.length > 0) setTimeout(drainOne, 0)
  else draining = false
}

/**
 * The first draw of each kind of chart also compiles and sets up much of ECharts: on a run page the first
 * confusion matrix took 68 ms of CPU where the next took 28. So the first time a page with charts opens,
 * tiny off-screen charts of each kind are drawn, one kind per task, ahead of the real ones (issue 13.20).
 */
const warmUpOptions: ChartOption[] = [
  { animation: false, title: { text: 'warm-up' }, tooltip: {} },
  {
    animation: false,
    xAxis: { type: 'category', data: ['a', 'b'] },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: [1, 2] }],
  },
  {
    animation: false,
    legend: {},
    xAxis: { type: 'value' },
    yAxis: { type: 'value' },
    series: [
      {
        type: 'line',
        data: [
          [0, 1],
          [1, 2],
        ],
        markLine: { data: [{ yAxis: 1 }] },
      },
    ],
  },
  {
    animation: false,
    xAxis: { type: 'category', data: ['a', 'b'] },
    yAxis: { type: 'category', data: ['a', 'b'] },
    visualMap: { min: 0, max: 1, show: false },
    series: [
      {
        type: 'heatmap',
        data: [
          [0, 0, 1],
          [1, 1, 0],
        ],
        label: { show: true },
      },
    ],
  },
  {
    animation: false,
    xAxis: { type: 'value' },
    yAxis: { type: 'value' },
    series: [
      {
        type: 'scatter',
        data: [
          [0, 1],
          [1, 2],
        ],
      },
    ],
  },
]
let warmedUp = false
function warmUpCharts(themeName: string | undefined) {
  if (warmedUp) return
  warmedUp = true
  for (const option of warmUpOptions)
    scheduleDraw(() => {
      const chart = echarts.init(document.createElement('div'), themeName, {
        renderer: 'svg',
        width: 320,
        height: 200,
      })
      chart.setOption(option)
      chart.dispose()
    })
}

/** True once `element` has come within a screen of the viewport (immediately without IntersectionObserver). */
function createNearViewport(element: () => HTMLElement): () => boolean {
  const [near, setNear] = createSignal(typeof IntersectionObserver !== 'function')
  onMount(() => {
    if (near()) return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          setNear(true)
          observer.disconnect()
        }
      },
      { rootMargin: '100% 0px' },
    )
    observer.observe(element())
    onCleanup(() => observer.disconnect())
  })
  return near
}

/** A chart figure: title as caption, `role="img"` plot with an aria-label, and download buttons. */
export function Chart(props: ChartProps) {
  let plot!: HTMLDivElement
  const theme = createColorScheme()
  const [instance, setInstance] = createSignal<ECharts>()
  // The plot's width, rounded to 20 px steps so a resize redraws the option only when layout may change.
  const [width, setWidth] = createSignal(460)
  /** Set once the current option is drawn (`data-drawn` on the plot: tests and screenshots wait for it). */
  const [drawn, setDrawn] = createSignal(false)
  const option = createMemo(() => props.option(theme(), width()))
  const title = createMemo(() => chartTitle(option()))
  const height = () => props.height ?? 360
  const label = () => [title(), props.description].filter(Boolean).join('. ') || 'Chart'

  const near = createNearViewport(() => plot)
  const plotWidth = () => Math.max(200, Math.floor((plot.clientWidth || 460) / 20) * 20)
  warmUpCharts(echartsThemeName(theme()))

  // A new instance per renderer and palette: ECharts themes are fixed at init, and re-creating is cheap
  // next to the redraw that a theme change needs anyway.
  createEffect(() => {
    if (!near()) return
    const themeName = echartsThemeName(theme())
    const renderer = props.renderer ?? 'svg'
    let chart: ECharts | undefined
    let observer: ResizeObserver | undefined
    const cancel = scheduleDraw(() => {
      setWidth(plotWidth())
      chart = echarts.init(plot, themeName, { renderer })
      setInstance(chart)
      // A ResizeObserver reports the size once when it starts observing: redraw only on a real change
      // (that first report used to draw every chart a second time, right after its first draw).
      let size = `${plot.clientWidth}x${plot.clientHeight}`
      observer = new ResizeObserver(() => {
        const next = `${plot.clientWidth}x${plot.clientHeight}`
        if (next === size) return
        size = next
        setWidth(plotWidth())
        chart?.resize()
      })
      observer.observe(plot)
    })
    onCleanup(() => {
      cancel()
      observer?.disconnect()
      setInstance(undefined)
      chart?.dispose()
    })
  })

  createEffect(() => {
    const chart = instance()
    const next = option()
    if (!chart) return
    // Drawn in a task of its own, after the init's: init and first draw of a large chart together
    // made one long task. notMerge: a rebuilt option replaces the old one, so removed series do not linger.
    setDrawn(false)
    onCleanup(
      scheduleDraw(() => {
        if (chart.isDisposed()) return
        chart.setOption(next, { notMerge: true })
        setDrawn(true)
      }),
    )
  })

  const stem = () => props.fileName ?? chartFileStem(title())

  const downloadSvg = () => {
    // Server-side rendering gives a standalone SVG (with namespaces) whichever renderer is on screen.
    const svg = renderChartSvg(
      props.option(theme(), plot.clientWidth || 800),
      { width: plot.clientWidth || 800, height: height() },
      theme(),
    )
    downloadBlob(svgBlob(svg), `${stem()}.svg`)
  }

  const downloadPng = () => {
    const chart = instance()
    const background = chartPalette(theme()).background
    if (chart && (props.renderer ?? 'svg') === 'canvas') {
      downloadBlob(
        dataUrlToBlob(chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background })),
        `${stem()}.png`,
      )
      return
    }
    // The SVG renderer's getDataURL always returns SVG (and a chart not drawn yet has none), so draw the
    // same option once on an off-screen canvas.
    const holder = document.createElement('div')
    const offscreen = echarts.init(holder, echartsThemeName(theme()), {
      renderer: 'canvas',
      width: plot.clientWidth || 800,
      height: height(),
    })
    try {
      offscreen.setOption({ ...option(), animation: false })
      const url = offscreen.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background })
      downloadBlob(dataUrlToBlob(url), `${stem()}.png`)
    } finally {
      offscreen.dispose()
    }
  }

  return (
    <figure class={`chart-figure${props.class ? ` ${props.class}` : ''}`}>
      <Show when={!props.hideDownloads}>
        <div class="chart-toolbar">
          <button
            type="button"
            class="small"
            aria-label={downloadLabel(title(), 'svg')}
            onClick={downloadSvg}
          >
            SVG
          </button>
          <button
            type="button"
            class="small"
            aria-label={downloadLabel(title(), 'png')}
            onClick={downloadPng}
          >
            PNG
          </button>
        </div>
      </Show>
      <div
        ref={plot}
        class="chart-plot"
        role="img"
        aria-label={label()}
        data-drawn={drawn() ? 'true' : 'false'}
        style={{ height: `${height()}px` }}
      />
      <figcaption>{title()}</figcaption>
    </figure>
  )
}
