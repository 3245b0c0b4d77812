/**
 * Predictions on new data: drop or pick a CSV/Parquet file with the training columns and get a CSV of
 * predictions (class and probabilities, or value) beside the input's id/key columns, computed in
 * workers with progress. The first rows are previewed (probabilities rounded) and the file is
 * downloaded only with the Download button. The run's own model package is used, or any model package
 * file the user loads (e.g. one downloaded earlier).
 */
import * as Comlink from 'comlink'
import { createSignal, For, Show } from 'solid-js'
import type { Artifact } from '../../domain/artifact.ts'
import { errorMessage } from '../../domain/errors.ts'
import type { PredictionsPreview } from '../../outputs/predict/predictNewData.ts'
import type { PredictionProgress } from '../../workers/protocol.ts'
import { formatCount } from '../format.ts'
import { downloadBlob, readArtifact } from '../services/artifacts.ts'
import { dataWorker } from '../services/dataClient.ts'
import { createRunWorker } from '../services/runs.ts'

export function PredictPanel(props: { packageArtifact?: Artifact; runLabel: string }) {
  const [packageFile, setPackageFile] = createSignal<File | undefined>()
  const [progress, setProgress] = createSignal<PredictionProgress | undefined>()
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal('')
  const [done, setDone] = createSignal('')
  const [result, setResult] = createSignal<
    { csv: string; fileName: string; preview: PredictionsPreview } | undefined
  >()
  const preview = () => result()?.preview
  const download = () => {
    const r = result()
    if (r) downloadBlob(new Blob([r.csv], { type: 'text/csv' }), r.fileName)
  }

  const predict = async (file: File) => {
    setError('')
    setDone('')
    setResult(undefined)
    setBusy(true)
    const { worker, api } = createRunWorker()
    try {
      const source =
        packageFile() ?? (props.packageArtifact ? await readArtifact(props.packageArtifact) : undefined)
      if (!source)
        throw new Error(
          'This run has no model package (a hook changed its features or predicted instead of a model)',
        )
      const modelPackage = new Uint8Array(await source.arrayBuffer())
      const data = await dataWorker().fileArrow(file)
      const result = await api.predict(
        Comlink.transfer(modelPackage, [modelPackage.buffer]),
        Comlink.transfer(data, [data.buffer as ArrayBuffer]),
        Comlink.proxy((p: PredictionProgress) => setProgress(p)),
      )
      setResult({
        csv: result.csv,
        fileName: `${file.name.replace(/\.[^.]+$/, '')}-predictions.csv`,
        preview: result.preview,
      })
      setDone(`Predicted ${formatCount(result.rows)} rows of ${file.name}.`)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      worker.terminate()
      setBusy(false)
      setProgress(undefined)
    }
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
      <Show when={progress()}>
        {(p) => (
          <progress
            max={p().rowsTotal || 1}
            value={p().rowsDone}
            aria-label={`Predicting: ${formatCount(p().rowsDone)} of ${formatCount(p().rowsTotal)} rows`}
          />
        )}
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
              <button type="button" class="primary" onClick={download}>
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
