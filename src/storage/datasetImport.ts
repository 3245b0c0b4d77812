/**
 * Importing a file as a Dataset, all or nothing: check → hash → ingest into DuckDB → profile → store
 * bytes → write the record. Identical bytes return the existing dataset; new bytes under an existing
 * name become its next version. Any failure removes what this import created (table, file), so there
 * is never a record without its file, a file without its record, or a half-loaded table.
 */
import type { Dataset, ProfileSample } from '../domain/dataset.ts'
import { datasetBlobPath, parseDataset, withCompletedProfile } from '../domain/dataset.ts'
import { StorageError, ValidationError } from '../domain/errors.ts'
import type { Sha256Hex } from '../domain/hash.ts'
import { sha256Stream } from '../domain/hash.ts'
import type { WorkspaceId } from '../domain/ids.ts'
import { newId } from '../domain/ids.ts'
import type { BlobStore } from './blobStore.ts'
import type { ButterflyDb } from './db.ts'
import type { ImportPhase, ImportProgress, ImportResult } from './importProgress.ts'
import { createNulScan, preflightBytes } from './tables/csvPreflight.ts'
import { checkTableFile, formatOf, renamedColumnNotes } from './tables/fileCheck.ts'
import type { ParquetToArrow } from './tables/ingest.ts'
import {
  countRows,
  describeSchema,
  describeTable,
  dropTable,
  largeTableRows,
  loadTable,
  profileSample,
  sampleSql,
  tableNameFor,
} from './tables/ingest.ts'
import type { SqlEngine } from './tables/sqlEngine.ts'
import { quoteIdent } from './tables/sqlEngine.ts'
import { duringImport, withWorkspaceLock } from './workspaceLock.ts'

export interface ImportDeps {
  db: ButterflyDb
  /** The table engine; awaited only once the file passed its checks and is hashed (it may still be starting). */
  engine: SqlEngine | Promise<SqlEngine>
  blobs: BlobStore
  parquetToArrow: ParquetToArrow
  /** Free storage in bytes, when the platform can tell (navigator.storage.estimate). */
  freeBytes?: () => Promise<number | undefined>
  /** Tables already loaded in `engine`, by name; the import adds the new one. */
  loadedTables: Set<string>
  now?: () => number
  /** Largest file read into memory at once (default {@link inMemoryLimit}); tests lower it. */
  inMemoryLimit?: number
  /** Bytes of CSV per part when a large file is loaded in parts (the loader's default); tests lower it. */
  partBytes?: number
  /**
   * Tables past this many rows are recorded as soon as they are queryable, their profile pending, and
   * profiled afterwards by {@link completeProfile} (default {@link largeTableRows}); tests lower it.
   */
  largeTableRows?: number
  /** Rows (about) in the sample a large table's histograms come from (default {@link profileSample}); tests lower it. */
  profileSampleRows?: number
}

/** Re-exported: the app imports it from here. */
export { formatOf }

export function datasetNameOf(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '').trim() || fileName
}

/** Weight of each phase in the overall progress fraction. */
const phaseWeights: Record<ImportPhase, [number, number]> = {
  check: [0, 0.02],
  hash: [0.02, 0.25],
  ingest: [0.25, 0.6],
  profile: [0.6, 0.85],
  store: [0.85, 0.99],
  done: [1, 1],
}

export async function importDataset(
  deps: ImportDeps,
  request: { workspaceId: WorkspaceId; file: File },
  onProgress: (progress: ImportProgress) => void = () => {},
): Promise<ImportResult> {
  // Its file exists before its record: the orphan sweep must not run meanwhile, in any tab.
  return duringImport(request.workspaceId, () => importDatasetNow(deps, request, onProgress))
}

async function importDatasetNow(
  deps: ImportDeps,
  request: { workspaceId: WorkspaceId; file: File },
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportResult> {
  const { db, blobs, file } = { ...deps, file: request.file }
  const now = deps.now ?? Date.now
  const totalBytes = file.size
  const timings: ImportResult['timings'] = {}
  const importStarted = performance.now()
  let phaseStart = importStarted
  const report = (phase: ImportPhase, within = 0, bytesDone?: number) => {
    const [from, to] = phaseWeights[phase]
    onProgress({ phase, totalBytes, bytesDone, fraction: from + (to - from) * within })
  }
  const endPhase = (phase: ImportPhase) => {
    const t = performance.now()
    timings[phase] = Math.round(t - phaseStart)
    phaseStart = t
  }

  report('check')
  const format = formatOf(file.name)
  const free = await deps.freeBytes?.()
  if (free !== undefined && totalBytes > free) throw noRoomError(file.name, totalBytes, free)
  const head = new Uint8Array(await file.slice(0, preflightBytes).arrayBuffer())
  const tail = new Uint8Array(await file.slice(Math.max(0, totalBytes - 4)).arrayBuffer())
  const { dialect } = checkTableFile(file.name, format, totalBytes, head, tail)
  const delimiter: Dataset['delimiter'] = dialect?.delimiter
  endPhase('check')

  // Files up to `inMemoryLimit` are read into memory once, hashed, and then parsed by DuckDB from its
  // own memory. The hash comes first (about half a second for 162 MB): identical bytes are then found
  // without loading anything, and DuckDB parses without sharing the two cores with the hash or a second
  // reader of the file, which slowed its parse by a quarter. Larger files are hashed as a stream while
  // DuckDB reads the file, so memory stays bounded. The table gets a temporary name until the hash is
  // known; identical bytes then reuse the existing dataset.
  report('hash', 0, 0)
  const started = performance.now()
  const inMemory = totalBytes <= (deps.inMemoryLimit ?? inMemoryLimit)
  const bytes = inMemory ? new Uint8Array(await file.arrayBuffer()) : undefined
  if (bytes) timings.read = Math.round(performance.now() - started)
  const onHashBytes = (done: number) => report('hash', done / totalBytes, done)
  // A large file loads in parts while it is hashed: once the hash is done, the bar follows the parts.
  let hashed = false
  let loadedBytes = 0
  // Delimited text is scanned for NUL bytes in the chunks it is hashed in: no second pass over the file.
  const chunks = bytes ? slices(bytes) : streamChunks(file)
  const hashing = sha256Stream(
    format === 'parquet' ? chunks : scanned(chunks, createNulScan()),
    onHashBytes,
  ).then((hash) => {
    timings.hash = Math.round(performance.now() - started)
    hashed = true
    // Loading may still run (large files) or be done already (small ones): either way it is next.
    if (loadedBytes > 0) report('ingest', loadedBytes / totalBytes, loadedBytes)
    else report('ingest')
    return hash
  })
  hashing.catch(() => undefined)
  const existingWith = (hash: Sha256Hex) =>
    db.datasets.where('[workspaceId+hash]').equals([request.workspaceId, hash]).first()
  if (bytes) {
    const existing = await existingWith(await hashing)
    if (existing) {
      report('done', 1)
      return { dataset: existing, deduplicated: true, timings }
    }
  }
  const engineWait = performance.now()
  const engine = await deps.engine
  // The engine may still be starting (it is started with the worker): time that wait on its own.
  timings.engine = Math.round(performance.now() - engineWait)
  const temporaryTable = `import_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`
  const ingestStarted = performance.now()
  // `bytes` moves to DuckDB's worker here (it is hashed already).
  const loading = loadTable(
    engine,
    temporaryTable,
    `${temporaryTable}.${format}`,
    { format, delimiter },
    // A file too large to read into memory makes a table worth compressing.
    {
      file: bytes ?? file,
      parquetToArrow: deps.parquetToArrow,
      original: file,
      compress: !bytes,
      ...(deps.partBytes ? { partBytes: deps.partBytes } : {}),
      onBytes: (done) => {
        loadedBytes = done
        if (hashed) report('ingest', done / totalBytes, done)
      },
    },
  ).then(async () => {
    const rows = await countRows(engine, temporaryTable)
    timings.ingest = Math.round(performance.now() - ingestStarted)
    return rows
  })
  loading.catch(() => undefined)
  const dropTemporary = () => dropTable(engine, temporaryTable).catch(() => undefined)
  let hash: Sha256Hex
  try {
    hash = await hashing
  } catch (error) {
    await loading.catch(() => undefined)
    await dropTemporary()
    throw error
  }
  const existing = bytes ? undefined : await existingWith(hash)
  if (existing) {
    await loading.catch(() => undefined)
    await dropTemporary()
    report('done', 1)
    return { dataset: existing, deduplicated: true, timings }
  }

  const table = tableNameFor(hash)
  const blobPath = datasetBlobPath(hash, format)
  let blobWritten = false
  // The bar shows the store's bytes only once the store is what the import waits for.
  let waitingOnStore = false
  let storedBytes = 0
  const store = async () => {
    const storeStarted = performance.now()
    try {
      // Another tab importing the same bytes at the same moment may store the same path: both succeed.
      blobWritten = await blobs.writeOnce(blobPath, file, {
        onBytes: (done) => {
          storedBytes = done
          if (waitingOnStore) report('store', done / totalBytes, done)
        },
      })
    } catch (error) {
      // The store's own message names its internal path: the person hears about the file they chose.
      if (error instanceof StorageError && error.code === 'quota-exceeded')
        throw noRoomError(file.name, totalBytes)
      throw error
    }
    timings.store = Math.round(performance.now() - storeStarted)
  }
  // The file is stored (this worker reads it from disk again) while DuckDB parses: from memory, or for a
  // streamed file from the file itself, still loading once the hash is known. Storing a streamed file
  // only after its load put the store's seconds (15 s of 10M rows) between the load and a queryable
  // table; a file that size is in the page cache by then, so the two readers hardly compete for the disk.
  const storing = store()
  storing.catch(() => undefined)
  try {
    const rowCount = await loading
    if (rowCount === 0)
      throw new ValidationError(
        'header-only',
        `“${file.name}” has a header but no data rows: there is nothing to import`,
      )
    // Equal bytes imported before (another workspace) are already loaded under the same content-addressed
    // name: keep that table, it holds the same rows.
    if (deps.loadedTables.has(table) || (await tableExists(engine, table))) await dropTemporary()
    else await engine.query(`ALTER TABLE ${quoteIdent(temporaryTable)} RENAME TO ${quoteIdent(table)}`)

    report('profile')
    const profileStarted = performance.now()
    // A large table is shown once its schema and counts are known; its profile follows in the background.
    const large = rowCount > (deps.largeTableRows ?? largeTableRows)
    const { schema, profile } = large
      ? await describeSchema(engine, table, rowCount)
      : await describeTable(engine, table, rowCount)
    const notes = dialect
      ? renamedColumnNotes(
          dialect.columns,
          schema.map((c) => c.name),
        )
      : []
    timings.profile = Math.round(performance.now() - profileStarted)
    waitingOnStore = true
    report('store', storedBytes / totalBytes, storedBytes)
    await storing

    const name = datasetNameOf(file.name)
    // Check-and-insert under the workspace's lock, in one transaction: a second tab importing the same
    // bytes at the same time finds this record (or this tab finds its) instead of adding a version.
    const inserted = await withWorkspaceLock(request.workspaceId, () =>
      db.transaction('rw', db.datasets, async () => {
        const twin = await existingWith(hash)
        if (twin) return { dataset: twin, deduplicated: true }
        const versions = await db.datasets
          .where('[workspaceId+name]')
          .equals([request.workspaceId, name])
          .toArray()
        const record: Dataset = parseDataset({
          schemaVersion: 1,
          id: newId('dataset'),
          workspaceId: request.workspaceId,
          name,
          version: versions.reduce((max, d) => Math.max(max, d.version), 0) + 1,
          sourcePath: file.name,
          sourceFormat: format,
          byteSize: totalBytes,
          hash,
          schema,
          rowCount,
          profile,
          ...(large ? { profilePending: true as const } : {}),
          blobPath,
          ...(delimiter ? { delimiter } : {}),
          importedAt: now(),
        })
        await db.datasets.add(record)
        return { dataset: record, deduplicated: false }
      }),
    )
    deps.loadedTables.add(table)
    // Phases overlap (hash ‖ load, store ‖ load or profile): the total is wall time, not their sum.
    timings.total = Math.round(performance.now() - importStarted)
    report('done', 1)
    return { ...inserted, timings, ...(notes.length > 0 && !inserted.deduplicated ? { notes } : {}) }
  } catch (error) {
    if (!deps.loadedTables.has(table)) await dropTable(engine, table).catch(() => undefined)
    await dropTemporary()
    // A store still running must finish before its file can be removed.
    await storing.catch(() => undefined)
    // Another tab may have recorded the same bytes at the same path meanwhile: its file stays.
    if (blobWritten && !(await existingWith(hash).catch(() => undefined)))
      await blobs.remove(blobPath).catch(() => undefined)
    throw error
  }
}

async function tableExists(engine: SqlEngine, table: string): Promise<boolean> {
  const result = await engine.query(
    `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = '${table.replaceAll("'", "''")}'`,
  )
  return Number(result.getChild('n')?.get(0) ?? 0) > 0
}

/** Re-attaches a dataset's table from its stored bytes when this engine has not loaded it yet. */
export async function ensureDatasetTable(
  deps: Omit<ImportDeps, 'freeBytes'>,
  dataset: Dataset,
): Promise<string> {
  const table = tableNameFor(dataset.hash)
  if (deps.loadedTables.has(table)) return table
  // Two callers at once (the grid's rows and a new experiment's data after a reload) share one load:
  // two loads of one table under one file name step on each other in the engine.
  const loading = attaching.get(deps.loadedTables) ?? new Map<string, Promise<string>>()
  attaching.set(deps.loadedTables, loading)
  const pending = loading.get(table)
  if (pending) return pending
  const load = attachDatasetTable(deps, dataset, table).finally(() => loading.delete(table))
  loading.set(table, load)
  return load
}

/** Loads in flight, per engine (its set of loaded tables) and table. */
const attaching = new WeakMap<Set<string>, Map<string, Promise<string>>>()

async function attachDatasetTable(
  deps: Omit<ImportDeps, 'freeBytes'>,
  dataset: Dataset,
  table: string,
): Promise<string> {
  const stored = await deps.blobs.read(dataset.blobPath)
  // As on import: DuckDB parses a file that fits in memory faster from its own memory.
  const file =
    stored.size <= (deps.inMemoryLimit ?? inMemoryLimit) ? new Uint8Array(await stored.arrayBuffer()) : stored
  await loadTable(
    await deps.engine,
    table,
    `attach_${dataset.hash.slice(0, 16)}.${dataset.sourceFormat}`,
    {
      format: dataset.sourceFormat,
      delimiter: dataset.delimiter,
    },
    { file, parquetToArrow: deps.parquetToArrow, compress: !(file instanceof Uint8Array) },
  )
  deps.loadedTables.add(table)
  return table
}

/** How a background profile went: the stored record, its wall time and the sample its histograms came from. */
export interface ProfileOutcome {
  dataset: Dataset
  ms: number
  sampledRows?: number
}

/**
 * Fills in the pending profile of a large dataset (see {@link ImportDeps.largeTableRows}): exact counts,
 * minimum, maximum, mean and deviation over all rows, distinct counts as the import gives them (estimated
 * past 200,000 rows), histograms from a seeded uniform sample ({@link profileSample}), top values over
 * all rows; then stores it in place of the pending one, once. One profile per dataset runs at a time:
 * a second caller (the page opened twice, or again after a reload) joins it and hears its progress.
 */
export function completeProfile(
  deps: Omit<ImportDeps, 'freeBytes'>,
  dataset: Dataset,
  onProgress: (fraction: number) => void = () => {},
): Promise<ProfileOutcome> {
  const running = profiling.get(deps.loadedTables) ?? new Map<string, ProfileJob>()
  profiling.set(deps.loadedTables, running)
  let job = running.get(dataset.id)
  if (!job) {
    const listeners = new Set<(fraction: number) => void>()
    const done = profileNow(deps, dataset, (fraction) => {
      for (const listener of listeners) listener(fraction)
    }).finally(() => running.delete(dataset.id))
    job = { done, listeners }
    running.set(dataset.id, job)
  }
  job.listeners.add(onProgress)
  const joined = job
  return joined.done.finally(() => joined.listeners.delete(onProgress))
}

interface ProfileJob {
  done: Promise<ProfileOutcome>
  listeners: Set<(fraction: number) => void>
}

/** Background profiles in flight, per engine (its set of loaded tables) and dataset id. */
const profiling = new WeakMap<Set<string>, Map<string, ProfileJob>>()

async function profileNow(
  deps: Omit<ImportDeps, 'freeBytes'>,
  dataset: Dataset,
  onProgress: (fraction: number) => void,
): Promise<ProfileOutcome> {
  const started = performance.now()
  const stored = await deps.db.datasets.get(dataset.id)
  if (!stored?.profilePending) return { dataset: stored ?? dataset, ms: 0 }
  const table = await ensureDatasetTable(deps, stored)
  const engine = await deps.engine
  const sample = { ...profileSample, rows: deps.profileSampleRows ?? profileSample.rows }
  const { profile } = await describeTable(engine, table, stored.rowCount, { sample, onProgress })
  // Kinds stay as recorded at import (the same inference, from the same counts).
  const sampledRows = await sampleSize(engine, table, stored.rowCount, sample)
  const completed = await deps.db.transaction('rw', deps.db.datasets, async () => {
    const current = await deps.db.datasets.get(dataset.id)
    if (!current?.profilePending) return current ?? stored
    const next = withCompletedProfile(current, profile, { seed: sample.seed, rows: sampledRows })
    await deps.db.datasets.put(next)
    return next
  })
  return { dataset: completed, ms: Math.round(performance.now() - started), sampledRows }
}

/** Rows in the profile sample of `table` (a count over the row numbers only). */
async function sampleSize(
  engine: SqlEngine,
  table: string,
  rowCount: number,
  sample: ProfileSample,
): Promise<number> {
  const result = await engine.query(`SELECT count(*)::BIGINT AS n FROM ${sampleSql(table, rowCount, sample)}`)
  return Number(result.getChild('n')?.get(0) ?? 0)
}

/**
 * Files up to this size are read into memory once (see importDataset); larger ones stream. DuckDB's
 * wasm heap holds a copy while it parses, so this bounds the memory an import takes.
 */
export const inMemoryLimit = 256 * 1024 * 1024

/** A buffer as 16 MB views, for the incremental hasher. */
/** `chunks` as they are, each passed to `scan` first (which throws to stop the import). */
async function* scanned(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  scan: (chunk: Uint8Array) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    scan(chunk)
    yield chunk
  }
}

function* slices(bytes: Uint8Array): Iterable<Uint8Array> {
  const size = 16 * 1024 * 1024
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size)
}

async function* streamChunks(file: Blob): AsyncIterable<Uint8Array> {
  const reader = (file.stream() as ReadableStream<Uint8Array>).getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    yield value
  }
}

/**
 * The sentence for a file that does not fit in the browser's storage: it names the file the person chose,
 * the room it needs and what to do, never the internal path it was being written to. `free` is the
 * browser's estimate when the import is refused up front; a write can also run out of room past it.
 */
export function noRoomError(fileName: string, bytes: number, free?: number): StorageError {
  const todo = `(delete a workspace you no longer need), or open a folder as a workspace (“Open folder…”) and import it there.`
  const message =
    free === undefined
      ? `“${fileName}” (${formatBytes(bytes)}) could not be saved: the browser's storage for this site is full. Free at least ${formatBytes(bytes)} ${todo}`
      : `“${fileName}” is ${formatBytes(bytes)} but only ${formatBytes(free)} of browser storage is free: free at least ${formatBytes(bytes - free)} more ${todo}`
  return new StorageError('quota-exceeded', message, {
    file: fileName,
    needed: bytes,
    ...(free === undefined ? {} : { free }),
  })
}

/** Human byte sizes: 162 MB, 15.2 kB (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}
