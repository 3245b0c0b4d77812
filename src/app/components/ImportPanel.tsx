/**
 * Dataset import: a labelled file picker plus drag-and-drop anywhere on the page. The work happens in
 * the data worker; this shows a progress bar with phase and bytes, and a specific message on failure.
 */
import { useNavigate } from '@solidjs/router'
import * as Comlink from 'comlink'
import { createSignal, onCleanup, onMount, Show } from 'solid-js'
import { errorMessage } from '../../domain/errors.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import { noRoomError } from '../../storage/datasetImport.ts'
import type { ImportPhase, ImportProgress } from '../../workers/protocol.ts'
import { bytesEtaSeconds, formatBytes, timeLeft } from '../format.ts'
import { readCountSetting } from '../services/countSetting.ts'
import { dataWorker } from '../services/dataClient.ts'
import { appVersion } from '../version.ts'

const phaseLabels: Record<ImportPhase, string> = {
  check: 'Checking the file',
  hash: 'Hashing',
  ingest: 'Loading into the table engine',
  profile: 'Profiling columns',
  store: 'Saving the file',
  done: 'Done',
}

/** Free browser storage, asked on the main thread first so a too-large file is refused before any work. */
async function checkQuota(file: File): Promise<void> {
  const estimate = await navigator.storage?.estimate?.()
  if (!estimate?.quota) return
  const free = estimate.quota - (estimate.usage ?? 0)
  if (file.size > free) throw noRoomError(file.name, file.size, free)
}

export function ImportPanel(props: { workspaceId: WorkspaceId }) {
  const navigate = useNavigate()
  const [progress, setProgress] = createSignal<ImportProgress | undefined>()
  // When the current step began, for its time left (hashing, loading and saving move through bytes).
  let step: { phase: ImportPhase; startedAt: number; startBytes: number } | undefined
  // The estimate made at the last report, counted down each second until the next (a large file's
  // parts report every few seconds).
  let estimate: { seconds: number; at: number } | undefined
  const [secondsLeft, setSecondsLeft] = createSignal<number | undefined>()
  const countDown = setInterval(() => {
    if (estimate) setSecondsLeft(Math.max(1, estimate.seconds - (performance.now() - estimate.at) / 1000))
  }, 1000)
  onCleanup(() => clearInterval(countDown))
  const onProgress = (p: ImportProgress) => {
    const now = performance.now()
    if (step?.phase !== p.phase) step = { phase: p.phase, startedAt: now, startBytes: p.bytesDone ?? 0 }
    const seconds =
      p.bytesDone === undefined ? undefined : bytesEtaSeconds(step, now, p.bytesDone, p.totalBytes)
    estimate = seconds === undefined ? undefined : { seconds, at: now }
    setSecondsLeft(seconds)
    setProgress(p)
  }
  const [fileName, setFileName] = createSignal('')
  const [error, setError] = createSignal('')
  const [notice, setNotice] = createSignal('')
  const [dragging, setDragging] = createSignal(false)
  const [engine, setEngine] = createSignal<'starting' | 'ready' | { failed: string }>('starting')
  let input!: HTMLInputElement

  // DuckDB takes a few seconds to start with the page; say so, though a file can be dropped already.
  onMount(() => {
    dataWorker()
      .engineReady()
      .then(
        (ready) => {
          console.info('butterfly:engine', JSON.stringify(ready))
          setEngine('ready')
        },
        (e) => setEngine({ failed: errorMessage(e) }),
      )
  })

  const importFile = async (file: File) => {
    if (progress()) return
    setError('')
    setNotice('')
    setFileName(file.name)
    setProgress({ phase: 'check', totalBytes: file.size, fraction: 0 })
    try {
      await checkQuota(file)
      if (/\.zip$/i.test(file.name)) {
        setProgress({ phase: 'check', totalBytes: file.size, fraction: 0.5 })
        const imported = await dataWorker().importRunBundle({
          workspaceId: props.workspaceId,
          file,
          appVersion,
          userAgent: navigator.userAgent,
        })
        navigate(`/w/${props.workspaceId}/runs/${imported.runId}`, {
          state: { notice: imported.notes.join(' ') },
        })
        return
      }
      const largeTableRows = largeTableRowsSetting()
      const result = await dataWorker().importFile(
        { workspaceId: props.workspaceId, file, ...(largeTableRows === undefined ? {} : { largeTableRows }) },
        Comlink.proxy(onProgress),
      )
      // Phase timings, for people curious about speed and for `npm run bench:import`.
      console.info(
        'butterfly:import',
        JSON.stringify({
          file: file.name,
          bytes: file.size,
          deduplicated: result.deduplicated,
          timings: result.timings,
        }),
      )
      // What the import changed visibly (a column renamed) is said on the dataset page it opens.
      setNotice(
        [
          ...(result.deduplicated
            ? [
                `These bytes were already imported as “${result.dataset.name}” v${result.dataset.version}: opening it.`,
              ]
            : []),
          ...(result.notes ?? []),
        ].join(' '),
      )
      navigate(`/w/${props.workspaceId}/datasets/${result.dataset.id}`, { state: { notice: notice() } })
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      step = undefined
      estimate = undefined
      setSecondsLeft(undefined)
      setProgress(undefined)
      if (input) input.value = ''
    }
  }

  // Drag-and-drop anywhere on the workspace page.
  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer?.types.includes('Files')) return
    event.preventDefault()
    setDragging(true)
  }
  const onDragLeave = (event: DragEvent) => {
    if (event.relatedTarget === null) setDragging(false)
  }
  const onDrop = (event: DragEvent) => {
    event.preventDefault()
    setDragging(false)
    const file = event.dataTransfer?.files?.[0]
    if (file) void importFile(file)
  }
  onMount(() => {
    window.addEventListener('dragover', onDragOver)
    window.addEventListener('dragleave', onDragLeave)
    window.addEventListener('drop', onDrop)
  })
  onCleanup(() => {
    window.removeEventListener('dragover', onDragOver)
    window.removeEventListener('dragleave', onDragLeave)
    window.removeEventListener('drop', onDrop)
  })

  return (
    <section
      class="import-panel"
      aria-labelledby="import-heading"
      data-testid="dropzone"
      classList={{ dragging: dragging() }}
    >
      <h2 id="import-heading">Import data or a run</h2>
      <p class="drop-hint">
        Drop a CSV or Parquet file, or a run bundle (<code>.butterfly.zip</code>), here or anywhere on this
        page.
      </p>
      <label class="button primary file-label">
        Import a data file or run bundle
        <input
          ref={input}
          type="file"
          accept=".csv,.tsv,.txt,.parquet,.pq,.zip,text/csv,text/tab-separated-values,application/zip"
          aria-label="Import a data file or run bundle"
          class="visually-hidden"
          onChange={(event) => {
            const file = event.currentTarget.files?.[0]
            if (file) void importFile(file)
          }}
        />
      </label>
      <p class="muted small">
        CSV (comma, semicolon or tab), TSV or Parquet; a run bundle exported from Butterfly brings its run,
        dataset and model. The file never leaves this device.
      </p>
      <p class="muted small" aria-live="polite" data-testid="engine-status">
        <Show when={engine() === 'starting'}>Starting the data engine… you can drop a file already.</Show>
        <Show when={typeof engine() === 'object' && (engine() as { failed: string })}>
          {(failed) => <>The data engine could not start: {failed().failed}</>}
        </Show>
      </p>
      <Show when={progress()}>
        {(p) => (
          <div class="import-progress" aria-live="polite">
            <p>
              Importing <strong>{fileName()}</strong>: {phaseLabels[p().phase]}
              <Show when={p().bytesDone !== undefined}>
                {' '}
                ({formatBytes(p().bytesDone ?? 0)} of {formatBytes(p().totalBytes)}
                <Show when={secondsLeft()}>
                  {(left) => <>, about {timeLeft(left())} left in this step</>}
                </Show>
                )
              </Show>
            </p>
            <progress
              max="100"
              value={Math.round(p().fraction * 100)}
              aria-label={`Import progress: ${phaseLabels[p().phase]}`}
            />
          </div>
        )}
      </Show>
      <Show when={error()}>
        <div role="alert" class="error-box">
          <strong>Could not import “{fileName()}”.</strong> {error()}
        </div>
      </Show>
      <Show when={notice()}>
        <p role="status">{notice()}</p>
      </Show>
    </section>
  )
}

/**
 * Rows past which a table is shown before its profile is done (the worker's default when unset): the
 * `butterfly.largeTableRows` entry of localStorage, for trying the background profile on a small file.
 */
function largeTableRowsSetting(): number | undefined {
  return readCountSetting('butterfly.largeTableRows')
}
