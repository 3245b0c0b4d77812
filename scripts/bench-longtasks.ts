/**
 * Main-thread long tasks along the flow a person walks (issue 13.20): open the app → import a table →
 * new experiment → run (until completed) → the run page drawn (every chart scrolled into view) → compare
 * two runs. Prints the longest main-thread task of each step (the Long Tasks API reports every task over
 * 50 ms) as JSON and as a table. Target: no task over 50 ms.
 *
 *   npm run build && npm run bench:longtasks -- [--file tests/fixtures/datasets/iris.csv] [--out result.json] [--profile] [--trace] [--dist dir]
 *
 * One sitting on a shared 2-core machine varies by ±25%: compare builds in the same sitting.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import type { Page } from '@playwright/test'
import {
  freePort,
  hottestFrames,
  type LongTask,
  launchBenchBrowser,
  longTasksBetween,
  observeLongTasks,
  startCpuProfile,
  startMainThreadTrace,
  startPreview,
  type TracedTask,
} from './lib/benchBrowser.ts'

const args = process.argv.slice(2)
const option = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const root = resolve(import.meta.dirname, '..')
const file = resolve(root, option('--file') ?? 'tests/fixtures/datasets/iris.csv')
const outPath = option('--out')
/** A build other than dist/ (e.g. a copy of the previous build, to compare in the same sitting). */
const outDir = option('--dist')
/** With --profile, each step's longest task comes with the functions that filled it. */
const profile = args.includes('--profile')
/**
 * With --trace, each step also lists the main thread's tasks over 50 ms from a Chromium trace, with the
 * thread's own CPU time (far below the wall time: the OS ran other programs) and the events that filled them.
 */
const trace = args.includes('--trace')
const limitMs = 50

interface StepResult {
  step: string
  wall_ms: number
  long_tasks: number
  longest_task_ms: number
  tasks_ms: number[]
  longest_task_frames?: { frame: string; self_ms: number }[]
  traced_tasks?: TracedTask[]
}

const now = (page: Page) => page.evaluate(() => performance.now())

/**
 * Runs `walk` and collects the long tasks it caused. `navigates`: the step loads a new document, whose
 * clock starts at 0 (so the window is that document's whole life).
 */
async function step(
  page: Page,
  name: string,
  results: StepResult[],
  walk: () => Promise<void>,
  navigates = false,
) {
  const profiler = profile && !navigates ? await startCpuProfile(page) : undefined
  const tracer = trace ? await startMainThreadTrace(page) : undefined
  const from = navigates ? 0 : await now(page)
  await walk()
  // Let tasks queued by the last change finish before closing the window.
  await page.waitForTimeout(500)
  const to = await now(page)
  const traced = await tracer?.stop()
  const tasks: LongTask[] = await longTasksBetween(page, from, to)
  const cpu = await profiler?.stop()
  const longest = tasks.reduce<LongTask | undefined>(
    (a, t) => (!a || t.duration > a.duration ? t : a),
    undefined,
  )
  results.push({
    ...(cpu && profiler && longest
      ? {
          longest_task_frames: hottestFrames(
            cpu,
            longest.startTime - profiler.pageStart,
            longest.startTime - profiler.pageStart + longest.duration,
            8,
          ),
        }
      : {}),
    ...(traced ? { traced_tasks: traced } : {}),
    step: name,
    wall_ms: Math.round(to - from),
    long_tasks: tasks.length,
    longest_task_ms: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
    tasks_ms: tasks.map((t) => Math.round(t.duration)).sort((a, b) => b - a),
  })
}

async function runToCompletion(page: Page) {
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await page.waitForURL(/\/runs\/run_/)
  await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor({ timeout: 300_000 })
}

/** Scrolls the run page to the bottom in screen-sized steps, as a reader would, and back to the top. */
async function readRunPage(page: Page) {
  await page.getByRole('heading', { name: 'Evaluation plots' }).waitFor()
  const height = await page.evaluate(() => document.documentElement.scrollHeight)
  const viewport = page.viewportSize()?.height ?? 720
  for (let y = 0; y < height; y += viewport) {
    await page.evaluate((top) => window.scrollTo(0, top), y)
    await page.waitForTimeout(150)
  }
  await page.evaluate(() => window.scrollTo(0, 0))
}

async function main() {
  const port = await freePort()
  const preview = await startPreview(root, port, outDir ? { outDir: resolve(outDir) } : {})
  const browser = await launchBenchBrowser()
  const { context, page } = browser
  const results: StepResult[] = []
  try {
    await observeLongTasks(context)
    await page.goto(`${preview.url}/`)
    await page.waitForURL(/\/w\/ws_/)
    await page.getByRole('heading', { level: 1 }).waitFor()

    await step(page, 'import', results, async () => {
      await page
        .getByLabel('Import a data file')
        .setInputFiles({ name: basename(file), mimeType: 'text/csv', buffer: readFileSync(file) })
      await page.waitForURL(/\/datasets\/ds_/, { timeout: 120_000 })
      await page.getByRole('heading', { level: 1 }).waitFor()
    })
    await step(page, 'experiment', results, async () => {
      await page.getByRole('button', { name: 'New experiment' }).click()
      // The confirm dialog shows the suggested task; Create accepts it.
      const dialog = page.getByRole('dialog', { name: /^New experiment on / })
      await dialog.getByLabel('Target column').waitFor({ timeout: 60_000 })
      await dialog.getByRole('button', { name: 'Create' }).click()
      await page.waitForURL(/\/experiments\/exp_/, { timeout: 60_000 })
      await page.getByRole('button', { name: 'Run', exact: true }).waitFor()
    })
    const experimentUrl = page.url()
    await step(page, 'run (until completed)', results, () => runToCompletion(page))
    const firstRun = page.url().split('/runs/')[1]
    await step(page, 'run page (scrolled through)', results, () => readRunPage(page))
    await page.goto(experimentUrl)
    await runToCompletion(page)
    const secondRun = page.url().split('/runs/')[1]
    const workspace = page.url().split('/w/')[1].split('/')[0]
    await step(
      page,
      'compare (page load)',
      results,
      async () => {
        await page.goto(`${preview.url}/w/${workspace}/compare?runs=${firstRun},${secondRun}`)
        await page.getByRole('heading', { name: 'Compare runs' }).waitFor()
        await page.waitForTimeout(1500)
      },
      true,
    )
  } finally {
    await browser.close()
    preview.stop()
  }

  const report = { dataset: basename(file), limit_ms: limitMs, steps: results }
  const json = JSON.stringify(report, null, 1)
  if (outPath) writeFileSync(outPath, json)
  console.log(json)
  for (const r of results)
    if (r.longest_task_frames) console.log(`\n${r.step}: longest task filled by`, r.longest_task_frames)
  for (const r of results)
    if (r.traced_tasks) console.log(`\n${r.step}: traced tasks over 50 ms`, JSON.stringify(r.traced_tasks))
  console.log(`\nLongest main-thread task per step (${basename(file)}; target ≤ ${limitMs} ms)`)
  console.log('step                          longest   tasks >50 ms   wall')
  for (const r of results)
    console.log(
      `${r.step.padEnd(30)}${`${r.longest_task_ms} ms`.padStart(7)}   ${String(r.long_tasks).padStart(12)}   ${(r.wall_ms / 1000).toFixed(1)} s`,
    )
}

await main()
