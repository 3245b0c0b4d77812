/**
 * Interrupted imports leave nothing behind: a page closed at each crash point of a dataset or bundle
 * import (simulated by a step that never returns, then a fresh "page" on the same folder and
 * database), then the start-up sweep. After each: no orphan file, no record without its file, and
 * the same file imports again.
 */
import 'fake-indexeddb/auto'
import { readFileSync } from 'node:fs'
import { readParquet } from 'parquet-wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture } from '../../tests/fixtures/bundle/buildBundleFixture.ts'
import { asDirectoryHandle, MemoryDirectoryHandle } from '../../tests/helpers/memoryFs.ts'
import { BlobStore } from './blobStore.ts'
import { applyBundleImport, lookUpExistingRecords } from './bundle/importBundle.ts'
import { planBundleImport } from './bundle/planImport.ts'
import { readRunBundle } from './bundle/readBundle.ts'
import { writeRunBundle } from './bundle/writeBundle.ts'
import type { ImportDeps } from './datasetImport.ts'
import { importDataset } from './datasetImport.ts'
import { ButterflyDb } from './db.ts'
import { sweepOrphanFiles } from './orphanSweep.ts'
import { createNodeSqlEngine } from './tables/nodeSqlEngine.ts'
import type { SqlEngine } from './tables/sqlEngine.ts'
import { duringImport, whenNoImportRuns } from './workspaceLock.ts'
import { ensureDefaultWorkspace } from './workspaces.ts'

const penguins = readFileSync(new URL('../../tests/fixtures/datasets/penguins.csv', import.meta.url))
const never = new Promise<never>(() => undefined)

let engine: Awaited<ReturnType<typeof createNodeSqlEngine>>
beforeAll(async () => {
  engine = await createNodeSqlEngine()
})
afterAll(() => engine.close())

/** Every file under the folder, as paths. */
async function allFiles(blobs: BlobStore): Promise<string[]> {
  const out: string[] = []
  for (const top of ['datasets', 'runs'])
    for (const name of await blobs.list(top)) {
      const inner = await blobs.list(`${top}/${name}`).catch(() => [])
      if (top === 'runs') for (const file of inner) out.push(`runs/${name}/${file}`)
      else out.push(`datasets/${name}`)
    }
  return out.sort()
}

/** No file without its record, no record without its file. */
async function consistent(db: ButterflyDb, blobs: BlobStore): Promise<void> {
  const datasets = await db.datasets.toArray()
  const artifacts = await db.artifacts.toArray()
  const recorded = [...datasets.map((d) => d.blobPath), ...artifacts.map((a) => a.path)].sort()
  expect(await allFiles(blobs)).toEqual(recorded)
  for (const path of recorded) expect(await blobs.exists(path)).toBe(true)
}

/** An engine that stops answering (the page is closed) at the first query matching `at`. */
function stoppingEngine(at: RegExp, stopped: () => void): SqlEngine {
  return {
    query: (sql) => {
      if (at.test(sql)) {
        stopped()
        return never
      }
      return engine.query(sql)
    },
    registerFile: (name, file) => engine.registerFile(name, file),
    dropFile: (name) => engine.dropFile(name),
    createTableFromArrowIpc: (table, ipc) => engine.createTableFromArrowIpc(table, ipc),
  }
}

describe('interrupted imports and the start-up sweep', () => {
  const faults: string[] = []
  const survived: string[] = []

  async function page(folder: MemoryDirectoryHandle, name: string) {
    const db = new ButterflyDb(name)
    const workspace = await ensureDefaultWorkspace(db)
    return { db, workspace, blobs: new BlobStore(asDirectoryHandle(folder)) }
  }

  /** Closes the page at one crash point, opens a new one, sweeps, checks, imports again. */
  async function crashAt(label: string, crash: (deps: ImportDeps, workspaceId: never) => Promise<void>) {
    faults.push(label)
    const folder = new MemoryDirectoryHandle()
    const name = `sweep-${Math.random()}`
    const first = await page(folder, name)
    const deps: ImportDeps = {
      db: first.db,
      engine,
      blobs: first.blobs,
      parquetToArrow: async (bytes) => readParquet(bytes).intoIPCStream(),
      loadedTables: new Set(),
    }
    await crash(deps, first.workspace.id as never)
    // A new page: the interrupted import holds nothing any more (its lock died with its page).
    const second = await page(folder, name)
    const swept = await sweepOrphanFiles(second.db, second.blobs, second.workspace.id)
    await consistent(second.db, second.blobs)
    const again = await importDataset(
      { ...deps, db: second.db, blobs: second.blobs, loadedTables: new Set() },
      { workspaceId: second.workspace.id, file: new File([penguins], 'penguins.csv') },
    )
    expect(again.dataset.version).toBe(1)
    await consistent(second.db, second.blobs)
    survived.push(label)
    return swept
  }

  it('a reload at each crash point of a dataset import leaves nothing behind after the sweep', async () => {
    // 1. Mid-write: the file's temporary .partial exists, half written (the observed 0-byte .partial).
    const midWrite = await crashAt('reload while the file is being stored', async (deps) => {
      const dir = await (
        asDirectoryHandle(deps.blobs.root as unknown as MemoryDirectoryHandle) as FileSystemDirectoryHandle
      ).getDirectoryHandle('datasets', { create: true })
      const handle = await dir.getFileHandle(`.x.csv.${Date.now().toString(36)}.partial`, { create: true })
      const writable = await handle.createWritable()
      await writable.write(penguins.subarray(0, 1000))
      // (never closed: the page went away)
    })
    expect(midWrite.removed.map((f) => f.path)).toEqual([expect.stringMatching(/^datasets\/\..*\.partial$/)])

    // 2. During "Profiling columns": the file is stored under its final name, no record yet.
    const profiling = await crashAt('reload while profiling columns', async (deps) => {
      let stopped!: () => void
      const reached = new Promise<void>((resolve) => {
        stopped = resolve
      })
      void importDataset(
        { ...deps, engine: stoppingEngine(/^DESCRIBE /, stopped) },
        {
          workspaceId: (await deps.db.workspaces.toCollection().first())!.id,
          file: new File([penguins], 'penguins.csv'),
        },
      )
      await reached
      // The store runs beside DuckDB: let it finish, as it would while the page still lived.
      for (
        let i = 0;
        i < 50 && (await deps.blobs.list('datasets')).filter((n) => !n.endsWith('.partial')).length === 0;
        i++
      )
        await new Promise((r) => setTimeout(r, 20))
    })
    expect(profiling.removed).toEqual([
      { path: expect.stringMatching(/^datasets\/[0-9a-f]{64}\.csv$/), bytes: penguins.byteLength },
    ])

    // 3. During "Loading into the table engine" of a streamed (large) file: the store runs beside the load
    // once the hash is known, so its file (or its .partial) may be there, without a record: the sweep takes it.
    const loading = await crashAt('reload while loading into the table engine', async (deps) => {
      let stopped!: () => void
      const reached = new Promise<void>((resolve) => {
        stopped = resolve
      })
      void importDataset(
        { ...deps, inMemoryLimit: 1024, engine: stoppingEngine(/read_csv|CREATE TABLE/i, stopped) },
        {
          workspaceId: (await deps.db.workspaces.toCollection().first())!.id,
          file: new File([penguins], 'penguins.csv'),
        },
      )
      await reached
    })
    for (const file of loading.removed) expect(file.path).toMatch(/^datasets\/\.?[0-9a-f]{64}\.csv/)
  }, 60_000)

  it('a reload while a bundle import writes its files leaves nothing behind after the sweep', async () => {
    const { input } = await buildFixture()
    const swept = await crashAt(
      'reload while a bundle import stores its files',
      async (deps, workspaceId) => {
        const bundle = await readRunBundle(await writeRunBundle(input))
        const plan = planBundleImport(
          bundle,
          workspaceId,
          await lookUpExistingRecords(deps.db, workspaceId, bundle),
          {
            bundleName: 'x.butterfly.zip',
            appVersion: 'test',
            browser: 'node',
            now: 1,
          } as never,
        )
        // The records' transaction never commits: the page is gone after the files were written.
        const db = new Proxy(deps.db, {
          get: (target, key) => (key === 'transaction' ? () => never : Reflect.get(target, key)),
        })
        void applyBundleImport(db, deps.blobs, plan)
        for (let i = 0; i < 50 && (await allFiles(deps.blobs)).length < plan.artifacts.length + 1; i++)
          await new Promise((r) => setTimeout(r, 20))
      },
    )
    const paths = swept.removed.map((f) => f.path)
    expect(paths).toHaveLength(1 + input.artifacts.length)
    expect(paths).toContain(input.dataset.blobPath)
    for (const artifact of input.artifacts)
      expect(
        paths.some((path) => /^runs\/run_[0-9a-z]+\//.test(path) && path.endsWith(`/${artifact.fileName}`)),
      ).toBe(true)
  })

  it('keeps the files of a run still running, and never sweeps while an import runs', async () => {
    const folder = new MemoryDirectoryHandle()
    const { db, workspace, blobs } = await page(folder, `sweep-${Math.random()}`)
    const { input } = await buildFixture()
    await db.runs.add({
      ...input.run,
      workspaceId: workspace.id,
      status: 'running',
      artifactIds: [],
      modelIds: [],
    } as never)
    await blobs.write(`runs/${input.run.id}/model.bin`, new Uint8Array([1, 2, 3]))
    await blobs.write('datasets/orphan.csv', new Uint8Array([1]))
    let during: unknown = 'not run'
    await duringImport(workspace.id, async () => {
      during = await whenNoImportRuns(workspace.id, () => sweepOrphanFiles(db, blobs, workspace.id))
    })
    expect(during).toBeUndefined()
    expect(await blobs.exists('datasets/orphan.csv')).toBe(true)
    const after = await whenNoImportRuns(workspace.id, () => sweepOrphanFiles(db, blobs, workspace.id))
    expect(after?.removed).toEqual([{ path: 'datasets/orphan.csv', bytes: 1 }])
    expect(await blobs.exists(`runs/${input.run.id}/model.bin`)).toBe(true)
  })

  afterAll(() => {
    console.info(`faults injected: ${faults.length}, survived: ${survived.length} (${faults.join('; ')})`)
  })
})
