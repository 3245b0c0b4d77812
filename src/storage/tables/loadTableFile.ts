/**
 * One loader for a table file's bytes, used by the headless CLI and shaped like the app's import: the
 * same checks ({@link checkTableFile}), the same DuckDB read ({@link loadTable}), the same schema and
 * profile ({@link describeTable}) and the same Arrow → DataFrame conversion as the app's run worker
 * ({@link frameFromArrow}). Any {@link SqlEngine} works: DuckDB-WASM's blocking build in Node.
 */
import type { ColumnProfile, ColumnSchema, SourceFormat } from '../../domain/dataset.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { FrameColumnHint } from '../../engine/arrowFrame.ts'
import { frameFromArrow } from '../../engine/arrowFrame.ts'
import type { DataFrame } from '../../engine/frame.ts'
import type { CsvDialect } from './csvPreflight.ts'
import { createNulScan, preflightBytes } from './csvPreflight.ts'
import { checkTableFile, formatOf, renamedColumnNotes } from './fileCheck.ts'
import type { ParquetToArrow } from './ingest.ts'
import { countRows, describeTable, dropTable, loadTable } from './ingest.ts'
import type { SqlEngine } from './sqlEngine.ts'
import { quoteIdent } from './sqlEngine.ts'

export interface LoadedTableFile {
  frame: DataFrame
  /** The file's bytes (for the dataset hash). */
  bytes: Uint8Array
  format: SourceFormat
  schema: ColumnSchema[]
  profile: ColumnProfile[]
  rowCount: number
  /** The delimiter of delimited text (undefined for Parquet). */
  delimiter?: CsvDialect['delimiter']
  /** What the load changed visibly (a column renamed), one sentence each. */
  notes: string[]
}

export interface LoadTableFileOptions {
  parquetToArrow: ParquetToArrow
  /** Columns to read as categories (a classification target), as the app's run worker does. */
  hints?: Record<string, FrameColumnHint>
  /** The format when the name has no usable extension (a bundle's dataset file). */
  format?: SourceFormat
  /** Profile without histograms and top values (see ProfileOptions.summaryOnly): the same schema, sooner. */
  summaryOnly?: boolean
}

let loads = 0

export async function loadTableFile(
  engine: SqlEngine,
  bytes: Uint8Array<ArrayBuffer>,
  fileName: string,
  options: LoadTableFileOptions,
): Promise<LoadedTableFile> {
  const format = options.format ?? formatOf(fileName)
  const { dialect } = checkTableFile(
    fileName,
    format,
    bytes.byteLength,
    bytes.subarray(0, preflightBytes),
    bytes.subarray(Math.max(0, bytes.byteLength - 4)),
  )
  // The preflight saw the head only: a NUL byte further on is found here, before the engine reads it.
  if (format !== 'parquet') createNulScan()(bytes)
  const table = `load_${++loads}`
  try {
    await loadTable(
      engine,
      table,
      `${table}.${format}`,
      { format, delimiter: dialect?.delimiter },
      { file: bytes, parquetToArrow: options.parquetToArrow },
    )
    const rowCount = await countRows(engine, table)
    if (rowCount === 0)
      throw new ValidationError(
        'header-only',
        `“${fileName}” has a header but no data rows: there is nothing to import`,
      )
    const { schema, profile } = await describeTable(engine, table, rowCount, {
      summaryOnly: options.summaryOnly === true,
    })
    const notes = dialect
      ? renamedColumnNotes(
          dialect.columns,
          schema.map((c) => c.name),
        )
      : []
    const frame = frameFromArrow(
      await engine.query(`SELECT * FROM ${quoteIdent(table)} ORDER BY rowid`),
      options.hints,
    )
    return {
      frame,
      bytes,
      format,
      schema,
      profile,
      rowCount,
      ...(dialect ? { delimiter: dialect.delimiter } : {}),
      notes,
    }
  } finally {
    await dropTable(engine, table).catch(() => undefined)
  }
}
