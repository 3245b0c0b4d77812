/**
 * Predictions on new data: drop or pick a CSV/Parquet file with the training columns and get a CSV of
 * predictions (class and probabilities, or value) beside the input's id/key columns, computed in
 * workers with progress. The first rows are previewed (probabilities rounded) and the file is
 * downloaded only with the Download button. The run's own model package is used, or any model package
 * file the user loads (e.g. one downloaded earlier).
 *
 * The data worker serves the file to a run worker as it serves a run's table (no row passes through this
 * thread). Past the runs' streaming threshold ("Stream tables larger than (cells)", issue 16) the file
 * streams: DuckDB reads it in chunks, each is predicted and its lines are written to a predictions file on
 * disk (OPFS), with rows done, time left and Cancel; the download is that file.
 */
import * as Comlink from 'comlink'
import { createSignal, For, Show } from 'solid-js'
import type { Artifact } from '../../domain/artifact.ts'
import { errorMessage } from '../../domain/errors.ts'
import type { PredictionsPreview } from '../../outputs/predict/predictNewData.ts'
import { clearPredictionsFiles, readPredictionsFile } from '../../storage/predictionFiles.ts'
import { isLateTypeError } from '../../storage/tables/readableChunks.ts'
import type { PredictionProgress } from '../../workers/protocol.ts'
import { formatCount, timeLeft } from '../format.ts'
import { downloadBlob, readArtifact } from '../services/artifacts.ts'
import { dataWorker } from '../services/dataClient.ts'
import { createRunWorker, largeCellsSetting } from '../services/runs.ts'

let servedFiles = 0

export function PredictPanel(props: { packageArtifact?: Artifact; runLabel: string }) {
  const [packageFile, setPackageFile] = createSignal<File | undefined>()
  const [progress, setProgress] = createSignal<PredictionProgress | undefined>()
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal('')
  const [done, setDone] = createSignal('')
  const [result, setResult] = createSignal<
    { blob: () => Promise<Blob>; fileName: string; preview: PredictionsPreview } | undefined
  >()
  const [cancel, setCancel] = createSignal<(() => void) | undefined>()
  const preview = () => result()?.preview
  const download = async () => {
    const r = result()
    if (!r) return
    try {
      downloadBlob(await r.blob(), r.fileName)
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  /** Predicts `file`; `sampleSize` -1 types its columns on every row (after a late value broke the sniffed type). */
  const predict = async (file: File, sampleSize?: number): Promise<void> => {
    setError('')
    setDone('')
    setResult(undefined)
    setBusy(true)
    const { worker, api } = createRunWorker()
    const id = `predict_${++servedFiles}`
    let cancelled = false
    const stopped = new Promise<never>((_, reject) => {
      setCancel(() => () => {
        cancelled = true
        worker.terminate()
        reject(new Error('cancelled'))
      })
    })
    stopped.catch(() => undefined)
    let retype = false
    try {
      const source =
        packageFile() ?? (props.packageArtifact ? await readArtifact(props.packageArtifact) : undefined)
      if (!source)
        throw new Error(
          'This run has no model package (a hook changed its features or predicted instead of a model)',
        )
      const modelPackage = new Uint8Array(await source.arrayBuffer())
      const fileName = `${file.name.replace(/\.[^.]+$/, '')}-predictions.csv`
      const channel = new MessageChannel()
      await Promise.race([
        dataWorker().serveFile(
          { id, file, ...(sampleSize === undefined ? {} : { sampleSize }) },
          Comlink.transfer(channel.port1, [channel.port1]),
        ),
        stopped,
      ])
      const largeCells = largeCellsSetting()
      const out = await Promise.race([
        api.predictTable(
          Comlink.transfer(modelPackage, [modelPackage.buffer]),
          Comlink.transfer(channel.port2, [channel.port2]),
          { fileName, ...(largeCells === undefined ? {} : { largeCells }) },
          Comlink.proxy((p: PredictionProgress) => setProgress(p)),
        ),
        stopped,
      ])
      const { csv, file: written } = out
      setResult({
        blob: async () =>
          csv !== undefined ? new Blob([csv], { type: 'text/csv' }) : readPredictionsFile(written!),
        fileName,
        preview: out.preview,
      })
      setDone(`Predicted ${formatCount(out.rows)} rows of ${file.name}.`)
    } catch (e) {
      if (cancelled) {
        setDone('Prediction cancelled: nothing was written.')
        void clearPredictionsFiles().catch(() => undefined)
      } else if (isLateTypeError(e) && sampleSize === undefined) retype = true
      else setError(errorMessage(e))
    } finally {
      worker.terminate()
      void dataWorker()
        .releaseTable(id)
        .catch(() => undefined)
      setCancel(undefined)
      setBusy(false)
      setProgress(undefined)
    }
    if (retype) await predict(file, -1)
  }

  return (
    <section aria-labelledby="predict-title">
      <h2 id="predict-title">Predict on new data</h2>
      <p class="muted small">
        A CSV or Parquet file with the same feature columns as the training data; unseen categories are
        handled as during training. Uses{' '}
        {packageFile() ? `the model package “${packageFile()!.name}”` : `the model of ${props.runLabel}`}.
      </p>
      <div class="actions">
        <label class="button primary">
          Predict on a data file
          <input
            type="file"
            class="visually-hidden"
            aria-label="Predict on a data file"
            accept=".csv,.tsv,.parquet,.pq,text/csv"
            disabled={busy()}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0]
              e.currentTarget.value = ''
              if (file) void predict(file)
            }}
          />
        </label>
        <label class="button">
          Use a model package file
          <input
            type="file"
            class="visually-hidden"
            aria-label="Use a model package file"
            accept=".json,application/json"
            onChange={(e) => setPackageFile(e.currentTarget.files?.[0])}
          />
        </label>
      </div>
      <Show when={busy()}>
        <div class="actions">
          <Show when={progress()} fallback={<span class="muted small">Reading the file…</span>}>
            {(p) => (
              <>
                <progress
                  max={p().rowsTotal || 1}
                  value={p().rowsDone}
                  aria-label={`Predicting: ${formatCount(p().rowsDone)} of ${formatCount(p().rowsTotal)} rows`}
                />
                <span class="muted small" data-testid="predict-progress">
                  {formatCount(p().rowsDone)} of {formatCount(p().rowsTotal)} rows
                  {p().etaSeconds !== undefined && p().rowsDone < p().rowsTotal
                    ? ` · about ${timeLeft(p().etaSeconds!)} left`
                    : ''}
                </span>
              </>
            )}
          </Show>
          <Show when={cancel()}>
            {(stop) => (
              <button type="button" onClick={() => stop()()}>
                Cancel
              </button>
            )}
          </Show>
        </div>
      </Show>
      <Show when={done()}>
        <p role="status">{done()}</p>
      </Show>
      <Show when={preview()}>
        {(p) => (
          <>
            <table class="data-table" aria-label="Predictions preview">
              <caption class="muted small">
                First {formatCount(p().rows.length)} rows; probabilities rounded (the file keeps every digit).
              </caption>
              <thead>
                <tr>
                  <For each={p().header}>
                    {(name, i) => (
                      <th scope="col" class={p().numeric[i()] ? 'num' : ''}>
                        {name}
                      </th>
                    )}
                  </For>
                </tr>
              </thead>
              <tbody>
                <For each={p().rows}>
                  {(row) => (
                    <tr>
                      <For each={row}>
                        {(field, i) => <td class={p().numeric[i()] ? 'num' : ''}>{field}</td>}
                      </For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <div class="actions">
              <button type="button" class="primary" onClick={() => void download()}>
                Download predictions
              </button>
              <span class="muted small">{result()?.fileName}</span>
            </div>
          </>
        )}
      </Show>
      <Show when={error()}>
        <p role="alert" class="error-box">
          Could not predict: {error()}
        </p>
      </Show>
    </section>
  )
}
