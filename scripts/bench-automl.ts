/**
 * AutoML bench (issue 15): the default pipeline (no model named) against the best of scikit-learn's
 * four reference models fitted once each in the same sitting.
 *
 *   npm run bench:automl [-- DATASETS_DIR ...] [--datasets iris,penguins] [--no-reference] [--backend wasm]
 *     [--pipeline settings.json] [--threads 1] [--cold]
 *
 * For every dataset folder (<name>.csv, <name>.split.json, meta.json) under ../shared/datasets (env
 * BUTTERFLY_SHARED names another shared folder, e.g. from a git worktree) and any
 * folder of the same layout given on the command line, it runs the headless runner in this process
 * (selection, refit, evaluation, explanations, as `butterfly run` minus process start) on the stored
 * hold-out split and times it (wall and CPU seconds). Then, when /usr/bin/python3 (env PYTHON) has
 * scikit-learn and XGBoost, scripts/bench-automl-reference.py fits LogisticRegression/Ridge, RF-200,
 * HistGB and XGBoost-300 through the ../shared/bench protocol on the same rows. Prints JSON, then a table:
 * main metric, best reference, delta in points, the default run's time and the reference fits' total.
 * The machine is shared: compare numbers from one sitting only. Under load the reference fits (2-thread OpenMP)
 * slow down far more than the run (credit_data: 1.3 s at load 1.6, 47.8 s at load 14–19), so the wall ratio
 * is only meaningful at low load; the CPU ratio (run CPU s / reference CPU s) and the load column say how far.
 *
 * Before the first run it starts what a process starts once (DuckDB-WASM, TF.js's backend, the second thread)
 * and reports those seconds apart (`engines_start_s`): in the app they are running when a run starts, the
 * reference's timer likewise starts after Python has imported scikit-learn, and `npm run bench:cli-start`
 * measures a cold CLI. Before this, the first dataset's run carried them (~3 s CPU).
 *
 * Then, as the app's run worker does before its first run (src/runs/practiceRun.ts), it warms the run
 * path up with a practice run on a generated table (`practice_s`, also outside every run), so the first
 * dataset is timed as warm as the others. Each table is also loaded once before its run (`import_s`, apart),
 * as a person imports a table before running on it. `--cold` leaves the practice run and the loads out: the
 * first dataset then carries the engine's compilation, as a one-off `butterfly run` does.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runHeadless } from '../src/cli/headless.ts'
import { sharedLaneThread } from '../src/cli/laneThreadHelper.ts'
import { loadTable, loadTableBytes } from '../src/cli/loadTable.ts'
import { initTfBackend } from '../src/engine/tfBackend.ts'
import { practiceRun } from '../src/runs/practiceRun.ts'

const root = resolve(import.meta.dirname, '..')
const argv = process.argv.slice(2)
const flagValue = (name: string): string | undefined => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const only = flagValue('--datasets')?.split(',')
const withReference = !argv.includes('--no-reference')
/** The TF.js backend of the runs (as `butterfly run --backend`); the headless default when absent. */
const backend = flagValue('--backend') as 'wasm' | 'cpu' | undefined
/** A pipeline file (as `butterfly run --pipeline`), e.g. `{"blocks":[{"type":"model_selection","config":{"validation":"auto"}}]}`. */
const pipeline = flagValue('--pipeline')
/** `--threads 1` runs everything on one thread (the default uses a second one; results are identical). */
const threads = flagValue('--threads') === '1' ? 1 : 2
/** `--cold`: no practice run before the first dataset (see above). */
const cold = argv.includes('--cold')
const valueFlags = ['--datasets', '--backend', '--pipeline', '--threads']
const extraDirs = argv.filter((a, i) => !a.startsWith('--') && !valueFlags.includes(argv[i - 1]))

interface Meta {
  name: string
  target: string
  task: 'binary' | 'multiclass' | 'regression'
}

/** Dataset folders: children of each root that hold a meta.json (a root that is itself one counts). */
function datasetFolders(roots: string[]): string[] {
  const out: string[] = []
  for (const dir of roots) {
    if (existsSync(join(dir, 'meta.json'))) out.push(dir)
    else if (existsSync(dir))
      for (const child of readdirSync(dir).sort())
        if (existsSync(join(dir, child, 'meta.json'))) out.push(join(dir, child))
  }
  return out.filter((dir) => !only || only.includes(readMeta(dir).name))
}

const readMeta = (dir: string): Meta => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta

interface Reference {
  metric: string
  models: Record<string, { value: number; fit_s: number; fit_cpu_s: number }>
  best_key: string
  best: number
  fit_total_s: number
  fit_total_cpu_s: number
}

function references(folders: string[]): Record<string, Reference> | undefined {
  if (!withReference || folders.length === 0) return undefined
  const python = process.env.PYTHON ?? '/usr/bin/python3'
  const run = spawnSync(python, [join(root, 'scripts', 'bench-automl-reference.py'), ...folders], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  if (run.status !== 0) {
    process.stderr.write(
      `bench-automl: no reference fits (${python} with scikit-learn, XGBoost and pandas is needed)\n`,
    )
    return undefined
  }
  return (JSON.parse(run.stdout) as { datasets: Record<string, Reference> }).datasets
}

interface Row {
  dataset: string
  task: string
  metric: string
  chosen: string | null
  butterfly: number | null
  reference_best: number | null
  reference_best_model: string | null
  delta_points: number | null
  /** Loading the table once before the run, as the app's import does (null with --cold). */
  import_s: number | null
  run_s: number
  run_cpu_s: number
  reference_fits_s: number | null
  reference_fits_cpu_s: number | null
  ratio: number | null
  /** Run CPU seconds / reference fits' CPU seconds: steadier than the wall ratio on a shared machine. */
  cpu_ratio: number | null
  /** 1-minute load average before the run and after it. */
  load: [number, number]
  leaderboard: { family: string; validation_score: number | null; fit_s: number }[]
}

async function main(): Promise<void> {
  const folders = datasetFolders([
    join(process.env.BUTTERFLY_SHARED ?? resolve(root, '..', 'shared'), 'datasets'),
    ...extraDirs.map((d) => resolve(d)),
  ])
  if (folders.length === 0) {
    process.stderr.write('bench-automl: no dataset folders found\n')
    process.exitCode = 1
    return
  }
  const out = await mkdtemp(join(tmpdir(), 'bench-automl-'))
  const enginesStarted = performance.now()
  const lane = threads === 2 ? sharedLaneThread() : undefined
  lane?.start()
  await loadTableBytes(new TextEncoder().encode('a,b\n1,2\n3,4\n'), 'csv', 'start.csv')
  await initTfBackend({ requested: backend ?? 'auto' })
  const enginesStartSeconds = (performance.now() - enginesStarted) / 1000
  process.stderr.write(`engines started in ${enginesStartSeconds.toFixed(1)} s (not in any run's time)\n`)
  const practiceStarted = performance.now()
  if (!cold)
    await practiceRun({
      ...(lane ? { forestHelper: lane, foldFitter: lane } : {}),
      tfBackend: { requested: backend ?? 'auto' },
    })
  const practiceSeconds = cold ? null : (performance.now() - practiceStarted) / 1000
  if (practiceSeconds !== null)
    process.stderr.write(`practice run in ${practiceSeconds.toFixed(1)} s (not in any run's time)\n`)
  const runs: Omit<
    Row,
    | 'reference_best'
    | 'reference_best_model'
    | 'delta_points'
    | 'reference_fits_s'
    | 'reference_fits_cpu_s'
    | 'ratio'
    | 'cpu_ratio'
  >[] = []
  for (const dir of folders) {
    const meta = readMeta(dir)
    // The table is loaded once first, as the app imports a table before any run on it: DuckDB's reader and
    // profile queries compile for the file's shape on first use (breast_cancer's first load took 0.55 s in
    // the CLI, the next 0.13 s). Timed apart (`import_s`); `--cold` leaves it out.
    const importStarted = performance.now()
    if (!cold) await loadTable(join(dir, `${meta.name}.csv`))
    const importSeconds = cold ? null : (performance.now() - importStarted) / 1000
    const loadBefore = loadavg()[0]
    const startedCpu = process.cpuUsage()
    const started = performance.now()
    const result = await runHeadless(
      {
        data: join(dir, `${meta.name}.csv`),
        target: meta.target,
        task: meta.task,
        split: join(dir, `${meta.name}.split.json`),
        out: join(out, `${meta.name}.json`),
        seed: 42,
        hooks: [],
        ...(backend ? { backend } : {}),
        ...(pipeline ? { pipeline: resolve(pipeline) } : {}),
      },
      { threads },
    )
    const runSeconds = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(startedCpu)
    if (result.exitCode !== 0) {
      process.stderr.write(`${meta.name}: ${result.message}\n`)
      continue
    }
    const metric = result.outcome.task.metric
    const value = result.outcome.metrics[metric]
    runs.push({
      dataset: meta.name,
      task: meta.task,
      metric,
      chosen: result.outcome.model?.family ?? null,
      butterfly: Number.isFinite(value) ? value : null,
      import_s: importSeconds,
      run_s: runSeconds,
      run_cpu_s: (cpu.user + cpu.system) / 1e6,
      load: [loadBefore, loadavg()[0]],
      leaderboard: (result.result.leaderboard as Row['leaderboard']).map((e) => ({
        family: e.family,
        validation_score: e.validation_score,
        fit_s: e.fit_s,
      })),
    })
    process.stderr.write(`${meta.name}: ${metric} ${value.toFixed(4)} in ${runSeconds.toFixed(1)} s\n`)
  }
  const refs = references(folders)
  const rows: Row[] = runs.map((r) => {
    const ref = refs?.[r.dataset]
    return {
      ...r,
      reference_best: ref?.best ?? null,
      reference_best_model: ref?.best_key ?? null,
      delta_points: ref && r.butterfly !== null ? (r.butterfly - ref.best) * 100 : null,
      reference_fits_s: ref?.fit_total_s ?? null,
      reference_fits_cpu_s: ref?.fit_total_cpu_s ?? null,
      ratio: ref ? r.run_s / ref.fit_total_s : null,
      cpu_ratio: ref ? r.run_cpu_s / ref.fit_total_cpu_s : null,
    }
  })
  process.stdout.write(
    `${JSON.stringify({ bench: 'automl', engines_start_s: enginesStartSeconds, practice_s: practiceSeconds, references: refs ?? null, rows }, null, 2)}\n\n`,
  )
  const fmt = (v: number | null, digits = 4) => (v === null ? '—' : v.toFixed(digits))
  const lines = [
    '| dataset | metric | chosen | Butterfly | best reference | Δ points | run s (cpu) | reference fits s (cpu) | run / fits | cpu / cpu | load |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.metric} | ${r.chosen ?? '—'} | ${fmt(r.butterfly)} | ${fmt(r.reference_best)} ${r.reference_best_model ?? ''} | ${fmt(r.delta_points, 2)} | ${r.run_s.toFixed(1)} (${r.run_cpu_s.toFixed(1)}) | ${fmt(r.reference_fits_s, 1)} (${fmt(r.reference_fits_cpu_s, 1)}) | ${fmt(r.ratio, 2)} | ${fmt(r.cpu_ratio, 2)} | ${r.load.map((l) => l.toFixed(1)).join('→')} |`,
    ),
  ]
  process.stdout.write(
    `${lines.join('\n')}\n\nEngines (DuckDB-WASM, TF.js, the second thread) started before the first run in ${enginesStartSeconds.toFixed(1)} s, outside every run's time. ${practiceSeconds === null ? "No practice run (--cold): the first dataset carries the engine's compilation." : `A practice run on a generated table (as the app's run worker does ahead) took ${practiceSeconds.toFixed(1)} s, and each table was loaded once before its run (as the app imports it), outside every run's time.`}\n`,
  )
}

await main()
