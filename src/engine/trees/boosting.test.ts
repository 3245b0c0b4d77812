import { describe, expect, it } from 'vitest'
import { WorkerError } from '../../domain/errors.ts'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { boostingParamsFrom, gbdtFamily } from '../models/gbdt.ts'
import type { Hyperparameters } from '../models/model.ts'
import { fitGradientBoosting, shouldStop } from './boosting.ts'
import { getTreeModelStructure, type TreeFittedModel } from './fittedTreeModel.ts'
import { accuracy, blobs, classes, matrix, r2, regression, slice } from './testData.ts'

async function fitGbdt(X: FeatureMatrix, y: Target, task: TaskType, hp: Hyperparameters = {}, seed = 42) {
  return (await gbdtFamily.fit(
    X,
    y,
    { ...gbdtFamily.defaults(task), ...hp },
    { task, rng: createRng(seed) },
  )) as TreeFittedModel
}

function firstTree(model: TreeFittedModel) {
  return getTreeModelStructure(model)!.ensemble.trees[0]
}

describe('gbdt on hand-checkable data', () => {
  it('finds a perfect split', async () => {
    const x = Array.from({ length: 100 }, (_, i) => i)
    const model = await fitGbdt(matrix([x]), classes(x.map((v) => (v < 37 ? 0 : 1))), 'binary', {
      max_iter: 5,
    })
    const tree = firstTree(model)
    expect(tree.feature[0]).toBe(0)
    expect(tree.threshold[0]).toBe(36.5)
    expect(accuracy(await model.predict(matrix([x])), classes(x.map((v) => (v < 37 ? 0 : 1))))).toBe(1)
  })

  it.each([
    [1, false],
    [0, true],
  ])(
    'sends missing values to the better side (NaN rows have class %i → defaultLeft %s)',
    async (nanClass, left) => {
      // 60 rows: x < 30 is class 0, x ≥ 30 class 1; 40 more rows have x = NaN.
      const x = [...Array.from({ length: 60 }, (_, i) => i), ...new Array(40).fill(Number.NaN)]
      const y = [...Array.from({ length: 60 }, (_, i) => (i < 30 ? 0 : 1)), ...new Array(40).fill(nanClass)]
      const model = await fitGbdt(matrix([x]), classes(y), 'binary', { max_iter: 50 })
      const tree = firstTree(model)
      expect(tree.threshold[0]).toBe(29.5)
      expect(tree.defaultLeft[0]).toBe(left ? 1 : 0)
      const pred = await model.predict(matrix([[Number.NaN, 10, 50]]))
      expect(Array.from(pred)).toEqual([nanClass, 0, 1])
    },
  )

  it('finds a categorical split', async () => {
    const codes = Array.from({ length: 180 }, (_, i) => i % 6)
    const y = codes.map((c) => (c === 1 || c === 3 || c === 4 ? 1 : 0))
    const X = matrix([codes], [6])
    const model = await fitGbdt(X, classes(y), 'binary', { max_iter: 3 })
    const tree = firstTree(model)
    expect(tree.categoryOffset[0]).toBeGreaterThanOrEqual(0)
    const bits = tree.categoryBits[tree.categoryOffset[0]]
    const left = [0, 1, 2, 3, 4, 5].filter((c) => (bits >>> c) & 1)
    expect([
      [1, 3, 4],
      [0, 2, 5],
    ]).toContainEqual(left)
    expect(accuracy(await model.predict(X), classes(y))).toBe(1)
  })
})

describe('gbdt quality', () => {
  it('multiclass accuracy is far above chance', async () => {
    const data = blobs(900, 3, 1)
    const train = slice(data, 0, 600)
    const test = slice(data, 600, 900)
    const model = await fitGbdt(train.X, train.y, 'multiclass')
    expect(accuracy(await model.predict(test.X), test.y)).toBeGreaterThan(0.85)
    const proba = await model.predictProba(test.X)
    expect(proba.length).toBe(300 * 3)
    expect(proba[0] + proba[1] + proba[2]).toBeCloseTo(1, 12)
  })

  it('regression explains most of the variance', async () => {
    const data = regression(1500, 2)
    const model = await fitGbdt(slice(data, 0, 1000).X, slice(data, 0, 1000).y, 'regression')
    const test = slice(data, 1000, 1500)
    expect(r2(await model.predict(test.X), test.y)).toBeGreaterThan(0.85)
    const importance = model.featureImportance()
    expect(importance.kind).toBe('gain')
    // x0 and x1 carry the signal, x2 is noise.
    expect(importance.values[0]).toBeGreaterThan(importance.values[2])
    expect(importance.values[1]).toBeGreaterThan(importance.values[2])
  })

  it('binary probabilities have two columns that sum to one', async () => {
    const data = blobs(400, 2, 3)
    const model = await fitGbdt(data.X, data.y, 'binary', { max_iter: 20 })
    const proba = await model.predictProba(data.X)
    expect(proba.length).toBe(800)
    for (let i = 0; i < 400; i++) expect(proba[2 * i] + proba[2 * i + 1]).toBeCloseTo(1, 12)
    expect(accuracy(await model.predict(data.X), data.y)).toBeGreaterThan(0.9)
  })
})

describe('gbdt tree shape', () => {
  it('respects max_depth and max_leaf_nodes, also without a leaf limit', async () => {
    const data = regression(800, 31)
    const deep = await fitGbdt(data.X, data.y, 'regression', {
      max_iter: 5,
      max_depth: 2,
      max_leaf_nodes: 'none',
    })
    for (const tree of getTreeModelStructure(deep)!.ensemble.trees) {
      const depth = new Int32Array(tree.nNodes)
      for (let i = 0; i < tree.nNodes; i++) {
        if (tree.left[i] < 0) continue
        depth[tree.left[i]] = depth[tree.right[i]] = depth[i] + 1
      }
      expect(Math.max(...depth)).toBeLessThanOrEqual(2)
    }
    const small = await fitGbdt(data.X, data.y, 'regression', { max_iter: 5, max_leaf_nodes: 4 })
    for (const tree of getTreeModelStructure(small)!.ensemble.trees) {
      expect(Array.from(tree.left).filter((l) => l < 0).length).toBeLessThanOrEqual(4)
    }
  })
})

describe('gbdt early stopping and curves', () => {
  it('stops early on noise labels and records train and validation losses', async () => {
    const rng = createRng(5)
    const n = 2000
    const X = matrix([
      Array.from({ length: n }, () => rng.nextNormal()),
      Array.from({ length: n }, () => rng.nextNormal()),
    ])
    const y = classes(Array.from({ length: n }, () => rng.nextInt(2)))
    const model = await fitGbdt(X, y, 'binary', { early_stopping: true, max_iter: 300 })
    const meta = model.trainingMetadata
    expect(meta.stoppedEarly).toBe(true)
    expect(meta.iterations as number).toBeLessThan(300)
    const curve = model.trainingCurve()!
    expect(curve.unit).toBe('iteration')
    expect(curve.train.length).toBe((meta.iterations as number) + 1)
    expect(curve.validation!.length).toBe(curve.train.length)
    expect(meta.validationRows).toBe(200)
  })

  it('does not stop on learnable data with n ≤ 10000 and early_stopping auto', async () => {
    const data = blobs(600, 2, 4)
    const model = await fitGbdt(data.X, data.y, 'binary', { max_iter: 30 })
    expect(model.trainingMetadata.iterations).toBe(30)
    expect(model.trainingCurve()!.validation).toBeUndefined()
  })

  it('implements sklearn _should_stop', () => {
    expect(shouldStop([1, 0.9, 0.8], 2, 0)).toBe(false)
    expect(shouldStop([1, 0.9, 0.95, 0.92], 2, 0)).toBe(true)
    expect(shouldStop([1, 0.9, 0.95, 0.89], 2, 0)).toBe(false)
    expect(shouldStop([1, 0.9, 0.95, 0.89], 2, 0.02)).toBe(true)
  })

  it('honours cancellation and reports progress', async () => {
    const data = blobs(300, 2, 6)
    const fractions: number[] = []
    let calls = 0
    const run = gbdtFamily.fit(data.X, data.y, gbdtFamily.defaults('binary'), {
      task: 'binary',
      rng: createRng(1),
      onProgress: (p) => fractions.push(p.fraction),
      isCancelled: () => ++calls > 3,
    })
    await expect(run).rejects.toBeInstanceOf(WorkerError)
    await expect(run).rejects.toMatchObject({ code: 'cancelled' })
    expect(fractions).toEqual([0.01, 0.02, 0.03])
  })
})

describe('gbdt serialization and determinism', () => {
  it('round-trips to bit-identical predictions', async () => {
    const data = blobs(500, 3, 8)
    const model = await fitGbdt(data.X, data.y, 'multiclass', { max_iter: 15 })
    const bytes = await model.serialize()
    const text = new TextDecoder().decode(bytes)
    expect(JSON.parse(text)).toMatchObject({ format: 'butterfly-trees', version: 1, family: 'gbdt' })
    const loaded = (await gbdtFamily.load(bytes)) as TreeFittedModel
    const a = await model.predictProba(data.X)
    const b = await loaded.predictProba(data.X)
    expect(new Uint8Array(b.buffer)).toEqual(new Uint8Array(a.buffer))
    expect(await loaded.serialize()).toEqual(bytes)
    expect(loaded.featureImportance()).toEqual(model.featureImportance())
    expect(loaded.trainingCurve()).toEqual(model.trainingCurve())
  })

  it('gives the same bytes for the same seed (with early stopping)', async () => {
    const data = blobs(1200, 2, 9)
    const hp = { early_stopping: true, max_iter: 40 }
    const a = await (await fitGbdt(data.X, data.y, 'binary', hp, 11)).serialize()
    const b = await (await fitGbdt(data.X, data.y, 'binary', hp, 11)).serialize()
    expect(b).toEqual(a)
    const c = await (await fitGbdt(data.X, data.y, 'binary', hp, 12)).serialize()
    expect(c).not.toEqual(a)
  })

  it('gives identical trees with the wasm and the JS kernels', async () => {
    const data = blobs(3000, 2, 13)
    const params = { ...boostingParamsFrom({}), maxIter: 8 }
    const options = { task: 'binary' as const, rng: createRng(3) }
    const wasm = fitGradientBoosting(data.X, data.y, params, options)
    const js = fitGradientBoosting(
      data.X,
      data.y,
      { ...params, useWasm: false },
      { ...options, rng: createRng(3) },
    )
    expect(js.ensemble.trees.length).toBe(8)
    expect(js.ensemble.trees).toEqual(wasm.ensemble.trees)
  })

  it('rejects other formats and versions', async () => {
    const bad = new TextEncoder().encode(JSON.stringify({ format: 'butterfly-trees', version: 99 }))
    await expect(gbdtFamily.load(bad)).rejects.toThrow(/unsupported version 99/)
  })

  it('checks hyperparameters by name', async () => {
    const data = blobs(100, 2, 1)
    await expect(fitGbdt(data.X, data.y, 'binary', { max_leaf_nodes: 1.5 })).rejects.toThrow(/max_leaf_nodes/)
  })
})
