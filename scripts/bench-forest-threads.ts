/**
 * Does a second thread pay for forests? Grows the same 100-tree random forest on the shared diamonds
 * data on one thread, then split over two (this thread + a worker thread, as the browser's run worker
 * does with its tree worker), checks the forests are identical and prints the times as JSON and a table.
 * Usage: npx tsx scripts/bench-forest-threads.ts [--data FILE.csv --target COL] [--trees N]
 */
import { existsSync } from 'node:fs'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { loadTable } from '../src/cli/loadTable.ts'
import { createRng } from '../src/domain/random.ts'
import type { FeatureMatrix, Target } from '../src/engine/frame.ts'
import { rfFamily } from '../src/engine/models/rf.ts'
import type { ForestHelper, ForestPart, ForestRangeRequest } from '../src/engine/trees/forest.ts'

const args = process.argv.slice(2)
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const dataPath = flag('data', '../shared/datasets/diamonds/diamonds.csv')
const targetName = flag('target', 'price')
const trees = Number(flag('trees', '100'))
if (!existsSync(dataPath)) {
  console.error(`No data file at ${dataPath} (the shared datasets are beside the repository)`)
  process.exit(1)
}

const { frame } = await loadTable(dataPath)
const features = frame.columns.filter((c) => c.name !== targetName)
const target = frame.columns.find((c) => c.name === targetName)
if (target?.type !== 'numeric') throw new Error(`Target '${targetName}' must be a numeric column`)
const X: FeatureMatrix = {
  nRows: frame.nRows,
  names: features.map((c) => c.name),
  columns: features.map((c) =>
    c.type === 'numeric' ? c.values : Float64Array.from(c.codes, (v) => (v < 0 ? Number.NaN : v)),
  ),
  categoricalLevels: features.map((c) => (c.type === 'categorical' ? c.levels.length : 0)),
}
const y: Target = { kind: 'regression', values: target.values }

const worker = new Worker(new URL('../src/cli/forestThread.mjs', import.meta.url))
const threadHelper: ForestHelper = {
  fitForestRange: (request: ForestRangeRequest) =>
    new Promise<ForestPart>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.postMessage(request)
    }),
}

const hp = { n_estimators: trees }
const time = async (helper?: ForestHelper) => {
  const started = performance.now()
  const model = await rfFamily.fit(X, y, hp, {
    task: 'regression',
    rng: createRng(42).fork('training'),
    forestHelper: helper,
  })
  return {
    seconds: (performance.now() - started) / 1000,
    bytes: new TextDecoder().decode(await model.serialize()),
  }
}
// Warm both threads' JIT on a small forest first.
await rfFamily.fit(
  X,
  y,
  { n_estimators: 8, max_depth: 4 },
  { task: 'regression', rng: createRng(1), forestHelper: threadHelper },
)
const one = await time()
const two = await time(threadHelper)
await worker.terminate()
const result = {
  bench: 'forest-threads',
  data: dataPath,
  rows: X.nRows,
  trees,
  one_thread_s: Number(one.seconds.toFixed(2)),
  two_threads_s: Number(two.seconds.toFixed(2)),
  speedup: Number((one.seconds / two.seconds).toFixed(2)),
  identical: one.bytes === two.bytes,
  load_average: os.loadavg().map((v) => Number(v.toFixed(2))),
}
console.table([
  { threads: 1, seconds: result.one_thread_s },
  { threads: 2, seconds: result.two_threads_s },
])
console.log(JSON.stringify(result, null, 1))
