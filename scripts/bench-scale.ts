/**
 * Issue 16's headless scale benchmark: `butterfly run` through the large-table path (forced with
 * --large-cells 1 so both sizes take the same path) on the synthetic 1M- and 10M-row files: GBDT with 100
 * iterations × 31 leaves, no early stopping. Per phase: open (count rows, hash, profile sample), read and
 * sample, bin, fit, evaluate, explain; total wall time and peak RSS (from /usr/bin/time). Beside it, in the
 * same sitting: pandas read_csv on the same file, and scikit-learn HistGradientBoosting (one thread, 100
 * iterations, 31 leaves, no early stopping) fitted on the first 1M rows, with its time × 10 as the
 * linear-scaling reference for 10M rows (a reference, not a measurement) and its accuracy on the next 200k.
 * Python parts are skipped when /usr/bin/python3 lacks pandas or scikit-learn. Prints JSON (also --out FILE)
 * and a table, with the load average: on the shared 2-core machine timings are noisy.
 *
 * npm run bench:scale -- [--sizes 1m,10m] [--dir DIR (default: the OS temp folder/butterfly_synthetic)] [--out bench-results/scale.json] [--no-python]
 * (make the files with /usr/bin/python3 ../shared/bench/make_synthetic.py [--rows 10000000])
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../', import.meta.url).pathname
const argValue = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const sizes = (argValue('--sizes') ?? '1m,10m').split(',')
const dir = argValue('--dir') ?? join(tmpdir(), 'butterfly_synthetic')
const outPath = argValue('--out')
const python = '/usr/bin/python3'
const withPython =
  !process.argv.includes('--no-python') &&
  spawnSync(python, ['-c', 'import sklearn, pandas, numpy'], { encoding: 'utf8' }).status === 0
const work = mkdtempSync(join(tmpdir(), 'bench-scale-'))
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

const pipeline = join(work, 'gbdt100.json')
writeFileSync(
  pipeline,
  JSON.stringify({
    blocks: [
      {
        type: 'model_selection',
        config: {
          candidates: [
            { family: 'gbdt', hyperparameters: { max_iter: 100, max_leaf_nodes: 31, early_stopping: false } },
          ],
        },
      },
    ],
  }),
)

interface CliRun {
  wall_s: number
  open_s: number
  peak_rss_mb: number
  phases_s: Record<string, number>
  fit_s: number
  accuracy: number
  roc_auc: number
  n_train: number
  n_test: number
  sample: unknown
  load_before: string
}

/** Runs the CLI under /usr/bin/time -v; times its "opened" line (row count, hash, profile sample). */
function runCli(file: string): Promise<CliRun> {
  const out = join(work, `result-${Date.now()}.json`)
  const loadBefore = load()
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let openMs = -1
    let text = ''
    const child = spawn(
      '/usr/bin/time',
      [
        '-v',
        process.execPath,
        '--import',
        'tsx',
        join(root, 'src/cli/butterfly.ts'),
        'run',
        '--data',
        file,
        '--target',
        'target',
        '--out',
        out,
        '--large-cells',
        '1',
        '--pipeline',
        pipeline,
      ],
      { cwd: root },
    )
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (openMs < 0 && /\nopened /.test(`\n${text}`)) openMs = performance.now() - started
      process.stderr.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const wall = (performance.now() - started) / 1000
      if (code !== 0) return reject(new Error(`butterfly run exited with ${code}`))
      const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? Number.NaN)
      const result = JSON.parse(readFileSync(out, 'utf8'))
      const large = result.large_table
      resolve({
        wall_s: wall,
        open_s: openMs / 1000,
        peak_rss_mb: rss / 1024,
        phases_s: large.phases_s,
        fit_s: result.timings.fit_s,
        accuracy: result.metrics.accuracy,
        roc_auc: result.metrics.roc_auc,
        n_train: result.n_train,
        n_test: result.n_test,
        sample: large.sample,
        load_before: loadBefore,
      })
    })
  })
}

function runPython(code: string, args: string[]): Record<string, number> {
  const run = spawnSync(python, ['-c', code, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 1 << 20,
  })
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').pop()!)
}

const readCsvCode = `
import sys, time, json, resource
import pandas as pd
t = time.perf_counter(); df = pd.read_csv(sys.argv[1]); s = time.perf_counter() - t
print(json.dumps({"read_csv_s": s, "rows": len(df), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`
const histGbCode = `
import sys, time, json
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
df = pd.read_csv(sys.argv[1], nrows=1_200_000)
y = df.pop("target").to_numpy()
for c in ["cat_a", "cat_b", "cat_c"]:
    df[c] = df[c].astype("category").cat.codes
X = df.to_numpy()
cats = [df.columns.get_loc(c) for c in ["cat_a", "cat_b", "cat_c"]]
model = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=31, early_stopping=False, categorical_features=cats, random_state=0)
t = time.perf_counter(); model.fit(X[:1_000_000], y[:1_000_000]); fit = time.perf_counter() - t
acc = float((model.predict(X[1_000_000:]) == y[1_000_000:]).mean())
print(json.dumps({"fit_1m_s": fit, "fit_x10_s": fit * 10, "accuracy_next_200k": acc}))
`

const report: Record<string, unknown> = {
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
  load_at_start: load(),
  note: 'CLI through the large-table path (--large-cells 1); sklearn fit on the first 1M rows of the 10M file, time × 10 = linear-scaling reference for 10M rows',
  runs: {} as Record<string, unknown>,
}
const runs = report.runs as Record<string, Record<string, unknown>>
for (const size of sizes) {
  const file = join(dir, `synthetic_${size}.csv`)
  if (!existsSync(file)) {
    process.stderr.write(`skipping ${size}: ${file} is missing (make_synthetic.py)\n`)
    continue
  }
  const cli = await runCli(file)
  runs[size] = { cli }
  if (withPython) runs[size].pandas = { ...runPython(readCsvCode, [file]), load: load() }
}
const reference = join(dir, 'synthetic_10m.csv')
if (withPython && existsSync(reference))
  report.sklearn = { ...runPython(histGbCode, [reference]), load: load() }
report.load_at_end = load()

const json = JSON.stringify(report, null, 2)
if (outPath) writeFileSync(outPath, `${json}\n`)
process.stdout.write(`${json}\n`)
const rows: string[][] = [
  [
    'size',
    'open s',
    'read s',
    'bin s',
    'fit s',
    'evaluate s',
    'wall s',
    'peak RSS MB',
    'accuracy',
    'pandas read_csv s',
  ],
]
for (const [size, run] of Object.entries(runs)) {
  const cli = run.cli as CliRun
  const pandas = run.pandas as { read_csv_s?: number } | undefined
  rows.push([
    size,
    cli.open_s.toFixed(1),
    cli.phases_s.read_s.toFixed(1),
    cli.phases_s.bin_s.toFixed(1),
    cli.phases_s.fit_s.toFixed(1),
    cli.phases_s.evaluate_s.toFixed(1),
    cli.wall_s.toFixed(1),
    cli.peak_rss_mb.toFixed(0),
    cli.accuracy.toFixed(4),
    pandas?.read_csv_s?.toFixed(1) ?? '-',
  ])
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padStart(widths[c])).join('  ')}\n`)
const sk = report.sklearn as { fit_1m_s: number; fit_x10_s: number; accuracy_next_200k: number } | undefined
if (sk)
  process.stdout.write(
    `sklearn HistGB (1 thread, 100 iters, 31 leaves) on the first 1M rows: fit ${sk.fit_1m_s.toFixed(1)} s, × 10 = ${sk.fit_x10_s.toFixed(1)} s (linear-scaling reference for 10M), accuracy on the next 200k ${sk.accuracy_next_200k.toFixed(4)}\n`,
  )
process.stdout.write(`load average at start ${report.load_at_start}, at end ${report.load_at_end}\n`)
