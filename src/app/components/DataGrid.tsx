/**
 * A virtualized preview of a dataset's rows on regular-table: only the visible window is fetched from
 * the data worker, in cached blocks, so a million rows scroll smoothly.
 */
import 'regular-table'
import type { RegularTableElement } from 'regular-table'
import { onCleanup, onMount } from 'solid-js'
import type { RowWindow } from '../../workers/protocol.ts'
import { formatNumber } from '../format.ts'

const blockSize = 250
const maxCachedBlocks = 200

export function DataGrid(props: {
  columns: string[]
  rowCount: number
  /** Per column: numbers (right-aligned); other columns are text, left-aligned. All right when omitted. */
  numeric?: boolean[]
  fetchRows: (start: number, count: number) => Promise<RowWindow>
  label: string
}) {
  let host!: HTMLDivElement
  const blocks = new Map<number, Promise<RowWindow>>()

  const block = (index: number): Promise<RowWindow> => {
    let found = blocks.get(index)
    if (!found) {
      found = props.fetchRows(index * blockSize, blockSize)
      found.catch(() => blocks.delete(index))
      blocks.set(index, found)
      // Forget the oldest blocks so scrolling far does not grow memory without bound.
      if (blocks.size > maxCachedBlocks) blocks.delete(blocks.keys().next().value as number)
    }
    return found
  }

  onMount(() => {
    const table = document.createElement('regular-table') as RegularTableElement
    table.setAttribute('aria-label', props.label)
    table.setAttribute('role', 'grid')
    host.appendChild(table)
    table.setDataListener(async (x0, y0, x1, y1) => {
      const first = Math.floor(y0 / blockSize)
      const last = Math.floor(Math.max(y0, y1 - 1) / blockSize)
      const windows = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => block(first + i)))
      const data: (string | number)[][] = Array.from({ length: x1 - x0 }, () => [])
      const rowHeaders: string[][] = []
      for (let y = y0; y < y1; y++) {
        const window = windows[Math.floor(y / blockSize) - first]
        const row = window?.rows[y - window.start]
        rowHeaders.push([formatNumber(y + 1)])
        for (let x = x0; x < x1; x++) data[x - x0].push(display(row?.[x]))
      }
      return {
        num_rows: props.rowCount,
        num_columns: props.columns.length,
        column_headers: props.columns.slice(x0, x1).map((name) => [shorten(name)]),
        row_headers: rowHeaders,
        data,
      }
    })
    table.addStyleListener(() => {
      const numeric = props.numeric
      if (!numeric) return
      for (const td of table.querySelectorAll('tbody td')) {
        const meta = table.getMeta(td as HTMLElement)
        if (meta?.type === 'body') td.classList.toggle('text', !numeric[meta.x])
      }
    })
    void table.draw()
  })
  onCleanup(() => blocks.clear())

  return <div ref={host} class="data-grid" />
}

function display(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(8)))
  return shorten(String(value))
}

/**
 * Long text is cut here rather than by CSS: clipping every cell with `text-overflow: ellipsis` made
 * each scroll step's layout and paint cost about half again as much (bench:import measures it).
 */
const longestCell = 60

function shorten(text: string): string {
  return text.length > longestCell ? `${text.slice(0, longestCell - 1)}…` : text
}
