/**
 * Random tree ensembles in the {@link ShapEnsemble} format, for TreeSHAP tests and explainability
 * benchmarks that must not depend on a trained model. Everything is drawn from the seeded Rng.
 */
import type { Rng } from '../../domain/random.ts'
import type { ShapEnsemble, ShapTree } from './treeShap.ts'

/** Shape of a synthetic tree. */
export interface SyntheticTreeOptions {
  nFeatures: number
  /** Depth of a full tree; leaves stop earlier with probability `earlyLeaf` per node below the root. */
  maxDepth: number
  earlyLeaf?: number
  /** Values per leaf (1 for boosting-style trees). */
  nOutputs?: number
  /** Levels per feature (0 = numeric); categorical features get random 256-bit left-sets. */
  categoricalLevels?: number[]
  /** Scale each internal cover by a random 0.75..1.25 so it no longer equals its children's sum. */
  inconsistentCover?: boolean
  /** Only these features are split on (default all). */
  usedFeatures?: number[]
}

/** A random tree: numeric thresholds in [0, 1), random NaN directions, positive covers. */
export function syntheticTree(rng: Rng, options: SyntheticTreeOptions): ShapTree {
  const k = options.nOutputs ?? 1
  const levels = options.categoricalLevels ?? []
  const used = options.usedFeatures ?? Array.from({ length: options.nFeatures }, (_, f) => f)
  const left: number[] = []
  const right: number[] = []
  const feature: number[] = []
  const threshold: number[] = []
  const defaultLeft: number[] = []
  const categoryOffset: number[] = []
  const categoryBits: number[] = []
  const value: number[] = []
  const cover: number[] = []
  const build = (depth: number): number => {
    const node = left.length
    left.push(-1)
    right.push(-1)
    feature.push(-1)
    threshold.push(Number.NaN)
    defaultLeft.push(rng.nextInt(2))
    categoryOffset.push(-1)
    cover.push(0)
    for (let o = 0; o < k; o++) value.push(rng.nextNormal())
    const isLeaf = depth === options.maxDepth || (depth > 0 && rng.nextFloat() < (options.earlyLeaf ?? 0))
    if (isLeaf) {
      cover[node] = 1 + rng.nextInt(50)
      return node
    }
    const f = used[rng.nextInt(used.length)]
    feature[node] = f
    if ((levels[f] ?? 0) > 0) {
      categoryOffset[node] = categoryBits.length
      for (let w = 0; w < 8; w++) categoryBits.push(0)
      for (let c = 0; c < levels[f]; c++) {
        if (rng.nextInt(2) === 1) categoryBits[categoryOffset[node] + (c >>> 5)] |= 1 << (c & 31)
      }
    } else {
      threshold[node] = rng.nextFloat()
    }
    const l = build(depth + 1)
    const r = build(depth + 1)
    left[node] = l
    right[node] = r
    cover[node] = (cover[l] + cover[r]) * (options.inconsistentCover ? 0.75 + 0.5 * rng.nextFloat() : 1)
    return node
  }
  build(0)
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    categoryOffset: Int32Array.from(categoryOffset),
    categoryBits: Uint32Array.from(categoryBits.map((b) => b >>> 0)),
    value: Float64Array.from(value),
    nOutputs: k,
    cover: Float64Array.from(cover),
  }
}

/** Shape of a synthetic ensemble. */
export interface SyntheticEnsembleOptions extends SyntheticTreeOptions {
  nTrees: number
  /** Raw output width; with `forest` every tree carries the whole vector, else trees cycle over columns. */
  nOutputColumns?: number
  forest?: boolean
}

/** A random boosting-style (trees cycle over output columns) or forest-style (vector leaves) ensemble. */
export function syntheticEnsemble(rng: Rng, options: SyntheticEnsembleOptions): ShapEnsemble {
  const k = options.nOutputColumns ?? 1
  const trees = Array.from({ length: options.nTrees }, (_, t) =>
    syntheticTree(rng.fork(t), { ...options, nOutputs: options.forest ? k : 1 }),
  )
  return {
    nFeatures: options.nFeatures,
    nOutputs: k,
    baseScore: Float64Array.from({ length: k }, () => rng.nextNormal()),
    trees,
    treeOutput: Int32Array.from({ length: options.nTrees }, (_, t) => (options.forest ? -1 : t % k)),
    treeWeight: options.forest ? 1 / options.nTrees : 1,
    categoricalLevels: options.categoricalLevels ?? new Array<number>(options.nFeatures).fill(0),
  }
}

/** Random feature columns in [0, 1) (categorical: codes, some unknown) with a share of NaNs. */
export function syntheticColumns(
  rng: Rng,
  nRows: number,
  nFeatures: number,
  categoricalLevels: number[] = [],
  missingRate = 0.1,
): Float64Array[] {
  return Array.from({ length: nFeatures }, (_, f) =>
    Float64Array.from({ length: nRows }, () => {
      if (rng.nextFloat() < missingRate) return Number.NaN
      const levels = categoricalLevels[f] ?? 0
      // One code past the last level tests the unknown-category route.
      return levels > 0 ? rng.nextInt(levels + 1) : rng.nextFloat()
    }),
  )
}
