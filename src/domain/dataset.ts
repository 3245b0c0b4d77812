/**
 * Dataset: an immutable, content-addressed, versioned input table. Versions of one dataset share a
 * `name`; each import of different bytes under that name adds a version, never an overwrite.
 */
import { InvariantError, ValidationError } from './errors.ts'
import type { Sha256Hex } from './hash.ts'
import { isSha256Hex, sameData } from './hash.ts'
import type { DatasetId, WorkspaceId } from './ids.ts'
import { isIdOf } from './ids.ts'

export const datasetSchemaVersion = 1

/** What a column means for machine learning, inferred at import. */
export const logicalKinds = ['numeric', 'categorical', 'boolean', 'datetime', 'text', 'identifier'] as const
export type LogicalKind = (typeof logicalKinds)[number]

export const sourceFormats = ['csv', 'tsv', 'parquet'] as const
export type SourceFormat = (typeof sourceFormats)[number]

export interface ColumnSchema {
  name: string
  /** The storage type as DuckDB reports it (BIGINT, DOUBLE, VARCHAR, BOOLEAN, DATE, TIMESTAMP…). */
  physicalType: string
  kind: LogicalKind
}

export interface ColumnProfile {
  name: string
  missing: number
  distinct: number
  /** Set when `distinct` is an estimate (approx_count_distinct): files past 300 columns or 200,000 rows. */
  distinctEstimated?: true
  min?: number | string
  max?: number | string
  mean?: number
  std?: number
  /** Most frequent values, most frequent first (categorical, boolean, text, identifier). */
  topValues?: { value: string; count: number }[]
  /** Equal-width histogram of numeric (or datetime epoch-ms) values: `counts.length + 1` edges. */
  histogram?: { edges: number[]; counts: number[] }
}

/**
 * A seeded uniform sample of a table's rows (each row is in it when a hash of its number and the seed
 * falls under a fixed fraction): on a stored dataset, `rows` is how many rows it held.
 */
export interface ProfileSample {
  rows: number
  seed: number
}

export interface Dataset {
  schemaVersion: number
  id: DatasetId
  workspaceId: WorkspaceId
  name: string
  /** 1 for the first import under `name`, then 2, 3… */
  version: number
  /** The original file name the bytes came from. */
  sourcePath: string
  sourceFormat: SourceFormat
  byteSize: number
  /** SHA-256 of the original file bytes. */
  hash: Sha256Hex
  schema: ColumnSchema[]
  rowCount: number
  /**
   * One entry per column. While `profilePending` is set, only the exact counts are there (`missing`, and
   * `distinct` for the columns whose kind needed it); the rest fills in once, in the background.
   */
  profile: ColumnProfile[]
  /** Set while a large table's profile is still being computed: the table is queryable already. */
  profilePending?: true
  /** Set when the histograms were drawn from a seeded uniform sample of the rows rather than all rows. */
  profileSample?: ProfileSample
  /** Path of the original bytes inside the workspace's blob store. */
  blobPath: string
  /** CSV/TSV only: the delimiter the file was read with, so a reload reads it identically. */
  delimiter?: ',' | ';' | '\t' | '|'
  importedAt: number
}

/** Blob-store path of a dataset's original bytes. Content-addressed so equal bytes share one file. */
export function datasetBlobPath(hash: Sha256Hex, format: SourceFormat): string {
  return `datasets/${hash}.${format}`
}

export function parseDataset(value: unknown): Dataset {
  const record = value as Dataset
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Dataset ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('dataset', record.id)) fail('bad id')
  if (!isIdOf('workspace', record.workspaceId)) fail('bad workspace id')
  if (typeof record.name !== 'string' || !record.name) fail('name missing')
  if (!Number.isInteger(record.version) || record.version < 1) fail('version must be a positive integer')
  if (!isSha256Hex(record.hash)) fail('hash must be a SHA-256 hex string')
  if (!sourceFormats.includes(record.sourceFormat)) fail(`unknown format ${record.sourceFormat}`)
  if (!Array.isArray(record.schema) || record.schema.length === 0)
    fail('schema must list at least one column')
  for (const column of record.schema) {
    if (!column.name) fail('a column has no name')
    if (!logicalKinds.includes(column.kind)) fail(`column ${column.name} has unknown kind ${column.kind}`)
  }
  if (new Set(record.schema.map((c) => c.name)).size !== record.schema.length) fail('duplicate column names')
  if (!Number.isInteger(record.rowCount) || record.rowCount < 0)
    fail('rowCount must be a non-negative integer')
  if (!Number.isInteger(record.byteSize) || record.byteSize < 0)
    fail('byteSize must be a non-negative integer')
  if (typeof record.blobPath !== 'string' || !record.blobPath) fail('blobPath missing')
  return record
}

/**
 * Invariant: a dataset never changes after import. Storage calls this on every attempted write to an
 * existing dataset record; only a byte-identical record passes.
 */
export function assertDatasetUnchanged(stored: Dataset, next: Dataset): void {
  if (!sameData(stored, next) && !completesProfile(stored, next)) {
    throw new InvariantError(
      'dataset-immutable',
      `Dataset ${stored.id} (${stored.name} v${stored.version}) is immutable once imported`,
    )
  }
}

/**
 * The one change a stored dataset accepts: its pending profile filled in, once. Everything else (schema,
 * kinds, row count, hash, the exact missing counts) must stay as it was.
 */
function completesProfile(stored: Dataset, next: Dataset): boolean {
  if (!stored.profilePending || next.profilePending) return false
  if (next.profile.length !== stored.profile.length) return false
  if (
    next.profile.some((p, i) => p.name !== stored.profile[i].name || p.missing !== stored.profile[i].missing)
  )
    return false
  const { profile: _a, profilePending: _b, profileSample: _c, ...storedRest } = stored
  const { profile: _d, profilePending: _e, profileSample: _f, ...nextRest } = next
  return sameData(storedRest, nextRest)
}

/** A pending profile completed: the record to store in place of `dataset`. */
export function withCompletedProfile(
  dataset: Dataset,
  profile: ColumnProfile[],
  sample: ProfileSample | undefined,
): Dataset {
  const { profilePending: _, profileSample: __, ...rest } = dataset
  return { ...rest, profile, ...(sample ? { profileSample: sample } : {}) }
}
