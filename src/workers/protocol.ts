/**
 * The one contract between threads: each worker's API (data, run, hook sandbox, forest helper) and the
 * progress events they report; the plain-data error shape is in errorTransfer.ts. Workers implement
 * these interfaces with plain classes that tests can call in-thread; the app reaches them through Comlink.
 */
import type { JsonValue } from '../domain/hash.ts'
import type { HookKind } from '../domain/hook.ts'
import type { WorkspaceId } from '../domain/ids.ts'
import type { LogEntry } from '../domain/run.ts'
import type { TaskDefinition } from '../domain/task.ts'
import type { RunProgressEvent } from '../engine/pipeline/executor.ts'
import type { DryRunInput } from '../engine/pipeline/hookDryRun.ts'
import type { DetectTaskOptions } from '../engine/pipeline/taskDetection.ts'
import type { PredictionsPreview, StreamPredictionsProgress } from '../outputs/predict/predictNewData.ts'
import type { RunRequest, RunResult } from '../runs/runService.ts'
import type { ImportProgress, ImportResult } from '../storage/importProgress.ts'
import type { BrowserMemory } from './memoryBudget.ts'

export type { ImportPhase, ImportProgress, ImportResult } from '../storage/importProgress.ts'
export { importPhases } from '../storage/importProgress.ts'

/** A window of rows for the preview grid; cells are numbers, strings or null. */
export interface RowWindow {
  columns: string[]
  /** Row numbers (0-based) of the rows in `rows`. */
  start: number
  rows: (string | number | boolean | null)[][]
}

export interface BundleExportProgress {
  bytesDone: number
  bytesTotal: number
  path: string
}

/** What a bundle import added, for the UI to show and open. */
export interface BundleImportSummary {
  runId: string
  experimentId: string
  datasetAction: 'add' | 'reuse' | 'missing'
  notes: string[]
}

export interface DataWorkerApi {
  /**
   * Resolves once the table engine (DuckDB) has started, with how long that took since the worker
   * started; rejects with the reason when it cannot start. Imports never need to wait for this.
   */
  engineReady(): Promise<{ startupMs: number }>
  /** Streams a stored run into a `.butterfly.zip` bundle (dataset file only when asked). */
  exportRunBundle(
    request: { runId: string; includeDataset: boolean; appVersion: string; userAgent: string },
    onProgress?: (progress: BundleExportProgress) => void,
  ): Promise<{ blob: Blob; fileName: string }>
  /** Verifies every hash of a bundle, then stores it in the workspace; nothing is written when a check fails. */
  importRunBundle(request: {
    workspaceId: WorkspaceId
    file: File
    appVersion: string
    userAgent: string
  }): Promise<BundleImportSummary>
  /**
   * Imports a file as a dataset. A table past `largeTableRows` rows (default 1,000,000) is recorded as
   * soon as it is queryable, its profile pending; the profile then runs in this worker (watchProfile).
   */
  importFile(
    request: { workspaceId: WorkspaceId; file: File; largeTableRows?: number },
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportResult>
  /**
   * Resolves once the dataset's profile is complete and stored (at once when it is), reporting the
   * fraction done; starts the profile when none runs (after a reload). Rejects with a sentence when the
   * profile fails: the dataset stays usable, its profile pending.
   */
  watchProfile(
    datasetId: string,
    onProgress?: (fraction: number) => void,
  ): Promise<{ ms: number; sampledRows?: number }>
  previewRows(datasetId: string, start: number, count: number): Promise<RowWindow>
  /** The dataset (or its first `firstRows` rows) as an Arrow IPC stream (columns only, no per-row objects). */
  datasetArrow(datasetId: string, firstRows?: number): Promise<Uint8Array>
  /**
   * The input of a hook tried on the first rows of a dataset without a run ("Try on sample rows"), read
   * with the task's column kinds as a run reads them (src/engine/pipeline/hookDryRun.ts).
   */
  hookDryRunInput(request: {
    datasetId: string
    task: TaskDefinition
    kind: HookKind
    config: JsonValue
    seed: number
  }): Promise<DryRunInput>
  /**
   * Serves the dataset's table on `port` to run `runId`'s worker (src/workers/tableChannel.ts): whole as
   * Arrow, or streamed in chunks read by DuckDB here, so the rows never pass through the page.
   */
  serveTable(request: { runId: string; datasetId: string }, port: MessagePort): Promise<void>
  /** Ends serving run `runId`'s table: reads left open are closed (the run ended or was cancelled). */
  releaseTable(runId: string): Promise<void>
  /**
   * Serves a new data file (predictions on new data) on `port` as {@link serveTable} serves a dataset:
   * whole as Arrow, or in chunks that DuckDB reads from the File as they are asked for (a delimited file
   * is never loaded whole). `sampleSize` is read_csv's (-1: typed on every row). Ended by
   * {@link releaseTable} with the same `id`.
   */
  serveFile(request: { id: string; file: File; sampleSize?: number }, port: MessagePort): Promise<void>
}

/**
 * A run for the worker: the run service's request plus the dataset, either as an Arrow IPC stream or as
 * a port the data worker serves it on ({@link DataWorkerApi.serveTable}: the app's runs).
 */
export type RunWorkerRequest = RunRequest &
  ({ data: Uint8Array } | { table: MessagePort }) & {
    /** Cells (rows × columns) above which the table streams through the large-table run (default 64M). */
    largeCells?: number
    /** What the browser says about its memory, for the large-table run's limit (see memoryBudget.ts). */
    memory?: BrowserMemory
  }

/** Rows predicted of all, and the seconds left at the pace so far (streamed predictions). */
export type PredictionProgress = StreamPredictionsProgress

/**
 * Predictions on a served table: the CSV text when the table was small enough to hold, else the name of
 * the predictions file written on disk (src/storage/predictionFiles.ts); the first rows for a preview.
 */
export interface PredictionsOnTable {
  rows: number
  preview: PredictionsPreview
  csv?: string
  file?: string
}

export interface RunWorkerApi {
  /**
   * Predictions on a new table (Arrow IPC) with a model package: CSV text with one line per row (the
   * input's key columns kept), and its first rows for a preview table.
   */
  predict(
    modelPackage: Uint8Array,
    data: Uint8Array,
    onProgress?: (progress: PredictionProgress) => void,
  ): Promise<{ csv: string; rows: number; preview: PredictionsPreview }>
  /**
   * Predictions on a new data file the data worker serves on `table` ({@link DataWorkerApi.serveFile}):
   * held whole up to `largeCells` cells (rows × columns; default the runs' 64M) as {@link predict} does,
   * streamed past it, chunk by chunk, into the predictions file `fileName` on disk.
   */
  predictTable(
    modelPackage: Uint8Array,
    table: MessagePort,
    options: { fileName: string; largeCells?: number },
    onProgress?: (progress: PredictionProgress) => void,
  ): Promise<PredictionsOnTable>
  detectTask(data: Uint8Array, options?: DetectTaskOptions): Promise<TaskDefinition>
  execute(
    request: RunWorkerRequest,
    onProgress?: (event: RunProgressEvent) => void,
    onLog?: (entry: LogEntry) => void,
  ): Promise<RunResult>
  /** Whether this worker may execute the next run too (the app then keeps it warm; see RunApi). */
  reusable(): Promise<boolean>
  /** A practice run ahead of the first real one (see RunApi.warmUp); true once warm. */
  warmUp(): Promise<boolean>
}

/** The hook sandbox worker's API (src/engine/hooks/sandboxService.ts implements it). */
export type { SandboxWorkerApi } from '../engine/hooks/sandboxService.ts'
/** The forest helper worker's API: grows a range of a forest's trees (src/workers/treeApi.ts). */
export type { ForestHelper, ForestPart, ForestRangeRequest } from '../engine/trees/forest.ts'
