import 'fake-indexeddb/auto'
import { readFileSync } from 'node:fs'
import { readParquet } from 'parquet-wasm/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { asDirectoryHandle, MemoryDirectoryHandle, MemoryFileHandle } from '../../tests/helpers/memoryFs.ts'
import type { Workspace } from '../domain/workspace.ts'
import { BlobStore } from './blobStore.ts'
import type { ImportDeps } from './datasetImport.ts'
import { completeProfile, ensureDatasetTable, formatBytes, importDataset } from './datasetImport.ts'
import { ButterflyDb } from './db.ts'
import type { ImportProgress } from './importProgress.ts'
import { tableNameFor } from './tables/ingest.ts'
import { createNodeSqlEngine } from './tables/nodeSqlEngine.ts'
import { addWorkspace, ensureDefaultWorkspace } from './workspaces.ts'

const fixture = (name: string) =>
  readFileSync(new URL(`../../tests/fixtures/datasets/${name}`, import.meta.url))
const fileOf = (name: string, content: string | Uint8Array) => new File([content as BlobPart], name)

let engine: Awaited<ReturnType<typeof createNodeSqlEngine>>
let deps: ImportDeps
let folder: MemoryDirectoryHandle
let workspace: Workspace

beforeAll(async () => {
  engine = await createNodeSqlEngine()
})
afterAll(() => engine.close())
beforeEach(async () => {
  const db = new ButterflyDb(`import-${Math.random()}`)
  folder = new MemoryDirectoryHandle()
  workspace = await ensureDefaultWorkspace(db)
  deps = {
    db,
    engine,
    blobs: new BlobStore(asDirectoryHandle(folder)),
    parquetToArrow: async (bytes) => readParquet(bytes).intoIPCStream(),
    loadedTables: new Set(),
  }
})

/** Temporary import tables left in the engine (there must never be any after an import settles). */
async function importTables(): Promise<string[]> {
  const result = await engine.query("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'import_%'")
  return result.toArray().map((row) => String(row.table_name))
}

describe('importDataset', () => {
  it('imports penguins.csv with progress through every phase and stores the bytes by hash', async () => {
    const phases: ImportProgress[] = []
    const { dataset, deduplicated } = await importDataset(
      deps,
      { workspaceId: workspace.id, file: fileOf('penguins.csv', fixture('penguins.csv')) },
      (p) => phases.push(p),
    )
    expect(deduplicated).toBe(false)
    expect(dataset).toMatchObject({
      name: 'penguins',
      version: 1,
      rowCount: 344,
      sourceFormat: 'csv',
      byteSize: 15203,
    })
    expect(dataset.schema).toHaveLength(8)
    expect(folder.paths()).toEqual([`datasets/${dataset.hash}.csv`])
    expect(new Set(phases.map((p) => p.phase))).toEqual(
      new Set(['check', 'hash', 'ingest', 'profile', 'store', 'done']),
    )
    expect(phases.map((p) => p.fraction)).toEqual([...phases.map((p) => p.fraction)].sort((a, b) => a - b))
    expect(await deps.db.datasets.count()).toBe(1)
  })

  it('finds identical bytes by hash instead of duplicating them', async () => {
    const first = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('penguins.csv', fixture('penguins.csv')),
    })
    const again = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('copy.csv', fixture('penguins.csv')),
    })
    expect(again.deduplicated).toBe(true)
    expect(again.dataset.id).toBe(first.dataset.id)
    expect(await deps.db.datasets.count()).toBe(1)
  })

  it('two tabs importing the same bytes at once make one dataset, not v1 and v2', async () => {
    // Both tabs have hashed and found nothing before either loads: the engine is handed to neither
    // until both asked for it (the import awaits it only after its hash check).
    let arrivals = 0
    let release!: () => void
    const bothHashed = new Promise<void>((resolve) => {
      release = resolve
    })
    const gated = (tabEngine: typeof engine) =>
      ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable that counts who awaits the engine
        then(resolve: (value: typeof engine) => void) {
          if (++arrivals === 2) release()
          void bothHashed.then(() => resolve(tabEngine))
        },
      }) as unknown as Promise<typeof engine>
    // A second tab: its own table engine, its own connection to the same database, its own handle on
    // the same folder.
    const otherEngine = await createNodeSqlEngine()
    deps.engine = gated(engine)
    const otherTab: ImportDeps = {
      ...deps,
      engine: gated(otherEngine),
      db: new ButterflyDb(deps.db.name),
      blobs: new BlobStore(asDirectoryHandle(folder)),
      loadedTables: new Set(),
    }
    const results = await Promise.all([
      importDataset(deps, {
        workspaceId: workspace.id,
        file: fileOf('penguins.csv', fixture('penguins.csv')),
      }),
      importDataset(otherTab, {
        workspaceId: workspace.id,
        file: fileOf('penguins.csv', fixture('penguins.csv')),
      }),
    ])
    const records = await deps.db.datasets.toArray()
    expect(records.map((d) => d.version)).toEqual([1])
    expect(results.map((r) => r.dataset.id)).toEqual([records[0]!.id, records[0]!.id])
    expect(results.filter((r) => r.deduplicated)).toHaveLength(1)
    // The one file the record points to is there, complete, and nothing else is left beside it.
    expect(await (await deps.blobs.read(records[0]!.blobPath)).text()).toBe(
      new TextDecoder().decode(fixture('penguins.csv')),
    )
    expect(await deps.blobs.list('datasets')).toEqual([records[0]!.blobPath.split('/').pop()])
    expect(await importTables()).toEqual([])
    otherTab.db.close()
    await otherEngine.close()
  })

  it('hashes and loads a large file as a stream to the same dataset, and finds it again either way', async () => {
    const inMemory = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('penguins.csv', fixture('penguins.csv')),
    })
    expect(inMemory.timings.read).toBeGreaterThanOrEqual(0)
    // Another workspace (its own datasets), read as a stream this time.
    const other = await addWorkspace(deps.db, 'Other')
    const streamedDeps = { ...deps, inMemoryLimit: 0 }
    const streamed = await importDataset(streamedDeps, {
      workspaceId: other.id,
      file: fileOf('penguins.csv', fixture('penguins.csv')),
    })
    expect(streamed.deduplicated).toBe(false)
    expect(streamed.timings.read).toBeUndefined()
    expect(streamed.dataset.hash).toBe(inMemory.dataset.hash)
    expect(streamed.dataset.schema).toEqual(inMemory.dataset.schema)
    expect(streamed.dataset.profile).toEqual(inMemory.dataset.profile)
    // Each workspace's import loaded the same content-addressed table once; a file read into memory makes
    // a table in the default database, a streamed (large) one a table in the compressed database.
    const databaseOf = async (table: string) =>
      (await engine.query(`SELECT database_name AS d FROM duckdb_tables() WHERE table_name = '${table}'`))
        .toArray()
        .map((row) => String(row.d))
    expect(await databaseOf(tableNameFor(inMemory.dataset.hash))).toEqual(['memory'])
    await engine.query(`DROP TABLE ${tableNameFor(inMemory.dataset.hash)}`)
    await ensureDatasetTable({ ...streamedDeps, loadedTables: new Set<string>() }, streamed.dataset)
    expect(await databaseOf(tableNameFor(inMemory.dataset.hash))).toEqual(['packed'])
    const again = await importDataset(streamedDeps, {
      workspaceId: other.id,
      file: fileOf('again.csv', fixture('penguins.csv')),
    })
    expect(again).toMatchObject({ deduplicated: true, dataset: { id: streamed.dataset.id } })
    expect(await importTables()).toEqual([])
    expect(folder.paths()).toEqual([`datasets/${inMemory.dataset.hash}.csv`])
  })

  it('a large file loaded in parts moves the bar through the load, part by part, never backwards', async () => {
    const bytes = fixture('penguins.csv')
    const phases: ImportProgress[] = []
    await importDataset(
      { ...deps, inMemoryLimit: 0, partBytes: 2_048 },
      { workspaceId: workspace.id, file: fileOf('penguins.csv', bytes) },
      (p) => phases.push(p),
    )
    const loading = phases.filter((p) => p.phase === 'ingest' && p.bytesDone !== undefined)
    const loaded = loading.map((p) => p.bytesDone ?? 0)
    expect(loaded.at(-1)).toBe(bytes.byteLength)
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b))
    // The bar inside the load's share follows the bytes: the last part ends the load's share.
    expect(loading.at(-1)?.fraction).toBeCloseTo(0.6)
    expect(phases.map((p) => p.fraction)).toEqual([...phases.map((p) => p.fraction)].sort((a, b) => a - b))
  })

  it('re-attaches a dataset from its stored bytes after a reload, in memory or streamed', async () => {
    const { dataset } = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('penguins.csv', fixture('penguins.csv')),
    })
    for (const limit of [undefined, 0]) {
      // A reload: a fresh engine knows no tables.
      const table = tableNameFor(dataset.hash)
      await engine.query(`DROP TABLE ${table}`)
      const reloaded = { ...deps, loadedTables: new Set<string>(), inMemoryLimit: limit }
      expect(await ensureDatasetTable(reloaded, dataset)).toBe(table)
      const count = await engine.query(`SELECT count(*)::INTEGER AS n FROM ${table}`)
      expect(count.getChild('n')?.get(0)).toBe(344)
      expect(reloaded.loadedTables.has(table)).toBe(true)
    }
  })

  it('re-attaches once when two callers ask for the same dataset at once (the grid and a new experiment)', async () => {
    const { dataset } = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('penguins.csv', fixture('penguins.csv')),
    })
    const table = tableNameFor(dataset.hash)
    for (const limit of [undefined, 0]) {
      await engine.query(`DROP TABLE ${table}`)
      // Counts the files handed to the engine: one attach registers the stored file once.
      const registered: string[] = []
      const counting = {
        ...engine,
        registerFile: (name: string, file: Parameters<typeof engine.registerFile>[1]) => {
          registered.push(name)
          return engine.registerFile(name, file)
        },
      }
      const reloaded = { ...deps, engine: counting, loadedTables: new Set<string>(), inMemoryLimit: limit }
      const both = await Promise.all([
        ensureDatasetTable(reloaded, dataset),
        ensureDatasetTable(reloaded, dataset),
      ])
      expect(both).toEqual([table, table])
      const count = await engine.query(`SELECT count(*)::INTEGER AS n FROM ${table}`)
      expect(count.getChild('n')?.get(0)).toBe(344)
      expect(registered).toHaveLength(1)
    }
  })

  it('different bytes under an existing name become the next version', async () => {
    const v1 = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('data.csv', 'a,b\n1,2\n'),
    })
    const v2 = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('data.csv', 'a,b\n1,3\n'),
    })
    expect([v1.dataset.version, v2.dataset.version]).toEqual([1, 2])
    expect(v2.dataset.name).toBe('data')
    expect(await deps.db.datasets.count()).toBe(2)
  })

  it('imports Parquet', async () => {
    const { dataset } = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('penguins.parquet', fixture('penguins.parquet')),
    })
    expect(dataset).toMatchObject({ rowCount: 344, sourceFormat: 'parquet' })
    expect(dataset.profile.find((p) => p.name === 'sex')?.missing).toBe(11)
  })

  const badInputs: [string, string, string | Uint8Array, string, RegExp][] = [
    [
      'unsupported extension',
      'sheet.xlsx',
      'x',
      'unsupported-extension',
      /drop a \.csv, \.tsv or \.parquet file/,
    ],
    ['empty file', 'empty.csv', '', 'empty-file', /is empty/],
    ['header only', 'header.csv', 'a,b,c\n', 'header-only', /header but no data rows/],
    ['ragged rows', 'ragged.csv', 'a,b\n1,2\n3\n', 'ragged-rows', /Line 3 has 1 fields but the header has 2/],
    [
      'binary junk',
      'junk.csv',
      Uint8Array.from({ length: 2000 }, (_, i) => (i * 131) % 256),
      'not-text',
      /not text/,
    ],
    [
      'truncated parquet',
      'cut.parquet',
      new Uint8Array(
        readFileSync(new URL('../../tests/fixtures/datasets/penguins.parquet', import.meta.url)),
      ).slice(0, 2000),
      'corrupt-parquet',
      /truncated or corrupt/,
    ],
  ]
  for (const [label, name, content, code, message] of badInputs)
    for (const streamed of [false, true])
      it(`bad input leaves nothing behind: ${label}${streamed ? ' (streamed from the file)' : ''}`, async () => {
        if (streamed) deps.inMemoryLimit = 0
        await expect(
          importDataset(deps, { workspaceId: workspace.id, file: fileOf(name, content) }),
        ).rejects.toMatchObject({
          code,
          message: expect.stringMatching(message),
        })
        expect(await deps.db.datasets.count()).toBe(0)
        expect(folder.paths()).toEqual([])
        expect(await importTables()).toEqual([])
      })

  it('imports repeated and empty header names under the engine’s names, and says so', async () => {
    const result = await importDataset(deps, {
      workspaceId: workspace.id,
      file: fileOf('names.csv', 'a,,a\n1,2,3\n'),
    })
    expect(result.dataset.schema.map((c) => c.name)).toEqual(['a', 'column1', 'a_1'])
    expect(result.notes).toEqual([
      'Column 2 has no name in the header, so it is named “column1”',
      'Column 3 “a” is named “a_1”: the header names “a” more than once, and column names must be unique',
    ])
  })

  it('refuses a file too large for the table engine in a sentence, before hashing or storing anything', async () => {
    const head = new Blob(['x,y\n1,2\n'])
    // 5 GB of CSV, as far as the import can tell (only its size and first bytes are read before the check).
    const huge = {
      name: 'events.csv',
      size: 5e9,
      slice: (start?: number, end?: number) => head.slice(start, end),
    } as unknown as File
    const phases: string[] = []
    const refused = importDataset(deps, { workspaceId: workspace.id, file: huge }, (p) =>
      phases.push(p.phase),
    )
    await expect(refused).rejects.toMatchObject({ code: 'too-large' })
    await expect(refused).rejects.toThrow(
      /^“events\.csv” is 5\.0 GB: its table would not fit in the 2\.7 GB of memory the table engine has, which holds delimited text of up to about 4\.0 GB\. Split it/,
    )
    expect(phases).toEqual(['check'])
    expect(folder.paths()).toEqual([])
    expect(await deps.db.datasets.count()).toBe(0)
  })

  it('refuses a file larger than the free storage before writing anything', async () => {
    deps.freeBytes = async () => 1000
    await expect(
      importDataset(deps, {
        workspaceId: workspace.id,
        file: fileOf('penguins.csv', fixture('penguins.csv')),
      }),
    ).rejects.toMatchObject({
      code: 'quota-exceeded',
      message: expect.stringMatching(
        /^“penguins\.csv” is 15\.2 kB but only 1\.0 kB of browser storage is free: free at least 14\.2 kB more/,
      ),
    })
    expect(folder.paths()).toEqual([])
  })

  it('storage running full while the file is written: the sentence names the chosen file and the room, no internal path', async () => {
    const createWritable = MemoryFileHandle.prototype.createWritable
    MemoryFileHandle.prototype.createWritable = async function (this: MemoryFileHandle) {
      const writable = await createWritable.call(this)
      return {
        ...writable,
        async write() {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
        },
      }
    }
    try {
      const error = await importDataset(deps, {
        workspaceId: workspace.id,
        file: fileOf('penguins.csv', fixture('penguins.csv')),
      }).catch((e: unknown) => e)
      expect(error).toMatchObject({ name: 'StorageError', code: 'quota-exceeded' })
      const message = (error as Error).message
      expect(message).toMatch(
        /^“penguins\.csv” \(15\.2 kB\) could not be saved: the browser's storage for this site is full\. Free at least 15\.2 kB /,
      )
      expect(message).toContain('Open folder…')
      expect(message).not.toMatch(/datasets\/|[0-9a-f]{16}|\.partial|QuotaExceededError|DOMException/)
    } finally {
      MemoryFileHandle.prototype.createWritable = createWritable
    }
    expect(folder.paths()).toEqual([])
    expect(await deps.db.datasets.count()).toBe(0)
    expect(await importTables()).toEqual([])
  })

  it('a record write failure removes the stored file again', async () => {
    await deps.db.datasets.hook('creating', () => {
      throw new Error('disk on fire')
    })
    await expect(
      importDataset(deps, {
        workspaceId: workspace.id,
        file: fileOf('penguins.csv', fixture('penguins.csv')),
      }),
    ).rejects.toThrow(/disk on fire/)
    expect(folder.paths()).toEqual([])
  })
})

/** 5,000 rows: an id, a number with gaps (x = row, missing every 10th row), a 3-level category. */
function bigCsv(): string {
  const lines = ['row_id,x,level']
  for (let r = 0; r < 5000; r++) lines.push(`${r},${r % 10 === 9 ? '' : r},${['a', 'b', 'c'][r % 3]}`)
  return `${lines.join('\n')}\n`
}

describe('a large table: queryable first, its profile in the background from a seeded sample', () => {
  const large = () => ({ ...deps, largeTableRows: 1000, profileSampleRows: 500 })

  it('is recorded with its schema, kinds and exact missing counts, its profile pending; then completed once', async () => {
    const full = await importDataset(
      { ...deps, db: new ButterflyDb(`full-${Math.random()}`) },
      { workspaceId: workspace.id, file: fileOf('big.csv', bigCsv()) },
    )
    const { dataset } = await importDataset(large(), {
      workspaceId: workspace.id,
      file: fileOf('big.csv', bigCsv()),
    })
    expect(dataset.profilePending).toBe(true)
    expect(dataset.rowCount).toBe(5000)
    expect(dataset.schema.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'row_id:identifier',
      'x:numeric',
      'level:categorical',
    ])
    expect(dataset.profile.map((p) => [p.name, p.missing])).toEqual([
      ['row_id', 0],
      ['x', 500],
      ['level', 0],
    ])
    expect(dataset.profile.some((p) => p.histogram || p.topValues || p.mean !== undefined)).toBe(false)

    const fractions: number[] = []
    const outcome = await completeProfile(large(), dataset, (f) => fractions.push(f))
    expect(fractions.length).toBeGreaterThan(2)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(fractions.at(-1)).toBe(1)
    const stored = (await deps.db.datasets.get(dataset.id))!
    expect(stored).toEqual(outcome.dataset)
    expect(stored.profilePending).toBeUndefined()
    // A uniform sample: about 500 of the 5,000 rows, never all of them.
    const sampled = stored.profileSample!.rows
    expect(sampled).toBeGreaterThan(350)
    expect(sampled).toBeLessThan(650)
    expect(outcome.sampledRows).toBe(sampled)
    // Kinds and counts as recorded at import; minimum, maximum, mean and top values over all rows.
    expect(stored.schema).toEqual(dataset.schema)
    const x = stored.profile[1]
    expect(x).toMatchObject({ name: 'x', missing: 500, min: 0, max: 4998 })
    expect(x.mean).toBeCloseTo(2499, 6)
    expect(stored.profile[2].topValues).toEqual([
      { value: 'a', count: 1667 },
      { value: 'b', count: 1667 },
      { value: 'c', count: 1666 },
    ])
    // The histograms count the sampled rows only (x is missing in a tenth of them).
    const histogramRows = x.histogram!.counts.reduce((a, b) => a + b, 0)
    expect(histogramRows).toBeLessThan(sampled)
    expect(histogramRows).toBeGreaterThan(sampled * 0.8)
    expect(stored.profile[0].histogram!.counts.reduce((a, b) => a + b, 0)).toBe(sampled)
    // The kinds are the ones a full profile at import infers.
    expect(full.dataset.profilePending).toBeUndefined()
    expect(full.dataset.schema).toEqual(stored.schema)

    // Completed once: the record is immutable again.
    await expect(deps.db.datasets.put({ ...stored, profile: dataset.profile })).rejects.toThrow(/immutable/)
    expect(await completeProfile(large(), stored)).toMatchObject({ ms: 0, dataset: stored })
  })

  it('draws the same sample and profile every time (a fresh engine, a fresh database)', async () => {
    const profiles = []
    for (let attempt = 0; attempt < 2; attempt++) {
      const fresh = {
        ...large(),
        db: new ButterflyDb(`again-${Math.random()}`),
        loadedTables: new Set<string>(),
      }
      const space = await ensureDefaultWorkspace(fresh.db)
      const { dataset } = await importDataset(fresh, {
        workspaceId: space.id,
        file: fileOf('big.csv', bigCsv()),
      })
      // A reload in between: the profile re-attaches the table from its stored bytes.
      await engine.query(`DROP TABLE ${tableNameFor(dataset.hash)}`)
      const { dataset: done } = await completeProfile({ ...fresh, loadedTables: new Set<string>() }, dataset)
      profiles.push({ profile: done.profile, sample: done.profileSample })
    }
    expect(profiles[1]).toEqual(profiles[0])
  })

  it('a pending record accepts no other change', async () => {
    const { dataset } = await importDataset(large(), {
      workspaceId: workspace.id,
      file: fileOf('big.csv', bigCsv()),
    })
    await expect(deps.db.datasets.put({ ...dataset, rowCount: 4999 })).rejects.toThrow(/immutable/)
    const { profilePending: _, ...noLongerPending } = dataset
    await expect(
      deps.db.datasets.put({
        ...noLongerPending,
        profile: dataset.profile.map((p) => ({ ...p, missing: 0 })),
      }),
    ).rejects.toThrow(/immutable/)
  })
})

describe('formatBytes', () => {
  it('formats for humans', () => {
    expect([formatBytes(999), formatBytes(15_203), formatBytes(162_000_000), formatBytes(2.5e9)]).toEqual([
      '999 B',
      '15.2 kB',
      '162 MB',
      '2.5 GB',
    ])
  })
})
