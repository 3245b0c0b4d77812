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
export const engineSetup = [
  'SET autoinstall_known_extensions=false',
  'SET autoload_known_extensions=false',
  "SET memory_limit='2560MiB'",
  // Tables live in a compressed in-memory database (DuckDB compresses in-memory tables only when asked):
  // 10M rows × 24 columns of 4-decimal numbers take about 0.5 GB instead of 2.6 GB (ALP for the numbers,
  // dictionaries for text), which is what lets such a table fit in the tab at all. Loads take about as long.
  "ATTACH ':memory:' AS tables (COMPRESS)",
  'USE tables',
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
