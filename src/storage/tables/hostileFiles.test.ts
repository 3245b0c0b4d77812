/**
 * The hostile-file corpus (tests/fixtures/hostile) through both ways a file enters Butterfly: the shared
 * loader the CLI uses ({@link loadTableFile}) and the app's import ({@link importDataset}). Each file must
 * give its expected sentence or table, and both paths must agree on schema, row count, notes and error.
 */
import 'fake-indexeddb/auto'
import { readdirSync, readFileSync } from 'node:fs'
import { readParquet } from 'parquet-wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asDirectoryHandle, MemoryDirectoryHandle } from '../../../tests/helpers/memoryFs.ts'
import { BlobStore } from '../blobStore.ts'
import { importDataset } from '../datasetImport.ts'
import { ButterflyDb } from '../db.ts'
import { ensureDefaultWorkspace } from '../workspaces.ts'
import { loadTableFile } from './loadTableFile.ts'
import { createNodeSqlEngine } from './nodeSqlEngine.ts'

const corpus = new URL('../../../tests/fixtures/hostile/', import.meta.url)
const parquetToArrow = async (bytes: Uint8Array) => readParquet(bytes).intoIPCStream()

type Expected =
  | { error: string; sentence: RegExp }
  | { columns: string[]; types?: Record<string, string>; rows: number; notes?: RegExp[] }

const expected: Record<string, Expected> = {
  'binary.csv': { error: 'not-text', sentence: /^This file is not text/ },
  'case-duplicate.csv': {
    columns: ['A', 'a_1', 'b'],
    rows: 3,
    notes: [/^Column 2 “a” is named “a_1”/],
  },
  'corrupt-footer.parquet': {
    error: 'corrupt-parquet',
    sentence: /^This Parquet file is truncated or corrupt/,
  },
  'duplicate-name.csv': {
    columns: ['a', 'b', 'a_1'],
    rows: 1,
    notes: [/^Column 3 “a” is named “a_1”: the header names “a” more than once/],
  },
  'empty-name.csv': {
    columns: ['a', 'column1', 'c'],
    rows: 1,
    notes: [/^Column 2 has no name in the header, so it is named “column1”$/],
  },
  'empty.csv': { error: 'empty-file', sentence: /is empty$/ },
  'header-only.csv': { error: 'header-only', sentence: /has a header but no data rows/ },
  'latin1.csv': { error: 'not-text', sentence: /^This file is not UTF-8 text\. Save it as UTF-8/ },
  'nul-in-field.csv': { error: 'not-text', sentence: /^Line 3 holds a NUL byte/ },
  // 330 KB in, past every byte the preflight reads: found while the bytes are hashed.
  'nul-after-64kb.csv': { error: 'not-text', sentence: /^Line 24,?001 holds a NUL byte/ },
  'one-column-blank-lines.csv': {
    error: 'header-only',
    sentence: /no values: all of its 1,000 rows are blank/,
  },
  'only-blank-lines.csv': { error: 'empty-file', sentence: /holds only blank lines/ },
  'ragged.csv': { error: 'ragged-rows', sentence: /^Line 3 has 2 fields but the header has 3/ },
  'semicolon.csv': {
    columns: ['name', 'age', 'city'],
    types: { name: 'VARCHAR', age: 'BIGINT' },
    rows: 3,
  },
  'sql-in-header.csv': { columns: ['x', "y'); DROP TABLE t; --"], rows: 2 },
  'true-false.csv': { columns: ['x', 'flag'], types: { flag: 'VARCHAR' }, rows: 10 },
  'truncated.parquet': { error: 'corrupt-parquet', sentence: /Parquet marker “PAR1”/ },
  'unclosed-quote.csv': { error: 'bad-data', sentence: /^A quoted field of this file is never closed/ },
  'utf16-bom.csv': { error: 'not-text', sentence: /^This file is UTF-16 text/ },
  'utf16-no-bom.csv': { error: 'not-text', sentence: /^This file is UTF-16 text/ },
  'yes-no-target.csv': {
    columns: ['tenure', 'plan', 'churn'],
    types: { churn: 'VARCHAR' },
    rows: 30,
  },
}

/** What a path made of a file: its table's shape, or its error. */
interface Outcome {
  columns?: string[]
  types?: Record<string, string>
  rows?: number
  notes?: string[]
  error?: string
  sentence?: string
}

let engine: Awaited<ReturnType<typeof createNodeSqlEngine>>
beforeAll(async () => {
  engine = await createNodeSqlEngine()
})
afterAll(() => engine.close())

async function throughLoader(name: string, bytes: Uint8Array<ArrayBuffer>): Promise<Outcome> {
  try {
    const loaded = await loadTableFile(engine, bytes, name, { parquetToArrow })
    return {
      columns: loaded.schema.map((c) => c.name),
      types: Object.fromEntries(loaded.schema.map((c) => [c.name, c.physicalType])),
      rows: loaded.rowCount,
      notes: loaded.notes,
    }
  } catch (error) {
    return { error: (error as { code?: string }).code, sentence: (error as Error).message }
  }
}

async function throughAppImport(
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  inMemoryLimit?: number,
): Promise<Outcome> {
  const db = new ButterflyDb(`hostile-${Math.random()}`)
  const workspace = await ensureDefaultWorkspace(db)
  try {
    const { dataset, notes } = await importDataset(
      {
        db,
        engine,
        blobs: new BlobStore(asDirectoryHandle(new MemoryDirectoryHandle())),
        parquetToArrow,
        loadedTables: new Set(),
        ...(inMemoryLimit === undefined ? {} : { inMemoryLimit }),
      },
      { workspaceId: workspace.id, file: new File([bytes], name) },
    )
    return {
      columns: dataset.schema.map((c) => c.name),
      types: Object.fromEntries(dataset.schema.map((c) => [c.name, c.physicalType])),
      rows: dataset.rowCount,
      notes: notes ?? [],
    }
  } catch (error) {
    // The app names the file where the loader got a name too: compare the sentences as written.
    return { error: (error as { code?: string }).code, sentence: (error as Error).message }
  } finally {
    db.close()
  }
}

function check(name: string, outcome: Outcome, want: Expected): void {
  if ('error' in want) {
    expect(outcome.error, `${name}: ${outcome.sentence}`).toBe(want.error)
    expect(outcome.sentence).toMatch(want.sentence)
    // A sentence, never the table engine's text.
    expect(outcome.sentence).not.toMatch(/Error:|CSV Error|Binder|Parser|unreachable|DuckDB|Line: \d/)
  } else {
    expect(outcome.error, `${name}: ${outcome.sentence}`).toBeUndefined()
    expect(outcome.columns).toEqual(want.columns)
    expect(outcome.rows).toBe(want.rows)
    for (const [column, type] of Object.entries(want.types ?? {})) expect(outcome.types?.[column]).toBe(type)
    expect(outcome.notes).toHaveLength(want.notes?.length ?? 0)
    for (const [i, note] of (want.notes ?? []).entries()) expect(outcome.notes?.[i]).toMatch(note)
  }
}

describe('hostile files', () => {
  it('every corpus file gives its sentence or table, the same through the CLI loader and the app import', async () => {
    const files = readdirSync(corpus).sort()
    let tried = 0
    let handled = 0
    for (const name of files) {
      const want = expected[name]
      expect(want, `${name} has no expected outcome`).toBeDefined()
      const bytes = new Uint8Array(readFileSync(new URL(name, corpus)))
      tried++
      const cli = await throughLoader(name, bytes)
      const app = await throughAppImport(name, bytes)
      check(name, cli, want)
      check(name, app, want)
      expect(app, name).toEqual(cli)
      handled++
    }
    console.info(`hostile files: ${tried} tried, ${handled} handled`)
    expect(tried).toBe(Object.keys(expected).length)
    expect(handled).toBe(tried)
  })

  it('names the line and size of an 8 MB field instead of the engine’s line-size error', async () => {
    const bytes = new TextEncoder().encode(`id,doc\n1,${'a'.repeat(8_000_000)}\n2,b\n`)
    for (const outcome of [
      await throughLoader('long-field.csv', bytes),
      await throughAppImport('long-field.csv', bytes),
    ]) {
      expect(outcome.error).toBe('bad-data')
      expect(outcome.sentence).toMatch(/^Line 2 is 8\.0 MB long: Butterfly reads lines of up to 2 MB/)
    }
  })

  it('finds a NUL byte far into a file also when the app streams it (hashing while loading)', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('nul-after-64kb.csv', corpus)))
    const streamed = await throughAppImport('nul-after-64kb.csv', bytes, 1)
    expect(streamed.error).toBe('not-text')
    expect(streamed.sentence).toMatch(/^Line 24,?001 holds a NUL byte/)
  })

  it('reads a Yes/No column as its text labels in the frame (never BOOLEAN, never 1/0)', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('yes-no-target.csv', corpus)))
    const loaded = await loadTableFile(engine, bytes, 'churn.csv', { parquetToArrow })
    const churn = loaded.frame.columns.find((c) => c.name === 'churn')
    expect(churn?.type).toBe('categorical')
    expect(churn?.type === 'categorical' && churn.levels).toEqual(['No', 'Yes'])
  })
})
