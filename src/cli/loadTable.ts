/**
 * Loads a CSV/TSV/Parquet file into the engine's DataFrame in Node, with the browser import's rules:
 * CSV/TSV are parsed by DuckDB-WASM (the same engine the app uses; the blocking Node build) as
 * all-VARCHAR, so only an empty field is missing ('NA', 'None' stay values), and typed by
 * frameFromText. Parquet goes through parquet-wasm → Arrow (DuckDB-WASM has no Parquet built in).
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { ValidationError } from '../domain/errors.ts'
import type { Column, DataFrame } from '../engine/frame.ts'
import type { ColumnTypeHint } from '../engine/pipeline/textColumns.ts'
import { categoricalFromText, frameFromText } from '../engine/pipeline/textColumns.ts'

export interface LoadedTable {
  frame: DataFrame
  /** The file's bytes (for the dataset hash). */
  bytes: Uint8Array
  format: 'csv' | 'tsv' | 'parquet'
}

/** File format from the extension; throws ValidationError('unsupported-extension') otherwise. */
export function formatOf(path: string): LoadedTable['format'] {
  const lower = path.toLowerCase()
  if (lower.endsWith('.csv')) return 'csv'
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv'
  if (lower.endsWith('.parquet')) return 'parquet'
  throw new ValidationError(
    'unsupported-extension',
    `Unsupported data file '${path}': expected .csv, .tsv or .parquet`,
  )
}

type DuckDb = import('@duckdb/duckdb-wasm/blocking').DuckDBBindings

let duckdbPromise: Promise<DuckDb> | undefined

async function getDuckDb(): Promise<DuckDb> {
  duckdbPromise ??= (async () => {
    const duckdb = await import('@duckdb/duckdb-wasm/blocking')
    const require = createRequire(import.meta.url)
    const dist = (file: string) => require.resolve(`@duckdb/duckdb-wasm/dist/${file}`)
    const db = await duckdb.createDuckDB(
      {
        mvp: { mainModule: dist('duckdb-mvp.wasm'), mainWorker: dist('duckdb-node-mvp.worker.cjs') },
        eh: { mainModule: dist('duckdb-eh.wasm'), mainWorker: dist('duckdb-node-eh.worker.cjs') },
      },
      new duckdb.VoidLogger(),
      duckdb.NODE_RUNTIME,
    )
    await db.instantiate()
    return db
  })()
  return duckdbPromise
}

let fileCounter = 0

async function loadDelimited(
  bytes: Uint8Array,
  delimiter: string,
  hints: Record<string, ColumnTypeHint>,
): Promise<DataFrame> {
  const db = await getDuckDb()
  const name = `input_${++fileCounter}.txt`
  db.registerFileBuffer(name, bytes)
  const conn = db.connect()
  try {
    // No network, ever: DuckDB would otherwise try to fetch extensions from extensions.duckdb.org.
    conn.query('SET autoinstall_known_extensions=false')
    conn.query('SET autoload_known_extensions=false')
    const table = conn.query(
      `SELECT * FROM read_csv('${name}', header=true, all_varchar=true, delim='${delimiter === '\t' ? '\\t' : delimiter}', quote='"', escape='"', nullstr='', auto_detect=false, columns=${columnsSpec(bytes, delimiter)})`,
    )
    const columns = table.schema.fields.map((field) => {
      const vector = table.getChild(field.name)!
      const values = new Array<string | null>(table.numRows)
      for (let i = 0; i < table.numRows; i++) values[i] = (vector.get(i) as string | null) ?? null
      return { name: field.name, values }
    })
    return frameFromText(columns, hints)
  } catch (error) {
    throw new ValidationError(
      'bad-data',
      `Cannot read the table: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    )
  } finally {
    conn.close()
    db.dropFile(name)
  }
}

/** DuckDB's `columns=` struct from the header line, so every column is VARCHAR with its exact name. */
function columnsSpec(bytes: Uint8Array, delimiter: string): string {
  const end = bytes.indexOf(10)
  const headerLine = new TextDecoder()
    .decode(bytes.subarray(0, end < 0 ? bytes.length : end))
    .replace(/\r$/, '')
    .replace(/^\uFEFF/, '')
  const names = splitCsvLine(headerLine, delimiter)
  if (names.length === 0 || names.every((n) => n === ''))
    throw new ValidationError('empty-file', 'The file has no header row')
  const seen = new Set<string>()
  for (const n of names) {
    if (n === '') throw new ValidationError('empty-column-name', 'A column in the header has an empty name')
    if (seen.has(n))
      throw new ValidationError('duplicate-column', `Column '${n}' appears twice in the header`)
    seen.add(n)
  }
  return `{${names.map((n) => `'${n.replaceAll("'", "''")}': 'VARCHAR'`).join(', ')}}`
}

/** The fields of one CSV line (quotes and doubled quotes handled; no line breaks inside fields). */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === delimiter) {
      out.push(field)
      field = ''
    } else field += ch
  }
  out.push(field)
  return out
}

async function loadParquet(bytes: Uint8Array, hints: Record<string, ColumnTypeHint>): Promise<DataFrame> {
  const parquet = await import('parquet-wasm/node')
  const arrow = await import('apache-arrow')
  let table: import('apache-arrow').Table
  try {
    table = arrow.tableFromIPC(parquet.readParquet(bytes).intoIPCStream())
  } catch (error) {
    throw new ValidationError(
      'corrupt-parquet',
      `Cannot read the Parquet file: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const columns: Column[] = table.schema.fields.map((field) => {
    const vector = table.getChild(field.name)!
    const n = table.numRows
    const typeId = field.type.typeId
    const isNumber =
      arrow.DataType.isInt(field.type) ||
      arrow.DataType.isFloat(field.type) ||
      arrow.DataType.isDecimal(field.type)
    if (isNumber && hints[field.name] !== 'categorical') {
      const values = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        const v = vector.get(i) as number | bigint | null
        values[i] = v === null ? Number.NaN : Number(v)
      }
      return { name: field.name, type: 'numeric', kind: 'numeric', values }
    }
    if (arrow.DataType.isBool(field.type)) {
      const values = Float64Array.from({ length: n }, (_, i) => {
        const v = vector.get(i) as boolean | null
        return v === null ? Number.NaN : v ? 1 : 0
      })
      return { name: field.name, type: 'numeric', kind: 'boolean', values }
    }
    const text = Array.from({ length: n }, (_, i) => {
      const v = vector.get(i)
      return v === null || v === undefined ? null : String(v)
    })
    void typeId
    return categoricalFromText(field.name, text)
  })
  return { nRows: table.numRows, columns }
}

/** Reads `path` into a DataFrame; `hints` force columns to categorical (e.g. a classification target). */
export async function loadTable(
  path: string,
  hints: Record<string, ColumnTypeHint> = {},
): Promise<LoadedTable> {
  const format = formatOf(path)
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `Cannot read data file '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
  return loadTableBytes(bytes, format, path, hints)
}

/** Reads a table's bytes (e.g. a bundle's dataset file); `name` is for messages only. */
export async function loadTableBytes(
  bytes: Uint8Array,
  format: LoadedTable['format'],
  name: string,
  hints: Record<string, ColumnTypeHint> = {},
): Promise<LoadedTable> {
  if (bytes.length === 0) throw new ValidationError('empty-file', `Data file '${name}' is empty`)
  const frame =
    format === 'parquet'
      ? await loadParquet(bytes, hints)
      : await loadDelimited(bytes, format === 'tsv' ? '\t' : ',', hints)
  if (frame.nRows === 0)
    throw new ValidationError('header-only', `Data file '${name}' has a header but no rows`)
  return { frame, bytes, format }
}
