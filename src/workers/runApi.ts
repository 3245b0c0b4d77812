/**
 * The run worker's API: task detection over a dataset's columns, and executing a run through the run
 * service (src/runs). Data arrives as Arrow IPC bytes and leaves as plain data + typed arrays
 * (transferred, never copied per row). Cancelling a run terminates this worker: nothing here needs to
 * cooperate for Cancel to stop at once. The app keeps a worker for the next run when {@link RunApi.reusable}
 * says so (its JIT-compiled engine and its second thread are then warm); every run says in its first log
 * line whether it was this worker's first.
 */
import { tableFromIPC } from 'apache-arrow'
import type { LogEntry } from '../domain/run.ts'
import type { TaskDefinition } from '../domain/task.ts'
import { frameFromArrow } from '../engine/arrowFrame.ts'
import '../engine/models/allModels.ts'
import type { RunProgressEvent } from '../engine/pipeline/executor.ts'
import type { FoldFitter } from '../engine/pipeline/foldLane.ts'
import type { HookRunner } from '../engine/pipeline/hooks.ts'
import type { DetectTaskOptions } from '../engine/pipeline/taskDetection.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import { defaultLargeCells, defaultLargeMemoryBytes } from '../engine/scale/largePipeline.ts'
import type { BackendCalibrationCache } from '../engine/tfBackend.ts'
import type { ForestHelper } from '../engine/trees/forest.ts'
import { loadModelPackage } from '../outputs/predict/modelPackage.ts'
import type { PredictionsPreview } from '../outputs/predict/predictNewData.ts'
import {
  predictionsPreview,
  predictionsToCsv,
  predictNewData,
  streamPredictions,
} from '../outputs/predict/predictNewData.ts'
import { practiceRun } from '../runs/practiceRun.ts'
import type { RunResult } from '../runs/runService.ts'
import { arrowHints, executeRun, resultTransferables } from '../runs/runService.ts'
import { createPredictionsFile } from '../storage/predictionFiles.ts'
import { browserMemory, memoryBudget } from './memoryBudget.ts'
import type { PredictionProgress, PredictionsOnTable, RunWorkerApi, RunWorkerRequest } from './protocol.ts'
import { remoteTable } from './tableChannel.ts'

export interface RunApiDeps {
  wasmPaths?: Record<string, string>
  calibrationCache?: BackendCalibrationCache
  deviceKey?: string
  /** A hook sandbox for one run (disposed when the run ends, so a reused worker keeps none alive). */
  hookRunner?: () => HookRunner & { dispose?(): void }
  /** A second thread for forests (the browser starts a worker on first use). */
  forestHelper?: ForestHelper
  /** A second thread for model selection's tree fold fits (the same worker as the forest helper). */
  foldFitter?: FoldFitter
  /** Marks transferable buffers of the result (Comlink.transfer in the worker). */
  transfer?: <T>(value: T, buffers: ArrayBuffer[]) => T
}

/**
 * Runs one worker may execute before the app replaces it: a bound on whatever a long-lived worker gathers
 * (caches, fragmented heaps), far past the handful of runs a session tends to start in a row.
 */
export const runsPerWorker = 20

export class RunApi implements RunWorkerApi {
  /** Runs started in this worker. */
  private runs = 0
  /** Whether the last run held its table whole (a streamed run leaves large wasm memories grown). */
  private lastHeldWhole = false
  /** The practice run started by {@link warmUp}; a run waits for it (they would share the second thread). */
  private warming: Promise<boolean> | undefined

  constructor(private readonly deps: RunApiDeps = {}) {}

  /**
   * Whether this worker may run the next run too: its last run held its table whole (a large, streamed
   * run grows memories a worker never gives back) and it has run fewer than {@link runsPerWorker}.
   */
  async reusable(): Promise<boolean> {
    return this.lastHeldWhole && this.runs < runsPerWorker
  }

  /**
   * Warms this worker up with a practice run (src/runs/practiceRun.ts) before its first real run, which
   * then skips the engine's compilation and the second thread's start. Resolves true once warm, false
   * when the practice run failed or was stopped because a real run arrived first (that run then starts
   * as warm as the practice run got); calling it again does nothing.
   */
  async warmUp(): Promise<boolean> {
    // Once a real run has arrived, a practice run still going stops at its next check.
    this.warming ??= practiceRun({ ...this.engineDeps(undefined), isCancelled: () => this.runs > 0 }).then(
      () => true,
      () => false,
    )
    return this.warming
  }

  /** The engine's helpers for one run (`hookRunner`: its sandbox, or none). */
  private engineDeps(hookRunner: HookRunner | undefined) {
    return {
      hookRunner,
      forestHelper: this.deps.forestHelper,
      foldFitter: this.deps.foldFitter,
      tfBackend: {
        wasmPaths: this.deps.wasmPaths,
        cache: this.deps.calibrationCache,
        deviceKey: this.deps.deviceKey,
      },
    }
  }

  async predict(
    modelPackage: Uint8Array,
    data: Uint8Array,
    onProgress?: (progress: PredictionProgress) => void,
  ): Promise<{ csv: string; rows: number; preview: PredictionsPreview }> {
    const pkg = await loadModelPackage(modelPackage)
    const predictions = await predictNewData(pkg, frameFromArrow(tableFromIPC(data)), { onProgress })
    const csv = predictionsToCsv(predictions)
    return { csv, rows: predictions.nRows, preview: predictionsPreview(csv, 10) }
  }

  async predictTable(
    modelPackage: Uint8Array,
    table: MessagePort,
    options: { fileName: string; largeCells?: number },
    onProgress?: (progress: PredictionProgress) => void,
  ): Promise<PredictionsOnTable> {
    const remote = remoteTable(table)
    const source = await remote.source()
    const largeCells = options.largeCells ?? defaultLargeCells
    if (source.rowCount * source.columnNames.length <= largeCells) {
      const { csv, rows, preview } = await this.predict(modelPackage, await remote.arrow(), onProgress)
      return { rows, preview, csv }
    }
    // Past the threshold: chunks in from the data worker, CSV lines out to a file on disk.
    const pkg = await loadModelPackage(modelPackage)
    const file = await createPredictionsFile(options.fileName)
    let head = ''
    try {
      const { rows } = await streamPredictions(
        pkg,
        source,
        async (text) => {
          // The header and first ten lines, for the preview (at most one chunk's text is kept).
          if (head.split('\n', 12).length <= 11) head += text
          await file.write(text)
        },
        { onProgress },
      )
      await file.close()
      return { rows, preview: predictionsPreview(head, 10), file: options.fileName }
    } catch (error) {
      await file.abort().catch(() => undefined)
      throw error
    }
  }

  async detectTask(data: Uint8Array, options: DetectTaskOptions = {}): Promise<TaskDefinition> {
    return detectTask(frameFromArrow(tableFromIPC(data)), options)
  }

  /** Executes a running run through the run service; the caller stores the records and files it returns. */
  async execute(
    request: RunWorkerRequest,
    onProgress?: (event: RunProgressEvent) => void,
    onLog?: (entry: LogEntry) => void,
  ): Promise<RunResult> {
    const { largeCells, memory, ...rest } = request
    const { data, table, ...runRequest } = { data: undefined, table: undefined, ...rest }
    // The app's runs read the table from the data worker: whole when small, in chunks when large.
    const remote = table ? remoteTable(table) : undefined
    const budget = memoryBudget(memory ?? browserMemory(), defaultLargeMemoryBytes)
    const nth = ++this.runs
    const warmed = (await this.warming) === true
    this.lastHeldWhole = false
    const hookRunner = this.deps.hookRunner?.()
    try {
      const result = await executeRun(runRequest, {
        loadFrame: async (run) => {
          this.lastHeldWhole = true
          return frameFromArrow(tableFromIPC(data ?? (await remote!.arrow())), arrowHints(run.snapshot))
        },
        ...(remote ? { openTable: () => remote.source() } : {}),
        ...(largeCells !== undefined ? { largeCells } : {}),
        memoryLimitBytes: budget.bytes,
        memoryLimitBasis: budget.basis,
        engine: {
          ...this.engineDeps(hookRunner),
          runnerNote:
            nth > 1
              ? `Run worker: reused (run ${nth} in this worker; its compiled engine and second thread were warm)`
              : warmed
                ? 'Run worker: first run in this worker, warmed up ahead by a practice run on a generated table'
                : 'Run worker: first run in this worker',
        },
        onProgress,
        onLog,
      })
      return this.deps.transfer ? this.deps.transfer(result, resultTransferables(result)) : result
    } finally {
      hookRunner?.dispose?.()
    }
  }
}
