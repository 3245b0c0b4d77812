/** A workspace's home: import data, and its datasets (versions together) and experiments. */
import { A, useParams } from '@solidjs/router'
import { For, onMount, Show } from 'solid-js'
import type { Dataset } from '../../domain/dataset.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import type { Run } from '../../domain/run.ts'
import { lowerIsBetter } from '../../domain/task.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import { ImportPanel } from '../components/ImportPanel.tsx'
import { formatBytes, formatCount, formatDate, formatNumber } from '../format.ts'
import { dataWorker } from '../services/dataClient.ts'
import { createLiveQuery, db } from '../services/db.ts'

export function WorkspaceHome() {
  const params = useParams<{ workspaceId: WorkspaceId }>()
  const workspace = createLiveQuery(
    () => params.workspaceId,
    (id) => db.workspaces.get(id),
  )
  const datasets = createLiveQuery(
    () => params.workspaceId,
    (id) => db.datasets.where('workspaceId').equals(id).toArray(),
  )
  const experiments = createLiveQuery(
    () => params.workspaceId,
    (id) => db.experiments.where('workspaceId').equals(id).reverse().sortBy('createdAt'),
  )
  const runs = createLiveQuery(
    () => params.workspaceId,
    (id) => db.runs.where('workspaceId').equals(id).toArray(),
  )
  const grouped = () => groupVersions(datasets() ?? [])
  // Start the data worker (and DuckDB in it) now, so an import does not wait for it.
  onMount(() => void dataWorker())

  return (
    <Show when={workspace()} fallback={<p class="loading">Loading workspace…</p>}>
      {(w) => (
        <div class="page">
          <header class="page-header">
            <h1>{w().name}</h1>
            <p class="muted small">
              Stored in{' '}
              {w().storage.kind === 'opfs'
                ? "this browser's private storage"
                : `the folder “${w().rootPath.slice(7)}”`}
            </p>
          </header>
          <ImportPanel workspaceId={params.workspaceId} />
          <section aria-labelledby="datasets-title">
            <h2 id="datasets-title">Datasets</h2>
            <Show
              when={grouped().length > 0}
              fallback={
                <p class="empty-state">No datasets yet. Drop a CSV or Parquet file here to get started.</p>
              }
            >
              <table class="data-table">
                <caption class="visually-hidden">Datasets in this workspace</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Versions</th>
                    <th scope="col" class="num">
                      Rows
                    </th>
                    <th scope="col" class="num">
                      Columns
                    </th>
                    <th scope="col" class="num">
                      Size
                    </th>
                    <th scope="col">Imported</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={grouped()}>
                    {(versions) => {
                      const latest = versions[versions.length - 1]
                      return (
                        <tr>
                          <th scope="row">
                            <A href={`/w/${params.workspaceId}/datasets/${latest.id}`}>{latest.name}</A>
                          </th>
                          <td>
                            <For each={versions}>
                              {(version) => (
                                <A
                                  class="chip"
                                  href={`/w/${params.workspaceId}/datasets/${version.id}`}
                                  aria-label={`${version.name} version ${version.version}`}
                                >
                                  v{version.version}
                                </A>
                              )}
                            </For>
                          </td>
                          <td class="num">{formatCount(latest.rowCount)}</td>
                          <td class="num">{formatCount(latest.schema.length)}</td>
                          <td class="num">{formatBytes(latest.byteSize)}</td>
                          <td>{formatDate(latest.importedAt)}</td>
                        </tr>
                      )
                    }}
                  </For>
                </tbody>
              </table>
            </Show>
          </section>
          <section aria-labelledby="experiments-title">
            <h2 id="experiments-title">Experiments</h2>
            <Show
              when={(experiments() ?? []).length > 0}
              fallback={
                <p class="empty-state">No experiments yet. Open a dataset and choose “New experiment”.</p>
              }
            >
              <ul class="card-list">
                <For each={experiments()}>
                  {(experiment) => (
                    <li>
                      <A href={`/w/${params.workspaceId}/experiments/${experiment.id}`}>{experiment.name}</A>
                      <span class="muted small">
                        {' '}
                        {experiment.task.taskType} on “{experiment.task.target}”
                      </span>
                      <span class="small" data-testid="experiment-runs">
                        {' · '}
                        {runSummary(experiment, runs() ?? [])}
                      </span>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>
        </div>
      )}
    </Show>
  )
}

/**
 * "3 runs · best ROC-AUC 0.861": the experiment's run count and its best completed run's optimised
 * metric; "no runs yet" when it has none.
 */
export function runSummary(experiment: Pick<Experiment, 'id' | 'task'>, runs: Run[]): string {
  const own = runs.filter((run) => run.experimentId === experiment.id)
  if (own.length === 0) return 'no runs yet'
  const count = `${formatCount(own.length)} run${own.length === 1 ? '' : 's'}`
  const metric = experiment.task.metric
  const lower = lowerIsBetter.has(metric)
  let best: number | undefined
  for (const run of own) {
    const value = run.status === 'completed' ? run.metrics?.[metric] : undefined
    if (value === undefined || !Number.isFinite(value)) continue
    if (best === undefined || (lower ? value < best : value > best)) best = value
  }
  if (best === undefined) return count
  return `${count} · best ${metricLabel(metric)} ${formatNumber(best)}`
}

function groupVersions(datasets: Dataset[]): Dataset[][] {
  const byName = new Map<string, Dataset[]>()
  for (const dataset of datasets) {
    const list = byName.get(dataset.name) ?? []
    list.push(dataset)
    byName.set(dataset.name, list)
  }
  return [...byName.values()]
    .map((list) => list.sort((a, b) => a.version - b.version))
    .sort((a, b) => b[b.length - 1].importedAt - a[a.length - 1].importedAt)
}
