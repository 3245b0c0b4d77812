/**
 * Loading a dataset file into a DuckDB table and describing it: schema with logical kinds, row count
 * and a per-column profile (missing, distinct, min/max/mean/std or top values, a small histogram).
 * Works on any {@link SqlEngine}; the caller owns storing bytes and records.
 */
import type { Table } from 'apache-arrow'
import type {
  ColumnProfile,
  ColumnSchema,
  LogicalKind,
  ProfileSample,
  SourceFormat,
} from '../../domain/dataset.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { CsvDialect } from './csvPreflight.ts'
import type { SqlEngine } from './sqlEngine.ts'
import { compressedCatalog, quoteIdent, quoteLiteral, resultRows } from './sqlEngine.ts'

/** How the table was read, kept with the dataset so it can be re-attached identically after a reload. */
export interface ReadOptions {
  format: SourceFormat
  delimiter?: CsvDialect['delimiter']
}

/** DuckDB table name of a dataset's bytes (content-addressed: equal bytes, one table). */
export function tableNameFor(hash: string): string {
  return `data_${hash.slice(0, 32)}`
}

/** Turns Parquet bytes into an Arrow IPC stream (parquet-wasm in practice; injected for Node and tests). */
export type ParquetToArrow = (bytes: Uint8Array) => Promise<Uint8Array>

export async function loadTable(
  engine: SqlEngine,
  table: string,
  fileName: string,
  options: ReadOptions,
  source: {
    file: Blob | Uint8Array<ArrayBuffer>
    parquetToArrow?: ParquetToArrow
    /** The file as a Blob, to find where it went wrong once `file`'s bytes moved to DuckDB's worker. */
    original?: Blob
    /**
     * Create the table in the compressed database (large files: a fifth of the memory, slightly slower
     * scans). A compressed file larger than `partBytes` is loaded in parts (see {@link loadInParts}).
     */
    compress?: boolean
    /** Bytes of CSV per part of a compressed load (default {@link partBytes}); tests lower it. */
    partBytes?: number
    /** Bytes of the file loaded so far, after each part of a load in parts. */
    onBytes?: (bytes: number) => void
  },
): Promise<void> {
  if (options.format === 'parquet') {
    if (!source.parquetToArrow) throw new Error('loadTable: Parquet needs a parquetToArrow reader')
    const bytes =
      source.file instanceof Uint8Array ? source.file : new Uint8Array(await source.file.arrayBuffer())
    let ipc: Uint8Array
    try {
      ipc = await source.parquetToArrow(bytes)
    } catch (error) {
      throw new ValidationError(
        'corrupt-parquet',
        'This Parquet file is truncated or corrupt and cannot be read: export it again from its source',
        { engine: shortMessage(error) },
      )
    }
    await engine.createTableFromArrowIpc(table, ipc)
    return
  }
  const delimiter = options.delimiter ?? ','
  const bytesPerPart = source.partBytes ?? partBytes
  if (
    source.compress &&
    !(source.file instanceof Uint8Array) &&
    source.file.size > bytesPerPart &&
    (await loadInParts(engine, table, fileName, delimiter, source.file, bytesPerPart, source.onBytes))
  )
    return
  await engine.registerFile(fileName, source.file)
  const read = async (sampleSize: number) =>
    engine.query(
      `CREATE OR REPLACE TABLE ${source.compress ? `${compressedCatalog}.main.` : ''}${quoteIdent(table)} AS SELECT * FROM ${await checkedCsvRelation(engine, fileName, delimiter, sampleSize)}`,
    )
  try {
    try {
      await read(20_480)
    } catch (error) {
      // A value late in the file that does not fit the type sniffed from the sample: read all rows to type.
      if (/Could not convert|Conversion Error/i.test(shortMessage(error))) await read(-1)
      else throw error
    }
  } catch (error) {
    // Only a line-size error needs the bytes (to name the line); in the browser `file`'s buffer may have
    // been handed to DuckDB's worker (detached, length 0), so the Blob is read again then.
    let bytes: Uint8Array | undefined
    if (/Maximum line size/i.test(error instanceof Error ? error.message : String(error))) {
      const whole = source.file instanceof Uint8Array && source.file.byteLength > 0 ? source.file : undefined
      const blob = source.file instanceof Uint8Array ? source.original : source.file
      bytes = whole ?? (blob ? new Uint8Array(await blob.arrayBuffer()) : undefined)
    }
    throw csvError(error, bytes)
  } finally {
    await engine.dropFile(fileName).catch(() => undefined)
  }
}

/** The one `read_csv(…)` of a registered delimited file (the import's, and the large-table stream's). */
export function readCsvSql(
  fileName: string,
  delimiter: string,
  sampleSize = 20_480,
  fixed?: FixedReading,
): string {
  const options = fixed
    ? [
        `, types=[${fixed.types.map(quoteLiteral).join(', ')}]`,
        fixed.dateFormat ? `, dateformat=${quoteLiteral(fixed.dateFormat)}` : '',
        fixed.timestampFormat ? `, timestampformat=${quoteLiteral(fixed.timestampFormat)}` : '',
      ].join('')
    : ''
  return `read_csv(${quoteLiteral(fileName)}, header=true, delim=${quoteLiteral(delimiter)}, quote='"', escape='"', strict_mode=true, null_padding=false, sample_size=${sampleSize}, auto_type_candidates=${csvTypeCandidates}${options})`
}

/**
 * The relation (SQL usable after FROM) of a registered delimited file, read as {@link readCsvSql} reads
 * it, except that a column typed BIGINT is checked value by value. DuckDB casts text to BIGINT by
 * rounding, so a column sniffed as whole numbers from its first rows would silently store a later
 * `2.5` as 3. Such columns are read as text and cast only where the value is whole; any other value
 * fails the statement with a conversion error ("Could not convert …"), which the callers answer as
 * they answer any late value that breaks the sniffed type: by reading with every row sniffed (where
 * the column is then DOUBLE), or in the CLI and the predictions with a sentence and a typed re-read.
 */
export async function checkedCsvRelation(
  engine: SqlEngine,
  fileName: string,
  delimiter: string,
  sampleSize = 20_480,
  fixed?: FixedReading,
): Promise<string> {
  const plain = readCsvSql(fileName, delimiter, sampleSize, fixed)
  const columns = resultRows(await engine.query(`DESCRIBE SELECT * FROM ${plain}`)).map((row) => ({
    name: String(row.column_name),
    type: String(row.column_type),
  }))
  if (!columns.some((c) => c.type === 'BIGINT')) return plain
  const asText = fixed
    ? readCsvSql(fileName, delimiter, sampleSize, {
        ...fixed,
        types: columns.map((c) => (c.type === 'BIGINT' ? 'VARCHAR' : c.type)),
      })
    : readCsvSql(fileName, delimiter, sampleSize).replace(
        /\)$/,
        `, types={${columns
          .filter((c) => c.type === 'BIGINT')
          .map((c) => `${quoteLiteral(c.name)}: 'VARCHAR'`)
          .join(', ')}})`,
      )
  const select = columns.map(({ name, type }) => {
    const c = quoteIdent(name)
    if (type !== 'BIGINT') return c
    const message = `${quoteLiteral('Could not convert string "')} || ${c} || ${quoteLiteral(`" to INT64 in column ${name}`)}`
    return `CASE WHEN ${c} IS NULL THEN NULL WHEN TRY_CAST(${c} AS DOUBLE) = TRY_CAST(${c} AS BIGINT) THEN CAST(${c} AS BIGINT) ELSE error(${message}) END AS ${c}`
  })
  return `(SELECT ${select.join(', ')} FROM ${asText})`
}

/** Column types (by position) and date formats one part of a file found, for reading the others alike. */
interface FixedReading {
  types: readonly string[]
  dateFormat?: string
  timestampFormat?: string
}

/**
 * Bytes of CSV per part when a large file is loaded in parts: about 400,000 rows of the 24-column
 * synthetic file, whose uncompressed rows (about 100 MB) are what one part holds in DuckDB's memory.
 */
export const partBytes = 64 * 1024 * 1024

/**
 * Loads a large delimited file into the compressed database one part at a time, each part its own
 * statement. DuckDB keeps a statement's inserted rows uncompressed until it commits, and its wasm heap
 * never shrinks: one `CREATE TABLE … AS` over 10M rows held all of them uncompressed at once (the tab's
 * DuckDB grew to 3.5 GB for a table that takes 480 MB compressed). In parts, the heap holds one part's
 * uncompressed rows plus the compressed table. Parts end at a line break outside quotes (a quote count
 * of even parity, as `"` is both the quote and its escape) and each gets the header line again.
 *
 * The first part is read as the whole file would be: its types and date formats come from its first
 * rows, which are the whole file's first rows. The other parts are read with those types and formats,
 * as the whole file's later rows are (DuckDB reads a value into a type it sniffed and one it was given
 * alike). Any failure (a value a later part cannot read as its column's type, a ragged row) drops what
 * was loaded and returns false: the caller then reads the whole file in one statement, as before, with
 * its exact errors, line numbers and retries.
 */
async function loadInParts(
  engine: SqlEngine,
  table: string,
  fileName: string,
  delimiter: string,
  file: Blob,
  bytesPerPart: number,
  onBytes: ((bytes: number) => void) | undefined,
): Promise<boolean> {
  const target = `${compressedCatalog}.main.${quoteIdent(table)}`
  let fixed: FixedReading | undefined
  let start = 0
  try {
    for await (const end of recordEnds(file, bytesPerPart)) {
      const name = `${fileName}.part${start}`
      const part =
        start === 0 ? file.slice(0, end.at) : new Blob([file.slice(0, end.header), file.slice(start, end.at)])
      await engine.registerFile(name, part)
      try {
        if (fixed) {
          await engine.query(
            `INSERT INTO ${target} SELECT * FROM ${await checkedCsvRelation(engine, name, delimiter, 20_480, fixed)}`,
          )
        } else {
          await engine.query(
            `CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${await checkedCsvRelation(engine, name, delimiter)}`,
          )
          fixed = await fixedReading(engine, target, name, delimiter)
        }
      } finally {
        await engine.dropFile(name).catch(() => undefined)
      }
      start = end.at
      onBytes?.(start)
    }
    return true
  } catch {
    await engine.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined)
    return false
  }
}

/** The types the first part was read with, and the date formats DuckDB sniffed in it. */
async function fixedReading(
  engine: SqlEngine,
  target: string,
  name: string,
  delimiter: string,
): Promise<FixedReading> {
  const types = resultRows(await engine.query(`DESCRIBE ${target}`)).map((row) => String(row.column_type))
  if (!types.some((type) => temporalTypes.test(type))) return { types }
  const sniff = readCsvSql(name, delimiter).replace(/^read_csv\(/, 'sniff_csv(')
  const [formats] = resultRows(
    await engine.query(`SELECT DateFormat AS d, TimestampFormat AS t FROM ${sniff}`),
  )
  return {
    types,
    ...(formats?.d ? { dateFormat: String(formats.d) } : {}),
    ...(formats?.t ? { timestampFormat: String(formats.t) } : {}),
  }
}

/** Bytes read at a time while looking for the ends of parts. */
const scanBytes = 8 * 1024 * 1024

/**
 * Where the parts of `file` end: the first line break outside quotes at or after every `bytesPerPart`
 * bytes, and the file's end; `header` is the end of the header line. Reads the file once, in pieces.
 */
async function* recordEnds(file: Blob, bytesPerPart: number): AsyncGenerator<{ at: number; header: number }> {
  let inQuotes = false
  let header = -1
  // From this byte on, a line break outside quotes ends a part (until the header is found: from the start).
  let cut = 0
  for (let offset = 0; offset < file.size; offset += scanBytes) {
    const piece = new Uint8Array(await file.slice(offset, offset + scanBytes).arrayBuffer())
    let i = 0
    while (i < piece.length) {
      const quote = piece.indexOf(34, i)
      if (inQuotes) {
        if (quote < 0) break
        inQuotes = false
        i = quote + 1
        continue
      }
      const cutAt = cut - offset
      if (i < cutAt) {
        // Before the cut only quotes matter.
        if (quote >= 0 && quote < cutAt) {
          inQuotes = true
          i = quote + 1
        } else if (cutAt >= piece.length) break
        else i = cutAt
        continue
      }
      const lineBreak = piece.indexOf(10, i)
      if (lineBreak >= 0 && (quote < 0 || lineBreak < quote)) {
        const at = offset + lineBreak + 1
        if (header < 0) header = at
        else if (at < file.size) yield { at, header }
        cut = at + bytesPerPart
        i = lineBreak + 1
        continue
      }
      if (quote < 0) break
      inQuotes = true
      i = quote + 1
    }
  }
  yield { at: file.size, header: header < 0 ? file.size : header }
}

/**
 * Types DuckDB may give a CSV column. BOOLEAN is left out on purpose: a two-valued text column such as
 * Yes/No or true/false stays text, so its labels are the class names, the same in the app and the CLI.
 */
const csvTypeCandidates = "['BIGINT', 'DOUBLE', 'TIME', 'DATE', 'TIMESTAMP', 'VARCHAR']"

/** DuckDB's longest line (its `max_line_size` default). */
const maxLineBytes = 2_000_000

/**
 * A sentence for a failed CSV read. DuckDB's own text (its line numbers, its advice about temporary
 * directories and options) never reaches the person; it stays in `details.engine` for diagnosis.
 */
export function csvError(error: unknown, bytes?: Uint8Array): Error {
  if (error instanceof ValidationError) return error
  const message = error instanceof Error ? error.message : String(error)
  const engine = { engine: shortMessage(error) }
  const ragged = /CSV Error on Line: (\d+)[\s\S]*?Expected Number of Columns: (\d+) Found: (\d+)/.exec(
    message,
  )
  if (ragged) {
    const [, line, expected, found] = ragged
    return new ValidationError(
      'ragged-rows',
      `Line ${line} has ${found} fields but the header has ${expected}: every row needs the same number of fields`,
      { line: Number(line), expected: Number(expected), found: Number(found), ...engine },
    )
  }
  const unclosedQuote = new ValidationError(
    'bad-data',
    'A quoted field of this file is never closed (a “"” without its partner), so its rows cannot be told apart',
    engine,
  )
  if (/Maximum line size/i.test(message)) {
    const long = bytes ? firstLongLine(bytes) : undefined
    // Every physical line is short, so DuckDB's long "line" is many lines joined by an open quote.
    if (bytes && !long) return unclosedQuote
    const where = long
      ? `Line ${long.line} is ${formatSize(long.bytes)} long`
      : 'A line of this file is over 2 MB long'
    return new ValidationError(
      'bad-data',
      `${where}: Butterfly reads lines of up to 2 MB. A field that large is usually a pasted document or an unclosed quote; shorten or remove it and import again`,
      { ...(long ?? {}), ...engine },
    )
  }
  if (/out of memory|could not allocate/i.test(message))
    return new ValidationError(
      'bad-data',
      'This file needs more memory than the browser gives the table engine: import fewer columns or rows (split the file), or use the headless CLI',
      engine,
    )
  if (/invalid state|invalidated|fatal/i.test(message))
    return new ValidationError(
      'bad-data',
      'The table engine stopped after an earlier error: reload the page and import the file again',
      engine,
    )
  if (/sniffing file|not possible to automatically detect/i.test(message))
    return new ValidationError(
      'ragged-rows',
      'The rows of this file do not line up with its header, so it cannot be read as a table',
      engine,
    )
  if (/Invalid unicode|not utf-8/i.test(message))
    return new ValidationError('not-text', 'This file is not UTF-8 text, so it cannot be read as CSV', engine)
  if (/unterminated quote|quoted/i.test(message)) return unclosedQuote
  return new ValidationError(
    'bad-data',
    'This file could not be read as a table: check that it is comma-, semicolon-, tab- or pipe-separated text with one header line',
    engine,
  )
}

/** The first line longer than DuckDB reads, 1-based. */
function firstLongLine(bytes: Uint8Array): { line: number; bytes: number } | undefined {
  let line = 1
  let start = 0
  for (;;) {
    const end = bytes.indexOf(10, start)
    const stop = end < 0 ? bytes.byteLength : end
    if (stop - start > maxLineBytes) return { line, bytes: stop - start }
    if (end < 0) return undefined
    start = end + 1
    line++
  }
}

function formatSize(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`
}

function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0].slice(0, 300)
}

export async function dropTable(engine: SqlEngine, table: string): Promise<void> {
  await engine.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`)
}

export async function countRows(engine: SqlEngine, table: string): Promise<number> {
  const [row] = resultRows(await engine.query(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)}`))
  return Number(row.n)
}

interface ColumnStats {
  name: string
  physicalType: string
  nonNull: number
  distinct: number
  min?: number | string
  max?: number | string
  mean?: number
  std?: number
  /** Longest string length (text vs categorical). */
  maxLength?: number
  /** Whether all non-null numbers are whole. */
  integral?: boolean
}

const integerTypes = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/
const floatTypes = /^(FLOAT|REAL|DOUBLE)$/

function isNonFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && !Number.isFinite(value)
}

const numericTypes =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$/
const temporalTypes = /^(DATE|TIMESTAMP.*|TIME.*)$/

export function isNumericType(physicalType: string): boolean {
  return numericTypes.test(physicalType)
}

/**
 * Schema + profile in two full scans (one for scalar stats, one for all histograms; separate scans are
 * faster than one combined scan in DuckDB-WASM) plus top-value queries.
 */
export async function describeTable(
  engine: SqlEngine,
  table: string,
  rowCount: number,
  options: ProfileOptions = {},
): Promise<{ schema: ColumnSchema[]; profile: ColumnProfile[] }> {
  return summarizing(() => profileTable(engine, table, rowCount, options))
}

/** How a profile is computed: histograms from a sample of a large table, progress as it goes. */
export interface ProfileOptions {
  /** Draw the histograms from this seeded uniform sample of the rows (see {@link sampleSql}). */
  sample?: ProfileSample
  /** Fraction of the profile done, 0..1, after each query. */
  onProgress?: (fraction: number) => void
  /**
   * The schema and each column's counts, range, mean and deviation only, without histograms or top
   * values: for a run that stores no dataset page (the CLI without a bundle). The schema is the same.
   */
  summaryOnly?: boolean
}

/** Runs a summary query, turning the engine's failures into the sentences an import gives. */
async function summarizing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof ValidationError) throw error
    const message = error instanceof Error ? error.message : String(error)
    if (/out of memory|could not allocate|invalid state|invalidated|fatal/i.test(message))
      throw csvError(error)
    throw new ValidationError(
      'bad-data',
      'The columns of this file could not be summarized, so it was not imported',
      { engine: shortMessage(error) },
    )
  }
}

async function tableColumns(
  engine: SqlEngine,
  table: string,
): Promise<{ name: string; physicalType: string }[]> {
  const columns = resultRows(await engine.query(`DESCRIBE ${quoteIdent(table)}`)).map((row) => ({
    name: String(row.column_name),
    physicalType: String(row.column_type),
  }))
  if (columns.length === 0) throw new ValidationError('bad-data', 'The file has no columns')
  return columns
}

/**
 * The schema (names, types, logical kinds) and the exact counts of missing values, in one scan that
 * computes only what {@link inferKind} needs: distinct counts and longest lengths of text columns, and
 * distinct counts and wholeness of numbers named like identifiers. A large table is shown with this
 * while {@link describeTable}'s full profile runs in the background; the kinds are the ones it infers.
 * The returned profile holds `name`, `missing` and (for those columns, else 0) `distinct` only.
 */
export async function describeSchema(
  engine: SqlEngine,
  table: string,
  rowCount: number,
): Promise<{ schema: ColumnSchema[]; profile: ColumnProfile[] }> {
  return summarizing(async () => {
    const columns = await tableColumns(engine, table)
    const exact = rowCount <= exactDistinctRows && columns.length <= exactDistinctColumns
    const stats: Record<string, unknown> = {}
    for (const batch of batches(columns.length, columnsPerQuery)) {
      const selects = batch.flatMap((i) => {
        const { name, physicalType } = columns[i]
        const c = quoteIdent(name)
        const distinct = `${exact ? `count(DISTINCT ${c})` : `approx_count_distinct(${c})`}::BIGINT AS d${i}`
        const parts = [`count(${c})::BIGINT AS nn${i}`]
        if (physicalType === 'VARCHAR') parts.push(distinct, `max(length(${c}))::BIGINT AS ml${i}`)
        else if (isNumericType(physicalType) && idName.test(name)) {
          parts.push(distinct)
          if (!integerTypes.test(physicalType))
            parts.push(`bool_and(${c}::DOUBLE = floor(${c}::DOUBLE)) AS ig${i}`)
        }
        return parts
      })
      const [row] = resultRows(await engine.query(`SELECT ${selects.join(', ')} FROM ${quoteIdent(table)}`))
      Object.assign(stats, row)
    }
    const columnStats: ColumnStats[] = columns.map((column, i) => ({
      ...column,
      nonNull: Number(stats[`nn${i}`] ?? 0),
      distinct: Math.min(Number(stats[`d${i}`] ?? 0), Number(stats[`nn${i}`] ?? 0)),
      maxLength: stats[`ml${i}`] === undefined ? undefined : Number(stats[`ml${i}`]),
      integral: integerTypes.test(column.physicalType) ? true : (stats[`ig${i}`] as boolean | undefined),
    }))
    refuseBlank(columnStats, rowCount)
    return {
      schema: columnStats.map((s) => ({
        name: s.name,
        physicalType: s.physicalType,
        kind: inferKind(s, rowCount),
      })),
      profile: columnStats.map((s) => ({
        name: s.name,
        missing: rowCount - s.nonNull,
        distinct: s.distinct,
      })),
    }
  })
}

/**
 * Blank lines read as rows of empty fields: a file of a header and blank lines holds no data, like a
 * file of blank lines only, and is refused the same way.
 */
function refuseBlank(columnStats: readonly ColumnStats[], rowCount: number): void {
  if (columnStats.every((s) => s.nonNull === 0))
    throw new ValidationError(
      'header-only',
      `The file has a header but no values: all of its ${rowCount.toLocaleString('en')} rows are blank`,
      { rows: rowCount },
    )
}

/**
 * The rows of a seeded uniform sample of `table`, as a FROM clause: a row is in it when a hash of its
 * number and the seed falls under `sample.rows / rowCount`. It depends only on the rows, the seed and
 * the sizes, never on threads or timing, so the same table always gives the same sample.
 */
export function sampleSql(table: string, rowCount: number, sample: ProfileSample): string {
  const perMillion = Math.max(1, Math.min(1_000_000, Math.round((sample.rows / Math.max(1, rowCount)) * 1e6)))
  return `(SELECT * FROM ${quoteIdent(table)} WHERE hash(rowid + ${Math.trunc(sample.seed)}) % 1000000 < ${perMillion})`
}

/** Tables past this many rows are profiled in the background, with histograms from a sample. */
export const largeTableRows = 1_000_000

/** Rows (about) in the sample a large table's histograms are drawn from, and its seed. */
export const profileSample: ProfileSample = { rows: 200_000, seed: 16 }

async function profileTable(
  engine: SqlEngine,
  table: string,
  rowCount: number,
  options: ProfileOptions,
): Promise<{ schema: ColumnSchema[]; profile: ColumnProfile[] }> {
  const columns = await tableColumns(engine, table)
  const progress = options.onProgress ?? (() => {})
  // Exact distinct counts keep a hash table of every value per column: past these sizes they are
  // estimated (HyperLogLog, a few kB per column), and the profile says so.
  const exact = rowCount <= exactDistinctRows && columns.length <= exactDistinctColumns
  const isFloat = (i: number) => floatTypes.test(columns[i].physicalType)
  const wide = await wideColumns(engine, table, columns)
  // Scalar statistics of the columns `only` names, keyed by column index.
  const scalarStats = async (finiteOnly: ReadonlySet<number>, only: readonly number[]) => {
    const selects: string[] = []
    for (const i of only) {
      const column = columns[i]
      const c = quoteIdent(column.name)
      const distinct = exact ? `count(DISTINCT ${c})` : `approx_count_distinct(${c})`
      selects.push(`count(${c})::BIGINT AS nn${i}`, `${distinct}::BIGINT AS d${i}`)
      if (isNumericType(column.physicalType)) {
        const finite = finiteOnly.has(i) ? ` FILTER (WHERE isfinite(${c}))` : ''
        selects.push(
          `min(${c})${finite}::DOUBLE AS mn${i}`,
          `max(${c})${finite}::DOUBLE AS mx${i}`,
          `avg(${c})${finite}::DOUBLE AS av${i}`,
          `stddev_samp(${c})${finite}::DOUBLE AS sd${i}`,
        )
        // Whole numbers matter for identifiers and for narrow ranges (one histogram bin per value).
        if (!integerTypes.test(column.physicalType) && (idName.test(column.name) || !wide.has(i)))
          selects.push(`bool_and(${c}::DOUBLE = floor(${c}::DOUBLE))${finite} AS ig${i}`)
      } else if (temporalTypes.test(column.physicalType)) {
        selects.push(`min(${c})::VARCHAR AS mn${i}`, `max(${c})::VARCHAR AS mx${i}`)
      } else if (column.physicalType === 'VARCHAR') {
        selects.push(`max(length(${c}))::BIGINT AS ml${i}`)
      }
    }
    const [row] = resultRows(await engine.query(`SELECT ${selects.join(', ')} FROM ${quoteIdent(table)}`))
    return row
  }
  // Float columns may hold infinities and NaN: their summaries cover the finite values. Filtering every
  // float column costs a lot on large tables, so only the columns that need it are summarized again.
  // Columns go in batches: one query over thousands of columns holds an aggregate state (a hash table
  // for each distinct count) per column at once, which ran DuckDB-WASM out of memory on wide files.
  const finiteOnly = new Set<number>()
  let stats: Record<string, unknown> = {}
  const scalarBatches = batches(columns.length, columnsPerQuery)
  for (const [b, batch] of scalarBatches.entries()) {
    progress((0.5 * b) / scalarBatches.length)
    try {
      Object.assign(stats, await scalarStats(finiteOnly, batch))
    } catch (error) {
      // DuckDB refuses the standard deviation of infinities outright.
      if (!/out of range/i.test(error instanceof Error ? error.message : String(error))) throw error
      for (const i of batch) if (isFloat(i)) finiteOnly.add(i)
      Object.assign(stats, await scalarStats(finiteOnly, batch))
    }
  }
  const nonFinite = columns.flatMap((_, i) =>
    isFloat(i) &&
    !finiteOnly.has(i) &&
    ['mn', 'mx', 'av', 'sd'].some((k) => isNonFiniteNumber(stats[`${k}${i}`]))
      ? [i]
      : [],
  )
  for (const i of nonFinite) finiteOnly.add(i)
  for (let start = 0; start < nonFinite.length; start += columnsPerQuery)
    stats = { ...stats, ...(await scalarStats(finiteOnly, nonFinite.slice(start, start + columnsPerQuery))) }
  const columnStats: ColumnStats[] = columns.map((column, i) => ({
    ...column,
    nonNull: Number(stats[`nn${i}`] ?? 0),
    // An estimate may exceed the values there are (≈22 of 20 rows): never more than the non-null count.
    distinct: Math.min(Number(stats[`d${i}`] ?? 0), Number(stats[`nn${i}`] ?? 0)),
    min: stats[`mn${i}`] as number | string | undefined,
    max: stats[`mx${i}`] as number | string | undefined,
    mean: stats[`av${i}`] as number | undefined,
    std: stats[`sd${i}`] as number | undefined,
    maxLength: stats[`ml${i}`] === undefined ? undefined : Number(stats[`ml${i}`]),
    integral: integerTypes.test(column.physicalType) ? true : (stats[`ig${i}`] as boolean | undefined),
  }))

  const schema: ColumnSchema[] = columnStats.map((s) => ({
    name: s.name,
    physicalType: s.physicalType,
    kind: inferKind(s, rowCount),
  }))
  progress(0.5)
  refuseBlank(columnStats, rowCount)
  const histogramSource = options.sample ? sampleSql(table, rowCount, options.sample) : quoteIdent(table)
  const histograms = options.summaryOnly
    ? new Map<number, ColumnProfile['histogram']>()
    : await numericHistograms(engine, histogramSource, columnStats, finiteOnly)
  progress(0.7)
  // Numbers with few distinct values get their counts too: a class stored as numbers, once its kind is
  // corrected to categorical, is drawn as bars of these counts.
  const counted = columnStats.flatMap((s) =>
    (!isNumericType(s.physicalType) && !temporalTypes.test(s.physicalType)) ||
    (isNumericType(s.physicalType) && s.distinct > 0 && s.distinct <= fewDistinct)
      ? [s.name]
      : [],
  )
  const tops = options.summaryOnly
    ? new Map<string, ColumnProfile['topValues']>()
    : await topValues(engine, table, counted, topValueColumnsPerQuery, (done) => progress(0.7 + 0.3 * done))
  const profile: ColumnProfile[] = []
  for (const [i, s] of columnStats.entries()) {
    const entry: ColumnProfile = { name: s.name, missing: rowCount - s.nonNull, distinct: s.distinct }
    if (!exact) entry.distinctEstimated = true
    if (s.min !== undefined && s.min !== null) entry.min = s.min
    if (s.max !== undefined && s.max !== null) entry.max = s.max
    if (typeof s.mean === 'number') entry.mean = s.mean
    if (typeof s.std === 'number') entry.std = s.std
    const histogram = histograms.get(i)
    if (histogram) entry.histogram = histogram
    const top = tops.get(s.name)
    if (top) entry.topValues = top
    profile.push(entry)
  }
  progress(1)
  return { schema, profile }
}

/** Up to these many rows and columns, distinct counts are exact; past either they are estimated. */
const exactDistinctRows = 200_000
const exactDistinctColumns = 300

const histogramBins = 20
/** Numeric columns with at most this many distinct values also get their value counts. */
const fewDistinct = 10

/**
 * Columns summarized per query. Each query keeps one aggregate state per column (a hash table per
 * distinct count); a batch bounds that memory on wide files, while narrow files keep one scan.
 */
const columnsPerQuery = 100

/** Column indices 0..n-1 in consecutive batches of `size`. */
function batches(n: number, size: number): number[][] {
  const out: number[][] = []
  for (let start = 0; start < n; start += size)
    out.push(Array.from({ length: Math.min(size, n - start) }, (_, k) => start + k))
  return out
}

/**
 * Numeric columns whose range is at least `histogramBins` wide by the statistics DuckDB keeps per
 * table column as it loads rows (`stats()`, no scan), so the profile can skip checking them for whole
 * numbers. Statistics that are missing or unreadable just leave a column out.
 */
async function wideColumns(
  engine: SqlEngine,
  table: string,
  columns: { name: string; physicalType: string }[],
): Promise<Set<number>> {
  const wide = new Set<number>()
  const numeric = columns.flatMap((column, i) => (isNumericType(column.physicalType) ? [i] : []))
  if (numeric.length === 0) return wide
  let row: Record<string, unknown> | undefined
  try {
    const selects = numeric.map((i) => `stats(${quoteIdent(columns[i].name)}) AS s${i}`)
    ;[row] = resultRows(await engine.query(`SELECT ${selects.join(', ')} FROM ${quoteIdent(table)} LIMIT 1`))
  } catch {
    return wide
  }
  for (const i of numeric) {
    const range = /\[Min: ([^,\]]+), Max: ([^\]]+)\]/.exec(String(row?.[`s${i}`] ?? ''))
    const span = Number(range?.[2]) - Number(range?.[1])
    if (Number.isFinite(span) && span >= histogramBins) wide.add(i)
  }
  return wide
}

async function numericHistograms(
  engine: SqlEngine,
  /** A quoted table name or a parenthesized query (a sample). */
  source: string,
  stats: ColumnStats[],
  finiteOnly: ReadonlySet<number>,
): Promise<Map<number, { edges: number[]; counts: number[] }>> {
  const result = new Map<number, { edges: number[]; counts: number[] }>()
  const parts: string[] = []
  const plans: { index: number; min: number; width: number; bins: number }[] = []
  stats.forEach((s, i) => {
    if (!isNumericType(s.physicalType) || typeof s.min !== 'number' || typeof s.max !== 'number') return
    const span = s.max - s.min
    // Few whole-number values: one bin per value reads better than 20 equal slices.
    const perValue = s.integral && span < histogramBins
    const bins = span === 0 ? 1 : perValue ? span + 1 : histogramBins
    const width = span === 0 ? 1 : perValue ? 1 : span / bins
    const min = perValue ? s.min - 0.5 : s.min
    const c = `${quoteIdent(s.name)}::DOUBLE`
    // DuckDB's binned histogram counts each value under the first upper edge >= it, in one pass over
    // all columns: several times faster than bucketing with floor() and a generic histogram.
    const upperEdges = Array.from({ length: bins }, (_, b) =>
      b === bins - 1 ? Math.max(s.max as number, min + bins * width) : min + (b + 1) * width,
    )
    // Infinities and NaN stay out of the bins; only columns known to hold them pay for the filter
    // (a third of the histogram scan).
    const filter = finiteOnly.has(i) ? ` FILTER (WHERE isfinite(${c}))` : ''
    parts.push(
      `histogram(${c}, [${upperEdges.map((e) => e.toPrecision(17)).join(', ')}]::DOUBLE[])${filter} AS h${i}`,
    )
    plans.push({ index: i, min, width, bins })
  })
  for (let start = 0; start < parts.length; start += columnsPerQuery) {
    const histogramTable = await engine.query(
      `SELECT ${parts.slice(start, start + columnsPerQuery).join(', ')} FROM ${source}`,
    )
    for (const plan of plans.slice(start, start + columnsPerQuery))
      readHistogram(plan, histogramTable, result)
  }
  return result
}

function readHistogram(
  plan: { index: number; min: number; width: number; bins: number },
  histogramTable: Table,
  result: Map<number, { edges: number[]; counts: number[] }>,
): void {
  {
    const counts = new Array<number>(plan.bins).fill(0)
    const edges = Array.from({ length: plan.bins + 1 }, (_, b) => plan.min + b * plan.width)
    const map = histogramTable.getChild(`h${plan.index}`)?.get(0) as unknown
    for (const [edge, count] of mapEntries(map)) {
      const upper = Number(edge)
      // The bin whose upper edge this is (an infinite key holds values above the last edge).
      const bin = Number.isFinite(upper) ? Math.round((upper - plan.min) / plan.width) - 1 : plan.bins - 1
      counts[Math.min(plan.bins - 1, Math.max(0, bin))] += Number(count)
    }
    result.set(plan.index, { edges, counts })
  }
}

/** Entries of a DuckDB MAP value as Arrow returns it (a Map-like or an array of {key, value} structs). */
function mapEntries(value: unknown): [unknown, unknown][] {
  if (!value) return []
  if (value instanceof Map) return [...value.entries()]
  const maybe = value as { toJSON?: () => unknown }
  const json = typeof maybe.toJSON === 'function' ? maybe.toJSON() : value
  if (Array.isArray(json))
    return json.map((entry) => [(entry as { key: unknown }).key, (entry as { value: unknown }).value])
  if (json && typeof json === 'object') return Object.entries(json as Record<string, unknown>)
  return []
}

/** Columns whose top values one query counts: a query per column cost a round trip and a scan each. */
const topValueColumnsPerQuery = 50

/**
 * The 10 most frequent non-null values of each of `columns` (ties by value), counted for
 * `perQuery` columns at a time in one query (a UNION ALL of grouped counts). Every listed column gets
 * an entry, empty when it holds no values.
 */
export async function topValues(
  engine: SqlEngine,
  table: string,
  columns: readonly string[],
  perQuery = topValueColumnsPerQuery,
  onProgress: (fraction: number) => void = () => {},
): Promise<Map<string, { value: string; count: number }[]>> {
  const result = new Map<string, { value: string; count: number }[]>(columns.map((name) => [name, []]))
  const all = batches(columns.length, perQuery)
  for (const [b, batch] of all.entries()) {
    onProgress(b / all.length)
    const parts = batch.map((i) => {
      const c = quoteIdent(columns[i])
      return `SELECT ${i} AS k, v, n FROM (SELECT ${c}::VARCHAR AS v, count(*)::BIGINT AS n FROM ${quoteIdent(table)} WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10)`
    })
    const rows = resultRows(await engine.query(`${parts.join(' UNION ALL ')} ORDER BY k, n DESC, v`))
    for (const row of rows)
      result.get(columns[Number(row.k)])?.push({ value: String(row.v), count: Number(row.n) })
  }
  return result
}

const idName = /(^|[^a-z])(id|uuid|guid|key|index|idx)$|^(id|uuid|row_?id|index)$/i

/**
 * The logical kind of a column from its physical type and statistics:
 * BOOLEAN → boolean; dates/times → datetime; whole numbers unique per row and named like an id →
 * identifier; other numbers → numeric; strings unique per row (short) → identifier, long free text →
 * text, two values true/false-like → boolean, else categorical.
 */
export function inferKind(stats: ColumnStats, rowCount: number): LogicalKind {
  const { physicalType } = stats
  if (physicalType === 'BOOLEAN') return 'boolean'
  if (temporalTypes.test(physicalType)) return 'datetime'
  const unique = rowCount > 1 && stats.nonNull === rowCount && stats.distinct >= rowCount * 0.99
  if (isNumericType(physicalType)) {
    if (unique && stats.integral && idName.test(stats.name)) return 'identifier'
    return 'numeric'
  }
  if (physicalType === 'VARCHAR') {
    if (unique && rowCount >= 20) return (stats.maxLength ?? 0) > 40 ? 'text' : 'identifier'
    if ((stats.maxLength ?? 0) > 60 && stats.distinct > Math.max(50, stats.nonNull * 0.5)) return 'text'
    return 'categorical'
  }
  return 'categorical'
}
