/**
 * Runs side by side: metrics with the differences from the baseline run (the first, or the one picked)
 * coloured by whether they are better or worse for that metric's direction, the pipeline settings that
 * differ between their snapshots, also in words per run, and overlaid ROC or residual plots. Runs may
 * come from different experiments on the same dataset: the page offers the dataset's other runs, and a
 * run whose target, task or data differs from the baseline's is shown without differences, with a note
 * saying why its metrics are not comparable.
 */
import { A, useParams, useSearchParams } from '@solidjs/router'
import { createMemo, createSignal, For, Show } from 'solid-js'
import type { Experiment } from '../../domain/experiment.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import type { Run } from '../../domain/run.ts'
import { diffSnapshots, incomparableReasons, splitDifferences } from '../../domain/snapshotDiff.ts'
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
  /** Per run id: why its metrics cannot be read against the baseline's (empty: they can). */
  const notComparable = createMemo(() => {
    const base = baselineRun()
    const out = new Map<string, string[]>()
    for (const run of runs() ?? [])
      if (base && run.id !== base.id) out.set(run.id, incomparableReasons(base.snapshot, run.snapshot))
    return out
  })
  const comparableTo = (run: Run) => (notComparable().get(run.id) ?? []).length === 0
  /** Comparable runs tested on other rows than the baseline (another seed or test fraction). */
  const otherSplits = createMemo(() => {
    const base = baselineRun()
    if (!base) return []
    return (runs() ?? [])
      .filter((run) => run.id !== base.id && comparableTo(run))
      .map((run) => ({ run, changes: splitDifferences(base.snapshot, run.snapshot) }))
      .filter((item) => item.changes.length > 0)
  })
  const setRunIds = (ids: string[]) =>
    setSearch({
      runs: ids.join(','),
      baseline: ids.includes(search.baseline ?? '') ? search.baseline : undefined,
    })

  return (
    <div class="page">
      <h1>Compare runs</h1>
      <Show when={(runs() ?? []).length >= 1}>
        <AddRuns
          workspaceId={params.workspaceId}
          runs={runs() ?? []}
          onAdd={(id) => setRunIds([...runIds(), id])}
        />
      </Show>
      <Show
        when={(runs() ?? []).length >= 2}
        fallback={
          <p class="empty-state">
            Select two or more runs of an experiment to compare them, or add runs of other experiments on the
            same dataset above.
          </p>
        }
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
        <Show
          when={
            [...notComparable().values()].some((reasons) => reasons.length > 0) || otherSplits().length > 0
          }
        >
          <div class="notice" role="note" aria-label="Comparability">
            <For each={(runs() ?? []).filter((run) => !comparableTo(run))}>
              {(run) => (
                <p>
                  <strong>{runName(run)}</strong> is not comparable with the baseline:{' '}
                  {notComparable().get(run.id)?.join('; ')}. Its metrics measure something else, so no
                  differences are shown for it.
                </p>
              )}
            </For>
            <For each={otherSplits()}>
              {(item) => (
                <p>
                  <strong>{runName(item.run)}</strong> was tested on other rows than the baseline (
                  {item.changes.join(', ')}): part of a difference can be the luck of the split.
                </p>
              )}
            </For>
          </div>
        </Show>
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
                      </Show>{' '}
                      <button
                        type="button"
                        class="small link"
                        aria-label={`Remove ${runName(run)} from the comparison`}
                        title="Remove from the comparison"
                        onClick={() => setRunIds(runIds().filter((id) => id !== run.id))}
                      >
                        ×
                      </button>
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
                            run.id !== baselineRun()?.id &&
                            comparableTo(run) &&
                            delta() !== undefined &&
                            delta() !== 0
                          const better = () =>
                            delta() !== undefined && (lowerIsBetter.has(name) ? delta()! < 0 : delta()! > 0)
                          return (
                            <td
                              class="num"
                              classList={{ diff: changed() }}
                              data-testid={`compare-${name}-${i()}`}
                            >
                              {formatNumber(value)}
                              <Show when={!comparableTo(run) && value !== undefined}>
                                <span class="muted small"> (not comparable)</span>
                              </Show>
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
        <ComparePlots runs={runs()!} runName={runName} />
      </Show>
    </div>
  )
}

/**
 * The dataset's other completed runs (every experiment of the runs' datasets in this workspace), to add
 * to the comparison; grouped by experiment, each with its optimised metric.
 */
function AddRuns(props: { workspaceId: WorkspaceId; runs: Run[]; onAdd: (runId: string) => void }) {
  const datasetIds = () => [...new Set(props.runs.map((r) => r.datasetId))].sort().join(',')
  const candidates = createLiveQuery(datasetIds, async (ids) => {
    const experiments = await db.experiments
      .where('datasetId')
      .anyOf(ids.split(',').filter(Boolean))
      .filter((e) => e.workspaceId === props.workspaceId)
      .toArray()
    experiments.sort((a, b) => a.createdAt - b.createdAt)
    const runs = await db.runs
      .where('experimentId')
      .anyOf(experiments.map((e) => e.id))
      .filter((r) => r.status === 'completed')
      .toArray()
    return experiments
      .map((experiment) => ({
        experiment,
        runs: runs.filter((r) => r.experimentId === experiment.id).sort((a, b) => a.number - b.number),
      }))
      .filter((group) => group.runs.length > 0)
  })
  const shown = () => new Set(props.runs.map((r) => r.id))
  const groups = () =>
    (candidates() ?? [])
      .map((group) => ({ ...group, runs: group.runs.filter((r) => !shown().has(r.id)) }))
      .filter((group) => group.runs.length > 0)
  const [choice, setChoice] = createSignal('')
  const chosen = () => (groups().some((g) => g.runs.some((r) => r.id === choice())) ? choice() : '')
  return (
    <Show when={groups().length > 0}>
      <p class="actions">
        <label for="compare-add">Add a run of this dataset</label>{' '}
        <select id="compare-add" value={chosen()} onChange={(e) => setChoice(e.currentTarget.value)}>
          <option value="">Choose a run…</option>
          <For each={groups()}>
            {(group) => (
              <optgroup label={group.experiment.name}>
                <For each={group.runs}>
                  {(run) => {
                    const metric = run.snapshot.task.metric
                    return (
                      <option value={run.id}>
                        {`${group.experiment.name} · Run ${run.number} · ${metric} ${formatNumber(run.metrics?.[metric])}`}
                      </option>
                    )
                  }}
                </For>
              </optgroup>
            )}
          </For>
        </select>{' '}
        <button
          type="button"
          class="small"
          disabled={!chosen()}
          onClick={() => {
            props.onAdd(chosen())
            setChoice('')
          }}
        >
          Add to the comparison
        </button>
      </p>
    </Show>
  )
}
