/**
 * DuckDB-WASM in the browser, served from our own origin: the EH bundle only (the MVP bundle is slower
 * and its exception path is broken), never the CDN helper, extension autoloading off (the Parquet and
 * JSON readers are extensions DuckDB would fetch from the internet; Parquet goes through parquet-wasm).
 */
import * as duckdb from '@duckdb/duckdb-wasm'
import ehWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url'
import ehWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url'
import { Table } from 'apache-arrow'
import { engineSetup, sessionSetup } from '../storage/tables/sqlEngine.ts'
import type { StreamingSqlEngine } from '../storage/tables/tableChunks.ts'
import { gatherBatches } from '../storage/tables/tableChunks.ts'

export async function createBrowserSqlEngine(): Promise<StreamingSqlEngine> {
  const worker = new Worker(ehWorkerUrl)
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker)
  await db.instantiate(ehWasmUrl)
  const connection = await db.connect()
  for (const sql of engineSetup) await connection.query(sql)
  return {
    query: (sql) => connection.query(sql),
    async registerFile(name, file) {
      if (file instanceof Uint8Array) await db.registerFileBuffer(name, file)
      else await db.registerFileHandle(name, file, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true)
    },
    async dropFile(name) {
      await db.dropFile(name)
    },
    async createTableFromArrowIpc(table, ipc) {
      await connection.insertArrowFromIPCStream(ipc, { name: table, create: true })
    },
    // A streamed read has a connection of its own: a query on the shared connection (the grid's rows,
    // the profile) would end a streaming result left open between chunks.
    async *stream(sql, minRows) {
      const own = await db.connect()
      try {
        for (const setup of sessionSetup) await own.query(setup)
        yield* gatherBatches(await own.send(sql, true), minRows, (batches) => new Table(batches))
      } finally {
        await own.close().catch(() => undefined)
      }
    },
  }
}
