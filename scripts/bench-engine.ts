/**
 * Engine quality/speed bench: runs the headless runner on the six shared datasets with their fixed
 * hold-out splits, once per TF.js family (logistic or linear, mlp) and once with default model selection,
 * and compares the main metric with scikit-learn's LogisticRegression/Ridge from ../shared/bench/baselines.json.
 * Prints JSON, then a table. Usage: npx tsx scripts/bench-engine.ts [--datasets iris,penguins] [--modes linear,mlp,auto]
 * [--backend cpu|wasm] (default cpu, as the headless runner).
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runHeadless } from '../src/cli/headless.ts'

const root = resolve(import.meta.dirname, '..')
const datasetsDir = resolve(root, '../shared/datasets')
const baselinesFile = resolve(root, '../shared/bench/baselines.json')
const allDatasets = ['iris', 'penguins', 'breast_cancer', 'diabetes', 'credit_data', 'diamonds']

function option(name: string, fallback: string[]): string[] {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1].split(',') : fallback
}

interface Row {
  dataset: string
  mode: string
  family: string | null
  metric: string
  value: number | null
  sklearn_linear: number | null
  delta_points: number | null
  fit_s: number
  total_s: number
  backend: string
}

async function main(): Promise<void> {
  if (!existsSync(datasetsDir)) {
    process.stderr.write(`bench-engine: no shared datasets at ${datasetsDir}\n`)
    process.exitCode = 1
    return
  }
  const baselines = existsSync(baselinesFile)
    ? (JSON.parse(readFileSync(baselinesFile, 'utf8')) as {
        datasets: Record<
          string,
          { main_metric: string; models: { linear: { metrics: Record<string, number> } } }
        >
      })
    : undefined
  const datasets = option('--datasets', allDatasets)
  const modes = option('--modes', ['linear', 'mlp', 'auto'])
  const backend = option('--backend', ['cpu'])[0]
  if (backend !== 'cpu' && backend !== 'wasm')
    throw new Error(`--backend must be cpu or wasm, got ${backend}`)
  const out = await mkdtemp(join(tmpdir(), 'bench-engine-'))
  const rows: Row[] = []
  for (const dataset of datasets) {
    const meta = JSON.parse(readFileSync(join(datasetsDir, dataset, 'meta.json'), 'utf8')) as {
      target: string
      task: string
    }
    const baseline = baselines?.datasets[dataset]
    for (const mode of modes) {
      const family =
        mode === 'linear'
          ? meta.task === 'regression'
            ? 'linear'
            : 'logistic'
          : mode === 'auto'
            ? undefined
            : mode
      const result = await runHeadless({
        data: join(datasetsDir, dataset, `${dataset}.csv`),
        target: meta.target,
        task: meta.task as 'binary' | 'multiclass' | 'regression',
        split: join(datasetsDir, dataset, `${dataset}.split.json`),
        out: join(out, `${dataset}-${mode}.json`),
        ...(family ? { model: family } : {}),
        backend,
        hooks: [],
      })
      if (result.exitCode !== 0) {
        process.stderr.write(`${dataset}/${mode}: ${result.message}\n`)
        continue
      }
      const metric = result.outcome.task.metric
      const value = result.outcome.metrics[metric]
      const reference = baseline?.models.linear.metrics[metric] ?? null
      const timings = result.result.timings as { fit_s: number; total_s: number }
      rows.push({
        dataset,
        mode,
        family: result.outcome.model?.family ?? null,
        metric,
        value: Number.isFinite(value) ? value : null,
        sklearn_linear: reference,
        delta_points: reference !== null && Number.isFinite(value) ? (value - reference) * 100 : null,
        fit_s: timings.fit_s,
        total_s: timings.total_s,
        backend: result.outcome.backend,
      })
      process.stderr.write(
        `${dataset}/${mode}: ${metric} ${value.toFixed(4)} (${timings.total_s.toFixed(1)} s)\n`,
      )
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'engine', rows }, null, 2)}\n\n`)
  const fmt = (v: number | null, digits = 4) => (v === null ? '—' : v.toFixed(digits))
  const lines = [
    '| dataset | mode | chosen | metric | Butterfly | sklearn LogReg/Ridge | Δ points | fit s | total s |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.mode} | ${r.family ?? '—'} | ${r.metric} | ${fmt(r.value)} | ${fmt(r.sklearn_linear)} | ${fmt(r.delta_points, 2)} | ${r.fit_s.toFixed(2)} | ${r.total_s.toFixed(2)} |`,
    ),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()
