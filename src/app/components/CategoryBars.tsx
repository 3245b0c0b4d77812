/** A small bar chart of a categorical column's most frequent values; each bar's value and count shows on hover and to screen readers. */
import { For } from 'solid-js'
import { formatCount } from '../format.ts'

export function CategoryBars(props: { values: { value: string; count: number }[]; label: string }) {
  const width = 160
  const height = 40
  const max = () => Math.max(1, ...props.values.map((v) => v.count))
  const barWidth = () => width / Math.max(1, props.values.length)
  return (
    <svg
      class="histogram category-bars"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`Bar chart of ${props.label}: ${props.values.map((v) => `${v.value} ${formatCount(v.count)}`).join(', ')}`}
    >
      <For each={props.values}>
        {(entry, i) => {
          const h = () => (entry.count / max()) * (height - 2)
          return (
            <rect x={i() * barWidth() + 1} y={height - h()} width={Math.max(1, barWidth() - 3)} height={h()}>
              <title>
                {entry.value}: {formatCount(entry.count)}
              </title>
            </rect>
          )
        }}
      </For>
    </svg>
  )
}
