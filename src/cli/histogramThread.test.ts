import { afterAll, describe, expect, it } from 'vitest'
import { createRng } from '../domain/random.ts'
import { binMatrix, fitBinMapper } from '../engine/trees/binning.ts'
import { defaultBoostingParams, fitGradientBoosting } from '../engine/trees/boosting.ts'
import { ROW_LOSS } from '../engine/trees/boostingRows.ts'
import { setKernelThread } from '../engine/trees/histogramHalves.ts'
import { type LearnerParams, TreeLearner } from '../engine/trees/learner.ts'
import { blobs } from '../engine/trees/testData.ts'
import { createHistogramThread } from './histogramThread.ts'

const thread = createHistogramThread()
afterAll(async () => {
  setKernelThread(null)
  await thread.close()
})

const learnerParams: LearnerParams = {
  maxLeafNodes: 31,
  maxDepth: Number.POSITIVE_INFINITY,
  minSamplesLeaf: 20,
  minSamplesSplit: 0,
  minHessian: 1e-3,
  l2: 0,
  featuresPerSplit: 5,
  leafScale: -0.1,
  coverFromDenominator: false,
  halfRows: 400,
}

/** Blobs with their classes, or a linear regression target on the same features. */
function taskData(task: 'binary' | 'regression', k: number, seed: number) {
  const { X, y } = blobs(5000, Math.max(k, 2), seed)
  if (task !== 'regression') return { X, y }
  const values = Float64Array.from(X.columns[0], (v, i) => v * 2 + X.columns[1][i])
  return { X, y: { kind: 'regression' as const, values } }
}

/** Grows three trees on seeded gradients; with `withThread`, once the thread is attached and ready. */
async function growTrees(withThread: boolean) {
  setKernelThread(withThread ? thread : null)
  const { X } = blobs(6000, 3, 7)
  const mapper = fitBinMapper(X, createRng(1))
  const learner = new TreeLearner(binMatrix(mapper, X), mapper, 1, learnerParams)
  for (let wait = 0; withThread && !learner.threadReady && wait < 300; wait++)
    await new Promise((resolve) => setTimeout(resolve, 20))
  expect(learner.threadReady).toBe(withThread)
  const rng = createRng(3)
  const trees = []
  for (let t = 0; t < 3; t++) {
    const g = Float32Array.from({ length: 6000 }, (_, i) => X.columns[0][i] * 0.3 + rng.nextNormal())
    const h = Float32Array.from({ length: 6000 }, () => 0.1 + rng.nextFloat())
    trees.push(learner.grow(g, h, null, null).nodes)
  }
  const jobs = learner.threadJobs
  learner.close()
  return { trees, jobs }
}

describe("the headless runner's histogram thread (boosting on two cores)", () => {
  it('builds half of the large nodes, and the trees are identical to one thread building both halves', async () => {
    const alone = await growTrees(false)
    const shared = await growTrees(true)
    expect(alone.jobs).toBe(0)
    // The root and every node of ≥ 400 rows: at least one job per tree, more as nodes split.
    expect(shared.jobs).toBeGreaterThan(6)
    expect(shared.trees[0].nNodes).toBeGreaterThan(40)
    expect(shared.trees).toEqual(alone.trees)
  }, 60_000)

  it('gives the same boosted model with and without the thread, fit after fit', async () => {
    const { X, y } = blobs(4000, 3, 11)
    const params = { ...defaultBoostingParams, maxIter: 8, earlyStopping: false, halfRows: 300 }
    const boosted = (withThread: boolean) => {
      setKernelThread(withThread ? thread : null)
      return fitGradientBoosting(X, y, params, { task: 'multiclass', rng: createRng(5) }).ensemble
    }
    const alone = boosted(false)
    expect(boosted(true)).toEqual(alone)
    expect(boosted(true)).toEqual(alone)
  }, 60_000)

  it.each([
    ['binary', 2],
    ['regression', 0],
  ] as const)(
    'shares the %s gradient and score passes, and they give the one-thread fit',
    async (task, k) => {
      const { X, y } = taskData(task, k, 13)
      const params = { ...defaultBoostingParams, maxIter: 10, earlyStopping: false }
      const boosted = (withThread: boolean, halfRows: number) => {
        setKernelThread(withThread ? thread : null)
        return fitGradientBoosting(X, y, { ...params, halfRows }, { task, rng: createRng(8) })
      }
      const whole = boosted(false, Number.POSITIVE_INFINITY)
      const alone = boosted(false, 300)
      const shared = boosted(true, 300)
      expect(shared.ensemble).toEqual(alone.ensemble)
      expect(shared.curve).toEqual(alone.curve)
      // Halves only reorder additions inside histograms: the same trees as building nodes whole, to rounding.
      expect(alone.ensemble.trees.map((t) => t.nNodes)).toEqual(whole.ensemble.trees.map((t) => t.nNodes))
      const last = (r: typeof whole) => r.curve.train[r.curve.train.length - 1]
      expect(last(alone)).toBeLessThan(whole.curve.train[0] * 0.9)
      expect(Math.abs(last(alone) - last(whole))).toBeLessThan(1e-9 * last(whole))
    },
    60_000,
  )
})

describe('partitioning large nodes in two halves', () => {
  it('leaves every row where the one-piece partition puts it, ascending inside each leaf', async () => {
    setKernelThread(thread)
    const n = 5000
    const { X } = blobs(n, 3, 21)
    const mapper = fitBinMapper(X, createRng(2))
    const params = { ...learnerParams, featuresPerSplit: X.columns.length }
    const grown = async (halfRows: number) => {
      const learner = new TreeLearner(binMatrix(mapper, X), mapper, 1, { ...params, halfRows })
      for (let wait = 0; halfRows < n && !learner.threadReady && wait < 300; wait++)
        await new Promise((resolve) => setTimeout(resolve, 20))
      const rng = createRng(4)
      const g = Float32Array.from({ length: n }, (_, i) => X.columns[1][i] * 0.5 + rng.nextNormal())
      const h = Float32Array.from({ length: n }, () => 0.2 + rng.nextFloat())
      const tree = learner.grow(g, h, null, null)
      const out = { tree, rows: learner.rows.slice(), jobs: learner.threadJobs }
      learner.close()
      return out
    }
    const whole = await grown(Number.POSITIVE_INFINITY)
    const halves = await grown(300)
    expect(halves.jobs).toBeGreaterThan(4)
    expect(halves.tree.nodes.feature).toEqual(whole.tree.nodes.feature)
    expect(halves.tree.nodes.binThreshold).toEqual(whole.tree.nodes.binThreshold)
    expect(halves.tree.leafStart).toEqual(whole.tree.leafStart)
    expect(halves.tree.leafNode.length).toBeGreaterThan(10)
    expect(Array.from(halves.rows)).toEqual(Array.from(whole.rows))
    for (let l = 0; l < halves.tree.leafNode.length; l++)
      for (let i = halves.tree.leafStart[l] + 1; i < halves.tree.leafEnd[l]; i++)
        expect(halves.rows[i]).toBeGreaterThan(halves.rows[i - 1])
  }, 60_000)
})

describe('quantised gradients (large boosting fits)', () => {
  it('grow exactly the trees that the float kernels grow from the rounded gradients, with or without the thread', async () => {
    const n = 6000
    const { X, y } = blobs(n, 2, 17)
    const mapper = fitBinMapper(X, createRng(1))
    const params = { ...learnerParams, featuresPerSplit: X.columns.length, halfRows: 400 }
    const codes = y.kind === 'classification' ? y.codes : new Int32Array(0)
    const quantisedTree = async (withThread: boolean) => {
      setKernelThread(withThread ? thread : null)
      const learner = new TreeLearner(binMatrix(mapper, X), mapper, 1, { ...params, quantized: true })
      for (let wait = 0; withThread && !learner.threadReady && wait < 300; wait++)
        await new Promise((resolve) => setTimeout(resolve, 20))
      const buffers = learner.rowBuffers()
      if (!buffers) throw new Error('no row buffers')
      for (let i = 0; i < n; i++) {
        buffers.raw[i] = X.columns[0][i] * 0.4 - 0.2
        buffers.labels[i] = codes[i]
      }
      learner.gradientsInHalves(ROW_LOSS.binary)
      const exact = buffers.num.slice()
      expect(learner.quantizeInHalves(1234)).toBe(true)
      const rounded = { num: buffers.num.slice(), den: buffers.den.slice() }
      const tree = learner.grow(buffers.num, buffers.den, null, null)
      const jobs = learner.threadJobs
      learner.close()
      return { exact, rounded, tree: tree.nodes, leafStart: tree.leafStart, jobs }
    }
    const alone = await quantisedTree(false)
    const shared = await quantisedTree(true)
    expect(alone.jobs).toBe(0)
    expect(shared.jobs).toBeGreaterThan(4)
    expect(shared.tree).toEqual(alone.tree)
    // The rounding changed most gradients, and the tree is a real one.
    let changed = 0
    for (let i = 0; i < n; i++) if (alone.rounded.num[i] !== alone.exact[i]) changed++
    expect(changed).toBeGreaterThan(n / 2)
    expect(alone.tree.nNodes).toBeGreaterThan(40)
    // The float kernels on the rounded values: the same tree, bit for bit (values, gains, thresholds).
    setKernelThread(null)
    const float = new TreeLearner(binMatrix(mapper, X), mapper, 1, params)
    const floatTree = float.grow(alone.rounded.num, alone.rounded.den, null, null)
    expect(alone.tree).toEqual(floatTree.nodes)
    expect(alone.leafStart).toEqual(floatTree.leafStart)
  }, 60_000)

  it.each([
    ['binary', 2],
    ['regression', 0],
  ] as const)(
    'give one %s model with and without the thread, close to the float fit',
    async (task, k) => {
      const { X, y } = taskData(task, k, 19)
      const params = { ...defaultBoostingParams, maxIter: 10, earlyStopping: false, halfRows: 300 }
      const boosted = (withThread: boolean, quantizedGradients: boolean) => {
        setKernelThread(withThread ? thread : null)
        return fitGradientBoosting(X, y, { ...params, quantizedGradients }, { task, rng: createRng(8) })
      }
      const alone = boosted(false, true)
      const shared = boosted(true, true)
      const float = boosted(false, false)
      expect(alone.metadata.quantizedGradients).toBe(true)
      expect(float.metadata.quantizedGradients).toBe(false)
      expect(shared.ensemble).toEqual(alone.ensemble)
      expect(shared.curve).toEqual(alone.curve)
      expect(alone.ensemble).not.toEqual(float.ensemble)
      // Rounding noise, not a different fit: the training loss ends within 2 % of the float fit's.
      const last = (r: typeof float) => r.curve.train[r.curve.train.length - 1]
      expect(last(alone)).toBeLessThan(float.curve.train[0] * 0.9)
      expect(Math.abs(last(alone) - last(float))).toBeLessThan(0.02 * last(float))
    },
    60_000,
  )
})
