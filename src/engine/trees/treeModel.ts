/**
 * The plain structural model format of Butterfly's tree ensembles (gradient boosting, random forest,
 * single decision tree). It holds everything prediction, serialization and TreeSHAP need, and nothing
 * tied to training: raw thresholds (so rows are never binned at prediction), bin thresholds (for
 * reference), NaN default directions, categorical left-sets, leaf values, cover and gain.
 *
 * Routing rule of an internal node `i` for a row with value `x = X[feature[i]]`:
 * - missing (`NaN`), and for categorical nodes also a code outside 0..levels-1 or not an integer:
 *   go left iff `defaultLeft[i] === 1`;
 * - categorical node (`categoryOffset[i] >= 0`): go left iff bit `x` is set in
 *   `categoryBits[categoryOffset[i] .. +8]` (a 256-bit set, bit `c` = word `c >>> 5`, bit `c & 31`);
 * - numeric node: go left iff `x <= threshold[i]`.
 */
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix } from '../frame.ts'
import { TreeRouter } from './routeKernel.ts'

/** Words of one categorical left-set (256 bits). */
export const CATEGORY_WORDS = 8

/**
 * One tree as parallel arrays indexed by node id; node 0 is the root. A leaf has `left[i] === -1`.
 */
export interface TreeNodes {
  nNodes: number
  /** Values per leaf: 1 for boosting trees and regression forests, nClasses for classification forests. */
  nOutputs: number
  /** Child ids, -1 for leaves. */
  left: Int32Array
  right: Int32Array
  /** Split feature index (column of the FeatureMatrix), -1 for leaves. */
  feature: Int32Array
  /** Numeric split: go left iff x ≤ threshold (raw feature units; +Infinity = "all non-missing left"). NaN on categorical nodes and leaves. */
  threshold: Float64Array
  /** Numeric split: go left iff bin ≤ binThreshold (training bins); 0 on categorical nodes and leaves. */
  binThreshold: Uint8Array
  /** 1 where missing values (and unknown categories) go left. */
  defaultLeft: Uint8Array
  /** Start of the node's 8-word left-set in `categoryBits`, or -1 for numeric nodes and leaves. */
  categoryOffset: Int32Array
  /** Concatenated 256-bit category sets of the categorical nodes. */
  categoryBits: Uint32Array
  /**
   * Node values, `nNodes × nOutputs` row-major. Leaves: the tree's output (boosting: the shrunk
   * Newton step in raw-score units; forest classification: class proportions; regression: mean).
   * Internal nodes hold the value the node would have as a leaf (useful for Saabas-style attributions).
   */
  value: Float64Array
  /** Training cover: number of training rows reaching the node (bootstrap-weighted for forests). */
  cover: Float64Array
  /** Split gain (loss reduction) of internal nodes, 0 on leaves. */
  gain: Float64Array
}

/**
 * A fitted ensemble. Raw output column `o` of a row is
 * `baseScore[o] + treeWeight · Σ_{t : treeOutput[t] === o or −1} leafValue_t(row)[o or 0…]`:
 * boosting trees (`treeOutput[t] = t % nOutputs`) add one value to one column with weight 1; forest
 * trees (`treeOutput[t] = −1`) add their whole leaf vector with weight 1 / nTrees (a mean).
 * `link` turns raw outputs into predictions: 'sigmoid' (binary boosting, raw = log-odds of class 1),
 * 'softmax' (multiclass boosting), 'identity' (forest class proportions, regression).
 * TreeSHAP explains the raw outputs.
 */
export interface TreeEnsemble {
  kind: 'boosting' | 'forest'
  task: TaskType
  nFeatures: number
  /** Number of classes, 0 for regression. */
  nClasses: number
  /** Width of the raw output (1 for binary boosting and regression, nClasses otherwise). */
  nOutputs: number
  baseScore: Float64Array
  trees: TreeNodes[]
  /** Output column each tree feeds, or −1 where the tree's leaves hold the whole output vector. */
  treeOutput: Int32Array
  /** Multiplier applied to every tree's leaf values (1 for boosting, 1 / nTrees for forests). */
  treeWeight: number
  link: 'identity' | 'sigmoid' | 'softmax'
  /** Levels per feature (0 = numeric), as in FeatureMatrix.categoricalLevels at training. */
  categoricalLevels: number[]
}

/** Index of the leaf that `row` of `X` reaches in `tree`. */
export function leafIndex(tree: TreeNodes, columns: Float64Array[], levels: number[], row: number): number {
  const left = tree.left
  let node = 0
  while (left[node] !== -1) node = goesLeft(tree, node, columns, levels, row) ? left[node] : tree.right[node]
  return node
}

function goesLeft(
  tree: TreeNodes,
  node: number,
  columns: Float64Array[],
  levels: number[],
  row: number,
): boolean {
  const f = tree.feature[node]
  const x = columns[f][row]
  const offset = tree.categoryOffset[node]
  if (offset >= 0) {
    if (!(x >= 0 && x < levels[f] && x === Math.floor(x))) return tree.defaultLeft[node] === 1
    return ((tree.categoryBits[offset + (x >>> 5)] >>> (x & 31)) & 1) === 1
  }
  if (Number.isNaN(x)) return tree.defaultLeft[node] === 1
  return x <= tree.threshold[node]
}

/** From this many rows, prediction routes rows in wasm ({@link TreeRouter}), this many at a time. */
const routedRows = 8
const routedBlockRows = 16_384

/** Raw ensemble outputs, row-major `nRows × nOutputs`. */
export function predictRaw(model: TreeEnsemble, X: FeatureMatrix): Float64Array {
  if (X.columns.length !== model.nFeatures) {
    throw new Error(`Tree model expects ${model.nFeatures} features, got ${X.columns.length}`)
  }
  const n = X.nRows
  const k = model.nOutputs
  const out = new Float64Array(n * k)
  const weight = model.treeWeight
  // The wasm walk (the same leaves) where it can take the trees; a few rows are not worth copying. Rows
  // go in blocks, so the router's memory (kept while the model lives) stays small on a large table.
  const router = n >= routedRows ? TreeRouter.of(model) : null
  const block = router ? Math.min(n, routedBlockRows) : n
  const jsLeaves = new Int32Array(block)
  for (let start = 0; start < n; start += block) {
    const rows = Math.min(block, n - start)
    router?.load(X, start, rows)
    for (let t = 0; t < model.trees.length; t++) {
      const tree = model.trees[t]
      const column = model.treeOutput[t]
      const value = tree.value
      const leaves = treeLeaves(model, t, router, X, start, rows, jsLeaves)
      if (column >= 0) {
        for (let i = 0; i < rows; i++) out[(start + i) * k + column] += value[leaves[i]]
      } else {
        for (let i = 0; i < rows; i++) {
          const leaf = leaves[i] * k
          for (let o = 0; o < k; o++) out[(start + i) * k + o] += value[leaf + o]
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < k; o++) out[i * k + o] = model.baseScore[o] + weight * out[i * k + o]
  }
  return out
}

/**
 * The leaf of rows `from .. from + n` of `X` in tree `t`: by `router` (those rows loaded into it) where it
 * takes the tree, else by the JS walk into `scratch`.
 */
export function treeLeaves(
  model: TreeEnsemble,
  t: number,
  router: TreeRouter | null,
  X: FeatureMatrix,
  from: number,
  n: number,
  scratch: Int32Array,
): Int32Array {
  const routed = router?.leaves(t)
  if (routed) return routed
  routeRows(model.trees[t], X.columns, model.categoricalLevels, n, scratch, from)
  return scratch
}

/**
 * Leaf index of rows `from .. from + n` into `out[0 .. n]` (the routing rule of {@link leafIndex}, with
 * the node arrays hoisted).
 */
export function routeRows(
  tree: TreeNodes,
  columns: Float64Array[],
  levels: number[],
  n: number,
  out: Int32Array,
  from = 0,
): void {
  const { left, right, feature, threshold, defaultLeft, categoryOffset, categoryBits } = tree
  for (let r = 0; r < n; r++) {
    const i = from + r
    let node = 0
    while (left[node] !== -1) {
      const f = feature[node]
      const x = columns[f][i]
      const offset = categoryOffset[node]
      let goLeft: boolean
      if (offset >= 0) {
        goLeft =
          x >= 0 && x < levels[f] && x === Math.floor(x)
            ? ((categoryBits[offset + (x >>> 5)] >>> (x & 31)) & 1) === 1
            : defaultLeft[node] === 1
      } else if (x <= threshold[node]) goLeft = true
      else goLeft = Number.isNaN(x) ? defaultLeft[node] === 1 : false
      node = goLeft ? left[node] : right[node]
    }
    out[r] = node
  }
}

/** Class probabilities (row-major n × nClasses; binary gives 2 columns) from raw outputs. */
export function rawToProba(model: TreeEnsemble, raw: Float64Array, nRows: number): Float64Array {
  const k = model.nClasses
  const proba = new Float64Array(nRows * k)
  if (model.link === 'sigmoid') {
    for (let i = 0; i < nRows; i++) {
      const p = sigmoid(raw[i])
      proba[2 * i] = 1 - p
      proba[2 * i + 1] = p
    }
  } else if (model.link === 'softmax') {
    for (let i = 0; i < nRows; i++) softmaxInto(raw, i * k, k, proba)
  } else {
    // Forest class proportions: already probabilities (they sum to 1 up to rounding).
    proba.set(raw)
  }
  return proba
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))
}

/** Writes softmax(raw[offset .. offset + k]) into out[offset ..]. */
export function softmaxInto(raw: Float64Array, offset: number, k: number, out: Float64Array): void {
  let max = raw[offset]
  for (let o = 1; o < k; o++) if (raw[offset + o] > max) max = raw[offset + o]
  let sum = 0
  for (let o = 0; o < k; o++) {
    const e = Math.exp(raw[offset + o] - max)
    out[offset + o] = e
    sum += e
  }
  for (let o = 0; o < k; o++) out[offset + o] /= sum
}

/** What an explainer needs from a fitted tree model: the trees, the base score and how they combine. */
export interface TreeModelStructure {
  ensemble: TreeEnsemble
  featureNames: string[]
}
