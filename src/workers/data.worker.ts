/** Data worker entry point: DuckDB (nested worker), OPFS and the dataset metadata, behind Comlink. */
import * as Comlink from 'comlink'
import { openDb } from '../storage/db.ts'
import type { SqlEngine } from '../storage/tables/sqlEngine.ts'
import { DataApi } from './dataApi.ts'
import { createBrowserSqlEngine } from './duckdbBrowser.ts'
import { installErrorTransfer } from './errorTransfer.ts'
import { parquetToArrow } from './parquetBrowser.ts'

installErrorTransfer()
const workerStarted = performance.now()
let engineStartupMs: number | undefined
let engine: Promise<SqlEngine> | undefined

/** The engine, started once; a failed start is forgotten so the next call tries again. */
function engineOnce(): Promise<SqlEngine> {
  if (!engine) {
    const starting = createBrowserSqlEngine().then((started) => {
      engineStartupMs ??= Math.round(performance.now() - workerStarted)
      return started
    })
    starting.catch(() => {
      if (engine === starting) engine = undefined
    })
    engine = starting
  }
  return engine
}

const api = new DataApi({
  db: openDb(),
  engine: engineOnce,
  parquetToArrow,
  engineStartupMs: () => engineStartupMs,
  async freeBytes() {
    const estimate = await navigator.storage?.estimate?.()
    if (!estimate?.quota) return undefined
    return estimate.quota - (estimate.usage ?? 0)
  },
})

// DuckDB takes seconds to start: start it with the worker, before the user picks a file.
void engineOnce()

Comlink.expose(api)
