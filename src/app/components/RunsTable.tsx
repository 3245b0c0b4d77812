/** An experiment's runs: a sortable leaderboard of key metrics, duration and model; pick runs to compare. */
import { A, useNavigate } from '@solidjs/router'
import { createMemo, createSignal, For, Show } from 'solid-js'
import type { Run } from '../../domain/run.ts'
import { lowerIsBetter } from '../../domain/task.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import { formatDate, formatDuration, formatNumber } from '../format.ts'
import { modelLabel } from '../modelCatalog.ts'

type SortKey = 'number' | 'status' | 'metric' | 'model' | 'duration' | 'seed'

export function RunsTable(props: { runs: Run[]; metric: string; workspaceId: string }) {
  const navigate = useNavigate()
  const [sort, setSort] = createSignal<{ key: SortKey; descending: boolean }>({
    key: 'number',
    descending: true,
  })
  const [selected, setSelected] = createSignal<Set<string>>(new Set())
  const duration = (run: Run) => (run.endedAt ? run.endedAt - run.startedAt : Number.NaN)
  const sorted = createMemo(() => {
    const { key, descending } = sort()
    const value = (run: Run): number | string => {
      switch (key) {
        case 'number':
          return run.number
        case 'status':
          return run.status
        case 'metric': {
          const m = run.metrics?.[props.metric]
          if (m === undefined) return Number.NEGATIVE_INFINITY
          return lowerIsBetter.has(props.metric) ? -m : m
        }
        case 'model':
          return run.model?.family ?? ''
        case 'duration':
          return duration(run) || 0
        case 'seed':
          return run.seed
      }
    }
    return [...props.runs].sort((a, b) => {
      const va = value(a)
      const vb = value(b)
      const order = va < vb ? -1 : va > vb ? 1 : 0
      return descending ? -order : order
    })
  })
  const header = (key: SortKey, label: string, numeric = false) => (
    <th
      scope="col"
      class={numeric ? 'num' : ''}
      aria-sort={sort().key === key ? (sort().descending ? 'descending' : 'ascending') : 'none'}
    >
      <button
        type="button"
        class="sort"
        onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : true }))}
      >
        {label}
        {sort().key === key ? (sort().descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  )
  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })

  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <Show
        when={props.runs.length > 0}
        fallback={<p class="empty-state">No runs yet. Press “Run” to train and evaluate this pipeline.</p>}
      >
        <div class="actions">
          <button
            type="button"
            disabled={selected().size < 1}
            onClick={() => navigate(`/w/${props.workspaceId}/compare?runs=${[...selected()].join(',')}`)}
          >
            Compare selected runs ({selected().size})
          </button>
        </div>
        <table class="data-table" aria-label="Runs of this experiment">
          <thead>
            <tr>
              <th scope="col">
                <span class="visually-hidden">Select</span>
              </th>
              {header('number', 'Run')}
              {header('status', 'Status')}
              {header('metric', metricLabel(props.metric), true)}
              {header('model', 'Model')}
              {header('duration', 'Duration', true)}
              {header('seed', 'Seed', true)}
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            <For each={sorted()}>
              {(run) => (
                <tr classList={{ selected: selected().has(run.id) }}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select run ${run.number} for comparison`}
                      checked={selected().has(run.id)}
                      onChange={(e) => toggle(run.id, e.currentTarget.checked)}
                    />
                  </td>
                  <th scope="row">
                    <A href={`/w/${props.workspaceId}/runs/${run.id}`}>Run {run.number}</A>
                    <Show when={run.origin.kind === 'imported'}>
                      <span class="chip">imported</span>
                    </Show>
                  </th>
                  <td>
                    <span class={`status status-${run.status}`}>
                      {run.status === 'failed' ? `failed (${run.failure?.reason})` : run.status}
                    </span>
                  </td>
                  <td class="num">
                    {formatNumber(run.metrics?.[props.metric])}
                    {/* An override_evaluation hook computed this run's metrics: say so next to the number. */}
                    <Show when={run.evaluatedByHook}>
                      <span class="muted small"> (by a hook)</span>
                    </Show>
                  </td>
                  <td>{run.model ? modelLabel(run.model.family) : '—'}</td>
                  <td class="num">{Number.isFinite(duration(run)) ? formatDuration(duration(run)) : '—'}</td>
                  <td class="num">{run.seed}</td>
                  <td>{formatDate(run.startedAt)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </section>
  )
}
