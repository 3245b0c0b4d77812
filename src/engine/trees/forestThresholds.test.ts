import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { defaultFeaturesPerSplit, fitForest, perTreeBinningMaxRows } from './forest.ts'
import { matrix } from './testData.ts'

/**
 * 300 rows, one feature with 300 distinct values (more than 255 bins) and a label that alternates from
 * one value to the next: only exact thresholds separate neighbours.
 */
const n = 300
const X = matrix([Array.from({ length: n }, (_, i) => i)])
const y = {
  kind: 'classification' as const,
  codes: Int32Array.from({ length: n }, (_, i) => i % 2),
  classes: ['a', 'b'],
}

describe('forest thresholds on a small table', () => {
  it('each tree bins its own in-bag rows, so every in-bag row ends in a pure leaf (one shared 255-bin binning cannot)', () => {
    expect(perTreeBinningMaxRows).toBeGreaterThanOrEqual(n)
    const seed = 9
    const params = {
      nEstimators: 6,
      maxDepth: Number.POSITIVE_INFINITY,
      maxLeafNodes: Number.POSITIVE_INFINITY,
      minSamplesLeaf: 1,
      minSamplesSplit: 2,
      featuresPerSplit: defaultFeaturesPerSplit('sqrt', 1, 'binary'),
      bootstrap: true,
      maxBins: 255,
    }
    const { ensemble } = fitForest(X, y, params, { task: 'binary', rng: createRng(seed) })
    ensemble.trees.forEach((tree, t) => {
      // The tree's bootstrap sample, drawn as fitForest draws it (its own `tree-<t>` stream).
      const rng = createRng(seed).fork(`tree-${t}`)
      const inBag = new Set<number>()
      for (let i = 0; i < n; i++) inBag.add(rng.nextInt(n))
      // About 190 distinct values in the sample: fewer than 255, so this tree's bins are exact.
      expect(inBag.size).toBeLessThan(255)
      for (const row of inBag) {
        let node = 0
        while (tree.left[node] >= 0) node = row <= tree.threshold[node] ? tree.left[node] : tree.right[node]
        expect(tree.value[node * 2 + y.codes[row]], `tree ${t}, row ${row}`).toBe(1)
      }
    })
  })
})
