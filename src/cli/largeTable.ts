/**
 * The CLI's large tables (issue 16): a delimited file with more cells than the threshold is never read
 * into memory. DuckDB reads it from disk (`read_csv` over the path) and streams it to the run service's
 * large-table run; the file is hashed (and scanned for NUL bytes) in chunks; the dataset's schema and
 * profile, and the task detection, come from its first 100,000 rows (a uniform sample would cost one more
 * pass over the file; the row count is exact). The run itself fits on its own seeded uniform sample.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { ValidationError } from '../domain/errors.ts'
import type { Sha256Hex } from '../domain/hash.ts'
import { sha256Stream } from '../domain/hash.ts'
import type { FrameColumnHint } from '../engine/arrowFrame.ts'
import { frameFromArrow } from '../engine/arrowFrame.ts'
import type { DataFrame } from '../engine/frame.ts'
import type { ColumnTypeHint } from '../engine/pipeline/textColumns.ts'
import type { TableChunkSource } from '../engine/scale/chunkSource.ts'
import { defaultLargeCells } from '../engine/scale/largePipeline.ts'
import { createNulScan, preflightBytes } from '../storage/tables/csvPreflight.ts'
import { checkTableFile, formatOf } from '../storage/tables/fileCheck.ts'
import { checkedCsvRelation, csvError, describeTable } from '../storage/tables/ingest.ts'
import type { LoadedTableFile } from '../storage/tables/loadTableFile.ts'
import type { NodeSqlEngine } from '../storage/tables/nodeSqlEngine.ts'
import { createNodeSqlEngine } from '../storage/tables/nodeSqlEngine.ts'
import { quoteIdent } from '../storage/tables/sqlEngine.ts'
import { openSqlChunkSource } from '../storage/tables/tableChunks.ts'

/** Rows at the head of the file the schema, profile and task detection read. */
export const profileSampleRows = 100_000

/** A large file opened for streaming, with what the dataset record needs. */
export interface LargeTable {
  source: TableChunkSource
  /** The first rows as a frame (task detection). */
  sample: DataFrame
  /** The dataset record's table facts (schema and profile from the first rows, exact row count). */
  table: Pick<LoadedTableFile, 'format' | 'schema' | 'profile' | 'rowCount' | 'delimiter' | 'notes'> & {
    bytes: { byteLength: number }
  }
  hash: Sha256Hex
}

let enginePromise: Promise<NodeSqlEngine> | undefined
let opened = 0

/**
 * A delimited file on disk checked as the import checks it (its head and tail), registered with the CLI's
 * DuckDB and opened as a chunk source over `read_csv` (rows stream from disk, never loaded whole). The
 * caller drops `name` from the engine when done. `sampleSize` is read_csv's (-1: type on every row).
 */
export async function openDelimitedFile(
  path: string,
  format: LoadedTableFile['format'],
  size: number,
  sampleSize?: number,
): Promise<{
  engine: NodeSqlEngine
  name: string
  /** The SQL after FROM that reads the file. */
  relation: string
  source: TableChunkSource
  dialect: ReturnType<typeof checkTableFile>['dialect']
}> {
  const handle = await open(path, 'r')
  const head = new Uint8Array(Math.min(size, preflightBytes))
  const tail = new Uint8Array(Math.min(size, 4))
  try {
    await handle.read(head, 0, head.length, 0)
    await handle.read(tail, 0, tail.length, size - tail.length)
  } finally {
    await handle.close()
  }
  const { dialect } = checkTableFile(path, format, size, head, tail)
  const delimiter = dialect?.delimiter ?? ','
  enginePromise ??= createNodeSqlEngine()
  const engine = await enginePromise
  const name = `large_${++opened}.${format}`
  engine.registerFilePath(name, path)
  try {
    const relation = await checkedCsvRelation(engine, name, delimiter, sampleSize)
    return { engine, name, relation, source: await openSqlChunkSource(engine, relation), dialect }
  } catch (error) {
    await engine.dropFile(name).catch(() => undefined)
    throw csvError(error)
  }
}

/**
 * Opens `path` for the large-table run when it has more than `largeCells` cells (rows × columns), else
 * resolves undefined (the caller loads it whole). Parquet files always load whole.
 */
export async function openIfLarge(
  path: string,
  largeCells: number = defaultLargeCells,
  hints: Record<string, ColumnTypeHint> = {},
): Promise<LargeTable | undefined> {
  const format = formatOf(path)
  if (format === 'parquet') return undefined
  let size: number
  try {
    size = (await stat(path)).size
  } catch {
    return undefined // the whole-file loader says what is wrong with the path
  }
  // Every cell takes at least two bytes (a character and a separator): a smaller file cannot be large.
  if (size < largeCells * 2) return undefined
  const { engine, name, relation, source, dialect } = await openDelimitedFile(path, format, size)
  if (source.rowCount * source.columnNames.length <= largeCells) {
    await engine.dropFile(name)
    return undefined
  }
  if (source.rowCount === 0)
    throw new ValidationError(
      'header-only',
      `“${path}” has a header but no data rows: there is nothing to import`,
    )
  const scan = createNulScan()
  const hash = await sha256Stream(
    (async function* () {
      for await (const chunk of createReadStream(path, { highWaterMark: 8 * 1024 * 1024 })) {
        const bytes = chunk as Buffer
        const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        scan(view)
        yield view
      }
    })(),
  )
  const sampleTable = `sample_${opened}`
  await engine.query(
    `CREATE OR REPLACE TABLE ${quoteIdent(sampleTable)} AS SELECT * FROM ${relation} LIMIT ${profileSampleRows}`,
  )
  const sampled = Math.min(profileSampleRows, source.rowCount)
  const { schema, profile } = await describeTable(engine, sampleTable, sampled)
  const frameHints: Record<string, FrameColumnHint> = {}
  for (const [column, hint] of Object.entries(hints))
    if (hint === 'categorical') frameHints[column] = { categorical: true }
  const sample = frameFromArrow(await engine.query(`SELECT * FROM ${quoteIdent(sampleTable)}`), frameHints)
  await engine.query(`DROP TABLE ${quoteIdent(sampleTable)}`)
  return {
    source,
    sample,
    table: {
      format,
      schema,
      profile,
      rowCount: source.rowCount,
      ...(dialect ? { delimiter: dialect.delimiter } : {}),
      notes: [`schema and profile from the first ${sampled} rows`],
      bytes: { byteLength: size },
    },
    hash,
  }
}
