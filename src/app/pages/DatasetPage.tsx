/** A dataset: identity (name, file, size, hash), its versions, schema with logical kinds, column profiles and a row preview. */
import { A, useLocation, useParams } from '@solidjs/router'
import * as Comlink from 'comlink'
import { createEffect, createSignal, For, on, Show } from 'solid-js'
import type { ColumnProfile, Dataset } from '../../domain/dataset.ts'
import type { DatasetId, WorkspaceId } from '../../domain/ids.ts'
import { CategoryBars } from '../components/CategoryBars.tsx'
import { DataGrid } from '../components/DataGrid.tsx'
import { Histogram } from '../components/Histogram.tsx'
import { NewExperimentButton } from '../components/NewExperimentButton.tsx'
import { formatBytes, formatCount, formatDate, formatNumbersAlike } from '../format.ts'
import { dataWorker } from '../services/dataClient.ts'
import { createLiveQuery, db } from '../services/db.ts'

export function DatasetPage() {
  const params = useParams<{ workspaceId: WorkspaceId; datasetId: DatasetId }>()
  const location = useLocation<{ notice?: string }>()
  const dataset = createLiveQuery(
    () => params.datasetId,
    (id) => db.datasets.get(id),
  )
  const versions = createLiveQuery(
    () => dataset(),
    (d) =>
      d
        ? db.datasets.where('[workspaceId+name]').equals([d.workspaceId, d.name]).sortBy('version')
        : Promise.resolve([]),
  )

  const [columnFilter, setColumnFilter] = createSignal('')
  // A large table's profile runs in the data worker after the import; the page follows its progress and
  // shows the stored profile once it is complete (the live query picks up the record).
  const [profileProgress, setProfileProgress] = createSignal(0)
  const [profileError, setProfileError] = createSignal('')
  createEffect(
    on(
      () => (dataset()?.profilePending ? dataset()?.id : undefined),
      (id) => {
        if (!id) return
        setProfileProgress(0)
        setProfileError('')
        dataWorker()
          .watchProfile(
            id,
            Comlink.proxy((fraction: number) => {
              if (dataset()?.id === id) setProfileProgress(fraction)
            }),
          )
          .then((outcome) =>
            // For people curious about speed and for `npm run bench:scale:browser`.
            console.info(
              'butterfly:profile',
              JSON.stringify({ timings: { profile: outcome.ms }, sampledRows: outcome.sampledRows }),
            ),
          )
          .catch((e: unknown) => {
            if (dataset()?.id === id)
              setProfileError(
                `The profile of this table could not be computed (${e instanceof Error ? e.message : String(e)}); its rows and schema are usable.`,
              )
          })
      },
    ),
  )
  const shown = (name: string) => name.toLowerCase().includes(columnFilter().trim().toLowerCase())

  return (
    <Show when={dataset()} fallback={<p class="loading">Loading dataset…</p>}>
      {(d) => (
        <div class="page">
          <header class="page-header">
            <h1>
              {d().name} <span class="version">v{d().version}</span>
            </h1>
            <Show when={location.state?.notice}>
              <p role="status" class="notice">
                {location.state?.notice}
              </p>
            </Show>
            <dl class="facts" aria-label="Dataset facts">
              <div>
                <dt>Rows</dt>
                <dd data-testid="row-count">{formatCount(d().rowCount)}</dd>
              </div>
              <div>
                <dt>Columns</dt>
                <dd data-testid="column-count">{formatCount(d().schema.length)}</dd>
              </div>
              <div>
                <dt>Size</dt>
                <dd>{formatBytes(d().byteSize)}</dd>
              </div>
              <div>
                <dt>Source file</dt>
                <dd>{d().sourcePath}</dd>
              </div>
              <div>
                <dt>Imported</dt>
                <dd>{formatDate(d().importedAt)}</dd>
              </div>
              <div class="wide">
                <dt>SHA-256</dt>
                <dd>
                  <code data-testid="dataset-hash">{d().hash}</code>
                </dd>
              </div>
            </dl>
            <Show when={(versions() ?? []).length > 1}>
              <nav aria-label="Versions" class="versions">
                Versions:{' '}
                <For each={versions()}>
                  {(version) => (
                    <A
                      class="chip"
                      href={`/w/${params.workspaceId}/datasets/${version.id}`}
                      aria-current={version.id === d().id ? 'page' : undefined}
                    >
                      v{version.version}
                    </A>
                  )}
                </For>
              </nav>
            </Show>
            <NewExperimentButton dataset={d()} />
          </header>

          <section aria-labelledby="schema-title">
            <h2 id="schema-title">Schema and profile</h2>
            <p class="muted small" data-testid="kind-note">
              Kinds are inferred at import and the dataset keeps them. To read a column as another kind
              (numbers that are classes, say), start an experiment and change the column's kind in its Task
              card.
            </p>
            <p class="column-filter">
              <label for="column-filter">Find a column</label>{' '}
              <input
                id="column-filter"
                type="search"
                value={columnFilter()}
                onInput={(e) => setColumnFilter(e.currentTarget.value)}
              />{' '}
              <span class="muted small" aria-live="polite" data-testid="column-filter-count">
                <Show when={columnFilter().trim()}>
                  {formatCount(d().schema.filter((c) => shown(c.name)).length)} of{' '}
                  {formatCount(d().schema.length)} columns
                </Show>
              </span>
            </p>
            <ProfileStatus dataset={d()} progress={profileProgress()} error={profileError()} />
            <table class="data-table schema-table" aria-labelledby="schema-title">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                  <th scope="col">Kind</th>
                  <th scope="col" class="num">
                    Missing
                  </th>
                  <th scope="col" class="num">
                    Distinct
                  </th>
                  <th scope="col">Summary</th>
                  <th scope="col">Distribution</th>
                </tr>
              </thead>
              <tbody>
                <For each={d().schema}>
                  {(column, i) => {
                    const profile = () => d().profile[i()]
                    return (
                      <tr data-column={column.name} hidden={!shown(column.name)}>
                        <th scope="row">{column.name}</th>
                        <td>
                          <code>{column.physicalType}</code>
                        </td>
                        <td>
                          <span class={`kind kind-${column.kind}`}>{column.kind}</span>
                        </td>
                        <td class="num" data-testid={`missing-${column.name}`}>
                          {formatCount(profile().missing)}
                        </td>
                        <td
                          class="num"
                          title={profile().distinctEstimated ? 'Estimated (a wide or long file)' : undefined}
                        >
                          <Show when={!d().profilePending} fallback={<span class="muted">…</span>}>
                            {profile().distinctEstimated ? '≈' : ''}
                            {formatCount(profile().distinct)}
                          </Show>
                        </td>
                        <td class="summary">
                          <Show when={!d().profilePending} fallback={<span class="muted">…</span>}>
                            <ProfileSummary profile={profile()} numeric={column.kind === 'numeric'} />
                          </Show>
                        </td>
                        <td>
                          <Show
                            when={column.kind !== 'numeric' && profile().topValues}
                            fallback={
                              <Show when={profile().histogram}>
                                {(h) => (
                                  <Histogram edges={h().edges} counts={h().counts} label={column.name} />
                                )}
                              </Show>
                            }
                          >
                            {(top) => <CategoryBars values={top()} label={column.name} />}
                          </Show>
                        </td>
                      </tr>
                    )
                  }}
                </For>
              </tbody>
            </table>
          </section>

          <section aria-labelledby="preview-title">
            <h2 id="preview-title">Rows</h2>
            <DataGrid
              label={`Rows of ${d().name}`}
              columns={d().schema.map((c) => c.name)}
              numeric={d().schema.map((c) => c.kind === 'numeric')}
              rowCount={d().rowCount}
              fetchRows={(start, count) => dataWorker().previewRows(d().id, start, count)}
            />
          </section>
        </div>
      )}
    </Show>
  )
}

function ProfileSummary(props: { profile: ColumnProfile; numeric: boolean }) {
  // One format for the four numbers of a column (not `500000000` beside `1.000e+9`).
  const numbers = () =>
    formatNumbersAlike([props.profile.min, props.profile.max, props.profile.mean, props.profile.std])
  return (
    <Show
      when={!props.numeric && props.profile.topValues}
      fallback={
        <span>
          <Show when={props.profile.min !== undefined}>
            min {numbers()[0]} · max {numbers()[1]}
          </Show>
          <Show when={props.profile.mean !== undefined}>
            {' '}
            · mean {numbers()[2]} · sd {numbers()[3]}
          </Show>
        </span>
      }
    >
      {(top) => (
        <span>
          <For each={top().slice(0, 5)}>
            {(value, i) => (
              <>
                {i() > 0 ? ', ' : ''}
                <q>{value.value}</q> ({formatCount(value.count)})
              </>
            )}
          </For>
          {top().length > 5 ? ', …' : ''}
        </span>
      )}
    </Show>
  )
}

/**
 * Where a large table's profile stands: computing in the background (with its progress), failed, or done
 * from a sample (what was sampled and what was not). Nothing for a table profiled in full at import.
 */
function ProfileStatus(props: { dataset: Dataset; progress: number; error: string }) {
  const sample = () => props.dataset.profileSample
  return (
    <Show when={props.dataset.profilePending || sample()}>
      <Show
        when={props.dataset.profilePending}
        fallback={
          <p class="muted small" data-testid="profile-status" data-state="done">
            Profile of all {formatCount(props.dataset.rowCount)} rows: missing counts, minimum, maximum, mean,
            deviation and top values are exact;{' '}
            {props.dataset.profile.some((p) => p.distinctEstimated)
              ? 'distinct counts are estimated (≈); '
              : 'distinct counts are exact; '}
            histograms are drawn from a seeded uniform sample of {formatCount(sample()?.rows ?? 0)} rows.
          </p>
        }
      >
        <Show
          when={!props.error}
          fallback={
            <p role="alert" data-testid="profile-status" data-state="failed">
              {props.error}
            </p>
          }
        >
          <p class="profile-progress" data-testid="profile-status" data-state="running">
            <span role="status">
              The table is ready: rows and missing counts are shown. Profiling its{' '}
              {formatCount(props.dataset.rowCount)} rows in the background… {Math.round(props.progress * 100)}
              %
            </span>{' '}
            <progress aria-label="Profile progress" max="1" value={props.progress} />
          </p>
        </Show>
      </Show>
    </Show>
  )
}
