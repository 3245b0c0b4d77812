/**
 * Dask scale check: a Butterfly GBDT run (headless, the app's engine) on the first N rows of the
 * 10,000,000-row synthetic file, its exported Dask job run on the same N rows (the run's own test rows:
 * the metrics to compare), then the same job on the whole 10M-row file (a seeded hold-out) on a
 * LocalCluster. Reports wall time, the job's fit time, peak memory per worker and the metrics beside
 * Butterfly's own.
 *
 * Usage: npm run bench:dask [-- --data PATH] [--run-rows N] [--workers N] [--model FAMILY] [--skip-full]
 *   --data PATH    the big CSV (default: synthetic_10m.csv of ../shared/bench/make_synthetic.py in the OS
 *                  temp folder, generated once, about 1.6 GB and a few minutes)
 *   --run-rows N   rows of Butterfly's own run (default 200000; the browser engine's comfortable size)
 *   --workers N    LocalCluster workers (default 2), one thread each
 * Prints a table, then JSON. Exits 1 on errors.
 */
import { spawnSync } from 'node:child_process'
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { exportDask } from '../src/cli/exportDask.ts'
import { parseArgs, runHeadless } from '../src/cli/headless.ts'

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback
}
const syntheticDir = join(tmpdir(), 'butterfly_synthetic')
const data = resolve(option('--data', join(syntheticDir, 'synthetic_10m.csv')))
const runRows = Number(option('--run-rows', '200000'))
const workers = option('--workers', '2')
const model = option('--model', 'gbdt')
const python = '/usr/bin/python3'

/** The first `rows` data rows of `source` (and its header) into `target`. */
async function head(source: string, target: string, rows: number): Promise<void> {
  const out = createWriteStream(target)
  const lines = createInterface({ input: createReadStream(source), crlfDelay: Number.POSITIVE_INFINITY })
  let n = -1
  for await (const line of lines) {
    out.write(`${line}\n`)
    if (++n >= rows) break
  }
  lines.close()
  await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())))
}

interface JobResult {
  wall_s: number
  report: {
    split: string
    training_rows: number
    test_rows: number
    fit_seconds: number
    wall_seconds: number
    worker_peak_rss_mb: Record<string, number>
    metrics: Record<string, number | null>
  }
}

function runJob(jobDir: string, dataPath: string, out: string): JobResult {
  const started = performance.now()
  const result = spawnSync(python, ['dask_job.py', '--data', dataPath, '--workers', workers, '--out', out], {
    cwd: jobDir,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    maxBuffer: 1 << 26,
  })
  const wall = (performance.now() - started) / 1000
  if (result.status !== 0)
    throw new Error(`dask_job.py failed (${result.status}):\n${result.stderr.slice(-4000)}`)
  return { wall_s: wall, report: JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) }
}

async function main(): Promise<void> {
  if (!existsSync(data)) {
    if (process.argv.includes('--data')) throw new Error(`No file ${data}`)
    console.error(`generating ${data} (10,000,000 rows, about 1.6 GB; minutes)…`)
    const made = spawnSync(
      python,
      [resolve('../shared/bench/make_synthetic.py'), '--rows', '10000000', '--out', syntheticDir],
      { stdio: 'inherit' },
    )
    if (made.status !== 0) throw new Error('make_synthetic.py failed')
  }
  const dir = await mkdtemp(join(tmpdir(), 'butterfly-bench-dask-'))
  const sample = join(dir, `synthetic_head${runRows}.csv`)
  await head(data, sample, runRows)

  console.error(`Butterfly ${model} run on the first ${runRows} rows…`)
  const started = performance.now()
  const bundle = join(dir, 'run.butterfly.zip')
  const run = await runHeadless(
    parseArgs([
      'run',
      '--data',
      sample,
      '--target',
      'target',
      '--model',
      model,
      '--out',
      join(dir, 'run.json'),
      '--bundle',
      bundle,
    ]),
  )
  if (run.exitCode !== 0) throw new Error(run.message)
  const butterflyWall = (performance.now() - started) / 1000
  const butterfly = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))
  const jobDir = join(dir, 'job')
  await exportDask({ bundle, out: jobDir })

  console.error('Dask job on the same rows (the run’s own test rows)…')
  const same = runJob(jobDir, sample, join(dir, 'out-same'))
  let full: JobResult | undefined
  if (!process.argv.includes('--skip-full')) {
    console.error(`Dask job on ${data} (seeded hold-out)…`)
    full = runJob(jobDir, data, join(dir, 'out-full'))
  }

  const names = ['accuracy', 'roc_auc', 'f1_macro', 'log_loss']
  const fmt = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(4) : '—')
  const rows = [
    ['', 'rows (train/test)', 'wall s', 'fit s', 'peak MB per worker', ...names],
    [
      `Butterfly ${model} (headless)`,
      `${butterfly.n_train}/${butterfly.n_test}`,
      butterflyWall.toFixed(1),
      String(butterfly.timings?.fit_s?.toFixed?.(1) ?? '—'),
      '—',
      ...names.map((n) => fmt(butterfly.metrics[n])),
    ],
    ...[
      ['Dask job, same rows', same],
      ['Dask job, 10M file', full],
    ]
      .filter((entry): entry is [string, JobResult] => entry[1] !== undefined)
      .map(([label, job]) => [
        label,
        `${job.report.training_rows}/${job.report.test_rows} (${job.report.split})`,
        job.wall_s.toFixed(1),
        job.report.fit_seconds.toFixed(1),
        Object.values(job.report.worker_peak_rss_mb)
          .map((mb) => mb.toFixed(0))
          .join(' / '),
        ...names.map((n) => fmt(job.report.metrics[n])),
      ]),
  ]
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)))
  for (const r of rows) console.log(r.map((cell, j) => cell.padEnd(widths[j])).join('  '))
  console.log(
    JSON.stringify(
      {
        data,
        run_rows: runRows,
        workers: Number(workers),
        model,
        load_average_at_end: loadavg(),
        butterfly: { wall_s: butterflyWall, metrics: butterfly.metrics, timings: butterfly.timings },
        dask_same_rows: same,
        dask_full: full ?? null,
      },
      null,
      1,
    ),
  )
}

main().catch((error) => {
  console.error(`bench:dask: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
