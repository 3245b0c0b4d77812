/**
 * The app's two worker APIs, in-thread: DataApi imports a file into the workspace (DuckDB in Node,
 * OPFS in memory, Dexie on fake-indexeddb), pages rows and hands the table to the run worker as Arrow;
 * RunApi detects the task and runs the snapshot through the run service on exactly those bytes.
 */
import 'fake-indexeddb/auto'
import { readFileSync } from 'node:fs'
import type { Vector } from 'apache-arrow'
import { Bool, DataType, Float64, Table, Utf8, vectorFromArray } from 'apache-arrow'
import { readParquet } from 'parquet-wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Pipeline } from '../../../src/domain/pipeline.ts'
import type { Workspace } from '../../../src/domain/workspace.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
} from '../../../src/engine/pipeline/defaults.ts'
import { draftPipeline, startRunRecord } from '../../../src/runs/runRecord.ts'
import { ButterflyDb } from '../../../src/storage/db.ts'
import { readPredictionsFile } from '../../../src/storage/predictionFiles.ts'
import { setOpfsRootProvider } from '../../../src/storage/roots.ts'
import { createNodeSqlEngine } from '../../../src/storage/tables/nodeSqlEngine.ts'
import { ensureDefaultWorkspace } from '../../../src/storage/workspaces.ts'
import { DataApi } from '../../../src/workers/dataApi.ts'
import { RunApi } from '../../../src/workers/runApi.ts'
import { asDirectoryHandle, MemoryDirectoryHandle } from '../../helpers/memoryFs.ts'

const penguinsCsv = readFileSync(new URL('../../fixtures/datasets/penguins.csv', import.meta.url))
let engine: Awaited<ReturnType<typeof createNodeSqlEngine>>
let db: ButterflyDb
let workspace: Workspace
let data: DataApi

beforeAll(async () => {
  engine = await createNodeSqlEngine()
  db = new ButterflyDb(`data-run-api-${Math.random()}`)
  const opfs = new MemoryDirectoryHandle('opfs')
  setOpfsRootProvider(async () => asDirectoryHandle(opfs))
  workspace = await ensureDefaultWorkspace(db)
  data = new DataApi({
    db,
    engine: async () => ({ ...engine, query: async (sql: string) => ownArrow(await engine.query(sql)) }),
    parquetToArrow: async (bytes) => readParquet(bytes).intoIPCStream(),
  })
})
afterAll(() => engine.close())

/**
 * DuckDB's Node build carries its own copy of Apache Arrow, whose Table our `tableToIPC` cannot
 * serialize (the browser build shares the app's). Rebuild each result with our Arrow, types and nulls kept.
 */
function ownArrow(foreign: Table): Table {
  const columns: Record<string, Vector> = {}
  for (const field of foreign.schema.fields) {
    const values = Array.from(foreign.getChild(field.name) ?? [], (v) =>
      typeof v === 'bigint' ? Number(v) : v,
    )
    const type = DataType.isUtf8(field.type)
      ? new Utf8()
      : DataType.isBool(field.type)
        ? new Bool()
        : new Float64()
    columns[field.name] = vectorFromArray(values, type as never)
  }
  return new Table(columns)
}

describe('DataApi and RunApi in-thread', () => {
  it('imports a CSV, pages its rows, and dedupes the same bytes', async () => {
    const first = await data.importFile({
      workspaceId: workspace.id,
      file: new File([penguinsCsv], 'penguins.csv'),
    })
    expect(first.dataset).toMatchObject({ name: 'penguins', rowCount: 344, sourceFormat: 'csv' })
    expect(first.deduplicated).toBe(false)
    const window = await data.previewRows(first.dataset.id, 10, 3)
    expect(window.start).toBe(10)
    expect(window.rows).toHaveLength(3)
    expect(window.columns).toContain('species')
    const again = await data.importFile({
      workspaceId: workspace.id,
      file: new File([penguinsCsv], 'copy.csv'),
    })
    expect(again.deduplicated).toBe(true)
    expect(again.dataset.id).toBe(first.dataset.id)
  })

  it('hands the dataset to RunApi as Arrow; the run completes with its records and files', async () => {
    const dataset = (await db.datasets.toArray())[0]
    const arrow = await data.datasetArrow(dataset.id)
    const api = new RunApi()
    const task = await api.detectTask(arrow, { target: 'species' })
    expect(task).toMatchObject({ taskType: 'multiclass', target: 'species' })
    const blocks = createDefaultPipelineBlocks()
    const selection = blocks.find((b) => b.type === 'model_selection')!
    selection.config = { ...selection.config, candidates: [{ family: 'tree' }] }
    const globalConfig = { ...createDefaultGlobalConfig(), backend: 'cpu' as const }
    const pipeline = await draftPipeline({
      id: 'pipeline_test' as Pipeline['id'],
      experimentId: 'experiment_test' as Pipeline['experimentId'],
      blocks,
      globalConfig,
      hooks: [],
      task,
    })
    const run = await startRunRecord({
      workspaceId: workspace.id,
      number: 1,
      source: { draft: { pipeline, hooks: [], task, datasetId: dataset.id, datasetHash: dataset.hash } },
      now: 1,
    })
    const blocksSeen = new Set<string>()
    const result = await api.execute({ run, data: arrow, dataset }, (event) => blocksSeen.add(event.block))
    expect(blocksSeen).toContain('training')
    expect(result.run.status).toBe('completed')
    expect(result.run.metrics?.accuracy).toBeGreaterThan(0.85)
    expect(result.artifacts.map((a) => a.fileName).sort()).toEqual([
      'dask_job.md',
      'dask_job.py',
      'metrics.json',
      'model-package.json',
      'model-tree.json',
      'notebook.ipynb',
      'report-data.json',
      'report.html',
      'run.log',
      'test-predictions.csv',
    ])
    expect(result.files.map((f) => f.path)).toEqual(result.artifacts.map((a) => a.path))
    expect(result.run.artifactIds).toEqual(result.artifacts.map((a) => a.id))
    const chosen = result.models.find((m) => m.role === 'chosen')!
    expect(result.run.modelIds).toEqual([chosen.id])
    // Predictions on new rows with the run's own model package.
    const pkg = result.files[result.artifacts.findIndex((a) => a.fileName === 'model-package.json')]
    const predicted = await api.predict(pkg.bytes, arrow)
    expect(predicted.rows).toBe(344)
    expect(predicted.csv.split('\n')[0]).toBe('row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo')
  })

  it('hands over the first rows only when asked (task detection on a table too large to load whole)', async () => {
    const dataset = (await db.datasets.toArray())[0]
    const { tableFromIPC } = await import('apache-arrow')
    const head = tableFromIPC(await data.datasetArrow(dataset.id, 100))
    const all = tableFromIPC(await data.datasetArrow(dataset.id))
    expect(head.numRows).toBe(100)
    expect(all.numRows).toBe(344)
    expect(head.getChild('species')?.toArray()).toEqual(all.getChild('species')?.toArray().slice(0, 100))
  })

  /** A gbdt run of penguins → species, and the data worker serving its table on a fresh channel. */
  async function servedRun(runId: string) {
    const dataset = (await db.datasets.toArray())[0]
    const api = new RunApi()
    const task = await api.detectTask(await data.datasetArrow(dataset.id), { target: 'species' })
    const blocks = createDefaultPipelineBlocks()
    const selection = blocks.find((b) => b.type === 'model_selection')!
    selection.config = { ...selection.config, candidates: [{ family: 'gbdt' }] }
    const pipeline = await draftPipeline({
      id: 'pipeline_test' as Pipeline['id'],
      experimentId: 'experiment_test' as Pipeline['experimentId'],
      blocks,
      globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu' as const },
      hooks: [],
      task,
    })
    const run = await startRunRecord({
      id: runId as never,
      workspaceId: workspace.id,
      number: 1,
      source: { draft: { pipeline, hooks: [], task, datasetId: dataset.id, datasetHash: dataset.hash } },
      now: 1,
    })
    const { port1, port2 } = new MessageChannel()
    await data.serveTable({ runId, datasetId: dataset.id }, port1)
    return { api, run, dataset, table: port2 }
  }

  it('serves the table to the run worker over a port: whole when small, streamed past the cell threshold', async () => {
    const whole = await servedRun('run_whole')
    const wholeResult = await whole.api.execute({
      run: whole.run,
      table: whole.table,
      dataset: whole.dataset,
    })
    await data.releaseTable('run_whole')
    expect(wholeResult.run.status).toBe('completed')
    expect(wholeResult.outcome.logs.some((l) => l.message.startsWith('Large table'))).toBe(false)

    const streamed = await servedRun('run_streamed')
    const logs: string[] = []
    const streamedResult = await streamed.api.execute(
      { run: streamed.run, table: streamed.table, dataset: streamed.dataset, largeCells: 1000 },
      undefined,
      (entry) => logs.push(entry.message),
    )
    await data.releaseTable('run_streamed')
    expect(streamedResult.run.status).toBe('completed')
    // 344 rows × 8 columns = 2,752 cells, past the 1,000 asked: streamed, said so in the run's log.
    const line = streamedResult.outcome.logs.find((l) => l.message.startsWith('Large table'))
    expect(line?.message).toContain('344 rows × 8 columns, more than the 1000 cells a run loads whole')
    expect(logs.some((m) => m.startsWith('Large table'))).toBe(true)
    expect(
      streamedResult.outcome.logs.some((l) =>
        /Memory estimate: .* allowed \(the default limit\)/.test(l.message),
      ),
    ).toBe(true)
    // Its split is chosen per row from the seed (not stratified like the whole run's), so only the quality compares.
    expect(streamedResult.run.model?.family).toBe('gbdt')
    expect(streamedResult.run.metrics?.accuracy).toBeGreaterThan(0.85)
    expect(wholeResult.run.metrics?.accuracy).toBeGreaterThan(0.85)
  })

  it('a reused RunApi says which run of the worker each is, fits the same model again, and is not reused after a streamed run', async () => {
    let sandboxes = 0
    let disposed = 0
    const api = new RunApi({
      hookRunner: () => {
        sandboxes += 1
        return {
          run: async () => {
            throw new Error('no hooks in this run')
          },
          dispose: () => {
            disposed += 1
          },
        }
      },
    })
    expect(await api.reusable()).toBe(false)
    const results: Awaited<ReturnType<RunApi['execute']>>[] = []
    for (const runId of ['run_reuse_1', 'run_reuse_2']) {
      const { run, dataset, table } = await servedRun(runId)
      results.push(await api.execute({ run, table, dataset }))
      await data.releaseTable(runId)
      expect(await api.reusable()).toBe(true)
    }
    const [first, second] = results
    expect(first.outcome.logs[0].message).toBe('Run worker: first run in this worker')
    expect(second.outcome.logs[0].message).toMatch(/^Run worker: reused \(run 2 in this worker; /)
    expect(second.run.metrics).toEqual(first.run.metrics)
    const modelBytes = (result: (typeof results)[number]) =>
      result.files[result.artifacts.findIndex((a) => a.type === 'model')].bytes
    expect(modelBytes(second)).toEqual(modelBytes(first))
    // One sandbox per run, disposed when the run ends: a kept worker holds none.
    expect([sandboxes, disposed]).toEqual([2, 2])

    // A worker warmed up by a practice run (the app does it when an experiment page opens) says so, and
    // fits the same model as the cold worker did.
    const warmed = new RunApi()
    expect(await warmed.warmUp()).toBe(true)
    const { run, dataset, table } = await servedRun('run_warmed')
    const afterPractice = await warmed.execute({ run, table, dataset })
    await data.releaseTable('run_warmed')
    expect(afterPractice.outcome.logs[0].message).toBe(
      'Run worker: first run in this worker, warmed up ahead by a practice run on a generated table',
    )
    expect(afterPractice.run.metrics).toEqual(first.run.metrics)
    expect(modelBytes(afterPractice)).toEqual(modelBytes(first))

    // A run that arrives during the practice run stops it at its next check rather than waiting it out.
    const interrupted = new RunApi()
    const practice = interrupted.warmUp()
    const next = await servedRun('run_interrupting')
    const interrupting = await interrupted.execute({
      run: next.run,
      table: next.table,
      dataset: next.dataset,
    })
    await data.releaseTable('run_interrupting')
    expect(await practice).toBe(false)
    expect(interrupting.outcome.logs[0].message).toBe('Run worker: first run in this worker')
    expect(modelBytes(interrupting)).toEqual(modelBytes(first))

    const streamed = await servedRun('run_reuse_streamed')
    await api.execute({
      run: streamed.run,
      table: streamed.table,
      dataset: streamed.dataset,
      largeCells: 1000,
    })
    await data.releaseTable('run_reuse_streamed')
    expect(await api.reusable()).toBe(false)
  })

  it('refuses a streamed run that would not fit in what the browser offers, with a sentence', async () => {
    const { api, run, dataset, table } = await servedRun('run_refused')
    await expect(
      api.execute({ run, table, dataset, largeCells: 1000, memory: { jsHeapSizeLimit: 64 * 1024 } }),
    ).rejects.toThrow(
      /would need about .* of memory .*more than the 64 KiB it may use \(the browser's JS heap limit\)/,
    )
    await data.releaseTable('run_refused')
  })

  it('predicts a new file the data worker serves: held whole under the threshold, streamed into a predictions file past it, the same bytes', async () => {
    const { api, run, dataset, table } = await servedRun('run_package')
    const result = await api.execute({ run, table, dataset })
    await data.releaseTable('run_package')
    const pkg = result.files[result.artifacts.findIndex((a) => a.fileName === 'model-package.json')]
    // The penguins with an id in front of each row and without the species.
    const lines = penguinsCsv.toString('utf8').trim().split('\n')
    const fresh = lines
      .map((line, i) => `${i === 0 ? 'penguin_id' : `P-${i}`},${line.slice(line.indexOf(',') + 1)}`)
      .join('\n')
    const predictFile = async (id: string, largeCells?: number) => {
      const { port1, port2 } = new MessageChannel()
      await data.serveFile({ id, file: new File([fresh], 'new.csv') }, port1)
      const progress: number[] = []
      const out = await new RunApi().predictTable(
        pkg.bytes.slice(),
        port2,
        { fileName: 'new-predictions.csv', ...(largeCells === undefined ? {} : { largeCells }) },
        (p) => progress.push(p.rowsDone),
      )
      await data.releaseTable(id)
      return { out, progress }
    }
    const whole = await predictFile('predict_whole')
    expect(whole.out.file).toBeUndefined()
    expect(whole.out.rows).toBe(344)
    expect(whole.out.csv!.split('\n')[0]).toBe(
      'penguin_id,row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo',
    )
    // 344 rows × 7 columns = 2,408 cells, past the 1,000 asked: streamed into a file, not returned as text.
    const streamed = await predictFile('predict_streamed', 1000)
    expect(streamed.out.csv).toBeUndefined()
    expect(streamed.out.file).toBe('new-predictions.csv')
    expect(streamed.out.rows).toBe(344)
    expect(streamed.progress.at(-1)).toBe(344)
    expect(streamed.out.preview).toEqual(whole.out.preview)
    const written = await (await readPredictionsFile('new-predictions.csv')).text()
    expect(written).toBe(whole.out.csv)
    // A file without a column the model reads: named, before a row is predicted.
    const { port1, port2 } = new MessageChannel()
    const noIsland = fresh.replace(/^penguin_id,island,/, 'penguin_id,isle,')
    await data.serveFile({ id: 'predict_bad', file: new File([noIsland], 'bad.csv') }, port1)
    await expect(
      new RunApi().predictTable(pkg.bytes.slice(), port2, { fileName: 'bad.csv', largeCells: 1000 }),
    ).rejects.toThrow('Missing columns: island')
    await data.releaseTable('predict_bad')
  })
})
