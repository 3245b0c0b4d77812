/**
 * {@link SqlEngine} on DuckDB-WASM's blocking build for Node: the same SQL and the same DuckDB version
 * as the browser, for unit tests and the headless runner. Never imported by browser code.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import * as duckdb from '@duckdb/duckdb-wasm/blocking'
import type { SqlEngine } from './sqlEngine.ts'
import { engineSetup } from './sqlEngine.ts'

export async function createNodeSqlEngine(): Promise<SqlEngine & { close(): void }> {
  const require = createRequire(import.meta.url)
  const dist = path.dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'))
  const db = await duckdb.createDuckDB(
    {
      mvp: {
        mainModule: path.join(dist, 'duckdb-mvp.wasm'),
        mainWorker: path.join(dist, 'duckdb-node-mvp.worker.cjs'),
      },
      eh: {
        mainModule: path.join(dist, 'duckdb-eh.wasm'),
        mainWorker: path.join(dist, 'duckdb-node-eh.worker.cjs'),
      },
    },
    new duckdb.VoidLogger(),
    duckdb.NODE_RUNTIME,
  )
  await db.instantiate()
  const connection = db.connect()
  for (const sql of engineSetup) connection.query(sql)
  return {
    async query(sql) {
      return connection.query(sql)
    },
    async registerFile(name, file) {
      const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer())
      db.registerFileBuffer(name, bytes)
    },
    async dropFile(name) {
      db.dropFile(name)
    },
    async createTableFromArrowIpc(table, ipc) {
      connection.insertArrowFromIPCStream(ipc, { name: table, create: true })
    },
    close() {
      connection.close()
    },
  }
}
