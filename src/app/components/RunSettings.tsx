/**
 * Advanced run settings beside the Run button: "Stream tables larger than N cells" (issue 16). A table
 * past the threshold trains through the large-table run, streamed from the data worker in chunks; the
 * threshold is this browser's setting, and a streamed run's log records it (like the CLI's --large-cells).
 */
import { createSignal } from 'solid-js'
import { defaultLargeCells } from '../../engine/scale/threshold.ts'
import { largeCellsSetting, setLargeCellsSetting } from '../services/runs.ts'

export function RunSettings(props: { rowCount: number; columnCount: number }) {
  const [cells, setCells] = createSignal(largeCellsSetting())
  const threshold = () => cells() ?? defaultLargeCells
  const tableCells = () => props.rowCount * props.columnCount
  const format = (n: number) => n.toLocaleString('en-US')
  return (
    <details class="run-settings">
      <summary>Run settings</summary>
      <label for="large-cells">Stream tables larger than (cells)</label>
      <input
        id="large-cells"
        type="number"
        min="0"
        step="1"
        inputmode="numeric"
        placeholder={`${format(defaultLargeCells)} (default)`}
        value={cells() ?? ''}
        onChange={(event) => {
          const text = event.currentTarget.value.trim()
          const value = text === '' ? undefined : Number(text)
          const next = value !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined
          setLargeCellsSetting(next)
          setCells(next)
          event.currentTarget.value = next === undefined ? '' : String(next)
        }}
      />
      <p class="muted" data-testid="large-cells-note">
        This table has {format(props.rowCount)} rows × {format(props.columnCount)} columns ={' '}
        {format(tableCells())} cells:{' '}
        {tableCells() > threshold()
          ? 'runs stream it from the table engine in chunks and train gradient boosting from one byte per cell.'
          : 'runs load it whole.'}
      </p>
    </details>
  )
}
