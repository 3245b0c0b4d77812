/**
 * The narrow SQL surface the dataset tables need, so the same ingest and query code runs on
 * DuckDB-WASM's async worker in the browser and on its blocking build in Node (tests, headless runner).
 */
import type { Table } from 'apache-arrow'

export interface SqlEngine {
  query(sql: string): Promise<Table>
  /** Makes `file` readable by SQL under `name` (read_csv('<name>')). */
  registerFile(name: string, file: Blob | Uint8Array<ArrayBuffer>): Promise<void>
  dropFile(name: string): Promise<void>
  /** Creates table `table` from an Arrow IPC stream. */
  createTableFromArrowIpc(table: string, ipc: Uint8Array): Promise<void>
}

/**
 * Settings every engine gets at start, in the browser and in Node. Extension autoloading is off (the
 * Parquet and JSON readers are extensions DuckDB would fetch from the internet). The memory limit is set
 * deliberately below the 4 GiB a 32-bit wasm heap can reach: DuckDB then refuses a query that would not
 * fit with a catchable error, leaving room for the Arrow results copied out of the heap.
 */
/** The compressed in-memory database large tables are created in (see {@link engineSetup}). */
export const compressedCatalog = 'packed'

/** Where unqualified table names are looked up: the default database, then the compressed one. */
const searchPath = `SET search_path = 'memory.main,${compressedCatalog}.main'`

/**
 * Settings of one connection, for a second connection to the same database (the browser's streaming
 * reads open their own, so a long read never shares a connection with the grid's queries).
 */
export const sessionSetup = [
  'SET autoinstall_known_extensions=false',
  'SET autoload_known_extensions=false',
  searchPath,
] as const

export const engineSetup = [
  'SET autoinstall_known_extensions=false',
  'SET autoload_known_extensions=false',
  "SET memory_limit='2560MiB'",
  // Large tables live in a compressed in-memory database (DuckDB compresses in-memory tables only when
  // asked): 1M rows × 24 columns of 4-decimal numbers take 48 MB instead of 260 MB (ALP for the numbers,
  // dictionaries for text), which is what lets 10M rows fit in the tab at all. Scans of compressed columns
  // cost a little more, so smaller tables stay in the default database; unqualified names find both.
  `ATTACH ':memory:' AS ${compressedCatalog} (COMPRESS)`,
  searchPath,
] as const

/** Quotes an identifier for DuckDB SQL: any name, including quotes and SQL, becomes inert. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Quotes a string literal for DuckDB SQL. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** Plain JS value of an Arrow cell: BigInt → number, Date stays, null stays. */
export function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  return value
}

/** Rows of a result as plain objects (small results only: profiles, previews). */
export function resultRows(table: Table): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name)
  const columns = names.map((_, i) => table.getChildAt(i))
  const rows: Record<string, unknown>[] = []
  for (let r = 0; r < table.numRows; r++) {
    const row: Record<string, unknown> = {}
    names.forEach((name, i) => {
      row[name] = plainValue(columns[i]?.get(r))
    })
    rows.push(row)
  }
  return rows
}
