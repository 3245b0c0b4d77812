/** Progress and result of a dataset import (reported by the data worker, see src/workers/protocol.ts). */
import type { Dataset } from '../domain/dataset.ts'

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
