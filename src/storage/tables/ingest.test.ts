import { readFileSync } from 'node:fs'
import { readParquet } from 'parquet-wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { preflightCsv } from './csvPreflight.ts'
import type { ReadOptions } from './ingest.ts'
import { checkedCsvRelation, countRows, describeTable, loadTable, topValues } from './ingest.ts'
import { createNodeSqlEngine } from './nodeSqlEngine.ts'
import { quoteIdent, resultRows } from './sqlEngine.ts'

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../tests/fixtures/datasets/${name}`, import.meta.url)))
const text = (s: string) => new TextEncoder().encode(s)
const parquetToArrow = async (bytes: Uint8Array) => readParquet(bytes).intoIPCStream()

let engine: Awaited<ReturnType<typeof createNodeSqlEngine>>
beforeAll(async () => {
  engine = await createNodeSqlEngine()
})
afterAll(() => engine.close())

async function ingestCsv(name: string, bytes: Uint8Array) {
  const dialect = preflightCsv(bytes, true, name.endsWith('.tsv'))
  const options: ReadOptions = { format: 'csv', delimiter: dialect.delimiter }
  await loadTable(engine, 't', name, options, { file: bytes as Uint8Array<ArrayBuffer> })
  const rows = await countRows(engine, 't')
  return { rows, ...(await describeTable(engine, 't', rows)) }
}

describe('CSV ingest', () => {
  it('reads penguins with the right schema, kinds and profile', async () => {
    const { rows, schema, profile } = await ingestCsv('penguins.csv', fixture('penguins.csv'))
    expect(rows).toBe(344)
    expect(schema.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'species:categorical',
      'island:categorical',
      'bill_length_mm:numeric',
      'bill_depth_mm:numeric',
      'flipper_length_mm:numeric',
      'body_mass_g:numeric',
      'sex:categorical',
      'year:numeric',
    ])
    const sex = profile.find((p) => p.name === 'sex')!
    expect(sex.missing).toBe(11)
    expect(sex.distinct).toBe(2)
    expect(sex.topValues?.map((t) => t.value).sort()).toEqual(['female', 'male'])
    const bill = profile.find((p) => p.name === 'bill_length_mm')!
    expect(bill.missing).toBe(2)
    expect(bill.min).toBe(32.1)
    expect(bill.max).toBe(59.6)
    expect(bill.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(342)
    const year = profile.find((p) => p.name === 'year')!
    expect(year.histogram?.counts).toHaveLength(3)
    // A summary (a CLI run without a bundle): the same schema and counts, no histograms or top values.
    const summary = await describeTable(engine, 't', rows, { summaryOnly: true })
    expect(summary.schema).toEqual(schema)
    expect(summary.profile.map(({ histogram, topValues, ...rest }) => rest)).toEqual(
      profile.map(({ histogram, topValues, ...rest }) => rest),
    )
    expect(summary.profile.some((p) => p.histogram || p.topValues)).toBe(false)
  })

  it('reads the Parquet version to the same table', async () => {
    await loadTable(
      engine,
      'tp',
      'penguins.parquet',
      { format: 'parquet' },
      { file: fixture('penguins.parquet') as Uint8Array<ArrayBuffer>, parquetToArrow },
    )
    const rows = await countRows(engine, 'tp')
    const { schema, profile } = await describeTable(engine, 'tp', rows)
    expect(rows).toBe(344)
    expect(schema.map((c) => c.kind)).toEqual([
      'categorical',
      'categorical',
      'numeric',
      'numeric',
      'numeric',
      'numeric',
      'categorical',
      'numeric',
    ])
    expect(profile.find((p) => p.name === 'sex')?.missing).toBe(11)
  })

  it('handles semicolons, tabs, quoted fields with delimiters and newlines, BOM and CRLF', async () => {
    const semi = await ingestCsv('semi.csv', text('\ufeffa;b;"c d"\r\n1;"x;y";3\r\n4;"multi\nline";6\r\n'))
    expect(semi.schema.map((c) => c.name)).toEqual(['a', 'b', 'c d'])
    expect(semi.rows).toBe(2)
    expect(resultRows(await engine.query('SELECT b FROM t ORDER BY a')).map((r) => r.b)).toEqual([
      'x;y',
      'multi\nline',
    ])
    const tab = await ingestCsv('data.tsv', text('a\tb\n1\t2\n3\t4\n'))
    expect(tab.schema.map((c) => c.physicalType)).toEqual(['BIGINT', 'BIGINT'])
  })

  it('keeps hostile column names inert', async () => {
    const { schema } = await ingestCsv('inj.csv', text('x,"a""; DROP TABLE x; --"\n1,2\n'))
    expect(schema.map((c) => c.name)).toEqual(['x', 'a"; DROP TABLE x; --'])
  })

  it('treats only empty fields as missing ("NA" is a value)', async () => {
    const { profile } = await ingestCsv('na.csv', text('a,b\nNA,1\n,2\nx,3\n'))
    expect(profile[0]).toMatchObject({ missing: 1, distinct: 2 })
  })
})

describe('histograms', () => {
  it('count every finite value into equal-width bins with right-inclusive edges', async () => {
    const values = Array.from(
      { length: 1000 },
      (_, i) => Math.round(Math.sin(i * 12.9898) * 43758.5453 * 1000) / 1000,
    )
    const { profile } = await ingestCsv('h.csv', text(`x\n${values.join('\n')}\n`))
    const histogram = profile[0].histogram!
    const min = Math.min(...values)
    const max = Math.max(...values)
    const width = (max - min) / 20
    const expected = new Array(20).fill(0)
    for (const v of values) expected[Math.min(19, Math.max(0, Math.ceil((v - min) / width) - 1))]++
    expect(histogram.counts).toEqual(expected)
    expect(histogram.edges[0]).toBe(min)
    expect(histogram.edges[20]).toBeCloseTo(max, 9)
  })

  it('give a narrow range of whole numbers stored as DOUBLE one bin per value', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `${i + 1}.0`)
    const narrow = ['1.0', '2.0', '2.0', '3.0', ...Array.from({ length: 26 }, () => '2.0')]
    const wide = Array.from({ length: 30 }, (_, i) => `${(i * 7) % 40}.0`)
    const csv = `row_id,narrow,wide\n${ids.map((id, i) => `${id},${narrow[i]},${wide[i]}`).join('\n')}\n`
    const { schema, profile } = await ingestCsv('whole.csv', text(csv))
    expect(schema.map((c) => `${c.name}:${c.physicalType}:${c.kind}`)).toEqual([
      'row_id:DOUBLE:identifier',
      'narrow:DOUBLE:numeric',
      'wide:DOUBLE:numeric',
    ])
    expect(profile[1].histogram).toEqual({ edges: [0.5, 1.5, 2.5, 3.5], counts: [1, 28, 1] })
    expect(profile[2].histogram?.counts).toHaveLength(20)
    expect(profile[2].histogram?.counts.reduce((a, b) => a + b, 0)).toBe(30)
  })

  it('leave infinities and NaN out: the bins span the finite values only', async () => {
    const finite = Array.from({ length: 100 }, (_, i) => i / 4)
    const csv = `x\n${[...finite, 'inf', '-inf', 'nan', ...finite].join('\n')}\n`
    const { schema, profile } = await ingestCsv('inf.csv', text(csv))
    expect(schema[0].physicalType).toBe('DOUBLE')
    const histogram = profile[0].histogram!
    expect(histogram.counts).toHaveLength(20)
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(200)
    expect(histogram.edges[0]).toBe(0)
    expect(histogram.edges[20]).toBeCloseTo(24.75, 9)
    expect(histogram.counts[0]).toBe(10)
    expect(profile[0]).toMatchObject({ min: 0, max: 24.75, missing: 0 })
    expect(profile[0].mean).toBeCloseTo(12.375, 9)

    // NaN alone (no infinity) leaves NaN summaries on the first scan: the column is summarized again.
    const nan = await ingestCsv('nan.csv', text('x,y\n1,5\nnan,6\n2.5,7\n4,8\n'))
    expect(nan.profile[0]).toMatchObject({ min: 1, max: 4, mean: 2.5 })
    expect(nan.profile[0].histogram?.counts.reduce((a, b) => a + b, 0)).toBe(3)
    expect(nan.profile[1]).toMatchObject({ min: 5, max: 8, mean: 6.5 })
  })
})

describe('header names', () => {
  it('keeps an empty or repeated name as written: the table engine names it and the import says so', () => {
    expect(preflightCsv(text('a,,b,a\n1,2,3,4\n'), true).columns).toEqual(['a', '', 'b', 'a'])
  })
})

describe('bad CSV input gets a specific error', () => {
  const cases: [string, string | Uint8Array, string, RegExp][] = [
    ['empty', '', 'empty-file', /empty/],
    ['blank lines', '\n\n', 'empty-file', /empty/],
    ['ragged rows', 'a,b,c\n1,2,3\n4,5\n', 'ragged-rows', /Line 3 has 2 fields but the header has 3/],
    ['binary junk', Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256), 'not-text', /not text/],
  ]
  for (const [label, input, code, message] of cases) {
    it(label, () => {
      const bytes = typeof input === 'string' ? text(input) : input
      let error: unknown
      try {
        preflightCsv(bytes, true)
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({ code })
      expect((error as Error).message).toMatch(message)
    })
  }

  it('ragged rows beyond the preflight sample are reported by line', async () => {
    let csv = 'a,b,c\n'
    for (let i = 0; i < 30_000; i++) csv += i === 25_000 ? '1,2\n' : `${i},${i * 2},x${i % 7}\n`
    const bytes = text(csv)
    const dialect = preflightCsv(bytes.subarray(0, 1024), false)
    await expect(
      loadTable(
        engine,
        'tr',
        'r.csv',
        { format: 'csv', delimiter: dialect.delimiter },
        { file: bytes as Uint8Array<ArrayBuffer> },
      ),
    ).rejects.toMatchObject({
      code: 'ragged-rows',
      message: expect.stringMatching(/Line 25002 has 2 fields but the header has 3/),
    })
  })

  it('a truncated Parquet file is reported as corrupt', async () => {
    const bytes = fixture('penguins.parquet')
    await expect(
      loadTable(
        engine,
        'tx',
        'p.parquet',
        { format: 'parquet' },
        { file: bytes.slice(0, bytes.length - 100), parquetToArrow },
      ),
    ).rejects.toMatchObject({ code: 'corrupt-parquet' })
  })
})

describe('distinct counts on wide files', () => {
  const wideCsv = (columns: number) => {
    const header = Array.from({ length: columns }, (_, c) => `c${c}`)
    const rows = Array.from({ length: 30 }, (_, r) => header.map((_, c) => (r * 7 + c) % 25))
    return new TextEncoder().encode(`${header.join(',')}\n${rows.map((row) => row.join(',')).join('\n')}\n`)
  }

  it('are exact up to 300 columns, and estimated (and marked so) past them', async () => {
    const narrow = await ingestCsv('narrow.csv', wideCsv(300))
    expect(narrow.profile.every((p) => p.distinctEstimated === undefined)).toBe(true)
    expect(narrow.profile[0]?.distinct).toBe(25)

    const wide = await ingestCsv('wide.csv', wideCsv(301))
    expect(wide.profile).toHaveLength(301)
    expect(wide.profile.every((p) => p.distinctEstimated === true)).toBe(true)
    // An estimate, but a close one on 25 values.
    expect(Math.abs((wide.profile[0]?.distinct ?? 0) - 25)).toBeLessThanOrEqual(3)
    // Never more distinct values than values.
    expect(wide.profile.every((p) => p.distinct <= 30)).toBe(true)
  })
})

describe('top values in batches', () => {
  it('give the same counts and order as one query per column', async () => {
    // Ties (ordered by value), missing values, a column of only missing values, more than 10 levels,
    // numbers, and names that need quoting.
    const names = ['grade', 'n', 'empty', 'many', 'a "quoted", name', 'flag']
    const rows = Array.from({ length: 60 }, (_, r) =>
      [`g${r % 3}`, r % 4, '', `m${(r * 7) % 23}`, r % 5 === 0 ? '' : `x${r % 2}`, r % 2 === 0].map(String),
    )
    const csv = `${names.map((n) => `"${n.replaceAll('"', '""')}"`).join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`
    await loadTable(
      engine,
      'tops',
      'tops.csv',
      { format: 'csv', delimiter: ',' },
      {
        file: text(csv) as Uint8Array<ArrayBuffer>,
      },
    )
    // The reference: the per-column query the profile used before batching.
    const perColumn = new Map<string, { value: string; count: number }[]>()
    for (const name of names) {
      const c = quoteIdent(name)
      const result = resultRows(
        await engine.query(
          `SELECT ${c}::VARCHAR AS v, count(*)::BIGINT AS n FROM tops WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
        ),
      )
      perColumn.set(
        name,
        result.map((row) => ({ value: String(row.v), count: Number(row.n) })),
      )
    }
    expect(perColumn.get('many')).toHaveLength(10)
    expect(perColumn.get('empty')).toEqual([])
    for (const perQuery of [1, 2, 4, 50])
      expect(await topValues(engine, 'tops', names, perQuery)).toEqual(perColumn)
    // The profile carries them for its categorical columns and few-valued numbers.
    const rowsCount = await countRows(engine, 'tops')
    const { profile } = await describeTable(engine, 'tops', rowsCount)
    expect(profile.find((p) => p.name === 'grade')?.topValues).toEqual(perColumn.get('grade'))
    expect(profile.find((p) => p.name === 'n')?.topValues).toEqual(perColumn.get('n'))
    expect(profile.find((p) => p.name === 'many')?.topValues).toEqual(perColumn.get('many'))
  })
})

describe('a large file loaded in parts', () => {
  /** Loads `csv` whole and in parts of `partBytes` (compressed, from a Blob); the parts' file names too. */
  async function bothWays(csv: string, partBytes: number) {
    const file = new Blob([csv])
    const options: ReadOptions = { format: 'csv', delimiter: ',' }
    const parts: string[] = []
    const watched = {
      ...engine,
      registerFile: (name: string, bytes: Blob | Uint8Array<ArrayBuffer>) => {
        parts.push(name)
        return engine.registerFile(name, bytes)
      },
    }
    await loadTable(engine, 'whole', 'w.csv', options, { file, compress: true, partBytes: 1e12 })
    await loadTable(watched, 'parted', 'p.csv', options, { file, compress: true, partBytes })
    const rows = async (t: string) =>
      resultRows(await engine.query(`SELECT * FROM ${quoteIdent(t)} ORDER BY rowid`))
    const types = async (t: string) =>
      resultRows(await engine.query(`DESCRIBE ${quoteIdent(t)}`)).map(
        (r) => `${r.column_name}:${r.column_type}`,
      )
    return {
      whole: await rows('whole'),
      parted: await rows('parted'),
      types: await types('parted'),
      parts: parts.filter((name) => name.includes('.part')).length,
      wholeReads: parts.filter((name) => name === 'p.csv').length,
    }
  }

  it('gives the same rows, types and dates as one read, with quoted line breaks and quotes across the cuts', async () => {
    // Month-first dates: only the first rows tell (a day past 12); later parts alone would read them day-first.
    const date = (i: number) => (i < 5 ? `12/${20 + i}/2020` : `0${1 + (i % 9)}/0${1 + (i % 8)}/2020`)
    let csv = '\ufeffid,"na,me",x,d\r\n'
    for (let i = 0; i < 120; i++)
      csv +=
        i % 7 === 3
          ? `${i},"two\r\nlines, ""quoted""\n${i}",${i + 0.5},${date(i)}\r\n`
          : `${i},n${i % 5},${i + 0.5},${date(i)}\r\n`
    for (const partBytes of [1, 37, 100, 1000]) {
      const read = await bothWays(csv, partBytes)
      expect(read.parted).toHaveLength(120)
      expect(read.parted).toEqual(read.whole)
      expect(read.types).toEqual(['id:BIGINT', 'na,me:VARCHAR', 'x:DOUBLE', 'd:DATE'])
      // Every cut fell at a record's end (else a part would fail and the file be read whole).
      expect(read.wholeReads).toBe(0)
      expect(read.parts).toBeGreaterThan(Math.min(120, csv.length / partBytes) / 2)
    }
    const { parted } = await bothWays(csv, 50)
    expect(parted[3]).toMatchObject({ id: 3, 'na,me': 'two\r\nlines, "quoted"\n3', x: 3.5 })
    expect(new Date(Number(parted[100].d)).toISOString().slice(0, 10)).toBe('2020-02-05')
  })

  it('reads the file whole when a later part holds a value its column type cannot', async () => {
    let csv = 'a,b\n'
    for (let i = 0; i < 30_000; i++) csv += `${i},${i >= 29_000 ? 'n/a' : String(i % 9)}\n`
    const read = await bothWays(csv, 4096)
    expect(read.types).toEqual(['a:BIGINT', 'b:VARCHAR'])
    expect(read.wholeReads).toBe(1)
    expect(read.parted).toEqual(read.whole)
    expect(read.parted[29_000]).toEqual({ a: 29_000, b: 'n/a' })
  })

  it('names the line of a ragged row in a later part and leaves no table behind', async () => {
    let csv = 'a,b,c\n'
    for (let i = 0; i < 30_000; i++) csv += i === 25_000 ? '1,2\n' : `${i},${i * 2},x${i % 7}\n`
    await expect(
      loadTable(
        engine,
        'rag',
        'rag.csv',
        { format: 'csv', delimiter: ',' },
        { file: new Blob([csv]), compress: true, partBytes: 10_000 },
      ),
    ).rejects.toMatchObject({
      code: 'ragged-rows',
      message: expect.stringMatching(/^Line 25002 has 2 fields but the header has 3/),
    })
    const left = resultRows(
      await engine.query(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name = 'rag'`),
    )
    expect(left[0].n).toBe(0)
  })
})

describe('a fraction late in a column of whole numbers', () => {
  // DuckDB casts text to BIGINT by rounding: a column typed BIGINT from its first 20,480 rows stored a
  // later '2.5' as 3 without a word. The import must keep the value.
  let csv = 'a,b\n'
  for (let i = 0; i < 30_000; i++) csv += `${i},${i % 7}\n`
  csv += '2.5,1\n-7,2\n'

  it('is kept: the column is read as DOUBLE (one statement, and in parts)', async () => {
    const options: ReadOptions = { format: 'csv', delimiter: ',' }
    for (const source of [
      { file: text(csv) as Uint8Array<ArrayBuffer> },
      { file: new Blob([csv]), compress: true, partBytes: 4096 },
    ]) {
      await loadTable(engine, 'late', 'late.csv', options, source)
      const types = resultRows(await engine.query('DESCRIBE late')).map(
        (r) => `${r.column_name}:${r.column_type}`,
      )
      expect(types).toEqual(['a:DOUBLE', 'b:BIGINT'])
      const tail = resultRows(await engine.query('SELECT a, b FROM late ORDER BY rowid OFFSET 29999'))
      expect(tail.map((r) => Number(r.a))).toEqual([29_999, 2.5, -7])
    }
  })

  it('fails a streamed read with a conversion error instead of rounding it', async () => {
    await engine.registerFile('late-stream.csv', text(csv) as Uint8Array<ArrayBuffer>)
    const relation = await checkedCsvRelation(engine, 'late-stream.csv', ',')
    await expect(engine.query(`SELECT sum(a) FROM ${relation}`)).rejects.toThrow(
      /Could not convert string "2.5"/,
    )
    // Whole numbers written as decimals, with signs and blanks, still read as whole numbers.
    await engine.registerFile('whole.csv', text('a\n1\n+2\n3.0\n\n-4\n') as Uint8Array<ArrayBuffer>)
    const whole = await checkedCsvRelation(engine, 'whole.csv', ',')
    const rows = resultRows(await engine.query(`SELECT a FROM ${whole}`))
    expect(rows.map((r) => (r.a === null ? null : Number(r.a)))).toEqual([1, 2, 3, null, -4])
  })
})
