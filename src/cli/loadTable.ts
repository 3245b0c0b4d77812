/**
 * The CLI's side of the one table loader: reads a file from disk and hands its bytes to
 * {@link loadTableFile} (the app's checks, DuckDB read, profile and Arrow → DataFrame conversion) on
 * DuckDB-WASM's blocking Node build, with Parquet through parquet-wasm as in the browser.
 */
import { readFile } from 'node:fs/promises'
import { ValidationError } from '../domain/errors.ts'
import type { FrameColumnHint } from '../engine/arrowFrame.ts'
import type { ColumnTypeHint } from '../engine/pipeline/textColumns.ts'
import { formatOf } from '../storage/tables/fileCheck.ts'
import type { LoadedTableFile } from '../storage/tables/loadTableFile.ts'
import { loadTableFile } from '../storage/tables/loadTableFile.ts'
import { createNodeSqlEngine } from '../storage/tables/nodeSqlEngine.ts'
import type { SqlEngine } from '../storage/tables/sqlEngine.ts'

export { formatOf }

export type LoadedTable = LoadedTableFile

let enginePromise: Promise<SqlEngine> | undefined

/** One DuckDB per process, started on first use. */
function nodeEngine(): Promise<SqlEngine> {
  enginePromise ??= createNodeSqlEngine()
  return enginePromise
}

async function parquetToArrow(bytes: Uint8Array): Promise<Uint8Array> {
  const { readParquet } = await import('parquet-wasm/node')
  return readParquet(bytes).intoIPCStream()
}

/**
 * Reads `path` into a DataFrame; `hints` force columns to categorical (e.g. a classification target).
 * `profile` 'summary' leaves the profile's histograms and top values out (nothing but a bundle's dataset
 * record shows them).
 */
export async function loadTable(
  path: string,
  hints: Record<string, ColumnTypeHint> = {},
  profile: 'full' | 'summary' = 'full',
): Promise<LoadedTable> {
  const format = formatOf(path)
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `Cannot read data file '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
  return loadTableBytes(bytes, format, path, hints, profile)
}

/** Reads a table's bytes (e.g. a bundle's dataset file); `name` is for messages only. */
export async function loadTableBytes(
  bytes: Uint8Array,
  format: LoadedTable['format'],
  name: string,
  hints: Record<string, ColumnTypeHint> = {},
  profile: 'full' | 'summary' = 'full',
): Promise<LoadedTable> {
  const frameHints: Record<string, FrameColumnHint> = {}
  for (const [column, hint] of Object.entries(hints))
    if (hint === 'categorical') frameHints[column] = { categorical: true }
  return loadTableFile(await nodeEngine(), new Uint8Array(bytes), name, {
    parquetToArrow,
    hints: frameHints,
    format,
    summaryOnly: profile === 'summary',
  })
}
