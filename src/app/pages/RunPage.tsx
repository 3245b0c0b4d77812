/**
 * A run: live progress while it runs (block, percent, model, loss per epoch) with Cancel; afterwards
 * its metrics, the model-selection leaderboard, lineage, the frozen snapshot with its hook code, plots,
 * artifacts to download, and the log.
 */
import { A, useLocation, useNavigate, useParams } from '@solidjs/router'
import { createResource, createSignal, For, Show } from 'solid-js'
import type { Artifact } from '../../domain/artifact.ts'
import { errorMessage } from '../../domain/errors.ts'
import type { RunId, WorkspaceId } from '../../domain/ids.ts'
import { deriveLineage } from '../../domain/lineage.ts'
import { blockLabels } from '../../domain/pipeline.ts'
import { describeConfigValue } from '../../domain/snapshotDiff.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import type { RunMetricsJson as MetricsReport, ReportInput } from '../../outputs/report/reportInput.ts'
import { Leaderboard } from '../components/Leaderboard.tsx'
import { PredictPanel } from '../components/PredictPanel.tsx'
import { RunPlots } from '../components/RunPlots.tsx'
import { RunSharing } from '../components/RunSharing.tsx'
import { type RunSection, RunSummary } from '../components/RunSummary.tsx'
import { SnapshotView } from '../components/SnapshotView.tsx'
import { formatBytes, formatDate, formatDuration, formatNumber } from '../format.ts'
import { describeModelSettings, modelLabel } from '../modelCatalog.ts'
import { downloadArtifact, readArtifactJson } from '../services/artifacts.ts'
import { createLiveQuery, db } from '../services/db.ts'
import { cancelRun, liveRuns } from '../services/runs.ts'

export function RunPage() {
  const params = useParams<{ workspaceId: WorkspaceId; runId: RunId }>()
  const navigate = useNavigate()
  const location = useLocation<{ notice?: string }>()
  const run = createLiveQuery(
    () => params.runId,
    (id) => db.runs.get(id),
  )
  const experiment = createLiveQuery(
    () => run()?.experimentId,
    (id) => (id ? db.experiments.get(id) : Promise.resolve(undefined)),
  )
  const dataset = createLiveQuery(
    () => run()?.datasetId,
    (id) => (id ? db.datasets.get(id) : Promise.resolve(undefined)),
  )
  const artifacts = createLiveQuery(
    () => `${params.runId}:${run()?.status}`,
    () => db.artifacts.where('runId').equals(params.runId).toArray(),
  )
  const metricsArtifact = () => artifacts()?.find((a) => a.type === 'metrics-json')
  const [report] = createResource(metricsArtifact, (artifact) => readArtifactJson<MetricsReport>(artifact))
  const plotArtifact = () => artifacts()?.find((a) => a.fileName === 'report-data.json')
  const [plotData] = createResource(plotArtifact, (artifact) => readArtifactJson<ReportInput>(artifact))
  const [error, setError] = createSignal('')
  const live = () => liveRuns[params.runId]
  /** The sections the summary links to, those the page shows for this run. */
  const sections = (): RunSection[] => [
    { id: 'metrics-title', label: 'Test metrics' },
    ...(report()?.leaderboard?.length ? [{ id: 'leaderboard-title', label: 'Model selection' }] : []),
    ...(plotData() ? [{ id: 'plots-title', label: 'Plots' }] : []),
    ...(plotData()?.explanation ? [{ id: 'explain-title', label: 'Explanations' }] : []),
    ...(report()?.importances ? [{ id: 'importance-title', label: 'Feature importance' }] : []),
    { id: 'lineage-title', label: 'Lineage' },
    ...(run()?.status === 'completed' ? [{ id: 'predict-title', label: 'Predict' }] : []),
    { id: 'artifacts-title', label: 'Artifacts' },
    { id: 'snapshot-title', label: 'Pipeline snapshot' },
    { id: 'timings-title', label: 'Timings and log' },
  ]

  return (
    <Show when={run()} fallback={<p class="loading">Loading run…</p>}>
      {(r) => (
        <div class="page">
          <header class="page-header">
            <h1>
              Run {r().number}
              <Show when={experiment()}>
                {(e) => (
                  <span class="muted">
                    {' '}
                    of <A href={`/w/${params.workspaceId}/experiments/${e().id}`}>{e().name}</A>
                  </span>
                )}
              </Show>
            </h1>
            <p>
              <span class={`status status-${r().status}`} data-testid="run-status">
                {r().status}
              </span>{' '}
              <span class="muted small">
                started {formatDate(r().startedAt)}
                <Show when={r().endedAt}>
                  {(end) => <> · took {formatDuration(end() - r().startedAt)}</>}
                </Show>
              </span>
              <Show when={r().origin.kind === 'imported'}>
                {' '}
                <span class="chip" data-testid="run-origin">
                  imported from{' '}
                  {r().origin.kind === 'imported' ? (r().origin as { bundleName: string }).bundleName : ''}
                </span>
              </Show>
            </p>
            <Show when={location.state?.notice}>
              <p role="status" class="notice">
                {location.state?.notice}
              </p>
            </Show>
            <Show when={r().failure}>
              {(failure) => (
                <p role="alert" class="error-box" data-testid="run-failure">
                  Failed ({failure().reason}): {failure().message}
                </p>
              )}
            </Show>
            <Show when={r().status === 'cancelled'}>
              <p role="status" class="notice" data-testid="run-cancelled">
                Cancelled: the run was stopped before it finished, so it has no results to show or export.
              </p>
            </Show>
            <Show when={r().status === 'running'}>
              <div class="card" aria-live="polite">
                <Show when={live()?.progress} fallback={<p>Starting the run worker…</p>}>
                  {(p) => (
                    <>
                      <p>
                        {blockLabels[p().block]}
                        <Show when={p().model}> · fitting {modelLabel(p().model ?? '')}</Show>
                        <Show when={p().epoch !== undefined}> · epoch {p().epoch}</Show>
                        <Show when={p().iteration !== undefined}> · iteration {p().iteration}</Show>
                        <Show when={p().loss !== undefined}> · loss {formatNumber(p().loss)}</Show>
                        <Show
                          when={(p().block === 'model_selection' || p().block === 'training') && p().message}
                        >
                          <br />
                          <span class="muted small">{p().message}</span>
                        </Show>
                      </p>
                      <progress max="100" value={Math.round(p().percent)} aria-label="Run progress" />
                    </>
                  )}
                </Show>
                <Show when={(live()?.losses.length ?? 0) > 1}>
                  <LossSparkline losses={live()!.losses} />
                </Show>
                <div class="actions">
                  <button type="button" class="danger" onClick={() => cancelRun(r().id)}>
                    Cancel run
                  </button>
                </div>
              </div>
            </Show>
          </header>

          <Show when={r().status === 'completed' && r().metrics}>
            <RunSummary run={r()} report={report()} plotData={plotData()} sections={sections()} />
          </Show>

          <Show when={r().metrics}>
            {(metrics) => (
              <section aria-labelledby="metrics-title">
                <h2 id="metrics-title">
                  {r().evaluatedByHook ? 'Test metrics (computed by a hook)' : 'Test metrics'}
                </h2>
                <Show when={r().evaluatedByHook}>
                  <p class="warning" role="note">
                    An override_evaluation hook computed these metrics instead of Butterfly; they are only as
                    sound as the hook's code.
                  </p>
                </Show>
                <MetricTable metrics={metrics()} labelledBy="metrics-title" />
                <Show when={r().hookMetrics}>
                  {(hookMetrics) => (
                    <>
                      <h3 id="hook-metrics-title">Hook metrics</h3>
                      <p class="muted small">
                        Custom metrics returned by this run's hooks, apart from the test metrics above, which
                        no hook can change.
                      </p>
                      <MetricTable metrics={hookMetrics()} labelledBy="hook-metrics-title" hook />
                    </>
                  )}
                </Show>
                <Show when={r().model}>
                  {(model) => (
                    <div class="chosen-model">
                      <p>
                        Chosen model: <strong data-testid="chosen-model">{modelLabel(model().family)}</strong>
                        <Show when={model().family !== 'ensemble'}>
                          {' '}
                          <span class="muted small">{describeConfigValue(model().hyperparameters)}</span>
                        </Show>
                      </p>
                      <Show when={model().family === 'ensemble'}>
                        <ul class="muted small" aria-label="Ensemble members">
                          <For
                            each={describeModelSettings(
                              model().family,
                              model().hyperparameters,
                              describeConfigValue,
                            )}
                          >
                            {(line) => <li>{line}</li>}
                          </For>
                        </ul>
                      </Show>
                    </div>
                  )}
                </Show>
              </section>
            )}
          </Show>

          <Show when={report()?.leaderboard?.length}>
            <Leaderboard entries={report()!.leaderboard} />
          </Show>

          <Show when={plotData()}>{(input) => <RunPlots input={input()} />}</Show>

          <Show when={report()?.importances}>
            {(importances) => (
              <section aria-labelledby="importance-title">
                <h2 id="importance-title">Feature importance</h2>
                <table class="data-table" aria-labelledby="importance-title">
                  <thead>
                    <tr>
                      <th scope="col">Feature</th>
                      <th scope="col" class="num">
                        Importance
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={Object.entries(importances()).sort((a, b) => b[1] - a[1])}>
                      {([feature, value]) => (
                        <tr>
                          <th scope="row">{feature}</th>
                          <td class="num">{formatNumber(value)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </section>
            )}
          </Show>

          <section aria-labelledby="lineage-title">
            <h2 id="lineage-title">Lineage</h2>
            <dl class="facts" aria-labelledby="lineage-title">
              <div>
                <dt>Dataset</dt>
                <dd>
                  <Show when={dataset()} fallback={<span>not in this workspace</span>}>
                    {(d) => (
                      <A href={`/w/${params.workspaceId}/datasets/${d().id}`}>
                        {d().name} v{d().version}
                      </A>
                    )}
                  </Show>
                </dd>
              </div>
              <div>
                <dt>Seed</dt>
                <dd data-testid="lineage-seed">{r().seed}</dd>
              </div>
              <div>
                <dt>Backend</dt>
                <dd data-testid="lineage-backend">{r().backend ?? '—'}</dd>
              </div>
              <div class="wide">
                <dt>Dataset SHA-256</dt>
                <dd>
                  <code data-testid="lineage-dataset-hash">{r().datasetHash}</code>
                </dd>
              </div>
              <div class="wide">
                <dt>Pipeline snapshot hash</dt>
                <dd>
                  <code data-testid="lineage-snapshot-hash">{r().snapshot.hash}</code>
                </dd>
              </div>
              <For each={deriveLineage(r()).hooks}>
                {(hook) => (
                  <div class="wide">
                    <dt>
                      Hook {hook.name} ({hook.kind})
                    </dt>
                    <dd>
                      <code data-testid="lineage-hook-hash">{hook.codeHash}</code>
                    </dd>
                  </div>
                )}
              </For>
            </dl>
          </section>

          <Show when={error()}>
            <p role="alert" class="error-box">
              {error()}
            </p>
          </Show>

          <Show when={r().status === 'completed'}>
            <PredictPanel
              packageArtifact={artifacts()?.find((a) => a.fileName === 'model-package.json')}
              runLabel={`Run ${r().number}`}
            />
          </Show>

          <Show when={r().status !== 'running'}>
            <RunSharing run={r()} onRerun={(id) => navigate(`/w/${params.workspaceId}/runs/${id}`)} />
          </Show>

          <section aria-labelledby="artifacts-title">
            <h2 id="artifacts-title">Artifacts</h2>
            <Show
              when={(artifacts() ?? []).length > 0}
              fallback={
                <p class="muted">
                  {r().status === 'running' ? 'Artifacts appear when the run completes.' : 'No artifacts.'}
                </p>
              }
            >
              <ul class="card-list" aria-labelledby="artifacts-title">
                <For each={artifacts()}>
                  {(artifact: Artifact) => (
                    <li>
                      <button
                        type="button"
                        class="small"
                        onClick={() => downloadArtifact(artifact).catch((e) => setError(errorMessage(e)))}
                      >
                        Download {artifact.fileName}
                      </button>{' '}
                      <span class="muted small">
                        {artifact.type} · {formatBytes(artifact.byteSize)} · SHA-256{' '}
                        {artifact.sha256.slice(0, 12)}
                      </span>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>

          <section aria-labelledby="snapshot-title">
            <h2 id="snapshot-title">Pipeline snapshot</h2>
            <SnapshotView snapshot={r().snapshot} />
          </section>

          <section aria-labelledby="timings-title">
            <h2 id="timings-title">Block timings and log</h2>
            <Show when={r().blockTimings.length > 0}>
              <table class="data-table" aria-labelledby="timings-title">
                <tbody>
                  <For each={r().blockTimings}>
                    {(timing) => (
                      <tr>
                        <th scope="row">{blockLabels[timing.block]}</th>
                        <td class="num">{formatDuration(timing.endedAt - timing.startedAt)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </Show>
            <div class="log" role="log" aria-label="Run log">
              <For each={r().status === 'running' ? (live()?.logs ?? []) : r().logs}>
                {(entry) => (
                  <div class={entry.level}>
                    [{formatDuration(entry.t)}] {entry.block ? `${entry.block}: ` : ''}
                    {entry.message}
                  </div>
                )}
              </For>
            </div>
          </section>
        </div>
      )}
    </Show>
  )
}

/** Metric names and values; hook metrics carry `data-hook-metric` instead of `data-metric`. */
function MetricTable(props: { metrics: Record<string, number>; labelledBy: string; hook?: boolean }) {
  return (
    <table class="data-table" aria-labelledby={props.labelledBy}>
      <tbody>
        <For each={Object.entries(props.metrics)}>
          {([name, value]) => (
            <tr>
              <th scope="row">{props.hook ? name : metricLabel(name)}</th>
              <td
                class="num"
                data-metric={props.hook ? undefined : name}
                data-hook-metric={props.hook ? name : undefined}
              >
                {formatNumber(value)}
              </td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  )
}

function LossSparkline(props: { losses: number[] }) {
  const width = 240
  const height = 48
  const path = () => {
    const values = props.losses.slice(-200)
    const min = Math.min(...values)
    const max = Math.max(...values)
    const span = max - min || 1
    return values
      .map(
        (v, i) =>
          `${i === 0 ? 'M' : 'L'}${((i / Math.max(1, values.length - 1)) * width).toFixed(1)},${(height - ((v - min) / span) * (height - 4) - 2).toFixed(1)}`,
      )
      .join(' ')
  }
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label="Training loss so far"
    >
      <path d={path()} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  )
}
