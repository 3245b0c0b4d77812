import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { gbdtFamily } from '../models/gbdt.ts'
import type { ModelFamily } from '../models/model.ts'
import { rfFamily } from '../models/rf.ts'
import type { TreeFittedModel } from './fittedTreeModel.ts'
import { TreeRouter } from './routeKernel.ts'
import { blobs, matrix, regression, slice } from './testData.ts'
import { predictRaw, routeRows, type TreeEnsemble } from './treeModel.ts'

async function ensembleOf(family: ModelFamily, X: FeatureMatrix, y: Target, task: TaskType) {
  const model = (await family.fit(X, y, family.defaults(task), {
    task,
    rng: createRng(5),
  })) as TreeFittedModel
  return model.record.ensemble
}

/** Every tree's leaves by the wasm walk against the JS walk; how many trees each took. */
function compare(ensemble: TreeEnsemble, X: FeatureMatrix) {
  const router = TreeRouter.of(ensemble)
  expect(router).not.toBeNull()
  router!.load(X)
  const js = new Int32Array(X.nRows)
  let routed = 0
  for (const [t, tree] of ensemble.trees.entries()) {
    routeRows(tree, X.columns, ensemble.categoricalLevels, X.nRows, js)
    const wasm = router!.leaves(t)
    if (!wasm) continue
    routed++
    expect(Array.from(wasm), `tree ${t}`).toEqual(Array.from(js))
  }
  return { routed, total: ensemble.trees.length }
}

describe('routing rows in wasm', () => {
  it('reaches the leaves the JS walk reaches: forests and boosting, missing values both ways, a row count that is no multiple of four', async () => {
    // Numeric columns only, with NaNs (each split sends them the side it learnt).
    const rng = createRng(9)
    const n = 403
    const columns = Array.from({ length: 5 }, (_, j) =>
      Array.from({ length: n }, () => (rng.nextFloat() < 0.1 * j ? Number.NaN : rng.nextNormal())),
    )
    const codes = Array.from({ length: n }, (_, i) =>
      (Number.isNaN(columns[1][i]) ? 1 : columns[0][i] + columns[1][i]) > 0 ? 1 : 0,
    )
    const X = matrix(columns)
    const y: Target = { kind: 'classification', codes: Int32Array.from(codes), classes: ['a', 'b'] }
    for (const family of [rfFamily, gbdtFamily]) {
      const ensemble = await ensembleOf(family, X, y, 'binary')
      expect(ensemble.trees.some((t) => t.defaultLeft.some((d, i) => d === 0 && t.left[i] !== -1))).toBe(true)
      const { routed, total } = compare(ensemble, X)
      expect(routed).toBe(total)
      // Fewer rows than lanes, and one row.
      compare(ensemble, slice({ X, y }, 0, 3).X)
      compare(ensemble, slice({ X, y }, 7, 8).X)
    }
  })

  it('leaves trees with categorical splits to the JS walk (a router with none to take is not made)', async () => {
    const data = blobs(300, 3, 4)
    const mixed = await ensembleOf(gbdtFamily, data.X, data.y, 'multiclass')
    const { routed, total } = compare(mixed, data.X)
    expect(routed).toBeGreaterThan(0)
    expect(routed).toBeLessThan(total)
    // Every tree of this forest splits the categorical column somewhere: nothing for the kernel.
    const values = regression(250, 3)
    const forest = await ensembleOf(rfFamily, values.X, values.y, 'regression')
    expect(forest.trees.every((t) => t.categoryOffset.some((o) => o >= 0))).toBe(true)
    expect(TreeRouter.of(forest)).toBeNull()
  })

  it('predicts a table larger than its blocks exactly as the JS walk sums it (mixed trees, every row)', async () => {
    const data = blobs(20_500, 3, 8)
    const train = slice(data, 0, 600)
    const ensemble = await ensembleOf(gbdtFamily, train.X, train.y, 'multiclass')
    const k = ensemble.nOutputs
    const expected = new Float64Array(data.X.nRows * k)
    const leaves = new Int32Array(data.X.nRows)
    for (const [t, tree] of ensemble.trees.entries()) {
      routeRows(tree, data.X.columns, ensemble.categoricalLevels, data.X.nRows, leaves)
      const column = ensemble.treeOutput[t]
      for (let i = 0; i < data.X.nRows; i++) expected[i * k + column] += tree.value[leaves[i]]
    }
    for (let i = 0; i < expected.length; i++)
      expected[i] = ensemble.baseScore[i % k] + ensemble.treeWeight * expected[i]
    expect(Array.from(predictRaw(ensemble, data.X))).toEqual(Array.from(expected))
  })
})
