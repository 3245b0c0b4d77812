import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { Hyperparameters, ModelFamily } from '../models/model.ts'
import { rfFamily } from '../models/rf.ts'
import { treeFamily } from '../models/tree.ts'
import { binMatrix, fitBinMapper, SubsetBinner } from './binning.ts'
import { getTreeModelStructure, type TreeFittedModel } from './fittedTreeModel.ts'
import { defaultFeaturesPerSplit } from './forest.ts'
import { TreeLearner } from './learner.ts'
import { accuracy, blobs, classes, matrix, r2, regression, slice } from './testData.ts'

async function fitWith(
  family: ModelFamily,
  X: FeatureMatrix,
  y: Target,
  task: TaskType,
  hp: Hyperparameters = {},
  seed = 42,
): Promise<TreeFittedModel> {
  return (await family.fit(
    X,
    y,
    { ...family.defaults(task), ...hp },
    { task, rng: createRng(seed) },
  )) as TreeFittedModel
}

describe('decision tree', () => {
  it('fits distinct training points perfectly when grown fully (Gini on one-hot)', async () => {
    const data = blobs(300, 3, 21)
    const model = await fitWith(treeFamily, data.X, data.y, 'multiclass')
    expect(accuracy(await model.predict(data.X), data.y)).toBe(1)
    const { ensemble } = getTreeModelStructure(model)!
    expect(ensemble.trees.length).toBe(1)
    expect(ensemble.trees[0].nOutputs).toBe(3)
    // Leaves hold class proportions; the cover of the root is the number of rows.
    expect(ensemble.trees[0].cover[0]).toBe(300)
  })

  it('finds a perfect split and respects max_depth', async () => {
    const x = Array.from({ length: 100 }, (_, i) => i)
    const y = classes(x.map((v) => (v < 63 ? 0 : 1)))
    const model = await fitWith(treeFamily, matrix([x]), y, 'binary', { max_depth: 1 })
    const tree = getTreeModelStructure(model)!.ensemble.trees[0]
    expect(tree.nNodes).toBe(3)
    expect(tree.threshold[0]).toBe(62.5)
    expect(Array.from(tree.value.subarray(2, 6))).toEqual([1, 0, 0, 1])
  })

  it('splits impure nodes even when the split gains nothing, as sklearn (XOR is learned exactly)', async () => {
    // y = x0 XOR x1: neither feature reduces Gini at the root, both together separate the classes.
    const x0 = Array.from({ length: 80 }, (_, i) => i % 2)
    const x1 = Array.from({ length: 80 }, (_, i) => (i >> 1) % 2)
    const y = classes(x0.map((v, i) => v ^ x1[i]))
    const model = await fitWith(treeFamily, matrix([x0, x1]), y, 'binary')
    expect(accuracy(await model.predict(matrix([x0, x1])), y)).toBe(1)
    expect(getTreeModelStructure(model)!.ensemble.trees[0].nNodes).toBe(7)
  })

  it('can put one category alone against the rest when that is the best multiclass split', async () => {
    // Rows per (category, class): a (20, 0, 5), b (0, 30, 10), c (20, 0, 60). Sorted by the share of
    // the largest class (2), b lies between a and c, so no sorted prefix isolates it; {b} | {a, c} is
    // the best Gini split (one-hot encoded trees find it).
    const cells: [number, number, number][] = [
      [0, 0, 20],
      [0, 2, 5],
      [1, 1, 30],
      [1, 2, 10],
      [2, 0, 20],
      [2, 2, 60],
    ]
    const x: number[] = []
    const codes: number[] = []
    for (const [category, label, count] of cells) {
      for (let i = 0; i < count; i++) {
        x.push(category)
        codes.push(label)
      }
    }
    const model = await fitWith(treeFamily, matrix([x], [3]), classes(codes, 3), 'multiclass', {
      max_depth: 1,
    })
    const tree = getTreeModelStructure(model)!.ensemble.trees[0]
    expect(tree.nNodes).toBe(3)
    expect(Array.from(tree.value.subarray(3, 6))).toEqual([0, 0.75, 0.25])
  })

  it('lets a category of a few rows go left alone (deep trees split small nodes)', async () => {
    // Category 0 (4 rows) holds the only positives: below boosting's support of 10 rows it could not.
    const x = [0, 0, 0, 0, ...Array.from({ length: 60 }, (_, i) => 1 + (i % 2))]
    const y = classes(x.map((v) => (v === 0 ? 1 : 0)))
    const model = await fitWith(treeFamily, matrix([x], [3]), y, 'binary', { max_depth: 1 })
    expect(accuracy(await model.predict(matrix([x], [3])), y)).toBe(1)
  })

  it('takes the variance-reducing split in regression', async () => {
    const x = Array.from({ length: 40 }, (_, i) => i % 10)
    const values = Float64Array.from(x, (v) => (v >= 7 ? 5 : 1))
    const model = await fitWith(treeFamily, matrix([x]), { kind: 'regression', values }, 'regression')
    expect(Array.from(await model.predict(matrix([[0, 6, 7, 9]])))).toEqual([1, 1, 5, 5])
  })
})

describe('random forest', () => {
  it('classifies blobs well and gives probabilities that sum to one', async () => {
    const data = blobs(900, 3, 22)
    const train = slice(data, 0, 600)
    const test = slice(data, 600, 900)
    const model = await fitWith(rfFamily, train.X, train.y, 'multiclass', { n_estimators: 30 })
    expect(accuracy(await model.predict(test.X), test.y)).toBeGreaterThan(0.85)
    const proba = await model.predictProba(test.X)
    for (let i = 0; i < 300; i++)
      expect(proba[3 * i] + proba[3 * i + 1] + proba[3 * i + 2]).toBeCloseTo(1, 12)
    expect(model.trainingMetadata.nTrees).toBe(30)
  })

  it('does regression clearly better than the mean', async () => {
    const data = regression(1200, 23)
    const model = await fitWith(rfFamily, slice(data, 0, 800).X, slice(data, 0, 800).y, 'regression', {
      n_estimators: 25,
    })
    const test = slice(data, 800, 1200)
    expect(r2(await model.predict(test.X), test.y)).toBeGreaterThan(0.8)
  })

  it('is deterministic for a seed and round-trips with identical predictions', async () => {
    const data = blobs(400, 2, 24)
    const hp = { n_estimators: 10 }
    const a = await fitWith(rfFamily, data.X, data.y, 'binary', hp, 5)
    const b = await fitWith(rfFamily, data.X, data.y, 'binary', hp, 5)
    const bytes = await a.serialize()
    expect(await b.serialize()).toEqual(bytes)
    const c = await fitWith(rfFamily, data.X, data.y, 'binary', hp, 6)
    expect(await c.serialize()).not.toEqual(bytes)
    const loaded = await rfFamily.load(bytes)
    const pa = await a.predictProba(data.X)
    const pl = await loaded.predictProba(data.X)
    expect(new Uint8Array(pl.buffer)).toEqual(new Uint8Array(pa.buffer))
  })

  it('draws more features when the drawn ones cannot split a node, as sklearn', async () => {
    // One informative feature among three constant ones, one feature per split: every tree must still
    // split its root on the informative feature (a drawn constant feature does not end the search).
    const n = 200
    const x = Array.from({ length: n }, (_, i) => i)
    const constant = Array.from({ length: n }, () => 1)
    const y = classes(x.map((v) => (v < 120 ? 0 : 1)))
    const model = await fitWith(rfFamily, matrix([constant, constant, x, constant]), y, 'binary', {
      n_estimators: 20,
      max_features: 0.25,
    })
    const { ensemble } = getTreeModelStructure(model)!
    for (const tree of ensemble.trees) {
      expect(tree.nNodes).toBeGreaterThan(1)
      expect(tree.feature[0]).toBe(2)
    }
    expect(accuracy(await model.predict(matrix([constant, constant, x, constant])), y)).toBe(1)
  })

  it('uses sklearn-like feature counts per split', () => {
    expect(defaultFeaturesPerSplit('auto', 23, 'binary')).toBe(4)
    expect(defaultFeaturesPerSplit('auto', 23, 'regression')).toBe(23)
    expect(defaultFeaturesPerSplit(0.33, 30, 'regression')).toBe(9)
    expect(defaultFeaturesPerSplit('log2', 16, 'multiclass')).toBe(4)
  })
})

describe('tree learner reused across trees (rebin)', () => {
  it('grows, after swapping in other bins, the very tree a fresh learner grows on them', () => {
    const data = regression(400, 5)
    const binner = new SubsetBinner(data.X, 255)
    const params = {
      maxLeafNodes: Number.POSITIVE_INFINITY,
      maxDepth: Number.POSITIVE_INFINITY,
      minSamplesLeaf: 1,
      minSamplesSplit: 2,
      minHessian: 0,
      l2: 0,
      featuresPerSplit: 2,
      leafScale: 1,
      coverFromDenominator: true,
      splitUntilPure: true,
    }
    const values = (data.y as Extract<Target, { kind: 'regression' }>).values
    const grownTrees = (reuse: boolean) => {
      let learner: TreeLearner | undefined
      const out = []
      for (let t = 0; t < 3; t++) {
        const rng = createRng(7).fork(`tree-${t}`)
        const counts = new Float32Array(400)
        for (let i = 0; i < 400; i++) counts[rng.nextInt(400)]++
        const rows = Uint32Array.from(counts.keys()).filter((i) => counts[i] > 0)
        const num = counts.map((c, i) => c * values[i])
        const { mapper, binned } = binner.bin(counts)
        if (reuse && learner) learner.rebin(binned, mapper)
        else learner = new TreeLearner(binned, mapper, 1, params)
        out.push(learner.grow(num, counts, rows, rng).nodes)
      }
      return out
    }
    const fresh = grownTrees(false)
    const reused = grownTrees(true)
    expect(fresh[1].nNodes).toBeGreaterThan(100)
    for (let t = 0; t < 3; t++) {
      expect(Array.from(reused[t].threshold)).toEqual(Array.from(fresh[t].threshold))
      expect(Array.from(reused[t].feature)).toEqual(Array.from(fresh[t].feature))
      expect(Array.from(reused[t].value)).toEqual(Array.from(fresh[t].value))
    }
    // The trees differ from one another: each used its own bins.
    expect(Array.from(reused[1].threshold)).not.toEqual(Array.from(reused[0].threshold))
  })
})

describe('small nodes kept sorted by bin (presort)', () => {
  it('grows the same boosting-like and forest trees as sorting every small node afresh', () => {
    const data = regression(600, 11)
    // A column with missing values and a categorical one exercise the missing bin and the skip.
    const rng = createRng(3)
    const withMissing = data.X.columns[0].map((v) => (rng.nextInt(7) === 0 ? Number.NaN : v))
    const category = Float64Array.from({ length: 600 }, () => rng.nextInt(4))
    const X: FeatureMatrix = {
      ...data.X,
      names: [...data.X.names, 'missing', 'category'],
      columns: [...data.X.columns, withMissing, category],
      categoricalLevels: [...data.X.categoricalLevels, 0, 4],
    }
    const mapper = fitBinMapper(X, createRng(1), 255)
    const binned = binMatrix(mapper, X)
    const values = (data.y as Extract<Target, { kind: 'regression' }>).values
    const gradients = Float32Array.from(values, (v, i) => v * 0.3 - (i % 5))
    const hessians = new Float32Array(600).fill(1)
    const grown = (presort: boolean, minSamplesLeaf: number, maxLeafNodes: number) =>
      new TreeLearner(binned, mapper, 1, {
        maxLeafNodes,
        maxDepth: Number.POSITIVE_INFINITY,
        minSamplesLeaf,
        minSamplesSplit: 2,
        minHessian: 1e-3,
        l2: 0,
        featuresPerSplit: X.columns.length,
        leafScale: -0.1,
        coverFromDenominator: false,
        presort,
      }).grow(gradients, hessians, null, null).nodes
    for (const [minSamplesLeaf, maxLeafNodes] of [
      [20, 31],
      [1, Number.POSITIVE_INFINITY],
    ]) {
      const sorted = grown(true, minSamplesLeaf, maxLeafNodes)
      const fresh = grown(false, minSamplesLeaf, maxLeafNodes)
      expect(sorted.nNodes).toBeGreaterThan(minSamplesLeaf === 1 ? 500 : 40)
      expect(Array.from(sorted.feature)).toEqual(Array.from(fresh.feature))
      expect(Array.from(sorted.threshold)).toEqual(Array.from(fresh.threshold))
      expect(Array.from(sorted.value)).toEqual(Array.from(fresh.value))
    }
  })
})

describe('random forest out of bag', () => {
  const outOfBag = rfFamily.outOfBag!
  /** Column-wise argmax of row-major class probabilities. */
  const argmax = (proba: Float64Array, k: number) =>
    Array.from({ length: proba.length / k }, (_, i) => {
      let best = 0
      for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c
      return best
    })

  it('predicts each row from the trees that did not draw it: labels of pure noise, memorised in bag, score near chance out of bag', async () => {
    const rng = createRng(3)
    const n = 400
    const X = matrix([0, 1, 2, 3].map(() => Array.from({ length: n }, () => rng.nextNormal())))
    const codes = Array.from({ length: n }, () => rng.nextInt(2))
    const y = classes(codes)
    const model = await fitWith(rfFamily, X, y, 'binary', { n_estimators: 60 }, 11)
    const inBag = argmax(await model.predictProba(X), 2)
    expect(inBag.filter((c, i) => c === codes[i]).length / n).toBeGreaterThan(0.95)
    // Replaying another seed's samples would let in-bag trees vote: the memorised labels would come back.
    const oob = outOfBag.predictions(model, X, y, createRng(11))
    const oobAccuracy = argmax(oob, 2).filter((c, i) => c === codes[i]).length / n
    expect(oobAccuracy).toBeGreaterThan(0.35)
    expect(oobAccuracy).toBeLessThan(0.65)
    const wrongSeed = outOfBag.predictions(model, X, y, createRng(12))
    expect(argmax(wrongSeed, 2).filter((c, i) => c === codes[i]).length / n).toBeGreaterThan(0.7)
  })

  it('scores an informative problem out of bag about as well as held-out rows, for classes and values', async () => {
    const data = blobs(600, 3, 5)
    const fit = slice(data, 0, 400)
    const held = slice(data, 400, 600)
    const model = await fitWith(rfFamily, fit.X, fit.y, 'multiclass', { n_estimators: 80 }, 4)
    const oob = outOfBag.predictions(model, fit.X, fit.y, createRng(4))
    expect(oob.length).toBe(400 * 3)
    for (let i = 0; i < 400; i++) expect(oob[3 * i] + oob[3 * i + 1] + oob[3 * i + 2]).toBeCloseTo(1, 12)
    const oobAccuracy = accuracy(Float64Array.from(argmax(oob, 3)), fit.y)
    const heldAccuracy = accuracy(await model.predict(held.X), held.y)
    expect(Math.abs(oobAccuracy - heldAccuracy)).toBeLessThan(0.06)

    const values = regression(600, 9)
    const train = slice(values, 0, 400)
    const test = slice(values, 400, 600)
    const reg = await fitWith(rfFamily, train.X, train.y, 'regression', { n_estimators: 80 }, 8)
    const oobR2 = r2(outOfBag.predictions(reg, train.X, train.y, createRng(8)), train.y)
    const heldR2 = r2(await reg.predict(test.X), test.y)
    expect(Math.abs(oobR2 - heldR2)).toBeLessThan(0.04)
    expect(oobR2).toBeLessThan(r2(await reg.predict(train.X), train.y) - 0.02)
  })

  it("gives a row that every tree drew the training rows' class shares, and needs bootstrap", async () => {
    const data = blobs(200, 2, 8)
    const model = await fitWith(rfFamily, data.X, data.y, 'binary', { n_estimators: 1 }, 2)
    const oob = outOfBag.predictions(model, data.X, data.y, createRng(2))
    const share =
      Array.from(data.y.kind === 'classification' ? data.y.codes : []).filter((c) => c === 1).length / 200
    const drawn = Array.from({ length: 200 }, (_, i) => i).filter((i) => oob[2 * i + 1] === share)
    // One tree draws about 1 − 1/e of the rows.
    expect(drawn.length / 200).toBeGreaterThan(0.55)
    expect(drawn.length / 200).toBeLessThan(0.72)
    expect(outOfBag.applies({ bootstrap: false })).toBe(false)
    expect(outOfBag.applies(rfFamily.defaults('binary'))).toBe(true)
  })
})
