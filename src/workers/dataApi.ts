/**
 * The data worker's API: dataset import, re-attaching tables after a reload, row windows for the
 * preview grid, and Arrow hand-off to the run worker. A plain class over injected dependencies, so
 * the same code runs in the worker (browser DuckDB, OPFS) and in tests.
 */
import { tableFromIPC, tableToIPC } from 'apache-arrow'
import type { Dataset } from '../domain/dataset.ts'
import { StorageError } from '../domain/errors.ts'
import type { RunId, WorkspaceId } from '../domain/ids.ts'
import { categoricalColumnsOf } from '../domain/task.ts'
import { frameFromArrow } from '../engine/arrowFrame.ts'
import type { DryRunInput } from '../engine/pipeline/hookDryRun.ts'
import { dryRunInput, dryRunRowCount } from '../engine/pipeline/hookDryRun.ts'
import { exportRunBundle } from '../storage/bundle/exportBundle.ts'
import { importRunBundle } from '../storage/bundle/importBundle.ts'
import { completeProfile, ensureDatasetTable, formatOf, importDataset } from '../storage/datasetImport.ts'
import type { ButterflyDb } from '../storage/db.ts'
import { workspaceBlobStore } from '../storage/roots.ts'
import { preflightBytes, preflightCsv } from '../storage/tables/csvPreflight.ts'
import type { ParquetToArrow } from '../storage/tables/ingest.ts'
import { checkedCsvRelation, csvError, dropTable, loadTable } from '../storage/tables/ingest.ts'
import { readableChunkSource } from '../storage/tables/readableChunks.ts'
import type { SqlEngine } from '../storage/tables/sqlEngine.ts'
import { plainValue, quoteIdent } from '../storage/tables/sqlEngine.ts'
import type { StreamingSqlEngine } from '../storage/tables/tableChunks.ts'
import { openSqlChunkSource } from '../storage/tables/tableChunks.ts'
import { syncWorkspaceManifest } from '../storage/workspaces.ts'
import type {
  BundleExportProgress,
  BundleImportSummary,
  DataWorkerApi,
  ImportProgress,
  ImportResult,
  RowWindow,
} from './protocol.ts'
import { serveTable } from './tableChannel.ts'

export interface DataApiDeps {
  db: ButterflyDb
  engine: () => Promise<SqlEngine>
  parquetToArrow: ParquetToArrow
  freeBytes?: () => Promise<number | undefined>
  /** Milliseconds the engine took to start, once it has (for the app's status and the import bench). */
  engineStartupMs?: () => number | undefined
}

export class DataApi implements DataWorkerApi {
  private readonly loadedTables = new Set<string>()
  /** Tables served to run workers, by run id (see {@link serveTable}). */
  private readonly served = new Map<string, { close(): Promise<void> }>()
  private uploads = 0

  constructor(private readonly deps: DataApiDeps) {}

  async engineReady(): Promise<{ startupMs: number }> {
    await this.deps.engine()
    return { startupMs: this.deps.engineStartupMs?.() ?? 0 }
  }

  async importFile(
    request: { workspaceId: WorkspaceId; file: File; largeTableRows?: number },
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportResult> {
    // DuckDB starts while the file is checked and hashed; bad files fail without waiting for it.
    const engine = this.deps.engine()
    engine.catch(() => undefined)
    const workspace = await this.deps.db.workspaces.get(request.workspaceId)
    if (!workspace) throw new StorageError('not-found', `No workspace ${request.workspaceId}`)
    const deps = {
      db: this.deps.db,
      engine,
      blobs: await workspaceBlobStore(this.deps.db, workspace),
      parquetToArrow: this.deps.parquetToArrow,
      freeBytes: this.deps.freeBytes,
      loadedTables: this.loadedTables,
      ...(request.largeTableRows === undefined ? {} : { largeTableRows: request.largeTableRows }),
    }
    const result = await importDataset(deps, request, onProgress)
    // A large table's profile starts at once, in this worker; the dataset page follows it (watchProfile).
    if (result.dataset.profilePending) completeProfile(deps, result.dataset).catch(() => undefined)
    return result
  }

  async watchProfile(
    datasetId: string,
    onProgress?: (fraction: number) => void,
  ): Promise<{ ms: number; sampledRows?: number }> {
    const dataset = await this.deps.db.datasets.get(datasetId)
    if (!dataset) throw new StorageError('not-found', `No dataset ${datasetId}`)
    if (!dataset.profilePending) return { ms: 0 }
    const outcome = await completeProfile(await this.tableDeps(dataset), dataset, onProgress)
    return {
      ms: outcome.ms,
      ...(outcome.sampledRows === undefined ? {} : { sampledRows: outcome.sampledRows }),
    }
  }

  async exportRunBundle(
    request: { runId: string; includeDataset: boolean; appVersion: string; userAgent: string },
    onProgress?: (progress: BundleExportProgress) => void,
  ): Promise<{ blob: Blob; fileName: string }> {
    const run = await this.deps.db.runs.get(request.runId)
    if (!run) throw new StorageError('not-found', `No run ${request.runId}`)
    const workspace = await this.deps.db.workspaces.get(run.workspaceId)
    if (!workspace) throw new StorageError('not-found', `No workspace ${run.workspaceId}`)
    return exportRunBundle(
      this.deps.db,
      await workspaceBlobStore(this.deps.db, workspace),
      request.runId as RunId,
      {
        includeDataset: request.includeDataset,
        app: { name: 'Butterfly', version: request.appVersion },
        environment: { tfBackend: run.backend ?? 'unknown', userAgent: request.userAgent },
      },
      onProgress,
    )
  }

  async importRunBundle(request: {
    workspaceId: WorkspaceId
    file: File
    appVersion: string
    userAgent: string
  }): Promise<BundleImportSummary> {
    const workspace = await this.deps.db.workspaces.get(request.workspaceId)
    if (!workspace) throw new StorageError('not-found', `No workspace ${request.workspaceId}`)
    const { plan } = await importRunBundle(
      this.deps.db,
      await workspaceBlobStore(this.deps.db, workspace),
      request.workspaceId,
      request.file,
      {
        bundleName: request.file.name,
        now: Date.now(),
        appVersion: request.appVersion,
        browser: request.userAgent,
      },
    )
    await syncWorkspaceManifest(this.deps.db, request.workspaceId).catch(() => undefined)
    return {
      runId: plan.run.id,
      experimentId: plan.experiment.action === 'add' ? plan.experiment.record.id : plan.experiment.id,
      datasetAction: plan.dataset.action,
      notes: plan.notes,
    }
  }

  async previewRows(datasetId: string, start: number, count: number): Promise<RowWindow> {
    const { dataset, table, engine } = await this.attach(datasetId)
    const from = Math.max(0, Math.floor(start))
    const limit = Math.max(0, Math.min(2000, Math.floor(count)))
    // rowid is the insertion order of an immutable table: a range on it is a cheap, stable window.
    const result = await engine.query(
      `SELECT * FROM ${quoteIdent(table)} WHERE rowid >= ${from} AND rowid < ${from + limit} ORDER BY rowid`,
    )
    const columns = dataset.schema.map((c) => c.name)
    const vectors = columns.map((_, i) => result.getChildAt(i))
    const rows: RowWindow['rows'] = []
    for (let r = 0; r < result.numRows; r++) {
      rows.push(vectors.map((vector) => cell(vector?.get(r))))
    }
    return { columns, start: from, rows }
  }

  async hookDryRunInput(request: Parameters<DataWorkerApi['hookDryRunInput']>[0]): Promise<DryRunInput> {
    const { table, engine } = await this.attach(request.datasetId)
    const rows = await engine.query(
      `SELECT * FROM ${quoteIdent(table)} WHERE rowid < ${dryRunRowCount} ORDER BY rowid`,
    )
    const hints = Object.fromEntries(
      categoricalColumnsOf(request.task).map((name) => [name, { categorical: true }]),
    )
    return dryRunInput(frameFromArrow(rows, hints), request.task, request.kind, request.config, request.seed)
  }

  async datasetArrow(datasetId: string, firstRows?: number): Promise<Uint8Array> {
    const { table, engine } = await this.attach(datasetId)
    const head = firstRows === undefined ? '' : ` WHERE rowid < ${Math.max(0, Math.floor(firstRows))}`
    return tableToIPC(
      await engine.query(`SELECT * FROM ${quoteIdent(table)}${head} ORDER BY rowid`),
      'stream',
    )
  }

  async serveTable(request: { runId: string; datasetId: string }, port: MessagePort): Promise<void> {
    await this.releaseTable(request.runId)
    let attached: ReturnType<DataApi['attach']> | undefined
    const attach = () => {
      attached ??= this.attach(request.datasetId)
      return attached
    }
    this.served.set(
      request.runId,
      serveTable(port, {
        arrow: () => this.datasetArrow(request.datasetId),
        async source() {
          const { table, engine } = await attach()
          if (!isStreaming(engine)) throw new Error('This table engine cannot stream a table in chunks')
          return openSqlChunkSource(engine, quoteIdent(table))
        },
      }),
    )
  }

  async releaseTable(runId: string): Promise<void> {
    const served = this.served.get(runId)
    this.served.delete(runId)
    await served?.close()
  }

  async serveFile(
    request: { id: string; file: File; sampleSize?: number },
    port: MessagePort,
  ): Promise<void> {
    await this.releaseTable(request.id)
    const engine = await this.deps.engine()
    if (!isStreaming(engine)) throw new Error('This table engine cannot stream a table in chunks')
    const { file } = request
    const format = formatOf(file.name)
    const name = `upload_${++this.uploads}`
    let relation: string
    let drop: () => Promise<void>
    if (format === 'parquet') {
      // Parquet is read whole by parquet-wasm into a table; a delimited file streams from the File itself.
      await loadTable(
        engine,
        name,
        `${name}.parquet`,
        { format },
        { file, parquetToArrow: this.deps.parquetToArrow },
      )
      relation = quoteIdent(name)
      drop = () => dropTable(engine, name)
    } else {
      const head = new Uint8Array(await file.slice(0, preflightBytes).arrayBuffer())
      const { delimiter } = preflightCsv(head, file.size <= preflightBytes, format === 'tsv')
      const fileName = `${name}.${format}`
      await engine.registerFile(fileName, file)
      relation = await checkedCsvRelation(engine, fileName, delimiter, request.sampleSize).catch(
        async (error: unknown) => {
          await engine.dropFile(fileName).catch(() => undefined)
          throw csvError(error)
        },
      )
      drop = () => engine.dropFile(fileName)
    }
    const served = serveTable(port, {
      arrow: async () =>
        tableToIPC(
          await engine.query(`SELECT * FROM ${relation}`).catch((e) => Promise.reject(csvError(e))),
          'stream',
        ),
      source: () => readableChunkSource(() => openSqlChunkSource(engine, relation)),
    })
    this.served.set(request.id, {
      async close() {
        await served.close()
        await drop().catch(() => undefined)
      },
    })
  }

  private async attach(datasetId: string) {
    const dataset = await this.deps.db.datasets.get(datasetId)
    if (!dataset) throw new StorageError('not-found', `No dataset ${datasetId}`)
    const deps = await this.tableDeps(dataset)
    const table = await ensureDatasetTable(deps, dataset)
    return { dataset, table, engine: deps.engine }
  }

  /** What loading or profiling a dataset's table needs: its workspace's files and the engine. */
  private async tableDeps(dataset: Dataset) {
    const workspace = await this.deps.db.workspaces.get(dataset.workspaceId)
    if (!workspace) throw new StorageError('not-found', `No workspace ${dataset.workspaceId}`)
    return {
      db: this.deps.db,
      engine: await this.deps.engine(),
      blobs: await workspaceBlobStore(this.deps.db, workspace),
      parquetToArrow: this.deps.parquetToArrow,
      loadedTables: this.loadedTables,
    }
  }
}

function isStreaming(engine: SqlEngine): engine is StreamingSqlEngine {
  return typeof (engine as Partial<StreamingSqlEngine>).stream === 'function'
}

function cell(value: unknown): string | number | boolean | null {
  const plain = plainValue(value)
  if (plain === null || plain === undefined) return null
  if (typeof plain === 'number' || typeof plain === 'string' || typeof plain === 'boolean') return plain
  if (plain instanceof Date) return plain.toISOString()
  return String(plain)
}

/** Re-reads an Arrow IPC stream (the run worker side uses this). */
export function arrowFromIpc(bytes: Uint8Array) {
  return tableFromIPC(bytes)
}
