/** A small bar chart of a column's histogram; each bar's range and count shows on hover and to screen readers. */
import { For } from 'solid-js'
import { formatCount, formatNumber } from '../format.ts'

export function Histogram(props: { edges: number[]; counts: number[]; label: string }) {
  const width = 160
  const height = 40
  const max = () => Math.max(1, ...props.counts)
  const barWidth = () => width / Math.max(1, props.counts.length)
  return (
    <svg
      class="histogram"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`Histogram of ${props.label}`}
    >
      <For each={props.counts}>
        {(count, i) => {
          const h = () => (count / max()) * (height - 2)
          return (
            <rect
              x={i() * barWidth() + 0.5}
              y={height - h()}
              width={Math.max(1, barWidth() - 1)}
              height={h()}
            >
              <title>
                {formatNumber(props.edges[i()])} to {formatNumber(props.edges[i() + 1])}: {formatCount(count)}
              </title>
            </rect>
          )
        }}
      </For>
    </svg>
  )
}
