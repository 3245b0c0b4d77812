/**
 * {@link SqlEngine} on DuckDB-WASM's blocking build for Node: the same SQL and the same DuckDB version
 * as the browser, for unit tests and the headless runner. Never imported by browser code.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import * as duckdb from '@duckdb/duckdb-wasm/blocking'
import type { RecordBatch, Table } from 'apache-arrow'
import { engineSetup } from './sqlEngine.ts'
import type { StreamingSqlEngine } from './tableChunks.ts'
import { gatherBatches } from './tableChunks.ts'

/** The Node engine: streams results, and reads files from disk itself (large tables, issue 16). */
export interface NodeSqlEngine extends StreamingSqlEngine {
  /** Makes the file at `path` readable by SQL under `name`, read from disk as DuckDB needs it. */
  registerFilePath(name: string, path: string): void
  close(): void
}

export async function createNodeSqlEngine(): Promise<NodeSqlEngine> {
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
    registerFilePath(name, filePath) {
      db.registerFileURL(name, filePath, duckdb.DuckDBDataProtocol.NODE_FS, false)
    },
    async *stream(sql, minRows) {
      // The Table class of the copy of Arrow DuckDB's build uses (Node may load a second copy for our
      // own imports, and Arrow's constructors tell batches apart with instanceof).
      const ArrowTable = connection.query('SELECT 1').constructor as new (batches: RecordBatch[]) => Table
      yield* gatherBatches(await connection.send(sql, true), minRows, (batches) => new ArrowTable(batches))
    },
    async createTableFromArrowIpc(table, ipc) {
      connection.insertArrowFromIPCStream(ipc, { name: table, create: true })
    },
    close() {
      connection.close()
    },
  }
}
