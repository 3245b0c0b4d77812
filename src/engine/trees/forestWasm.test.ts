import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { binMatrix, fitBinMapper } from './binning.ts'
import { type ForestParams, fitForest } from './forest.ts'
import { TreeLearner } from './learner.ts'
import { blobs, regression } from './testData.ts'
import type { TreeNodes } from './treeModel.ts'

/** Every array of every tree, as plain numbers (NaN thresholds compare equal as strings). */
function dump(trees: readonly TreeNodes[]): string {
  return JSON.stringify(
    trees.map((t) =>
      Object.fromEntries(
        Object.entries(t).map(([key, v]) => [
          key,
          ArrayBuffer.isView(v) ? Array.from(v as Float64Array).map(String) : v,
        ]),
      ),
    ),
  )
}

/** A copy of X where every 7th value of column `c` is missing. */
function withMissing(X: FeatureMatrix, c: number): FeatureMatrix {
  const column = Float64Array.from(X.columns[c])
  for (let i = 0; i < column.length; i += 7) column[i] = Number.NaN
  const columns = X.columns.slice()
  columns[c] = column
  return { ...X, columns }
}

const base: ForestParams = {
  nEstimators: 6,
  maxDepth: Number.POSITIVE_INFINITY,
  maxLeafNodes: Number.POSITIVE_INFINITY,
  minSamplesLeaf: 1,
  minSamplesSplit: 2,
  featuresPerSplit: 2,
  bootstrap: true,
  maxBins: 255,
}

function both(X: FeatureMatrix, y: Target, params: ForestParams, task: TaskType): [string, string] {
  const grown = (useWasm: boolean) =>
    dump(fitForest(X, y, { ...params, useWasm }, { task, rng: createRng(5).fork('training') }).ensemble.trees)
  return [grown(true), grown(false)]
}

describe('forests on the wasm kernels', () => {
  it('grow the same trees as on the JS kernels: regression, all features (subtraction, growing slot pool)', () => {
    const { X, y } = regression(3000, 11)
    const [wasm, js] = both(withMissing(X, 1), y, { ...base, featuresPerSplit: 4 }, 'regression')
    expect(wasm).toBe(js)
    expect(wasm.length).toBeGreaterThan(10_000)
  })

  it('grow the same trees as on the JS kernels: regression, sampled features; binary and 4 classes', () => {
    const reg = regression(2500, 12)
    const [wasm1, js1] = both(withMissing(reg.X, 0), reg.y, base, 'regression')
    expect(wasm1).toBe(js1)
    const two = blobs(2500, 2, 13)
    const [wasm2, js2] = both(two.X, two.y, base, 'binary')
    expect(wasm2).toBe(js2)
    const four = blobs(3000, 4, 14)
    const [wasm4, js4] = both(four.X, four.y, base, 'multiclass')
    expect(wasm4).toBe(js4)
    // A single tree over all features with 4 class channels: subtraction on the K-channel kernel.
    const [tree4, treeJs4] = both(
      four.X,
      four.y,
      { ...base, nEstimators: 1, bootstrap: false, featuresPerSplit: 5 },
      'multiclass',
    )
    expect(tree4).toBe(treeJs4)
  })

  it('grow the same trees on one shared binning (large tables), reusing the slot pool tree after tree', () => {
    const { X, y } = regression(21_000, 15)
    const params = { ...base, nEstimators: 3, featuresPerSplit: 4, perTreeBinningMaxRows: 20_000 }
    const [wasm, js] = both(X, y, params, 'regression')
    expect(wasm).toBe(js)
  })

  it('grow the wasm slot pool (and its memory) when a deep tree needs more histograms than it started with', () => {
    const { X, y } = regression(4000, 16)
    const mapper = fitBinMapper(X, createRng(1), 255)
    const params = {
      maxLeafNodes: Number.POSITIVE_INFINITY,
      maxDepth: Number.POSITIVE_INFINITY,
      minSamplesLeaf: 1,
      minSamplesSplit: 2,
      minHessian: 0,
      l2: 0,
      featuresPerSplit: 4,
      leafScale: 1,
      coverFromDenominator: true,
    }
    const num = Float32Array.from(y.kind === 'regression' ? y.values : [])
    const den = new Float32Array(X.nRows).fill(1)
    const wasm = new TreeLearner(binMatrix(mapper, X), mapper, 1, params)
    const js = new TreeLearner(binMatrix(mapper, X), mapper, 1, { ...params, useWasm: false })
    expect(wasm.wasmHistogramSlots).toBe(4)
    const a = wasm.grow(num, den, null, null)
    expect(wasm.wasmHistogramSlots).toBeGreaterThan(4)
    expect(js.wasmHistogramSlots).toBe(0)
    const b = js.grow(num, den, null, null)
    expect(dump([a.nodes])).toBe(dump([b.nodes]))
    // Leaves own the same row slices afterwards (views made again after the memory grew).
    expect(Array.from(wasm.rows)).toEqual(Array.from(js.rows))
  })
})
