import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { syntheticColumns, syntheticEnsemble } from './syntheticTrees.ts'
import {
  ensembleRawOutput,
  explainRow,
  prepareTreeShap,
  type ShapEnsemble,
  type ShapTree,
  shapExpectedValue,
  treeShap,
} from './treeShap.ts'

/** Routing of one node, written independently of treeShap.ts. */
function followsLeft(tree: ShapTree, node: number, x: number, levels: number): boolean {
  const offset = tree.categoryOffset?.[node] ?? -1
  if (offset >= 0) {
    if (!Number.isInteger(x) || x < 0 || x >= levels) return tree.defaultLeft[node] === 1
    return (tree.categoryBits![offset + Math.floor(x / 32)] & (1 << (x % 32))) !== 0
  }
  return Number.isNaN(x) ? tree.defaultLeft[node] === 1 : x <= tree.threshold[node]
}

/** E[f(x) | x_S]: follow x on features in S, else the cover-weighted mean of both children. */
function conditionalExpectation(
  tree: ShapTree,
  x: number[],
  inS: boolean[],
  levels: number[],
  node = 0,
  o = 0,
): number {
  if (tree.left[node] === -1) return tree.value[node * tree.nOutputs + o]
  const f = tree.feature[node]
  const l = tree.left[node]
  const r = tree.right[node]
  if (inS[f])
    return conditionalExpectation(tree, x, inS, levels, followsLeft(tree, node, x[f], levels[f]) ? l : r, o)
  return (
    (tree.cover[l] * conditionalExpectation(tree, x, inS, levels, l, o) +
      tree.cover[r] * conditionalExpectation(tree, x, inS, levels, r, o)) /
    tree.cover[node]
  )
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1)
}

/** Exact Shapley values of the ensemble's output column o by enumerating all 2^F subsets. */
function bruteForceShap(ensemble: ShapEnsemble, x: number[], o: number): number[] {
  const nF = ensemble.nFeatures
  const value = (mask: number): number => {
    const inS = Array.from({ length: nF }, (_, f) => (mask & (1 << f)) !== 0)
    let total = ensemble.baseScore[o]
    ensemble.trees.forEach((tree, t) => {
      const column = ensemble.treeOutput[t]
      if (column === o)
        total += ensemble.treeWeight * conditionalExpectation(tree, x, inS, ensemble.categoricalLevels, 0, 0)
      if (column === -1)
        total += ensemble.treeWeight * conditionalExpectation(tree, x, inS, ensemble.categoricalLevels, 0, o)
    })
    return total
  }
  const phi = new Array<number>(nF).fill(0)
  for (let j = 0; j < nF; j++) {
    for (let mask = 0; mask < 1 << nF; mask++) {
      if (mask & (1 << j)) continue
      let size = 0
      for (let f = 0; f < nF; f++) if (mask & (1 << f)) size++
      const weight = (factorial(size) * factorial(nF - size - 1)) / factorial(nF)
      phi[j] += weight * (value(mask | (1 << j)) - value(mask))
    }
  }
  return phi
}

function rowOf(columns: Float64Array[], i: number): number[] {
  return columns.map((c) => c[i])
}

function expectAdditive(ensemble: ShapEnsemble, columns: Float64Array[], nRows: number): void {
  const result = treeShap(ensemble, columns, nRows)
  const raw = ensembleRawOutput(ensemble, columns, nRows)
  const k = ensemble.nOutputs
  for (let o = 0; o < k; o++) {
    for (let i = 0; i < nRows; i++) {
      let sum = result.expectedValue[o]
      for (let f = 0; f < ensemble.nFeatures; f++) sum += result.values[o][i * ensemble.nFeatures + f]
      expect(Math.abs(sum - raw[i * k + o]), `row ${i} output ${o}`).toBeLessThan(1e-9)
      expect(result.rawPrediction[i * k + o]).toBe(raw[i * k + o])
    }
  }
}

describe('TreeSHAP', () => {
  it('is additive on random deep boosting ensembles with NaNs, categories and repeated features', () => {
    const rng = createRng(1)
    const levels = [0, 0, 5, 0, 0, 12, 0, 0]
    const ensemble = syntheticEnsemble(rng.fork('model'), {
      nFeatures: 8,
      maxDepth: 9,
      earlyLeaf: 0.15,
      nTrees: 20,
      categoricalLevels: levels,
    })
    expectAdditive(ensemble, syntheticColumns(rng.fork('data'), 60, 8, levels), 60)
  })

  it('is additive with covers that do not sum over their children', () => {
    const rng = createRng(2)
    const ensemble = syntheticEnsemble(rng.fork('model'), {
      nFeatures: 5,
      maxDepth: 7,
      nTrees: 10,
      inconsistentCover: true,
    })
    expectAdditive(ensemble, syntheticColumns(rng.fork('data'), 40, 5), 40)
  })

  it('matches brute-force Shapley values of the cover-weighted conditional expectation', () => {
    for (let seed = 0; seed < 12; seed++) {
      const rng = createRng(100 + seed)
      const levels = [0, 4, 0, 0, 0]
      // Depth 6 over 5 features forces features to repeat along paths.
      const ensemble = syntheticEnsemble(rng.fork('model'), {
        nFeatures: 5,
        maxDepth: seed % 2 === 0 ? 6 : 3,
        earlyLeaf: 0.2,
        nTrees: 3,
        categoricalLevels: levels,
        inconsistentCover: seed % 3 === 0,
      })
      const columns = syntheticColumns(rng.fork('data'), 6, 5, levels, 0.2)
      const result = treeShap(ensemble, columns, 6)
      for (let i = 0; i < 6; i++) {
        const expected = bruteForceShap(ensemble, rowOf(columns, i), 0)
        for (let f = 0; f < 5; f++) {
          expect(
            Math.abs(result.values[0][i * 5 + f] - expected[f]),
            `seed ${seed} row ${i} feature ${f}`,
          ).toBeLessThan(1e-9)
        }
      }
    }
  })

  it('handles a feature repeated on one path exactly (hand-built tree)', () => {
    // x0 <= 0.5 ? (x0 <= 0.2 ? 1 : 2) : (x1 <= 0.5 ? 3 : 4)
    const tree: ShapTree = {
      left: Int32Array.from([1, 3, 5, -1, -1, -1, -1]),
      right: Int32Array.from([2, 4, 6, -1, -1, -1, -1]),
      feature: Int32Array.from([0, 0, 1, -1, -1, -1, -1]),
      threshold: Float64Array.from([0.5, 0.2, 0.5, 0, 0, 0, 0]),
      defaultLeft: new Uint8Array(7),
      value: Float64Array.from([0, 0, 0, 1, 2, 3, 4]),
      nOutputs: 1,
      cover: Float64Array.from([10, 4, 6, 1, 3, 2, 4]),
    }
    const ensemble: ShapEnsemble = {
      nFeatures: 3,
      nOutputs: 1,
      baseScore: Float64Array.from([0.5]),
      trees: [tree],
      treeOutput: Int32Array.from([0]),
      treeWeight: 1,
      categoricalLevels: [0, 0, 0],
    }
    // φ₀ = 0.5 + (1·1 + 3·2 + 2·3 + 4·4) / 10 = 3.4
    expect(shapExpectedValue(ensemble)[0]).toBeCloseTo(3.4, 14)
    const columns = [Float64Array.from([0.1, 0.9]), Float64Array.from([0.9, 0.1]), Float64Array.from([0, 0])]
    const result = treeShap(ensemble, columns, 2)
    for (let i = 0; i < 2; i++) {
      const expected = bruteForceShap(ensemble, rowOf(columns, i), 0)
      for (let f = 0; f < 3; f++) expect(result.values[0][i * 3 + f]).toBeCloseTo(expected[f], 12)
      // Feature 2 is never split on.
      expect(result.values[0][i * 3 + 2]).toBe(0)
    }
    // Row 0 reaches leaf 1 (value 1): all the change from 3.4 is feature 0's or feature 1's.
    expect(result.values[0][0] + result.values[0][1]).toBeCloseTo(1 - 2.9, 12)
  })

  it('gives exactly 0 to features no tree splits on', () => {
    const rng = createRng(3)
    const ensemble = syntheticEnsemble(rng.fork('model'), {
      nFeatures: 6,
      maxDepth: 5,
      nTrees: 8,
      usedFeatures: [0, 2, 5],
    })
    const result = treeShap(ensemble, syntheticColumns(rng.fork('data'), 30, 6), 30)
    for (let i = 0; i < 30; i++) {
      for (const f of [1, 3, 4]) expect(result.values[0][i * 6 + f]).toBe(0)
    }
  })

  it('follows the default direction for NaN and attributes the missing value', () => {
    // x0 <= 0.5 ? 0 : 10, NaN goes right.
    const tree: ShapTree = {
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      feature: Int32Array.from([0, -1, -1]),
      threshold: Float64Array.from([0.5, 0, 0]),
      defaultLeft: Uint8Array.from([0, 0, 0]),
      value: Float64Array.from([0, 0, 10]),
      nOutputs: 1,
      cover: Float64Array.from([4, 3, 1]),
    }
    const ensemble: ShapEnsemble = {
      nFeatures: 1,
      nOutputs: 1,
      baseScore: Float64Array.from([0]),
      trees: [tree],
      treeOutput: Int32Array.from([0]),
      treeWeight: 1,
      categoricalLevels: [0],
    }
    const result = treeShap(ensemble, [Float64Array.from([Number.NaN, 0.1])], 2)
    expect(result.expectedValue[0]).toBeCloseTo(2.5, 14)
    expect(result.values[0][0]).toBeCloseTo(7.5, 14)
    expect(result.values[0][1]).toBeCloseTo(-2.5, 14)
    tree.defaultLeft[0] = 1
    expect(treeShap(ensemble, [Float64Array.from([Number.NaN])], 1).values[0][0]).toBeCloseTo(-2.5, 14)
  })

  it('explains multiclass boosting and vector-leaf forests class by class', () => {
    const rng = createRng(4)
    const boosting = syntheticEnsemble(rng.fork('boost'), {
      nFeatures: 4,
      maxDepth: 4,
      nTrees: 9,
      nOutputColumns: 3,
    })
    const forest = syntheticEnsemble(rng.fork('forest'), {
      nFeatures: 4,
      maxDepth: 4,
      nTrees: 5,
      nOutputColumns: 3,
      forest: true,
    })
    const columns = syntheticColumns(rng.fork('data'), 5, 4)
    for (const ensemble of [boosting, forest]) {
      expectAdditive(ensemble, columns, 5)
      const result = treeShap(ensemble, columns, 5)
      expect(result.values).toHaveLength(3)
      for (let o = 0; o < 3; o++) {
        for (let i = 0; i < 5; i++) {
          const expected = bruteForceShap(ensemble, rowOf(columns, i), o)
          for (let f = 0; f < 4; f++)
            expect(Math.abs(result.values[o][i * 4 + f] - expected[f])).toBeLessThan(1e-9)
        }
      }
    }
  })

  it('explains selected rows and sorts one row by |φ|', () => {
    const rng = createRng(5)
    const ensemble = syntheticEnsemble(rng.fork('model'), { nFeatures: 4, maxDepth: 4, nTrees: 6 })
    const columns = syntheticColumns(rng.fork('data'), 20, 4)
    const all = treeShap(ensemble, columns, 20)
    const some = treeShap(ensemble, columns, 20, { rows: [7, 3] })
    expect(Array.from(some.values[0].subarray(0, 4))).toEqual(Array.from(all.values[0].subarray(28, 32)))
    expect(some.rawPrediction[1]).toBe(all.rawPrediction[3])
    const selected = columns.map((c) => Float64Array.from([c[7], c[3]]))
    const explanation = explainRow(some, 0, ['a', 'b', 'c', 'd'], selected)
    const magnitudes = explanation.contributions.map((c) => Math.abs(c.shap))
    expect(magnitudes).toEqual([...magnitudes].sort((x, y) => y - x))
    expect(explanation.prediction).toBeCloseTo(all.rawPrediction[7], 9)
    expect(explanation.contributions.find((c) => c.feature === 'b')!.value).toBe(columns[1][7])
    expect(() => explainRow(some, 2, ['a', 'b', 'c', 'd'], selected)).toThrow('row 2 is outside 0..1')
  })

  it('chunk by chunk with one preparation gives the values of one whole call', () => {
    const rng = createRng(8)
    const ensemble = syntheticEnsemble(rng.fork('model'), { nFeatures: 4, maxDepth: 6, nTrees: 5 })
    const columns = syntheticColumns(rng.fork('data'), 30, 4)
    const whole = treeShap(ensemble, columns, 30)
    const prepared = prepareTreeShap(ensemble)
    const parts = [0, 7, 19, 30].slice(1).map((end, i, ends) => {
      const start = i === 0 ? 0 : ends[i - 1]
      return treeShap(ensemble, columns, 30, {
        rows: Int32Array.from({ length: end - start }, (_, r) => start + r),
        prepared,
      })
    })
    for (let o = 0; o < whole.values.length; o++)
      expect(Array.from(parts.flatMap((p) => Array.from(p.values[o])))).toEqual(Array.from(whole.values[o]))
    expect(parts[2].expectedValue).toEqual(whole.expectedValue)
    const other = syntheticEnsemble(rng.fork('other'), { nFeatures: 4, maxDepth: 3, nTrees: 2 })
    expect(() => treeShap(other, columns, 30, { prepared })).toThrow('prepared was made for another ensemble')
  })

  it('rejects malformed trees and stops when cancelled', () => {
    const rng = createRng(6)
    const ensemble = syntheticEnsemble(rng.fork('model'), { nFeatures: 3, maxDepth: 3, nTrees: 2 })
    const columns = syntheticColumns(rng.fork('data'), 40, 3)
    expect(() => treeShap(ensemble, columns, 40, { isCancelled: () => true })).toThrow('TreeSHAP cancelled')
    ensemble.trees[1].cover[0] = 0
    expect(() => treeShap(ensemble, columns, 40)).toThrow('tree 1 node 0 has cover 0')
  })
})
