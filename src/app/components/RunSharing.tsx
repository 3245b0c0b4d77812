/**
 * Sharing and reproducing a finished run: export it as a verified bundle (the dataset file only when
 * asked), re-run it from the same snapshot, seed and dataset, and say whether a re-run's metrics match.
 */
import * as Comlink from 'comlink'
import { createSignal, For, Show } from 'solid-js'
import { errorMessage } from '../../domain/errors.ts'
import type { Run } from '../../domain/run.ts'
import { isRunExportable } from '../../domain/run.ts'
import type { BundleExportProgress } from '../../workers/protocol.ts'
import { formatBytes, formatNumber } from '../format.ts'
import { downloadBlob } from '../services/artifacts.ts'
import { dataWorker } from '../services/dataClient.ts'
import { createLiveQuery, db } from '../services/db.ts'
import { startRun } from '../services/runs.ts'
import { appVersion } from '../version.ts'
import { Dialog } from './Dialog.tsx'

export function RunSharing(props: { run: Run; onRerun: (runId: string) => void }) {
  const dataset = createLiveQuery(
    () => props.run.datasetId,
    (id) => db.datasets.get(id),
  )
  const original = createLiveQuery(
    () => props.run.rerunOf,
    (id) => (id ? db.runs.get(id) : Promise.resolve(undefined)),
  )
  const [exporting, setExporting] = createSignal(false)
  const [includeDataset, setIncludeDataset] = createSignal(false)
  const [progress, setProgress] = createSignal<BundleExportProgress | undefined>()
  const [error, setError] = createSignal('')

  const exportBundle = async () => {
    setError('')
    try {
      const { blob, fileName } = await dataWorker().exportRunBundle(
        { runId: props.run.id, includeDataset: includeDataset(), appVersion, userAgent: navigator.userAgent },
        Comlink.proxy((p: BundleExportProgress) => setProgress(p)),
      )
      downloadBlob(blob, fileName)
      setExporting(false)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setProgress(undefined)
    }
  }

  const rerun = async () => {
    setError('')
    try {
      props.onRerun(
        await startRun(props.run.experimentId, { snapshot: props.run.snapshot, rerunOf: props.run.id }),
      )
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  const comparison = () => {
    const before = original()
    if (!before?.metrics || !props.run.metrics || props.run.status !== 'completed') return undefined
    const names = [...new Set([...Object.keys(before.metrics), ...Object.keys(props.run.metrics)])]
    const mismatches = names.filter((name) => !Object.is(before.metrics?.[name], props.run.metrics?.[name]))
    return { before, mismatches }
  }

  return (
    <section aria-labelledby="sharing-title">
      <h2 id="sharing-title">Share and reproduce</h2>
      <Show when={comparison()}>
        {(c) => (
          <Show
            when={c().mismatches.length === 0}
            fallback={
              <div role="status" class="warning" data-testid="rerun-check">
                Metrics differ from Run {c().before.number}:
                <ul>
                  <For each={c().mismatches}>
                    {(name) => (
                      <li>
                        {name}: {formatNumber(c().before.metrics?.[name])} then,{' '}
                        {formatNumber(props.run.metrics?.[name])} now
                      </li>
                    )}
                  </For>
                </ul>
                {c().before.backend !== props.run.backend
                  ? `The backends differ (${c().before.backend} vs ${props.run.backend}).`
                  : ''}
              </div>
            }
          >
            <p role="status" class="notice" data-testid="rerun-check">
              Re-run of Run {c().before.number}: metrics match exactly.
            </p>
          </Show>
        )}
      </Show>
      <div class="actions">
        <Show when={isRunExportable(props.run)}>
          <button type="button" onClick={() => setExporting(true)}>
            Export run bundle
          </button>
        </Show>
        <button
          type="button"
          onClick={rerun}
          disabled={!dataset()}
          title={dataset() ? undefined : 'The dataset of this run is not in this workspace'}
        >
          Re-run
        </button>
        <Show when={!dataset()}>
          <span class="muted small">Import the dataset (same bytes) to re-run this run.</span>
        </Show>
      </div>
      <Show when={error()}>
        <p role="alert" class="error-box">
          {error()}
        </p>
      </Show>
      <Dialog
        open={exporting()}
        title="Export run bundle"
        onClose={() => setExporting(false)}
        onSubmit={exportBundle}
        actions={
          <>
            <button type="button" onClick={() => setExporting(false)}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={progress() !== undefined}>
              Export
            </button>
          </>
        }
      >
        <p>
          The bundle holds the run, its experiment and pipeline snapshot, the hooks' code, metrics, logs and
          every artifact, each with its SHA-256, so whoever imports it can verify nothing was altered.
        </p>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={includeDataset()}
            onChange={(e) => setIncludeDataset(e.currentTarget.checked)}
          />
          Include the dataset file{dataset() ? ` (${formatBytes(dataset()!.byteSize)})` : ''}: off by default;
          the data then leaves with the bundle
        </label>
        <Show when={progress()}>
          {(p) => (
            <>
              <p class="small">
                Writing {p().path} ({formatBytes(p().bytesDone)} of {formatBytes(p().bytesTotal)})
              </p>
              <progress max={p().bytesTotal || 1} value={p().bytesDone} aria-label="Export progress" />
            </>
          )}
        </Show>
      </Dialog>
    </section>
  )
}
