/**
 * Runs side by side: metrics with the differences from the baseline run (the first, or the one picked)
 * coloured by whether they are better or worse for that metric's direction, the pipeline settings that
 * differ between their snapshots, also in words per run, and overlaid ROC or residual plots. Runs may
 * come from different experiments on the same dataset.
 */
import { A, useParams, useSearchParams } from '@solidjs/router'
import { createMemo, For, Show } from 'solid-js'
import type { Experiment } from '../../domain/experiment.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import type { Run } from '../../domain/run.ts'
import { diffSnapshots } from '../../domain/snapshotDiff.ts'
import { lowerIsBetter } from '../../domain/task.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import { ComparePlots } from '../components/ComparePlots.tsx'
import { formatNumber } from '../format.ts'
import { modelLabel } from '../modelCatalog.ts'
import { createLiveQuery, db } from '../services/db.ts'

export function ComparePage() {
  const params = useParams<{ workspaceId: WorkspaceId }>()
  const [search, setSearch] = useSearchParams<{ runs?: string; baseline?: string }>()
  const runIds = () => (search.runs ?? '').split(',').filter(Boolean)
  const runs = createLiveQuery(runIds, async (ids) =>
    (await db.runs.bulkGet(ids)).filter((r): r is Run => !!r),
  )
  const experiments = createLiveQuery(
    () => [...new Set((runs() ?? []).map((r) => r.experimentId))].join(','),
    async (ids) =>
      (await db.experiments.bulkGet(ids.split(',').filter(Boolean))).filter((e): e is Experiment => !!e),
  )
  const acrossExperiments = () => new Set((runs() ?? []).map((r) => r.experimentId)).size > 1
  /** "Run 2", or "exp name · Run 2" when the runs come from more than one experiment. */
  const runName = (run: Run) => {
    const experiment = experiments()?.find((e) => e.id === run.experimentId)
    return acrossExperiments() && experiment ? `${experiment.name} · Run ${run.number}` : `Run ${run.number}`
  }
  const baselineIndex = () =>
    Math.max(
      0,
      (runs() ?? []).findIndex((r) => r.id === search.baseline),
    )
  const baselineRun = () => runs()?.[baselineIndex()]
  /** Per other run: what changed from the baseline, in words. */
  const changesInWords = createMemo(() => {
    const base = baselineRun()
    if (!base) return []
    return (runs() ?? [])
      .filter((run) => run.id !== base.id)
      .map((run) => ({
        run,
        changes: diffSnapshots([base.snapshot, run.snapshot])
          .filter((d) => d.setting !== 'Dataset › hash')
          .map((d) => `${d.setting.replaceAll(' › ', ': ')} ${d.values[0]} → ${d.values[1]}`),
      }))
  })
  const metricNames = createMemo(() => [
    ...new Set((runs() ?? []).flatMap((r) => Object.keys(r.metrics ?? {}))),
  ])
  // Hook metrics (Run.hookMetrics) are listed apart, labelled, never in the rows of the engine's metrics.
  const hookMetricNames = createMemo(() => [
    ...new Set((runs() ?? []).flatMap((r) => Object.keys(r.hookMetrics ?? {}))),
  ])
  const differences = createMemo(() => diffSnapshots((runs() ?? []).map((r) => r.snapshot)))

  return (
    <div class="page">
      <h1>Compare runs</h1>
      <Show
        when={(runs() ?? []).length >= 2}
        fallback={<p class="empty-state">Select two or more runs of an experiment to compare them.</p>}
      >
        <p>
          <label for="compare-baseline">Baseline run</label>{' '}
          <select
            id="compare-baseline"
            value={baselineRun()?.id}
            onChange={(e) => setSearch({ baseline: e.currentTarget.value })}
          >
            <For each={runs()}>{(run) => <option value={run.id}>{runName(run)}</option>}</For>
          </select>{' '}
          <span class="muted small">Differences are shown against it: green is better, red worse.</span>
        </p>
        <section aria-labelledby="compare-metrics-title">
          <h2 id="compare-metrics-title">Metrics</h2>
          <table class="data-table" aria-labelledby="compare-metrics-title">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <For each={runs()}>
                  {(run) => (
                    <th scope="col" class="num">
                      <A href={`/w/${params.workspaceId}/runs/${run.id}`}>{runName(run)}</A>
                      <Show when={run.id === baselineRun()?.id}>
                        <span class="muted small"> (baseline)</span>
                      </Show>
                    </th>
                  )}
                </For>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">model</th>
                <For each={runs()}>
                  {(run) => <td class="num">{run.model ? modelLabel(run.model.family) : '—'}</td>}
                </For>
              </tr>
              <For each={metricNames()}>
                {(name) => {
                  const base = () => baselineRun()?.metrics?.[name]
                  return (
                    <tr>
                      <th scope="row">{metricLabel(name)}</th>
                      <For each={runs()}>
                        {(run, i) => {
                          const value = run.metrics?.[name]
                          const delta = () =>
                            value !== undefined && base() !== undefined
                              ? value - (base() as number)
                              : undefined
                          const changed = () =>
                            run.id !== baselineRun()?.id && delta() !== undefined && delta() !== 0
                          const better = () =>
                            delta() !== undefined && (lowerIsBetter.has(name) ? delta()! < 0 : delta()! > 0)
                          return (
                            <td
                              class="num"
                              classList={{ diff: changed() }}
                              data-testid={`compare-${name}-${i()}`}
                            >
                              {formatNumber(value)}
                              <Show when={changed()}>
                                <span class={better() ? 'better' : 'worse'}>
                                  {' '}
                                  ({delta()! > 0 ? '+' : ''}
                                  {formatNumber(delta())}, {better() ? 'better' : 'worse'})
                                </span>
                              </Show>
                            </td>
                          )
                        }}
                      </For>
                    </tr>
                  )
                }}
              </For>
              <Show when={(runs() ?? []).some((run) => run.evaluatedByHook)}>
                <tr>
                  <th scope="row">metrics computed by</th>
                  <For each={runs()}>
                    {(run) => <td class="num">{run.evaluatedByHook ? 'a hook' : 'Butterfly'}</td>}
                  </For>
                </tr>
              </Show>
              <For each={hookMetricNames()}>
                {(name) => (
                  <tr>
                    <th scope="row">
                      {name} <span class="muted small">(hook metric)</span>
                    </th>
                    <For each={runs()}>
                      {(run, i) => (
                        <td class="num" data-testid={`compare-hook-${name}-${i()}`}>
                          {formatNumber(run.hookMetrics?.[name])}
                        </td>
                      )}
                    </For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </section>
        <section aria-labelledby="compare-settings-title">
          <h2 id="compare-settings-title">Pipeline differences</h2>
          <ul aria-label="Changes from the baseline" class="changes">
            <For each={changesInWords()}>
              {(item) => (
                <li>
                  <strong>{runName(item.run)}</strong>:{' '}
                  {item.changes.length > 0 ? item.changes.join('; ') : 'same settings as the baseline'}
                </li>
              )}
            </For>
          </ul>
          <Show
            when={differences().length > 0}
            fallback={<p class="muted">The runs share the same pipeline snapshot settings.</p>}
          >
            <table class="data-table" aria-labelledby="compare-settings-title">
              <thead>
                <tr>
                  <th scope="col">Setting</th>
                  <For each={runs()}>{(run) => <th scope="col">{runName(run)}</th>}</For>
                </tr>
              </thead>
              <tbody>
                <For each={differences()}>
                  {(difference) => (
                    <tr>
                      <th scope="row">{difference.setting}</th>
                      <For each={difference.values}>{(value) => <td class="diff">{value}</td>}</For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        </section>
        <ComparePlots runs={runs()!} />
      </Show>
    </div>
  )
}
