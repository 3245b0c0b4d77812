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
