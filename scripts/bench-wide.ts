/**
 * Wide-file benchmark (issue 14.1): the built app imports and profiles CSVs of many columns in headless
 * Chromium, through `bench:import --file` (same browser, same samplers). Reports per shape the import
 * wall time, the profile phase, and peak memory: JS heap and ArrayBuffers (wasm memory included) of the
 * page and its workers, the worker holding the most ("worker MB": DuckDB's worker, or the data worker
 * while it holds the file's bytes), and Chromium's RSS. A refused file is reported with the app's sentence.
 *
 * Usage: npm run bench:wide [-- --shapes 20x2000,1000x10000,100000x2000]
 * Default shapes: 20x2000 and 1000x10000 (100000x2000 is a 1.3 GB file: ask for it). The files are
 * generated once into the OS temp folder (deterministic values: numbers, a few text columns).
 * Prints a table, then JSON. Exits 0 when a file is refused (this is a measurement), 1 on errors.
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const dir = join(tmpdir(), 'butterfly_wide')

function parseShapes(argv: readonly string[]): [number, number][] {
  const at = argv.indexOf('--shapes')
  const text = at >= 0 ? argv[at + 1] : '20x2000,1000x10000'
  return (text ?? '').split(',').map((shape) => {
    const [rows, cols] = shape.split('x').map(Number)
    if (!(rows > 0 && cols > 0)) throw new Error(`bench-wide: bad shape '${shape}' (want ROWSxCOLUMNS)`)
    return [rows, cols]
  })
}

/** A CSV of `rows` × `cols`: every tenth column text (8 levels), the others decimals. */
async function wideFile(rows: number, cols: number): Promise<string> {
  const file = join(dir, `wide_${rows}x${cols}.csv`)
  if (existsSync(file)) return file
  mkdirSync(dir, { recursive: true })
  const partial = `${file}.partial`
  const out = createWriteStream(partial)
  const write = (line: string) =>
    out.write(line) ? Promise.resolve() : new Promise<void>((done) => out.once('drain', () => done()))
  await write(`${Array.from({ length: cols }, (_, c) => `c${c}`).join(',')}\n`)
  for (let r = 0; r < rows; r++) {
    const fields = new Array<string>(cols)
    for (let c = 0; c < cols; c++)
      fields[c] = c % 10 === 9 ? `level${(r * 7 + c) % 8}` : (((r * 131 + c * 17) % 10_007) / 100).toString()
    await write(`${fields.join(',')}\n`)
  }
  await new Promise<void>((done) => out.end(() => done()))
  renameSync(partial, file)
  return file
}

interface Row {
  shape: string
  mb: number
  outcome: string
  import_ms?: number
  profile_ms?: number
  ingest_ms?: number
  peak_heap_mb?: number
  peak_buffers_mb?: number
  peak_rss_mb?: number
  /** ArrayBuffers of the worker holding the most (DuckDB's wasm memory, or the data worker's file bytes). */
  peak_wasm_worker?: { worker: string; buffers_mb: number }
  pandas_s?: number
}

async function main(): Promise<void> {
  const rows: Row[] = []
  for (const [nRows, nCols] of parseShapes(process.argv.slice(2))) {
    const file = await wideFile(nRows, nCols)
    const mb = Math.round(statSync(file).size / 1e5) / 10
    const run = spawnSync('npx', ['tsx', join(root, 'scripts/bench-import.ts'), '--file', file], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    })
    const shape = `${nRows.toLocaleString('en')}×${nCols.toLocaleString('en')}`
    const json = run.stdout.slice(run.stdout.lastIndexOf('\n{'))
    if (run.status !== 0 || !json.trim().startsWith('{')) {
      const reason = /refused the file: (.*)/.exec(run.stderr)?.[1] ?? run.stderr.trim().split('\n').pop()
      rows.push({ shape, mb, outcome: `failed: ${reason}` })
      continue
    }
    const r = JSON.parse(json)
    rows.push({
      shape,
      mb,
      outcome: 'imported',
      import_ms: r.import_ms,
      ingest_ms: r.phases_ms?.ingest,
      profile_ms: r.phases_ms?.profile,
      peak_heap_mb: r.peak_heap_mb?.total,
      peak_buffers_mb: r.peak_array_buffers_mb?.total,
      peak_rss_mb: r.peak_rss_mb?.sum,
      peak_wasm_worker: Object.entries(
        (r.peak_heap_per_worker_mb ?? {}) as Record<string, { heap: number; buffers: number }>,
      )
        .map(([worker, p]) => ({ worker, buffers_mb: p.buffers }))
        .sort((a, b) => b.buffers_mb - a.buffers_mb)[0],
      pandas_s: r.pandas_read_csv_live_s ?? r.pandas_read_csv_s,
    })
  }
  console.log(
    'shape            MB   outcome   import ms  ingest ms  profile ms  heap MB  buffers MB  RSS MB  worker MB  pandas s',
  )
  for (const r of rows)
    console.log(
      [
        r.shape.padEnd(15),
        String(r.mb).padStart(5),
        r.outcome.padEnd(9).slice(0, r.outcome === 'imported' ? 9 : undefined),
        ...[
          r.import_ms,
          r.ingest_ms,
          r.profile_ms,
          r.peak_heap_mb,
          r.peak_buffers_mb,
          r.peak_rss_mb,
          r.peak_wasm_worker?.buffers_mb,
          r.pandas_s,
        ].map((v) => String(v ?? '–').padStart(10)),
      ].join(' '),
    )
  process.stdout.write(`\n${JSON.stringify(rows, null, 2)}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-wide: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
