/**
 * A {@link TableChunkSource} on DuckDB (issue 16): rows of any relation (a table, or `read_csv(…)` over a
 * file DuckDB reads itself) stream as Arrow record batches, gathered into frames of about `chunkRows` rows,
 * so a large table never exists as one Arrow result or one float frame. The engine's large-table run
 * reads it; the CLI opens one over a file on disk, the app over its imported table.
 */
import type { RecordBatch, Table } from 'apache-arrow'
import { frameFromArrow } from '../../engine/arrowFrame.ts'
import type { TableChunkSource } from '../../engine/scale/chunkSource.ts'
import type { SqlEngine } from './sqlEngine.ts'
import { quoteIdent, resultRows } from './sqlEngine.ts'

/** An engine that can also stream a query's result, as tables of at least `minRows` rows (the last may have fewer). */
export interface StreamingSqlEngine extends SqlEngine {
  stream(sql: string, minRows: number): AsyncIterable<Table>
}

/**
 * A query's record batches gathered into tables of at least `minRows` rows (the last may have fewer), each
 * made by `toTable` (the engine's own Arrow copy's Table).
 */
export async function* gatherBatches(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  minRows: number,
  toTable: (batches: RecordBatch[]) => Table,
): AsyncGenerator<Table> {
  let gathered: RecordBatch[] = []
  let rows = 0
  for await (const batch of batches) {
    if (batch.numRows === 0) continue
    gathered.push(batch)
    rows += batch.numRows
    if (rows >= minRows) {
      yield toTable(gathered)
      gathered = []
      rows = 0
    }
  }
  if (rows > 0) yield toTable(gathered)
}

/** Opens `relation` (SQL usable after FROM) for streaming: counts its rows and reads its column names. */
export async function openSqlChunkSource(
  engine: StreamingSqlEngine,
  relation: string,
): Promise<TableChunkSource> {
  const columnNames = resultRows(await engine.query(`DESCRIBE SELECT * FROM ${relation}`)).map((row) =>
    String(row.column_name),
  )
  const [count] = resultRows(await engine.query(`SELECT count(*)::BIGINT AS n FROM ${relation}`))
  return {
    rowCount: Number(count.n),
    columnNames,
    async *chunks(columns, { chunkRows, hints }) {
      const sql = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${relation}`
      for await (const table of engine.stream(sql, chunkRows)) yield frameFromArrow(table, hints)
    },
  }
}
