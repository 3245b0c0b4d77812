/**
 * Import benchmark: the built app in headless Chromium imports a large CSV through its file picker,
 * as a person would. Measures the phase timings the app logs (`butterfly:import`), the wall time until
 * the dataset page shows the row count, main-thread long tasks, peak JS heap of the page and of its
 * workers (CDP), and the peak RSS and CPU seconds of Chromium's processes. Targets, against
 * pandas.read_csv on the same file: ingest no slower, hash + ingest + profile + store within 2×, no
 * main-thread task over 100 ms.
 *
 * Usage: npm run bench:import [-- --rows 1m|100k] [--file PATH] [--runs N] [--cold] [--pandas-live] [--rebuild] [--profile-main] [--trace-main]
 *   --rows        which synthetic file (default 1m)       --file PATH   bench any CSV/Parquet file instead
 *   --runs N      fresh browser profile per run; the JSON speaks for the median run and lists them all
 *   --cold        hand the file over as soon as the page opens, while DuckDB is still starting (by default
 *                 the bench waits until the app reports its data engine ready, as after a person opens the
 *                 app and then picks a file; the start-up time is reported on its own either way)
 *   --pandas-live also time pandas.read_csv here and now (the machine may be busier than for the reference)
 *   --rebuild     bench a private build in the OS temp folder (also used when dist/ is older than src/)
 *   --profile-main a main-thread CPU profile names the functions behind each task over 100 ms
 *   --trace-main  a Chromium trace gives each long task's main-thread CPU time (a loaded machine makes
 *                 tasks long in wall time while the thread waits for a core) and what filled it
 * Default file: the 1,000,000-row synthetic CSV of ../shared/bench/make_synthetic.py, generated once
 * into the OS temp folder and reused. Prints a table per run, then JSON. Exits 0 when a target is
 * missed (this is a measurement) and 1 on errors.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { HeapPeaks, LongTask, RssPeaks, ScrollResult, TracedTask } from './lib/benchBrowser.ts'
import {
  ensureBuild,
  freePort,
  HeapSampler,
  hottestFrames,
  launchBenchBrowser,
  longTasksBetween,
  observeLongTasks,
  RssSampler,
  scrollToLastRow,
  sleep,
  startCpuProfile,
  startMainThreadTrace,
  startPreview,
} from './lib/benchBrowser.ts'

const root = resolve(import.meta.dirname, '..')
const sharedBench = resolve(root, '../shared/bench')
const generator = join(sharedBench, 'make_synthetic.py')
const syntheticResults = join(sharedBench, 'synthetic_results.json')
/** The generator's own default folder, so a file made by hand with it is found too. */
const syntheticDir = join(tmpdir(), 'butterfly_synthetic')
const python = '/usr/bin/python3'
const longTaskLimitMs = 100
/** The import of 1M rows takes tens of seconds on a loaded 2-core machine; this is only a hang guard. */
const importTimeoutMs = 15 * 60_000

class BenchError extends Error {}

interface Options {
  file?: string
  rows: '1m' | '100k'
  runs: number
  pandasLive: boolean
  rebuild: boolean
  profileMain: boolean
  traceMain: boolean
  cold: boolean
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    rows: '1m',
    runs: 1,
    pandasLive: false,
    rebuild: false,
    profileMain: false,
    traceMain: false,
    cold: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new BenchError(`${argv[i - 1]} needs a value`)
      return next
    }
    const arg = argv[i]
    if (arg === '--file') options.file = resolve(value())
    else if (arg === '--rows') {
      const rows = value().toLowerCase()
      if (rows !== '1m' && rows !== '100k') throw new BenchError(`--rows must be 1m or 100k, got ${rows}`)
      options.rows = rows
    } else if (arg === '--runs') {
      options.runs = Number(value())
      if (!Number.isInteger(options.runs) || options.runs < 1) throw new BenchError('--runs must be ≥ 1')
    } else if (arg === '--pandas-live') options.pandasLive = true
    else if (arg === '--rebuild') options.rebuild = true
    else if (arg === '--profile-main') options.profileMain = true
    else if (arg === '--trace-main') options.traceMain = true
    else if (arg === '--cold') options.cold = true
    else throw new BenchError(`unknown argument ${arg}`)
  }
  return options
}

/** The synthetic CSV, generated with the shared script when it is not cached yet. */
function syntheticFile(rows: Options['rows']): string {
  const file = join(syntheticDir, rows === '1m' ? 'synthetic_1m.csv' : 'synthetic_100k.csv')
  // The generator writes the 100k meta file last: its presence means both CSVs are complete.
  if (existsSync(join(syntheticDir, 'synthetic_100k.meta.json')) && existsSync(file)) return file
  if (!existsSync(generator))
    throw new BenchError(
      `cannot make the synthetic CSV: ${generator} is missing (the bench needs ../shared next to the repo, or --file PATH)`,
    )
  const probe = spawnSync(python, ['-c', 'import sklearn, pandas, numpy'], { encoding: 'utf8' })
  if (probe.status !== 0)
    throw new BenchError(
      `cannot make the synthetic CSV: ${python} lacks scikit-learn or pandas (apt-get install -y python3-sklearn python3-pandas), or pass --file PATH\n${probe.stderr ?? probe.error}`,
    )
  // Generate next to the cache and rename, so an interrupted run never leaves a truncated file to reuse.
  const partial = `${syntheticDir}.partial-${process.pid}`
  process.stderr.write(`bench-import: generating the synthetic CSVs into ${syntheticDir} (about a minute)…\n`)
  const made = spawnSync(python, [generator, '--out', partial], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (made.status !== 0) {
    rmSync(partial, { recursive: true, force: true })
    throw new BenchError(`make_synthetic.py failed (exit ${made.status})`)
  }
  rmSync(syntheticDir, { recursive: true, force: true })
  renameSync(partial, syntheticDir)
  return file
}

/** pandas.read_csv seconds for this file from the shared reference results (matched by name and size). */
function recordedPandasSeconds(file: string, bytes: number): number | undefined {
  if (!existsSync(syntheticResults)) return undefined
  const results = JSON.parse(readFileSync(syntheticResults, 'utf8')) as {
    files?: { file: string; bytes: number; read_csv_s: number }[]
  }
  const entry = results.files?.find((f) => f.file === basename(file))
  if (!entry) return undefined
  if (entry.bytes !== bytes)
    process.stderr.write(
      `bench-import: warning: ${basename(file)} has ${bytes} bytes here but ${entry.bytes} in the reference results (other numpy/scikit-learn?)\n`,
    )
  return entry.read_csv_s
}

/** pandas.read_csv on this machine now (best of two, so the page cache is warm as for the browser). */
function livePandasSeconds(file: string): { wall: number; cpu: number } | undefined {
  const code = [
    'import sys, time, pandas as pd',
    'best = 1e9',
    'for _ in range(2):',
    '    t = time.perf_counter(); c = time.process_time(); pd.read_csv(sys.argv[1])',
    '    wall = time.perf_counter() - t',
    '    if wall < best: best, cpu = wall, time.process_time() - c',
    'print(best, cpu)',
  ].join('\n')
  const run = spawnSync(python, ['-c', code, file], { encoding: 'utf8' })
  if (run.status !== 0) {
    process.stderr.write(`bench-import: could not time pandas.read_csv: ${run.stderr}\n`)
    return undefined
  }
  const [wall, cpu] = run.stdout.trim().split(' ').map(Number)
  return { wall, cpu }
}

type Phase = 'check' | 'hash' | 'ingest' | 'profile' | 'store'
const phases: Phase[] = ['check', 'hash', 'store', 'ingest', 'profile']

interface RunResult {
  scroll?: Omit<ScrollResult, 'long_tasks'> & {
    long_tasks: { start_ms: number; duration_ms: number; hottest?: { frame: string; self_ms: number }[] }[]
  }
  /** Whether the file was handed over while DuckDB was still starting (--cold). */
  cold: boolean
  /** How long the data worker took to start DuckDB (from the app's `butterfly:engine` line). */
  engine_startup_ms?: number
  phases_ms: Partial<Record<Phase, number>>
  deduplicated: boolean
  /** Hash + ingest + profile + store, from the app's own timings. */
  import_ms: number
  /** Wall time from handing the file to the input until the dataset page shows its row count. */
  total_ms: number
  /** Of which Playwright's `setInputFiles` (the browser reading the path, before the app's change event). */
  hand_off_ms: number
  row_count_text: string
  longest_task_ms: number
  long_tasks_over_100ms: number
  long_tasks: { start_ms: number; duration_ms: number; hottest?: { frame: string; self_ms: number }[] }[]
  cpu_profile_path?: string
  /** With --trace-main: main-thread tasks over 50 ms wall, with their thread CPU time. */
  traced_tasks?: TracedTask[]
  heap: HeapPeaks
  rss: RssPeaks
  load_avg_before: number[]
  load_avg_after: number[]
}

async function benchOnce(
  url: string,
  file: string,
  expectedRows: string | undefined,
  profileMain: boolean,
  traceMain: boolean,
  cold: boolean,
): Promise<RunResult> {
  const browser = await launchBenchBrowser()
  const { context, page } = browser
  try {
    await observeLongTasks(context)
    const errors: string[] = []
    let importLine: { timings: Partial<Record<Phase, number>>; deduplicated: boolean } | undefined
    let engineLine: { startupMs: number } | undefined
    page.on('console', (message) => {
      const text = message.text()
      if (text.startsWith('butterfly:import '))
        importLine = JSON.parse(text.slice('butterfly:import '.length))
      else if (text.startsWith('butterfly:engine '))
        engineLine = JSON.parse(text.slice('butterfly:engine '.length))
      else if (message.type() === 'error') errors.push(text)
    })
    page.on('pageerror', (error) => errors.push(error.message))

    await page.goto(url)
    await page.waitForURL(/\/w\/ws_/, { timeout: 60_000 })
    const input = page.getByLabel('Import a data file')
    await input.waitFor({ state: 'attached', timeout: 60_000 })
    if (!cold) {
      for (let waited = 0; !engineLine && waited < 120_000; waited += 50) await sleep(50)
      if (!engineLine)
        throw new BenchError(
          `the app did not report its data engine ready within 2 minutes (${(await page.getByTestId('engine-status').textContent()) ?? ''}; page errors: ${errors.join(' | ') || 'none'})`,
        )
    }

    const heapSampler = await HeapSampler.attach(page)
    const rssSampler = new RssSampler(browser.profileDir)
    heapSampler.start(100)
    rssSampler.start(100)
    const profiler = profileMain ? await startCpuProfile(page) : undefined
    const tracer = traceMain ? await startMainThreadTrace(page) : undefined
    const loadBefore = loadavg()
    const pageStart = await page.evaluate(() => performance.now())
    const start = performance.now()
    await input.setInputFiles(file)
    const handOff = performance.now() - start

    const rowCount = page.getByTestId('row-count')
    const alert = page.getByRole('alert')
    const outcome = await Promise.race([
      page
        .waitForURL(/\/datasets\/ds_/, { timeout: importTimeoutMs })
        .then(() =>
          expectedRows === undefined
            ? rowCount.filter({ hasText: /\d/ }).waitFor({ timeout: importTimeoutMs })
            : rowCount.filter({ hasText: expectedRows }).waitFor({ timeout: importTimeoutMs }),
        )
        .then(() => 'done' as const),
      alert.waitFor({ timeout: importTimeoutMs }).then(() => 'alert' as const),
    ])
    const total = performance.now() - start
    const pageEnd = await page.evaluate(() => performance.now())
    const loadAfter = loadavg()
    const rss = rssSampler.stop()
    const heap = await heapSampler.stop()
    if (outcome === 'alert')
      throw new BenchError(`the app refused the file: ${(await alert.textContent())?.trim()}`)
    // The CPU profile (--profile-main) and the trace (--trace-main) also cover the scroll, to name what
    // fills its long tasks.
    const scroll = await scrollToLastRow(page, expectedRows)
    const profile = await profiler?.stop()
    const tracedTasks = await tracer?.stop()
    const rowCountText = ((await rowCount.textContent()) ?? '').trim()
    for (let waited = 0; !importLine && waited < 5000; waited += 100) await sleep(100)
    if (!importLine)
      throw new BenchError(`no butterfly:import console line (page errors: ${errors.join(' | ') || 'none'})`)

    const tasks = await longTasksBetween(page, pageStart, pageEnd)
    const timings = importLine.timings
    let profilePath: string | undefined
    if (profile && profiler) {
      profilePath = join(tmpdir(), `bench-import-main-${Date.now()}.cpuprofile`)
      writeFileSync(profilePath, JSON.stringify(profile))
    }
    const hottest = (task: LongTask) =>
      profile && profiler
        ? hottestFrames(
            profile,
            task.startTime - profiler.pageStart,
            task.startTime - profiler.pageStart + task.duration,
          )
        : undefined
    return {
      cold,
      engine_startup_ms: engineLine?.startupMs,
      phases_ms: timings,
      deduplicated: importLine.deduplicated,
      // The app's wall time of the import when it reports one (its phases overlap), else the phase sum.
      import_ms:
        (timings as Record<string, number | undefined>).total ??
        (['hash', 'ingest', 'profile', 'store'] as const).reduce((s, p) => s + (timings[p] ?? 0), 0),
      scroll: scroll && {
        ...scroll,
        long_tasks: scroll.long_tasks.map((t) => ({
          start_ms: Math.round(t.startTime - pageStart),
          duration_ms: Math.round(t.duration),
          hottest: hottest(t),
        })),
      },
      total_ms: Math.round(total),
      hand_off_ms: Math.round(handOff),
      row_count_text: rowCountText,
      longest_task_ms: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
      long_tasks_over_100ms: tasks.filter((t) => t.duration > longTaskLimitMs).length,
      long_tasks: tasks
        .filter((t) => t.duration > longTaskLimitMs)
        .map((t) => ({
          start_ms: Math.round(t.startTime - pageStart),
          duration_ms: Math.round(t.duration),
          hottest: hottest(t),
        })),
      cpu_profile_path: profilePath,
      traced_tasks: tracedTasks,
      heap,
      rss,
      load_avg_before: loadBefore.map(round2),
      load_avg_after: loadAfter.map(round2),
    }
  } finally {
    await browser.close()
  }
}

const mb = (bytes: number) => Math.round((bytes / 1e6) * 10) / 10
const round2 = (x: number) => Math.round(x * 100) / 100

function report(
  run: RunResult,
  file: string,
  bytes: number,
  rows: number | undefined,
  pandas: number | undefined,
) {
  const pandasMs = pandas === undefined ? undefined : pandas * 1000
  const ingest = run.phases_ms.ingest
  return {
    file: basename(file),
    // For --file, the count the dataset page shows.
    rows: rows ?? (Number(run.row_count_text.replace(/[^0-9]/g, '')) || undefined),
    bytes,
    cold: run.cold,
    engine_startup_ms: run.engine_startup_ms,
    phases_ms: run.phases_ms,
    deduplicated: run.deduplicated,
    import_ms: run.import_ms,
    total_ms: run.total_ms,
    hand_off_ms: run.hand_off_ms,
    scroll: run.scroll,
    pandas_read_csv_s: pandas,
    ratio_ingest: pandasMs && ingest !== undefined ? round2(ingest / pandasMs) : null,
    ratio_total: pandasMs ? round2(run.import_ms / pandasMs) : null,
    ratio_wall: pandasMs ? round2(run.total_ms / pandasMs) : null,
    longest_task_ms: run.longest_task_ms,
    long_tasks_over_100ms: run.long_tasks_over_100ms,
    long_tasks: run.long_tasks,
    cpu_profile_path: run.cpu_profile_path,
    longest_task_cpu_ms: run.traced_tasks ? Math.max(0, ...run.traced_tasks.map((t) => t.cpuMs)) : undefined,
    traced_tasks: run.traced_tasks,
    peak_heap_mb: {
      page: mb(run.heap.page.heap),
      workers: mb(run.heap.workers.heap),
      total: mb(run.heap.total.heap),
    },
    peak_array_buffers_mb: {
      page: mb(run.heap.page.buffers),
      workers: mb(run.heap.workers.buffers),
      total: mb(run.heap.total.buffers),
    },
    peak_heap_per_worker_mb: Object.fromEntries(
      Object.entries(run.heap.perWorker).map(([name, p]) => [
        name,
        { heap: mb(p.heap), buffers: mb(p.buffers) },
      ]),
    ),
    heap_samples: run.heap.samples,
    chromium_cpu_s: round2(run.rss.cpuSeconds),
    peak_rss_mb: {
      sum: mb(run.rss.sumBytes),
      largest_process_hwm: mb(run.rss.maxProcessBytes),
      processes: run.rss.processes,
    },
    load_avg_before: run.load_avg_before,
    load_avg_after: run.load_avg_after,
  }
}

type Report = ReturnType<typeof report>

function printTable(r: Report, run: number): void {
  const line = (what: string, value: string, target = '', verdict = '') =>
    process.stdout.write(`${what.padEnd(34)}${value.padStart(14)}  ${target.padEnd(22)}${verdict}\n`)
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL')
  process.stdout.write(
    `\nrun ${run}: ${r.file} (${r.rows?.toLocaleString('en-US') ?? '?'} rows, ${mb(r.bytes)} MB), load ${r.load_avg_before.join(' ')} → ${r.load_avg_after.join(' ')}\n`,
  )
  line('measure', 'value', 'target', 'verdict')
  line(
    'data engine start (page open)',
    r.engine_startup_ms === undefined ? '-' : `${r.engine_startup_ms} ms`,
    '',
    r.cold ? '(file handed over while starting)' : '(file handed over once ready)',
  )
  // Known phases in order, then any other timing the app adds (say, the wait for the table engine).
  const timings = r.phases_ms as Record<string, number | undefined>
  const names = [...phases, ...Object.keys(timings).filter((name) => !phases.includes(name as Phase))]
  for (const name of names) line(`  phase ${name}`, `${timings[name] ?? '-'} ms`)
  const pandasMs = r.pandas_read_csv_s === undefined ? undefined : r.pandas_read_csv_s * 1000
  line(
    'ingest',
    `${r.phases_ms.ingest ?? '-'} ms`,
    pandasMs ? `≤ ${Math.round(pandasMs)} ms (pandas)` : 'no pandas number',
    `${verdict(r.ratio_ingest === null ? undefined : r.ratio_ingest <= 1)}${r.ratio_ingest === null ? '' : ` (${r.ratio_ingest}×)`}`,
  )
  line(
    'hash+ingest+profile+store',
    `${r.import_ms} ms`,
    pandasMs ? `≤ ${Math.round(2 * pandasMs)} ms (2× pandas)` : 'no pandas number',
    `${verdict(r.ratio_total === null ? undefined : r.ratio_total <= 2)}${r.ratio_total === null ? '' : ` (${r.ratio_total}×)`}`,
  )
  line(
    'wall: hand-off → row count shown',
    `${r.total_ms} ms`,
    '',
    r.ratio_wall === null ? '' : `(${r.ratio_wall}× pandas)`,
  )
  if (r.scroll) {
    line('grid: scroll 1st → last row', `${r.scroll.to_last_row_ms} ms`)
    line(
      '  longest task while scrolling',
      `${r.scroll.longest_task_ms} ms`,
      `≤ ${longTaskLimitMs} ms`,
      `${verdict(r.scroll.longest_task_ms <= longTaskLimitMs)} (${r.scroll.long_tasks_over_100ms} over ${longTaskLimitMs} ms)`,
    )
  }
  line(
    'longest main-thread task',
    `${r.longest_task_ms} ms`,
    `≤ ${longTaskLimitMs} ms`,
    `${verdict(r.longest_task_ms <= longTaskLimitMs)} (${r.long_tasks_over_100ms} over ${longTaskLimitMs} ms)`,
  )
  if (r.longest_task_cpu_ms !== undefined)
    line(
      '  … its main-thread CPU (trace)',
      `${r.longest_task_cpu_ms} ms`,
      `≤ ${longTaskLimitMs} ms`,
      `${verdict(r.longest_task_cpu_ms <= longTaskLimitMs)} (longest by CPU)`,
    )
  line('peak JS heap page / workers', `${r.peak_heap_mb.page} / ${r.peak_heap_mb.workers} MB`)
  line('peak JS heap page + workers', `${r.peak_heap_mb.total} MB`)
  line('peak ArrayBuffers (wasm) p + w', `${r.peak_array_buffers_mb.total} MB`)
  line('peak RSS of Chromium processes', `${r.peak_rss_mb.sum} MB`)
  line('CPU time of Chromium processes', `${r.chromium_cpu_s} s`, '', '(user + system, all cores)')
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const file = options.file ?? syntheticFile(options.rows)
  if (!existsSync(file)) throw new BenchError(`no file at ${file}`)
  const bytes = statSync(file).size
  const rows = options.file ? undefined : options.rows === '1m' ? 1_000_000 : 100_000
  let pandas = recordedPandasSeconds(file, bytes)
  let pandasLive: { wall: number; cpu: number } | undefined
  if (options.pandasLive || pandas === undefined) {
    pandasLive = livePandasSeconds(file)
    pandas ??= pandasLive?.wall
  }
  const outDir = ensureBuild(root, options.rebuild, 'bench-import')
  const port = await freePort()
  const server = await startPreview(root, port, { outDir })
  const reports: Report[] = []
  try {
    for (let run = 1; run <= options.runs; run++) {
      const result = await benchOnce(
        server.url,
        file,
        rows?.toLocaleString('en-US'),
        options.profileMain,
        options.traceMain,
        options.cold,
      )
      const r = report(result, file, bytes, rows, pandas)
      reports.push(r)
      printTable(r, run)
    }
  } finally {
    server.stop()
  }
  // The run with the median wall time speaks for the set; every run is kept under `runs`.
  const sorted = [...reports].sort((a, b) => a.total_ms - b.total_ms)
  const median = sorted[Math.floor((sorted.length - 1) / 2)]
  const summary = {
    ...median,
    // Timed on this machine just before the runs: wall seconds and the CPU seconds pandas used.
    pandas_read_csv_live_s: pandasLive === undefined ? undefined : round2(pandasLive.wall),
    pandas_read_csv_live_cpu_s: pandasLive === undefined ? undefined : round2(pandasLive.cpu),
    runs: reports.length > 1 ? reports : undefined,
  }
  process.stdout.write(`\n${JSON.stringify(summary, null, 2)}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench-import: ${error instanceof BenchError ? error.message : String(error instanceof Error ? error.stack : error)}\n`,
  )
  process.exitCode = 1
})
