/**
 * DuckDB-WASM in the browser, served from our own origin: the EH bundle only (the MVP bundle is slower
 * and its exception path is broken), never the CDN helper, extension autoloading off (the Parquet and
 * JSON readers are extensions DuckDB would fetch from the internet; Parquet goes through parquet-wasm).
 */
import * as duckdb from '@duckdb/duckdb-wasm'
import ehWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url'
import ehWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url'
import type { SqlEngine } from '../storage/tables/sqlEngine.ts'
import { engineSetup } from '../storage/tables/sqlEngine.ts'

export async function createBrowserSqlEngine(): Promise<SqlEngine> {
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
  }
}
