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

function startEngine(): Promise<SqlEngine> {
  return createBrowserSqlEngine().then((started) => {
    engineStartupMs ??= Math.round(performance.now() - workerStarted)
    return started
  })
}

const api = new DataApi({
  db: openDb(),
  engine: () => {
    engine ??= startEngine()
    // A failed start is retried on the next call instead of failing every import.
    engine.catch(() => {
      engine = undefined
    })
    return engine
  },
  parquetToArrow,
  engineStartupMs: () => engineStartupMs,
  async freeBytes() {
    const estimate = await navigator.storage?.estimate?.()
    if (!estimate?.quota) return undefined
    return estimate.quota - (estimate.usage ?? 0)
  },
})

// DuckDB takes seconds to start: start it with the worker, before the user picks a file.
engine = startEngine()
engine.catch(() => {
  engine = undefined
})

Comlink.expose(api)
