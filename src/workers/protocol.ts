/**
 * The one contract between threads: each worker's API, the progress events they report, and the
 * plain-data error shape. Workers implement these interfaces with plain classes that tests can call
 * in-thread; the app reaches them through Comlink.
 */
import type { Dataset } from '../domain/dataset.ts'
import type { WorkspaceId } from '../domain/ids.ts'

export const importPhases = ['check', 'hash', 'ingest', 'profile', 'store', 'done'] as const
export type ImportPhase = (typeof importPhases)[number]

export interface ImportProgress {
  phase: ImportPhase
  /** Bytes processed in this phase (hash and store phases), of `totalBytes`. */
  bytesDone?: number
  totalBytes: number
  /** 0..1 over the whole import. */
  fraction: number
}

export interface ImportResult {
  dataset: Dataset
  /** True when identical bytes were already imported: the existing dataset is returned. */
  deduplicated: boolean
  /**
   * Milliseconds per phase, plus `read` (reading the file into memory, part of `hash`), `engine` (the
   * wait for the table engine to finish starting) and
   * `total` (wall time of the whole import: phases overlap, so it is less than their sum).
   */
  timings: Partial<Record<ImportPhase | 'read' | 'engine' | 'total', number>>
  /** What the import changed visibly, one sentence each (e.g. a column renamed). */
  notes?: string[]
}

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
  importFile(
    request: { workspaceId: WorkspaceId; file: File },
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportResult>
  previewRows(datasetId: string, start: number, count: number): Promise<RowWindow>
  /** The dataset as an Arrow IPC stream (columns only, no per-row objects), for the run worker. */
  datasetArrow(datasetId: string): Promise<Uint8Array>
  /** Arrow IPC of an arbitrary file (predictions on new data), typed like `likeDatasetId` where possible. */
  fileArrow(file: File): Promise<Uint8Array>
}
