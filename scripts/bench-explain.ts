/**
 * Benchmark of the explainability pass with the default budget, plus a TreeSHAP additivity check on
 * real Butterfly tree models.
 *
 *   npx tsx scripts/bench-explain.ts [--datasets diamonds,penguins] [--trees 100]
 *
 * For each dataset in ../shared/datasets (relative to the repository root; skipped when absent) it fits
 * 'gbdt' (and 'rf' for classification) on the stored training split, runs `explainModel` on the test rows
 * with `defaultExplainBudget`, and checks φ₀ + Σφ against the model's raw output on every explained row.
 * Prints a JSON blob, then a table.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createRng } from '../src/domain/random.ts'
import type { TaskType } from '../src/domain/task.ts'
import { defaultExplainBudget } from '../src/engine/explain/budget.ts'
import { explainModel } from '../src/engine/explain/explainModel.ts'
import type { ShapEnsemble } from '../src/engine/explain/treeShap.ts'
import { type FeatureMatrix, featureMatrixRows, type Target, targetRows } from '../src/engine/frame.ts'
import { getModelFamily, listModelFamilies } from '../src/engine/models/model.ts'
import '../src/engine/models/gbdt.ts'
import '../src/engine/models/rf.ts'
import { getTreeModelStructure } from '../src/engine/trees/fittedTreeModel.ts'
import { predictRaw } from '../src/engine/trees/treeModel.ts'
import { splitCsvLine } from '../src/outputs/predict/predictNewData.ts'

const root = resolve(import.meta.dirname, '..')
const shared = resolve(root, '..', 'shared', 'datasets')
const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const datasets = (flag('datasets') ?? 'diamonds,penguins,breast_cancer').split(',')
const nTrees = Number(flag('trees') ?? 100)

interface Meta {
  target: string
  task: TaskType
  categorical_columns: string[]
}

/** Small CSV loader: categorical columns (and a class target) become codes of their sorted levels. */
function load(name: string): { X: FeatureMatrix; y: Target; meta: Meta } {
  const meta = JSON.parse(readFileSync(join(shared, name, 'meta.json'), 'utf8')) as Meta
  const lines = readFileSync(join(shared, name, `${name}.csv`), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
  const header = splitCsvLine(lines[0])
  const rows = lines.slice(1).map((line) => splitCsvLine(line))
  const isText = (h: string): boolean =>
    meta.categorical_columns.includes(h) || (h === meta.target && meta.task !== 'regression')
  const columns = header.map((h, c) => {
    if (!isText(h))
      return {
        levels: [] as string[],
        values: Float64Array.from(rows, (r) => (r[c] === '' ? Number.NaN : Number(r[c]))),
      }
    const levels = [...new Set(rows.map((r) => r[c]).filter((v) => v !== ''))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    const index = new Map(levels.map((l, i) => [l, i]))
    return { levels, values: Float64Array.from(rows, (r) => (r[c] === '' ? Number.NaN : index.get(r[c])!)) }
  })
  const t = header.indexOf(meta.target)
  const features = header.map((h, c) => ({ h, c })).filter(({ c }) => c !== t)
  const X: FeatureMatrix = {
    nRows: rows.length,
    names: features.map(({ h }) => h),
    columns: features.map(({ c }) => columns[c].values),
    categoricalLevels: features.map(({ h, c }) => (isText(h) ? columns[c].levels.length : 0)),
  }
  const y: Target =
    meta.task === 'regression'
      ? { kind: 'regression', values: columns[t].values }
      : { kind: 'classification', codes: Int32Array.from(columns[t].values), classes: columns[t].levels }
  return { X, y, meta }
}

interface BenchRow {
  dataset: string
  model: string
  testRows: number
  fitSeconds: number
  permutationSeconds: number
  shapSeconds: number
  partialDependenceSeconds: number
  explainSeconds: number
  shapRows: number
  maxAdditivityError: number
  topFeatures: string[]
}

const results: BenchRow[] = []
for (const name of datasets) {
  if (!existsSync(join(shared, name))) {
    console.error(`skip ${name}: ${join(shared, name)} not found`)
    continue
  }
  const { X, y, meta } = load(name)
  const split = JSON.parse(readFileSync(join(shared, name, `${name}.split.json`), 'utf8'))
  const testSet = new Set<number>(split.holdout.test_indices)
  const train = Int32Array.from({ length: X.nRows }, (_, i) => i).filter((i) => !testSet.has(i))
  const test = Int32Array.from(split.holdout.test_indices as number[])
  const registered = new Set(listModelFamilies().map((f) => f.family))
  const families = (meta.task === 'regression' ? ['gbdt'] : ['gbdt', 'rf']).filter((f) => registered.has(f))
  for (const familyKey of families) {
    const family = getModelFamily(familyKey)
    const hp = {
      ...family.defaults(meta.task),
      ...(familyKey === 'gbdt' ? { max_iter: nTrees, early_stopping: false } : { n_estimators: nTrees }),
    }
    const t0 = performance.now()
    const model = await family.fit(featureMatrixRows(X, train), targetRows(y, train), hp, {
      task: meta.task,
      rng: createRng(42),
    })
    const t1 = performance.now()
    const structure = getTreeModelStructure(model)
    const trees: ShapEnsemble | undefined = structure?.ensemble
    const Xtest = featureMatrixRows(X, test)
    const explanation = await explainModel({
      model,
      X: Xtest,
      y: targetRows(y, test),
      trees,
      rng: createRng(7),
    })
    const t2 = performance.now()
    let maxAdditivityError = Number.NaN
    if (structure && explanation.shap) {
      const shap = explanation.shap
      const raw = predictRaw(structure.ensemble, featureMatrixRows(Xtest, Int32Array.from(shap.rowIndex)))
      const k = structure.ensemble.nOutputs
      const nF = Xtest.columns.length
      maxAdditivityError = 0
      for (let r = 0; r < shap.rowIndex.length; r++) {
        for (let o = 0; o < k; o++) {
          let sum = shap.expectedValue[o]
          for (let f = 0; f < nF; f++) sum += shap.values[o][r * nF + f]
          maxAdditivityError = Math.max(maxAdditivityError, Math.abs(sum - raw[r * k + o]))
        }
      }
    }
    results.push({
      dataset: name,
      model: familyKey,
      testRows: test.length,
      fitSeconds: (t1 - t0) / 1000,
      permutationSeconds: explanation.timingsMs.permutation / 1000,
      shapSeconds: explanation.timingsMs.shap / 1000,
      partialDependenceSeconds: explanation.timingsMs.partial_dependence / 1000,
      explainSeconds: (t2 - t1) / 1000,
      shapRows: explanation.shap?.rowIndex.length ?? 0,
      maxAdditivityError,
      topFeatures: explanation.partialDependence.features.map((f) => f.feature),
    })
  }
}

console.log(JSON.stringify({ budget: defaultExplainBudget, trees: nTrees, results }, null, 2))
console.log('')
console.log(
  'dataset        model  test rows  fit s  perm s  shap s  pdp s  explain s  shap rows  max |Σφ+φ₀−raw|',
)
for (const r of results) {
  console.log(
    [
      r.dataset.padEnd(14),
      r.model.padEnd(5),
      String(r.testRows).padStart(9),
      r.fitSeconds.toFixed(1).padStart(6),
      r.permutationSeconds.toFixed(2).padStart(7),
      r.shapSeconds.toFixed(2).padStart(7),
      r.partialDependenceSeconds.toFixed(2).padStart(6),
      r.explainSeconds.toFixed(2).padStart(10),
      String(r.shapRows).padStart(10),
      r.maxAdditivityError.toExponential(1).padStart(16),
    ].join(' '),
  )
}
