/**
 * Scale benchmark, browser half (issue 16.7): the built app in headless Chromium imports the 10M-row
 * synthetic CSV through its file picker, as a person would, and reports per phase:
 *   hash, ingest   the app's own timings (`butterfly:import` console line);
 *   queryable      wall time from handing the file over until the dataset page shows its schema and row count;
 *   profile done   wall time until the page's profile is complete (the same moment as `queryable` when the
 *                  app profiles before it shows the page);
 * plus peak JS heap and ArrayBuffers (wasm memory) of the page and its workers, Chromium's RSS summed over
 * its processes, the main thread's longest task, and a scroll of the grid to its last row. In the same
 * sitting, pandas.read_csv on the same file (best of two, page cache warm) when /usr/bin/python3 has
 * pandas. Targets: queryable ≤ 1.5× pandas, whole import ≤ 2.5× pandas, Chromium RSS ≤ 2.5 GB.
 *
 * With --train, the same sitting then trains the table in the tab as a person would (New experiment on
 * `--target` (default target), Run with the default pipeline; `--large-cells N` sets the run setting "Stream
 * tables larger than N cells" first; `--gbdt` unchecks every candidate but gradient-boosted trees, the run the
 * 2.5 GB target names) and reports the run's wall time from the click, Chromium's CPU seconds
 * and peak RSS over it, whether it streamed, its metrics and its large-table phases.
 *
 * Usage: npm run bench:scale:browser [-- --file PATH] [--no-pandas] [--no-scroll] [--rebuild] [--screenshot] [--trace-main] [--dist FOLDER] [--train [--target COL] [--large-cells N] [--gbdt] [--collect-garbage MS]]
 * `--collect-garbage MS` (a diagnostic) forces a full collection in the page and every worker every MS ms
 * during the run, to tell memory awaiting a collection from memory still in use; each change of run phase
 * is also written to stderr with its epoch time, to line the run up with other samplers (/proc/PID/smaps).
 * Default file: butterfly_synthetic/synthetic_10m.csv in the OS temp folder (make it with
 * `/usr/bin/python3 ../shared/bench/make_synthetic.py --rows 10000000`). Prints a table, then JSON. Exits 0
 * when a target is missed (this is a measurement) and 1 on errors.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { Page } from '@playwright/test'
import {
  ensureBuild,
  freePort,
  type HeapPeaks,
  HeapSampler,
  launchBenchBrowser,
  longTasksBetween,
  observeLongTasks,
  type RssPeaks,
  RssSampler,
  scrollToLastRow,
  sleep,
  startMainThreadTrace,
  startPreview,
} from './lib/benchBrowser.ts'

const root = resolve(import.meta.dirname, '..')
const python = '/usr/bin/python3'
const defaultFile = join(tmpdir(), 'butterfly_synthetic', 'synthetic_10m.csv')
/** A hang guard only: 10M rows take minutes on a loaded 2-core machine. */
const timeoutMs = 40 * 60_000

interface Options {
  file: string
  pandas: boolean
  scroll: boolean
  rebuild: boolean
  screenshot: boolean
  /** A Chromium trace gives each long main-thread task its CPU time (a loaded machine stretches wall time). */
  traceMain: boolean
  /** Serve this built app instead of this checkout's (to bench a baseline build). */
  dist?: string
  /** Train the imported table in the tab afterwards (see the usage). */
  train: boolean
  target: string
  largeCells?: number
  /** Train gradient-boosted trees alone (the target's run: GBDT, its defaults) instead of the default candidates. */
  gbdt: boolean
  /** Diagnostic: force a full garbage collection in the page and every worker this often during the run (ms). */
  collectGarbageMs?: number
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    file: defaultFile,
    pandas: true,
    scroll: true,
    rebuild: false,
    screenshot: false,
    traceMain: false,
    train: false,
    target: 'target',
    gbdt: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--file') {
      const value = argv[++i]
      if (!value) throw new Error('--file needs a path')
      options.file = resolve(value)
    } else if (arg === '--no-pandas') options.pandas = false
    else if (arg === '--no-scroll') options.scroll = false
    else if (arg === '--rebuild') options.rebuild = true
    else if (arg === '--screenshot') options.screenshot = true
    else if (arg === '--trace-main') options.traceMain = true
    else if (arg === '--train') options.train = true
    else if (arg === '--gbdt') options.gbdt = true
    else if (arg === '--target') {
      const value = argv[++i]
      if (!value) throw new Error('--target needs a column name')
      options.target = value
    } else if (arg === '--large-cells') {
      const value = Number(argv[++i])
      if (!Number.isInteger(value) || value < 0)
        throw new Error('--large-cells needs a whole number of cells')
      options.largeCells = value
    } else if (arg === '--collect-garbage') {
      const value = Number(argv[++i])
      if (!Number.isInteger(value) || value <= 0) throw new Error('--collect-garbage needs milliseconds')
      options.collectGarbageMs = value
    } else if (arg === '--dist') {
      const value = argv[++i]
      if (!value) throw new Error('--dist needs a folder')
      options.dist = resolve(value)
    } else throw new Error(`unknown argument ${arg}`)
  }
  return options
}

/** pandas.read_csv wall seconds on this file now (best of two), or why there is none. */
function pandasSeconds(file: string): { wall?: number; note?: string } {
  const code = [
    'import sys, time, pandas as pd',
    'best = 1e9',
    'for _ in range(2):',
    '    t = time.perf_counter(); pd.read_csv(sys.argv[1]); best = min(best, time.perf_counter() - t)',
    'print(best)',
  ].join('\n')
  const run = spawnSync(python, ['-c', code, file], { encoding: 'utf8' })
  if (run.status !== 0) return { note: `no pandas number: ${run.stderr.trim().split('\n').pop()}` }
  return { wall: Number(run.stdout.trim()) }
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10
const round2 = (x: number) => Math.round(x * 100) / 100

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (!existsSync(options.file))
    throw new Error(
      `no file at ${options.file}: make it with /usr/bin/python3 ../shared/bench/make_synthetic.py --rows 10000000`,
    )
  const bytes = statSync(options.file).size
  const loadAtStart = loadavg().map(round2)
  // pandas first, while nothing else of ours runs: its number is the reference.
  const pandas = options.pandas ? pandasSeconds(options.file) : { note: 'skipped (--no-pandas)' }
  const outDir = options.dist ?? ensureBuild(root, options.rebuild, 'bench-scale-browser')
  const port = await freePort()
  const server = await startPreview(root, port, { outDir })
  const browser = await launchBenchBrowser()
  const { context, page } = browser
  try {
    await observeLongTasks(context)
    const errors: string[] = []
    let importLine: { timings: Record<string, number>; deduplicated: boolean } | undefined
    let profileLine: { timings: Record<string, number>; sampledRows?: number } | undefined
    let engineReady = false
    page.on('console', (message) => {
      const text = message.text()
      if (text.startsWith('butterfly:import '))
        importLine = JSON.parse(text.slice('butterfly:import '.length))
      else if (text.startsWith('butterfly:profile '))
        profileLine = JSON.parse(text.slice('butterfly:profile '.length))
      else if (text.startsWith('butterfly:engine ')) engineReady = true
      else if (message.type() === 'error') errors.push(text)
    })
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(server.url)
    await page.waitForURL(/\/w\/ws_/, { timeout: 60_000 })
    const input = page.getByLabel('Import a data file')
    await input.waitFor({ state: 'attached', timeout: 60_000 })
    for (let waited = 0; !engineReady && waited < 120_000; waited += 50) await sleep(50)

    const heap = await HeapSampler.attach(page)
    const rss = new RssSampler(browser.profileDir)
    heap.start(250)
    rss.start(250)
    const tracer = options.traceMain ? await startMainThreadTrace(page) : undefined
    const loadBefore = loadavg().map(round2)
    const pageStart = await page.evaluate(() => performance.now())
    const started = performance.now()
    await input.setInputFiles(options.file)
    const alert = page.getByRole('alert')
    const rowCount = page.getByTestId('row-count').filter({ hasText: /\d/ })
    const outcome = await Promise.race([
      page
        .waitForURL(/\/datasets\/ds_/, { timeout: timeoutMs })
        .then(() => rowCount.waitFor({ timeout: timeoutMs }))
        .then(() => page.getByRole('table', { name: 'Schema and profile' }).waitFor({ timeout: timeoutMs }))
        .then(() => 'shown' as const),
      alert.waitFor({ timeout: timeoutMs }).then(() => 'alert' as const),
    ])
    if (outcome === 'alert')
      throw new Error(`the app refused the file: ${(await alert.textContent())?.trim()}`)
    const queryableMs = performance.now() - started
    // An app that profiles in the background marks the profile with its state; one that profiles before
    // showing the page has none, and its profile is done when the page shows.
    const status = page.getByTestId('profile-status')
    const background = (await status.count()) > 0
    let screenshotQueryable: string | undefined
    const shots = join(root, 'test-results', 'bench-scale')
    if (options.screenshot) {
      mkdirSync(shots, { recursive: true })
      screenshotQueryable = join(shots, 'queryable.png')
      await page.screenshot({ path: screenshotQueryable, fullPage: false })
    }
    if (background)
      await page.locator('[data-testid="profile-status"][data-state="done"]').waitFor({ timeout: timeoutMs })
    const profileDoneMs = performance.now() - started
    const pageEnd = await page.evaluate(() => performance.now())
    const loadAfter = loadavg().map(round2)
    const peaks = await heap.stop()
    const rssPeaks = rss.stop()
    const traced = await tracer?.stop()
    let screenshotDone: string | undefined
    if (options.screenshot) {
      screenshotDone = join(shots, 'profiled.png')
      await page.screenshot({ path: screenshotDone, fullPage: true })
    }
    const rowText = ((await page.getByTestId('row-count').textContent()) ?? '').trim()
    const scroll = options.scroll ? await scrollToLastRow(page, rowText) : undefined
    const tasks = await longTasksBetween(page, pageStart, pageEnd)
    for (let waited = 0; !importLine && waited < 5000; waited += 100) await sleep(100)
    const training = options.train ? await trainInTab(page, browser.profileDir, options, shots) : undefined
    const phases = importLine?.timings ?? {}
    const pandasMs = pandas.wall === undefined ? undefined : pandas.wall * 1000
    const ratio = (ms: number) => (pandasMs ? round2(ms / pandasMs) : null)
    const result = {
      file: basename(options.file),
      bytes,
      rows: Number(rowText.replace(/[^0-9]/g, '')) || undefined,
      profile_in_background: background,
      phases_ms: {
        hash: phases.hash,
        ingest: phases.ingest,
        queryable: Math.round(queryableMs),
        profile_done: Math.round(profileDoneMs),
      },
      app_import_timings_ms: phases,
      app_profile_timings_ms: profileLine?.timings,
      profile_sampled_rows: profileLine?.sampledRows,
      pandas_read_csv_s: pandas.wall === undefined ? undefined : round2(pandas.wall),
      pandas_note: pandas.note,
      ratio_queryable_vs_pandas: ratio(queryableMs),
      ratio_profile_done_vs_pandas: ratio(profileDoneMs),
      peak_js_heap_mb: {
        page: mb(peaks.page.heap),
        workers: mb(peaks.workers.heap),
        total: mb(peaks.total.heap),
      },
      peak_array_buffers_mb: {
        page: mb(peaks.page.buffers),
        workers: mb(peaks.workers.buffers),
        total: mb(peaks.total.buffers),
      },
      peak_per_worker_mb: Object.fromEntries(
        Object.entries(peaks.perWorker).map(([name, p]) => [
          name,
          { heap: mb(p.heap), buffers: mb(p.buffers) },
        ]),
      ),
      peak_chromium_rss_mb: mb(rssPeaks.sumBytes),
      peak_chromium_pss_mb: mb(rssPeaks.pssBytes),
      peak_chromium_unique_mb: mb(rssPeaks.uniqueBytes),
      peak_largest_process_rss_mb: mb(rssPeaks.maxProcessBytes),
      largest_process: rssPeaks.maxProcessKind,
      peak_rss_per_process_mb: Object.fromEntries(
        Object.entries(rssPeaks.perKindBytes ?? {}).map(([kind, bytes]) => [kind, mb(bytes)]),
      ),
      chromium_cpu_s: round2(rssPeaks.cpuSeconds),
      longest_main_thread_task_ms: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
      main_thread_tasks_over_100ms: tasks.filter((t) => t.duration > 100).length,
      /** Main-thread tasks over 50 ms, from the hand-off (compare with the phases to place them). */
      long_tasks: tasks
        .filter((t) => t.duration > 50)
        .map((t) => ({ at_ms: Math.round(t.startTime - pageStart), ms: Math.round(t.duration) })),
      scroll: scroll && {
        to_last_row_ms: scroll.to_last_row_ms,
        longest_task_ms: scroll.longest_task_ms,
        long_tasks_over_100ms: scroll.long_tasks_over_100ms,
      },
      traced_tasks: traced,
      training,
      screenshots: [screenshotQueryable, screenshotDone, training?.screenshot].filter(Boolean),
      page_errors: errors,
      load_avg: { at_start: loadAtStart, before_import: loadBefore, after_import: loadAfter },
    }
    printTable(result)
    if (training) printTraining(training)
    process.stdout.write(`\n${JSON.stringify(result, null, 2)}\n`)
  } finally {
    await browser.close()
    server.stop()
  }
}

function printTable(r: {
  file: string
  rows?: number
  bytes: number
  phases_ms: Record<string, number | undefined>
  pandas_read_csv_s?: number
  pandas_note?: string
  ratio_queryable_vs_pandas: number | null
  ratio_profile_done_vs_pandas: number | null
  peak_js_heap_mb: { total: number }
  peak_array_buffers_mb: { total: number }
  peak_chromium_rss_mb: number
  peak_chromium_pss_mb: number
  peak_chromium_unique_mb: number
  peak_largest_process_rss_mb: number
  longest_main_thread_task_ms: number
  scroll?: { to_last_row_ms: number; longest_task_ms: number }
  load_avg: { before_import: number[]; after_import: number[] }
}): void {
  const line = (what: string, value: string, target = '', verdict = '') =>
    process.stdout.write(`${what.padEnd(30)}${value.padStart(14)}  ${target.padEnd(24)}${verdict}\n`)
  const verdict = (ratio: number | null, limit: number) =>
    ratio === null ? 'n/a' : `${ratio <= limit ? 'PASS' : 'FAIL'} (${ratio}× pandas)`
  process.stdout.write(
    `\n${r.file}: ${r.rows?.toLocaleString('en-US') ?? '?'} rows, ${mb(r.bytes)} MB; load ${r.load_avg.before_import.join(' ')} → ${r.load_avg.after_import.join(' ')}\n`,
  )
  line('measure', 'value', 'target', 'verdict')
  line('phase hash', `${r.phases_ms.hash ?? '-'} ms`)
  line('phase ingest', `${r.phases_ms.ingest ?? '-'} ms`)
  line(
    'queryable (page shows rows)',
    `${r.phases_ms.queryable} ms`,
    '≤ 1.5× pandas',
    verdict(r.ratio_queryable_vs_pandas, 1.5),
  )
  line(
    'profile done',
    `${r.phases_ms.profile_done} ms`,
    '≤ 2.5× pandas',
    verdict(r.ratio_profile_done_vs_pandas, 2.5),
  )
  line(
    'pandas read_csv',
    r.pandas_read_csv_s === undefined ? '-' : `${r.pandas_read_csv_s} s`,
    r.pandas_note ?? '',
  )
  line('peak JS heap (page+workers)', `${r.peak_js_heap_mb.total} MB`)
  line('peak ArrayBuffers (wasm)', `${r.peak_array_buffers_mb.total} MB`)
  memoryLines(r, line)
  line('largest process RSS (HWM)', `${r.peak_largest_process_rss_mb} MB`)
  line('longest main-thread task', `${r.longest_main_thread_task_ms} ms`, '≤ 50 ms')
  if (r.scroll)
    line(
      'grid: scroll to last row',
      `${r.scroll.to_last_row_ms} ms`,
      '',
      `longest task ${r.scroll.longest_task_ms} ms`,
    )
}

/**
 * From the dataset page: New experiment on `options.target`, the streaming threshold when asked, Run; waits
 * for the run to end and measures it (wall time from the click, Chromium's CPU and RSS over it).
 */
async function trainInTab(page: Page, profileDir: string, options: Options, shots: string) {
  if (options.largeCells !== undefined)
    await page.evaluate(
      (cells) => localStorage.setItem('butterfly.largeCells', String(cells)),
      options.largeCells,
    )
  await page.getByRole('button', { name: 'New experiment' }).click()
  const dialog = page.getByRole('dialog', { name: /^New experiment on / })
  await dialog.getByLabel('Target column').waitFor({ timeout: timeoutMs })
  await dialog.getByLabel('Target column').selectOption(options.target)
  await dialog.getByRole('button', { name: 'Create' }).click()
  await page.waitForURL(/\/experiments\/exp_/, { timeout: timeoutMs })
  if (options.gbdt) {
    // As a person picks one model: the Model Selection block's candidates, all but gradient-boosted trees off.
    const candidates = page.getByRole('group', { name: 'Candidate models' })
    await candidates.getByRole('checkbox', { name: 'Automatic choice' }).uncheck()
    for (const family of ['Logistic / softmax regression', 'Multilayer perceptron', 'Random forest'])
      await candidates.getByRole('checkbox', { name: family }).uncheck()
  }
  const heap = await HeapSampler.attach(page)
  const rss = new RssSampler(profileDir)
  heap.start(250)
  rss.start(250)
  if (options.collectGarbageMs) heap.collectGarbageEvery(options.collectGarbageMs)
  const loadBefore = loadavg().map(round2)
  const pageStart = await page.evaluate(() => performance.now())
  const started = performance.now()
  heap.phase = 'start'
  rss.phase = 'start'
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await page.waitForURL(/\/runs\/run_/, { timeout: timeoutMs })
  const status = page.getByTestId('run-status')
  const ended = status.filter({ hasText: /^(completed|failed|cancelled)$/ }).waitFor({ timeout: timeoutMs })
  // The run's phase from its progress card, so that each sample counts toward the phase it was taken in.
  let done = false
  const phaseWatch = ended.finally(() => {
    done = true
  })
  const phaseTimes: Record<string, number> = {}
  while (!done) {
    const card = await page
      .locator('[aria-live="polite"] p')
      .first()
      .textContent({ timeout: 2000 })
      .catch(() => null)
    const phase = card === null ? (done ? 'end' : heap.phase) : runPhase(card)
    if (phase !== heap.phase) {
      heap.phase = phase
      rss.phase = phase
      process.stderr.write(`bench-scale-browser: phase ${phase} at ${Date.now()}\n`)
    }
    phaseTimes[phase] ??= Math.round(performance.now() - started)
    await Promise.race([phaseWatch, sleep(250)])
  }
  await ended
  heap.phase = 'end'
  rss.phase = 'end'
  const wallMs = performance.now() - started
  const pageEnd = await page.evaluate(() => performance.now())
  const loadAfter = loadavg().map(round2)
  const peaks = await heap.stop()
  const rssPeaks = rss.stop()
  const tasks = await longTasksBetween(page, pageStart, pageEnd)
  const outcome = ((await status.textContent()) ?? '').trim()
  const log = ((await page.getByRole('log', { name: 'Run log' }).textContent()) ?? '').trim()
  const metrics: Record<string, number> = {}
  for (const cell of await page.locator('[data-metric]').all()) {
    const name = await cell.getAttribute('data-metric')
    const value = Number(await cell.textContent())
    if (name && Number.isFinite(value)) metrics[name] = value
  }
  const failure =
    outcome === 'completed' ? undefined : (await page.getByRole('main').textContent())?.slice(0, 400)
  mkdirSync(shots, { recursive: true })
  const screenshot = join(shots, 'trained.png')
  await page.screenshot({ path: screenshot })
  return {
    status: outcome,
    failure,
    streamed: log.includes('Large table:'),
    large_cells: options.largeCells ?? null,
    wall_ms: Math.round(wallMs),
    chromium_cpu_s: round2(rssPeaks.cpuSeconds),
    peak_chromium_rss_mb: mb(rssPeaks.sumBytes),
    peak_chromium_pss_mb: mb(rssPeaks.pssBytes),
    peak_chromium_unique_mb: mb(rssPeaks.uniqueBytes),
    peak_largest_process_rss_mb: mb(rssPeaks.maxProcessBytes),
    peak_rss_per_process_mb: Object.fromEntries(
      Object.entries(rssPeaks.perKindBytes ?? {}).map(([kind, bytes]) => [kind, mb(bytes)]),
    ),
    peak_js_heap_mb: {
      page: mb(peaks.page.heap),
      workers: mb(peaks.workers.heap),
      total: mb(peaks.total.heap),
    },
    peak_array_buffers_mb: mb(peaks.total.buffers),
    longest_main_thread_task_ms: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
    /** Main-thread tasks over 50 ms during the run, from the click on Run (the run page's rendering included). */
    long_tasks: tasks
      .filter((t) => t.duration > 50)
      .map((t) => ({ at_ms: Math.round(t.startTime - pageStart), ms: Math.round(t.duration) })),
    metrics,
    /** Peaks per phase of the run (from its progress card): Chromium's RSS sum and per process, JS heap and ArrayBuffers per worker. */
    phase_peaks: phasePeaks(rssPeaks, peaks, phaseTimes),
    large_table_phases: log.match(/Large-table phases: [^\n[]*/)?.[0]?.trim(),
    memory_line: log.match(/Memory estimate: [^\n[]*/)?.[0]?.trim(),
    load_avg: { before: loadBefore, after: loadAfter },
    screenshot,
  }
}

/** The run's phase from its progress card's text ("Training · fitting GBDT · iteration 3"). */
function runPhase(card: string): string {
  if (card.startsWith('Starting')) return 'start'
  // The card names no message for preprocessing: its phase is the read and sample pass (and the sample's recipe).
  if (card.startsWith('Preprocessing')) return 'read'
  if (card.startsWith('Feature') || card.startsWith('Model Selection')) return 'select'
  // Binning (and the bin edges before it) until the fit reports its first iteration.
  if (card.startsWith('Training')) return card.includes('iteration') ? 'fit' : 'bin'
  if (card.startsWith('Evaluation')) return 'evaluate'
  if (card.startsWith('Explainability')) return 'explain'
  return 'other'
}

/** Per phase, in the order the run went through them: when it began (ms from the click) and its peaks in MB. */
function phasePeaks(rss: RssPeaks, heap: HeapPeaks, began: Record<string, number>) {
  const names = [...new Set([...Object.keys(began), ...Object.keys(rss.phases), ...Object.keys(heap.phases)])]
  names.sort((a, b) => (began[a] ?? Number.POSITIVE_INFINITY) - (began[b] ?? Number.POSITIVE_INFINITY))
  return Object.fromEntries(
    names.map((name) => {
      const r = rss.phases[name]
      const h = heap.phases[name]
      return [
        name,
        {
          began_ms: began[name],
          chromium_rss_mb: r ? mb(r.sumBytes) : undefined,
          rss_per_process_mb: r
            ? Object.fromEntries(Object.entries(r.perKindBytes).map(([kind, bytes]) => [kind, mb(bytes)]))
            : undefined,
          js_heap_mb: h ? mb(h.total.heap) : undefined,
          array_buffers_mb: h ? mb(h.total.buffers) : undefined,
          per_worker_mb: h
            ? Object.fromEntries(
                Object.entries(h.perWorker).map(([w, p]) => [
                  w,
                  { heap: mb(p.heap), buffers: mb(p.buffers) },
                ]),
              )
            : undefined,
        },
      ]
    }),
  )
}

/**
 * Chromium's memory, three ways. The target (≤ 2.5 GB) is judged on its resident set: the distinct
 * physical pages its processes hold, each counted once. Summing each process's RSS counts a page once
 * per process that maps it (Chromium's own code in every process, the shared-memory buffers between the
 * renderer and the browser); PSS splits shared pages among every process that maps them, Chromium's or
 * not. Without root (no page frame numbers) the RSS sum judges it instead.
 */
function memoryLines(
  r: { peak_chromium_rss_mb: number; peak_chromium_pss_mb: number; peak_chromium_unique_mb: number },
  line: (what: string, value: string, target?: string, verdict?: string) => void,
): void {
  const judged = r.peak_chromium_unique_mb > 0 ? r.peak_chromium_unique_mb : r.peak_chromium_rss_mb
  const verdict = judged <= 2500 ? 'PASS' : 'FAIL'
  if (r.peak_chromium_unique_mb > 0)
    line(
      'peak Chromium resident set',
      `${r.peak_chromium_unique_mb} MB`,
      '≤ 2500 MB',
      `${verdict} (each page once)`,
    )
  line(
    'peak Chromium RSS (sum)',
    `${r.peak_chromium_rss_mb} MB`,
    r.peak_chromium_unique_mb > 0 ? '' : '≤ 2500 MB',
    r.peak_chromium_unique_mb > 0 ? '(shared pages once per process)' : verdict,
  )
  line('peak Chromium PSS (sum)', `${r.peak_chromium_pss_mb} MB`, '', '(shared pages split among sharers)')
}

function printTraining(t: Awaited<ReturnType<typeof trainInTab>>): void {
  process.stdout.write(
    `\ntraining in the tab (${t.streamed ? 'streamed' : 'loaded whole'}; load ${t.load_avg.before.join(' ')} → ${t.load_avg.after.join(' ')}): ${t.status}\n`,
  )
  const line = (what: string, value: string) =>
    process.stdout.write(`${what.padEnd(30)}${value.padStart(14)}\n`)
  line('run wall (click → end)', `${t.wall_ms} ms`)
  line('Chromium CPU over the run', `${t.chromium_cpu_s} s`)
  memoryLines(t, (what, value, target = '', verdict = '') =>
    process.stdout.write(`${what.padEnd(30)}${value.padStart(14)}  ${target.padEnd(22)}${verdict}\n`),
  )
  line('largest process RSS (HWM)', `${t.peak_largest_process_rss_mb} MB`)
  line('peak JS heap (page+workers)', `${t.peak_js_heap_mb.total} MB`)
  line('longest main-thread task', `${t.longest_main_thread_task_ms} ms`)
  for (const [name, value] of Object.entries(t.metrics)) line(`metric ${name}`, String(value))
  for (const [name, p] of Object.entries(t.phase_peaks)) {
    const renderer = Math.max(
      0,
      ...Object.entries(p.rss_per_process_mb ?? {})
        .filter(([kind]) => kind.startsWith('renderer'))
        .map(([, v]) => v),
    )
    line(`phase ${name}`, `${p.chromium_rss_mb ?? '-'} MB`)
    process.stdout.write(
      `${''.padEnd(30)}largest renderer ${renderer} MB, JS heap ${p.js_heap_mb ?? '-'} MB, ArrayBuffers ${p.array_buffers_mb ?? '-'} MB\n`,
    )
  }
  if (t.large_table_phases) process.stdout.write(`${t.large_table_phases}\n`)
  if (t.failure) process.stdout.write(`failure: ${t.failure}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-scale-browser: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
