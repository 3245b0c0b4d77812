/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, arXiv 1802.03888, Algorithm 2) over plain
 * per-tree arrays. It explains the ensemble's raw output (margin / log-odds / class score), where SHAP
 * values add up exactly: φ₀ + Σⱼ φⱼ(x) = raw(x). Absent features are integrated out with the training
 * cover of each branch, so no background data is needed. Cost O(T·L·D²) per row, memory O(D²).
 *
 * The input types are structural subsets of `TreeNodes` / `TreeEnsemble` of src/engine/trees/treeModel.ts,
 * so a fitted Butterfly tree ensemble is passed as it is, and hand-built trees (tests, imported models)
 * need only the fields below.
 */

/**
 * One tree as parallel arrays indexed by node id; node 0 is the root.
 *
 * Routing of a row at internal node i, with x = row[feature[i]] (the same rule as the tree models):
 * - x missing (NaN), or on a categorical node a code that is not an integer in 0..levels-1:
 *   left iff `defaultLeft[i] === 1`;
 * - categorical node (`categoryOffset[i] >= 0`): left iff bit x of the 256-bit set at
 *   `categoryBits[categoryOffset[i] ..]` is set (word x >>> 5, bit x & 31);
 * - numeric node: left iff x <= threshold[i].
 */
export interface ShapTree {
  /** Child ids; -1 marks a leaf. */
  left: Int32Array
  right: Int32Array
  /** Split feature (column of the feature matrix); ignored on leaves. */
  feature: Int32Array
  /** Numeric split: go left iff x <= threshold. */
  threshold: Float64Array
  /** 1 where a missing value (or an unknown category) goes left. */
  defaultLeft: Uint8Array
  /** Start of the node's 8-word category left-set in `categoryBits`, -1 for numeric nodes; absent = all numeric. */
  categoryOffset?: Int32Array
  categoryBits?: Uint32Array
  /** Values per node (only leaves are read), `nNodes × nOutputs` row-major. */
  value: Float64Array
  /** Values per leaf: 1 for boosting trees, nClasses for classification forests. */
  nOutputs: number
  /** Training weight (row count or hessian sum) reaching each node; must be > 0. */
  cover: Float64Array
}

/**
 * A tree ensemble whose raw output column o is
 * `baseScore[o] + treeWeight · Σ over trees t feeding o of leafValue_t(x)`, where a tree with
 * `treeOutput[t] = o ≥ 0` adds its single leaf value to column o (boosting: one tree per class and
 * round) and a tree with `treeOutput[t] = -1` adds its leaf vector to every column (forests).
 */
export interface ShapEnsemble {
  nFeatures: number
  /** Width of the raw output: 1 for regression and binary boosting (log-odds of class 1), else nClasses. */
  nOutputs: number
  baseScore: Float64Array
  trees: ShapTree[]
  treeOutput: Int32Array
  treeWeight: number
  /** Levels per feature (0 = numeric), to tell an unknown category from a known one. */
  categoricalLevels: number[]
  /** How the raw output becomes a prediction (TreeEnsemble.link), when known: it says what φ is in. */
  link?: 'identity' | 'sigmoid' | 'softmax'
}

/** SHAP values of some rows. */
export interface ShapValues {
  nRows: number
  nFeatures: number
  /** One row-major `nRows × nFeatures` matrix per raw output column (class, for multiclass). */
  values: Float64Array[]
  /** φ₀ per output column: the cover-weighted mean raw output, the value with every feature absent. */
  expectedValue: number[]
  /** The raw outputs of the rows, row-major `nRows × nOutputs` (= φ₀ + Σφ, up to rounding). */
  rawPrediction: Float64Array
}

function goesLeft(tree: ShapTree, node: number, x: number, levels: number): boolean {
  const offset = tree.categoryOffset ? tree.categoryOffset[node] : -1
  if (offset >= 0) {
    if (!(x >= 0 && x < levels && x === Math.floor(x))) return tree.defaultLeft[node] === 1
    return ((tree.categoryBits![offset + (x >>> 5)] >>> (x & 31)) & 1) === 1
  }
  if (Number.isNaN(x)) return tree.defaultLeft[node] === 1
  return x <= tree.threshold[node]
}

function treeDepth(tree: ShapTree): number {
  let maxDepth = 0
  const stack: number[] = [0, 0]
  while (stack.length > 0) {
    const depth = stack.pop()!
    const node = stack.pop()!
    if (tree.left[node] === -1) {
      if (depth > maxDepth) maxDepth = depth
      continue
    }
    stack.push(tree.left[node], depth + 1, tree.right[node], depth + 1)
  }
  return maxDepth
}

function assertTree(tree: ShapTree, t: number, nFeatures: number): void {
  for (let node = 0; node < tree.left.length; node++) {
    // A zero cover would divide by zero in UNWIND; no node of a fitted tree is reached by no training row.
    if (!(tree.cover[node] > 0)) {
      throw new Error(
        `TreeSHAP: tree ${t} node ${node} has cover ${tree.cover[node]}; every node needs cover > 0`,
      )
    }
    if (tree.left[node] === -1) continue
    const f = tree.feature[node]
    if (!(f >= 0 && f < nFeatures))
      throw new Error(`TreeSHAP: tree ${t} node ${node} splits on feature ${f} of ${nFeatures}`)
  }
}

/**
 * φ₀ contribution of one tree per leaf output: the expected leaf value when every feature is absent,
 * E(node) = (cover_l · E(left) + cover_r · E(right)) / cover_node — the same weights the SHAP recursion
 * uses, so additivity is exact even where children's covers do not sum to the parent's.
 */
function treeExpectation(tree: ShapTree): Float64Array {
  const k = tree.nOutputs
  const expectation = (node: number): Float64Array => {
    if (tree.left[node] === -1) return tree.value.subarray(node * k, node * k + k)
    const left = expectation(tree.left[node])
    const right = expectation(tree.right[node])
    const wl = tree.cover[tree.left[node]] / tree.cover[node]
    const wr = tree.cover[tree.right[node]] / tree.cover[node]
    const out = new Float64Array(k)
    for (let o = 0; o < k; o++) out[o] = wl * left[o] + wr * right[o]
    return out
  }
  return Float64Array.from(expectation(0))
}

/**
 * The path of Algorithm 2 in flat typed arrays: each recursion level owns a slice starting at `offset`
 * (its parent's offset + parent depth + 1), so copying the parent's path is a typed-array copyWithin.
 */
class PathBuffer {
  readonly feature: Int32Array
  readonly zero: Float64Array
  readonly one: Float64Array
  readonly weight: Float64Array
  constructor(maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2
    this.feature = new Int32Array(size)
    this.zero = new Float64Array(size)
    this.one = new Float64Array(size)
    this.weight = new Float64Array(size)
  }

  /** Copies `length` entries from `from` to `to` (plain loops: paths are short, copyWithin's call costs more). */
  copy(from: number, to: number, length: number): void {
    const { feature, zero, one, weight } = this
    for (let i = 0; i < length; i++) {
      feature[to + i] = feature[from + i]
      zero[to + i] = zero[from + i]
      one[to + i] = one[from + i]
      weight[to + i] = weight[from + i]
    }
  }

  /** EXTEND: add a feature with its zero/one fractions at position `depth` and update permutation weights. */
  extend(p: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
    const w = this.weight
    this.feature[p + depth] = feature
    this.zero[p + depth] = zeroFraction
    this.one[p + depth] = oneFraction
    w[p + depth] = depth === 0 ? 1 : 0
    for (let i = depth - 1; i >= 0; i--) {
      w[p + i + 1] += (oneFraction * w[p + i] * (i + 1)) / (depth + 1)
      w[p + i] = (zeroFraction * w[p + i] * (depth - i)) / (depth + 1)
    }
  }

  /** UNWIND: remove the entry at `index` (undoing its EXTEND), shifting later entries down. */
  unwind(p: number, depth: number, index: number): void {
    const w = this.weight
    const oneFraction = this.one[p + index]
    const zeroFraction = this.zero[p + index]
    let nextOnePortion = w[p + depth]
    for (let i = depth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = w[p + i]
        w[p + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction)
        nextOnePortion = tmp - (w[p + i] * zeroFraction * (depth - i)) / (depth + 1)
      } else {
        w[p + i] = (w[p + i] * (depth + 1)) / (zeroFraction * (depth - i))
      }
    }
    for (let i = index; i < depth; i++) {
      this.feature[p + i] = this.feature[p + i + 1]
      this.zero[p + i] = this.zero[p + i + 1]
      this.one[p + i] = this.one[p + i + 1]
    }
  }

  /** (d+1)·Σⱼ w[j]/(d−j): {@link unwoundSum} of an entry whose one fraction is 0, times its zero fraction. */
  coldSum(p: number, depth: number): number {
    const w = this.weight
    let total = 0
    for (let i = depth - 1; i >= 0; i--) total += w[p + i] / (depth - i)
    return total * (depth + 1)
  }

  /** Total permutation weight the path would have with entry `index` unwound, without changing the path. */
  unwoundSum(p: number, depth: number, index: number): number {
    const w = this.weight
    const oneFraction = this.one[p + index]
    const zeroFraction = this.zero[p + index]
    let nextOnePortion = w[p + depth]
    let total = 0
    if (oneFraction !== 0) {
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = nextOnePortion / ((i + 1) * oneFraction)
        total += tmp
        nextOnePortion = w[p + i] - tmp * zeroFraction * (depth - i)
      }
    } else {
      for (let i = depth - 1; i >= 0; i--) total += w[p + i] / (zeroFraction * (depth - i))
    }
    return total * (depth + 1)
  }
}

/** What one recursion of {@link treeShapRecurse} reads besides its own arguments (one tree and row). */
interface ShapRowState {
  tree: ShapTree
  path: PathBuffer
  columns: Float64Array[]
  row: number
  levels: number[]
  phi: Float64Array
}

/**
 * Adds the SHAP values of one tree for one row to `phi` (length nFeatures × nTreeOutputs, feature-major:
 * phi[f * nTreeOutputs + o]).
 */
function treeShapRow(
  tree: ShapTree,
  path: PathBuffer,
  columns: Float64Array[],
  row: number,
  levels: number[],
  phi: Float64Array,
): void {
  treeShapRecurse({ tree, path, columns, row, levels, phi }, 0, 0, 0, 0, 1, 1, -1)
}

/** RECURSE of Algorithm 2: a plain function (no closure made per tree and row), the state passed along. */
function treeShapRecurse(
  state: ShapRowState,
  node: number,
  depth: number,
  parentOffset: number,
  offset: number,
  zeroFraction: number,
  oneFraction: number,
  feature: number,
): void {
  const { tree, path } = state
  if (depth > 0) path.copy(parentOffset, offset, depth)
  path.extend(offset, depth, zeroFraction, oneFraction, feature)
  if (tree.left[node] === -1) {
    const k = tree.nOutputs
    const { phi } = state
    // One fractions are 1 (the row follows every split of that feature) or 0. For a 0 entry UNWIND's sum
    // is (d+1)·Σⱼ w[j] / (zero·(d−j)) and its scale (one − zero) = −zero, so every 0 entry of this leaf
    // gets the same −(d+1)·Σⱼ w[j]/(d−j): computed once, it saves the O(d) sum per entry.
    let coldScale = Number.NaN
    for (let i = 1; i <= depth; i++) {
      let scale: number
      if (path.one[offset + i] === 0) {
        if (Number.isNaN(coldScale)) coldScale = -path.coldSum(offset, depth)
        scale = coldScale
      } else scale = path.unwoundSum(offset, depth, i) * (path.one[offset + i] - path.zero[offset + i])
      const f = path.feature[offset + i]
      for (let o = 0; o < k; o++) phi[f * k + o] += scale * tree.value[node * k + o]
    }
    return
  }
  const split = tree.feature[node]
  const left = tree.left[node]
  const right = tree.right[node]
  const hot = goesLeft(tree, node, state.columns[split][state.row], state.levels[split] ?? 0) ? left : right
  const cold = hot === left ? right : left
  const cover = tree.cover[node]
  let incomingZero = 1
  let incomingOne = 1
  // A feature already on the path is unwound, then re-extended with the product of both fractions:
  // what matters is the joint fraction of rows following x through both splits.
  let previous = 0
  while (previous <= depth && path.feature[offset + previous] !== split) previous++
  let childDepth = depth
  if (previous <= depth) {
    incomingZero = path.zero[offset + previous]
    incomingOne = path.one[offset + previous]
    path.unwind(offset, depth, previous)
    childDepth--
  }
  const childOffset = offset + depth + 1
  treeShapRecurse(
    state,
    hot,
    childDepth + 1,
    offset,
    childOffset,
    (tree.cover[hot] / cover) * incomingZero,
    incomingOne,
    split,
  )
  treeShapRecurse(
    state,
    cold,
    childDepth + 1,
    offset,
    childOffset,
    (tree.cover[cold] / cover) * incomingZero,
    0,
    split,
  )
}

/** The raw ensemble output of every row, with the routing rule above (row-major nRows × nOutputs). */
export function ensembleRawOutput(
  ensemble: ShapEnsemble,
  columns: Float64Array[],
  nRows: number,
): Float64Array {
  const k = ensemble.nOutputs
  const out = new Float64Array(nRows * k)
  ensemble.trees.forEach((tree, t) => {
    const column = ensemble.treeOutput[t]
    for (let i = 0; i < nRows; i++) {
      let node = 0
      while (tree.left[node] !== -1) {
        const f = tree.feature[node]
        node = goesLeft(tree, node, columns[f][i], ensemble.categoricalLevels[f] ?? 0)
          ? tree.left[node]
          : tree.right[node]
      }
      if (column >= 0) out[i * k + column] += tree.value[node * tree.nOutputs]
      else for (let o = 0; o < k; o++) out[i * k + o] += tree.value[node * tree.nOutputs + o]
    }
  })
  for (let i = 0; i < nRows; i++) {
    for (let o = 0; o < k; o++) out[i * k + o] = ensemble.baseScore[o] + ensemble.treeWeight * out[i * k + o]
  }
  return out
}

/** φ₀ per raw output column: base score plus the weighted cover-expectation of every tree. */
export function shapExpectedValue(ensemble: ShapEnsemble): number[] {
  const k = ensemble.nOutputs
  const expected = Array.from(ensemble.baseScore.subarray(0, k))
  const sums = new Float64Array(k)
  ensemble.trees.forEach((tree, t) => {
    const e = treeExpectation(tree)
    const column = ensemble.treeOutput[t]
    if (column >= 0) sums[column] += e[0]
    else for (let o = 0; o < k; o++) sums[o] += e[o]
  })
  for (let o = 0; o < k; o++) expected[o] += ensemble.treeWeight * sums[o]
  return expected
}

/** What {@link treeShap} checks and computes per ensemble before any row: see {@link prepareTreeShap}. */
export interface PreparedTreeShap {
  readonly ensemble: ShapEnsemble
  readonly maxDepth: number
  readonly expectedValue: readonly number[]
}

/**
 * Checks every tree (features in range, covers > 0) and computes the deepest path and φ₀ once, for an
 * explainer that calls {@link treeShap} chunk by chunk (a few rows at a time for deep forests, where
 * these whole-ensemble passes cost as much as a chunk's rows). Pass it as `options.prepared`; the
 * ensemble must not change in between.
 * @throws Error on a malformed tree
 */
export function prepareTreeShap(ensemble: ShapEnsemble): PreparedTreeShap {
  for (let t = 0; t < ensemble.trees.length; t++) assertTree(ensemble.trees[t], t, ensemble.nFeatures)
  return {
    ensemble,
    maxDepth: ensemble.trees.reduce((d, tree) => Math.max(d, treeDepth(tree)), 0),
    expectedValue: shapExpectedValue(ensemble),
  }
}

/** Options of {@link treeShap}. */
export interface TreeShapOptions {
  /** Rows of the matrix to explain (default all). */
  rows?: ArrayLike<number>
  /** Called after each explained row with the fraction done. */
  onProgress?: (fraction: number) => void
  /** Checked every few rows; when it returns true, {@link treeShap} throws what `cancelled()` builds. */
  isCancelled?: () => boolean
  /** Builds the error thrown on cancellation (default a plain Error 'TreeSHAP cancelled'). */
  cancelled?: () => Error
  /** {@link prepareTreeShap} of this ensemble, made once for many calls (default: prepared on each call). */
  prepared?: PreparedTreeShap
}

/**
 * Exact path-dependent SHAP values of an ensemble's raw output.
 * @param columns feature columns (column-major, like FeatureMatrix.columns), at least nFeatures of them
 * @param nRows rows in the columns
 * @throws Error on a malformed tree (feature out of range, a node with cover ≤ 0) or on cancellation
 */
export function treeShap(
  ensemble: ShapEnsemble,
  columns: Float64Array[],
  nRows: number,
  options: TreeShapOptions = {},
): ShapValues {
  const nFeatures = ensemble.nFeatures
  if (columns.length < nFeatures)
    throw new Error(`TreeSHAP: model has ${nFeatures} features, got ${columns.length} columns`)
  const k = ensemble.nOutputs
  if (options.prepared && options.prepared.ensemble !== ensemble)
    throw new Error('TreeSHAP: options.prepared was made for another ensemble')
  const { maxDepth, expectedValue } = options.prepared ?? prepareTreeShap(ensemble)
  const rows = options.rows ?? Int32Array.from({ length: nRows }, (_, i) => i)
  const m = rows.length
  const values = Array.from({ length: k }, () => new Float64Array(m * nFeatures))
  const path = new PathBuffer(maxDepth)
  const maxTreeOutputs = ensemble.trees.reduce((d, tree) => Math.max(d, tree.nOutputs), 1)
  const phi = new Float64Array(nFeatures * maxTreeOutputs)
  const levels = ensemble.categoricalLevels
  const weight = ensemble.treeWeight
  for (let r = 0; r < m; r++) {
    if (options.isCancelled && r % 16 === 0 && options.isCancelled()) {
      throw options.cancelled ? options.cancelled() : new Error('TreeSHAP cancelled')
    }
    const row = rows[r]
    ensemble.trees.forEach((tree, t) => {
      const tk = tree.nOutputs
      phi.fill(0, 0, nFeatures * tk)
      treeShapRow(tree, path, columns, row, levels, phi)
      const column = ensemble.treeOutput[t]
      for (let f = 0; f < nFeatures; f++) {
        if (column >= 0) values[column][r * nFeatures + f] += weight * phi[f * tk]
        else for (let o = 0; o < k; o++) values[o][r * nFeatures + f] += weight * phi[f * tk + o]
      }
    })
    options.onProgress?.((r + 1) / m)
  }
  const selected = columns.map((column) => Float64Array.from(rows, (i) => column[i]))
  return {
    nRows: m,
    nFeatures,
    values,
    expectedValue: [...expectedValue],
    rawPrediction: ensembleRawOutput(ensemble, selected, m),
  }
}

/** One feature's part in one row's explanation. */
export interface FeatureContribution {
  feature: string
  /** The row's value of the feature (NaN when missing). */
  value: number
  shap: number
  /** The value as shown to people, in the data's units (a category name, a date), when it is not `value`. */
  display?: string
}

/** One row's prediction broken down into feature contributions, largest |φ| first. */
export interface RowExplanation {
  /** Raw output column explained (class index for multiclass, 0 otherwise). */
  output: number
  expectedValue: number
  /** φ₀ + Σφ: the raw output of the row. */
  prediction: number
  contributions: FeatureContribution[]
}

/**
 * The contributions of row `r` of a {@link treeShap} result, sorted by |φ| descending (ties by feature
 * order); `featureValues` are the explained rows' values (column-major, rows in the same order).
 */
export function explainRow(
  shap: ShapValues,
  r: number,
  featureNames: string[],
  featureValues: Float64Array[],
  output = 0,
): RowExplanation {
  if (!(r >= 0 && r < shap.nRows)) throw new Error(`explainRow: row ${r} is outside 0..${shap.nRows - 1}`)
  if (!(output >= 0 && output < shap.values.length)) {
    throw new Error(`explainRow: output ${output} is outside 0..${shap.values.length - 1}`)
  }
  const phi = shap.values[output]
  const contributions = featureNames.map((feature, f) => ({
    feature,
    value: featureValues[f][r],
    shap: phi[r * shap.nFeatures + f],
    order: f,
  }))
  contributions.sort((a, b) => Math.abs(b.shap) - Math.abs(a.shap) || a.order - b.order)
  let prediction = shap.expectedValue[output]
  for (const c of contributions) prediction += c.shap
  return {
    output,
    expectedValue: shap.expectedValue[output],
    prediction,
    contributions: contributions.map(({ feature, value, shap }) => ({ feature, value, shap })),
  }
}
