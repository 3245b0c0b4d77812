/**
 * The one tree learner behind gradient boosting, random forests and single decision trees.
 *
 * A tree is fitted to per-row numerators and denominators: boosting passes gradients and hessians
 * (leaf = −lr·ΣG/(ΣH+λ)); forests pass count·y (or count·one-hot(y), k numerators) and bootstrap
 * counts (leaf = Σ count·y / Σ count, the weighted mean or class proportions). In both cases the
 * split gain is Σ_k N_L²/(D_L+λ) + N_R²/(D_R+λ) − N²/(D+λ): the Newton loss reduction for boosting,
 * and the weighted variance (Gini, for one-hot targets) reduction for forests.
 *
 * Two strategies share the split finder and the partition:
 * - all features per split (boosting, single tree): every node keeps a full histogram; a split builds
 *   the smaller child's histogram from its rows and gets the sibling's by subtraction;
 * - feature subsampling per split (forests): each node builds histograms of only its sampled
 *   features, straight from its rows; nothing is kept.
 * Growth is best-first (largest gain, lowest node id on ties) when max_leaf_nodes is finite, and
 * depth-first otherwise, which keeps only O(depth) histograms alive.
 */
import type { Rng } from '../../domain/random.ts'
import type { BinMapper, BinnedMatrix } from './binning.ts'
import {
  buildHistogramRoot1,
  buildHistogramRows1,
  buildHistogramRowsK,
  gather,
  gatherK,
  partitionRows,
  subtractCountsInPlace,
  subtractInPlace,
} from './histogram.ts'
import { CATEGORY_WORDS, type TreeNodes } from './treeModel.ts'

/** Categories with fewer rows than this in a node never go left (sklearn `MIN_CAT_SUPPORT`). */
const MIN_CATEGORY_SUPPORT = 10

export interface LearnerParams {
  /** Infinity for no limit. */
  maxLeafNodes: number
  /** Infinity for no limit; the root has depth 0. */
  maxDepth: number
  minSamplesLeaf: number
  /** Nodes with fewer rows are not split (forests: 2). */
  minSamplesSplit: number
  /** Minimum denominator (hessian) per child. */
  minHessian: number
  /** λ of the gain and leaf formulas. */
  l2: number
  /** Features drawn per split; ≥ the number of features means all (and enables subtraction). */
  featuresPerSplit: number
  /** Leaf value = leafScale · N/(D+λ): −learning_rate for boosting, 1 for forests. */
  leafScale: number
  /** Cover = Σ denominator (forests: bootstrap-weighted count) instead of the row count. */
  coverFromDenominator: boolean
}

/** A grown tree plus where its leaves' rows lie in {@link TreeLearner.rows}, for score updates. */
export interface GrownTree {
  nodes: TreeNodes
  /** For each leaf: node id, and its rows `learner.rows[leafStart .. leafEnd)`. */
  leafNode: Int32Array
  leafStart: Int32Array
  leafEnd: Int32Array
}

interface Split {
  gain: number
  feature: number
  categorical: boolean
  binThreshold: number
  defaultLeft: boolean
  /** Per bin: 1 when rows of that bin go left. */
  goLeft: Uint8Array
  leftCount: number
  leftNum: Float64Array
  leftDen: number
}

interface OpenNode {
  id: number
  start: number
  end: number
  depth: number
  count: number
  num: Float64Array
  den: number
  /** Histogram pool slot held by this node (subtraction strategy), -1 if none. */
  slot: number
  split: Split | null
}

/** Best candidate found so far while scanning one node (kept in scalars to avoid allocation). */
class BestSplit {
  gain = 0
  feature = -1
  categorical = false
  binThreshold = 0
  defaultLeft = false
  readonly bits = new Uint32Array(CATEGORY_WORDS)
  reset(): void {
    this.gain = 0
    this.feature = -1
  }
}

/** Growable node arrays; finalised into a {@link TreeNodes}. */
class NodeBuffer {
  left: number[] = []
  right: number[] = []
  feature: number[] = []
  threshold: number[] = []
  binThreshold: number[] = []
  defaultLeft: number[] = []
  categoryOffset: number[] = []
  categoryBits: number[] = []
  value: number[] = []
  cover: number[] = []
  gain: number[] = []
  constructor(readonly nOutputs: number) {}

  add(values: Float64Array, cover: number): number {
    const id = this.left.length
    this.left.push(-1)
    this.right.push(-1)
    this.feature.push(-1)
    this.threshold.push(Number.NaN)
    this.binThreshold.push(0)
    this.defaultLeft.push(0)
    this.categoryOffset.push(-1)
    for (let o = 0; o < this.nOutputs; o++) this.value.push(values[o])
    this.cover.push(cover)
    this.gain.push(0)
    return id
  }

  toNodes(): TreeNodes {
    return {
      nNodes: this.left.length,
      nOutputs: this.nOutputs,
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      binThreshold: Uint8Array.from(this.binThreshold),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      categoryOffset: Int32Array.from(this.categoryOffset),
      categoryBits: Uint32Array.from(this.categoryBits),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    }
  }
}

/**
 * Grows trees over one binned matrix. Buffers (row ids, ordered values, histograms) are allocated
 * once and reused by every tree of a fit.
 */
export class TreeLearner {
  /** Row ids; after {@link grow} each leaf owns a contiguous slice. */
  readonly rows: Uint32Array
  private readonly scratch: Uint32Array
  private readonly orderedNum: Float32Array
  private readonly orderedDen: Float32Array
  private readonly n: number
  private readonly p: number
  private readonly width: number
  private readonly stride: number
  private readonly histSize: number
  private readonly allFeatures: Int32Array
  private readonly subtraction: boolean
  private readonly poolSums: Float64Array[] = []
  private readonly poolCounts: Uint32Array[] = []
  private readonly freeSlots: number[] = []
  private readonly best = new BestSplit()
  private readonly accNum: Float64Array
  private readonly accNum2: Float64Array
  private readonly catBins = new Int32Array(256)
  private readonly catValues = new Float64Array(256)
  private readonly catOrder = new Int32Array(256)
  private readonly sampledFeatures: Int32Array
  private readonly sampleSums: Float64Array
  private readonly sampleCounts: Uint32Array
  private readonly rawThreshold: Float64Array[]

  constructor(
    private readonly binned: BinnedMatrix,
    private readonly mapper: BinMapper,
    /** Numerators per row (1 for boosting and binary/regression forests, nClasses for multiclass forests). */
    private readonly k: number,
    private readonly params: LearnerParams,
  ) {
    this.n = binned.nRows
    this.p = binned.nFeatures
    this.width = mapper.histWidth
    this.stride = k + 1
    this.histSize = this.p * this.width * this.stride
    this.rows = new Uint32Array(this.n)
    this.scratch = new Uint32Array(this.n)
    this.orderedNum = new Float32Array(this.n * k)
    this.orderedDen = new Float32Array(this.n)
    this.allFeatures = new Int32Array(this.p)
    for (let f = 0; f < this.p; f++) this.allFeatures[f] = f
    this.subtraction = params.featuresPerSplit >= this.p
    const sampled = Math.max(1, Math.min(this.p, Math.floor(params.featuresPerSplit)))
    this.sampledFeatures = new Int32Array(this.p)
    this.sampleSums = this.subtraction
      ? new Float64Array(0)
      : new Float64Array(sampled * this.width * this.stride)
    this.sampleCounts = this.subtraction ? new Uint32Array(0) : new Uint32Array(sampled * this.width)
    this.accNum = new Float64Array(k)
    this.accNum2 = new Float64Array(k)
    // Raw thresholds: the upper edge of the bin; the last non-missing bin has none (+Infinity).
    this.rawThreshold = mapper.edges.map((edges) => {
      const t = new Float64Array(edges.length + 1)
      t.set(edges)
      t[edges.length] = Number.POSITIVE_INFINITY
      return t
    })
  }

  /**
   * Grows one tree on the rows `rootRows` (ids into the binned matrix) with per-row numerators
   * `num` (n × k row-major) and denominators `den`. `rng` drives feature subsampling.
   */
  grow(num: Float32Array, den: Float32Array, rootRows: Uint32Array | null, rng: Rng | null): GrownTree {
    const params = this.params
    const k = this.k
    const m = rootRows ? rootRows.length : this.n
    if (rootRows) this.rows.set(rootRows)
    else for (let i = 0; i < m; i++) this.rows[i] = i
    const buffer = new NodeBuffer(k)

    // Root totals in row order.
    const rootNum = new Float64Array(k)
    let rootDen = 0
    for (let i = 0; i < m; i++) {
      const r = this.rows[i]
      for (let c = 0; c < k; c++) rootNum[c] += num[r * k + c]
      rootDen += den[r]
    }
    const root: OpenNode = {
      id: buffer.add(this.leafValue(rootNum, rootDen), this.cover(m, rootDen)),
      start: 0,
      end: m,
      depth: 0,
      count: m,
      num: rootNum,
      den: rootDen,
      slot: -1,
      split: null,
    }
    if (this.canSplit(root)) {
      if (this.subtraction) {
        root.slot = this.acquireSlot()
        this.buildFull(root, num, den, rootRows === null)
        root.split = this.findSplit(
          root,
          this.poolSums[root.slot],
          this.poolCounts[root.slot],
          this.allFeatures,
          this.p,
        )
      } else {
        root.split = this.evaluateSampled(root, num, den, rng)
      }
    }

    const open: OpenNode[] = [root]
    const leaves: OpenNode[] = []
    let nLeaves = 1
    const bestFirst = Number.isFinite(params.maxLeafNodes)
    while (open.length > 0) {
      let pick: number
      if (bestFirst) {
        if (nLeaves >= params.maxLeafNodes) break
        pick = -1
        for (let i = 0; i < open.length; i++) {
          const split = open[i].split
          if (split && (pick < 0 || split.gain > (open[pick].split as Split).gain)) pick = i
        }
        if (pick < 0) break
      } else {
        pick = open.length - 1
      }
      const node = open[pick]
      open.splice(pick, 1)
      const split = node.split
      if (!split) {
        leaves.push(node)
        continue
      }
      nLeaves++
      const children = this.applySplit(node, split, buffer)
      const [leftChild, rightChild] = children
      const leftSplittable = this.canSplit(leftChild)
      const rightSplittable = this.canSplit(rightChild)
      if (this.subtraction) {
        if (leftSplittable || rightSplittable) {
          // Build the smaller child (left on ties), derive the larger from the parent's histogram.
          const smaller = leftChild.count <= rightChild.count ? leftChild : rightChild
          const larger = smaller === leftChild ? rightChild : leftChild
          smaller.slot = this.acquireSlot()
          this.buildFull(smaller, num, den, false)
          larger.slot = node.slot
          node.slot = -1
          subtractInPlace(this.poolSums[larger.slot], this.poolSums[smaller.slot], this.histSize)
          subtractCountsInPlace(
            this.poolCounts[larger.slot],
            this.poolCounts[smaller.slot],
            this.p * this.width,
          )
          for (const child of children) {
            if (this.canSplit(child)) {
              child.split = this.findSplit(
                child,
                this.poolSums[child.slot],
                this.poolCounts[child.slot],
                this.allFeatures,
                this.p,
              )
            }
            if (!child.split) this.releaseSlot(child)
          }
        } else {
          this.releaseSlot(node)
        }
      } else {
        for (const child of children)
          if (this.canSplit(child)) child.split = this.evaluateSampled(child, num, den, rng)
      }
      // Depth-first pops the left child first (pushed last).
      open.push(rightChild, leftChild)
    }
    for (const node of open) {
      this.releaseSlot(node)
      leaves.push(node)
    }
    leaves.sort((a, b) => a.id - b.id)
    const leafNode = new Int32Array(leaves.length)
    const leafStart = new Int32Array(leaves.length)
    const leafEnd = new Int32Array(leaves.length)
    for (let i = 0; i < leaves.length; i++) {
      leafNode[i] = leaves[i].id
      leafStart[i] = leaves[i].start
      leafEnd[i] = leaves[i].end
    }
    return { nodes: buffer.toNodes(), leafNode, leafStart, leafEnd }
  }

  private canSplit(node: OpenNode): boolean {
    const params = this.params
    return (
      node.count >= 2 * params.minSamplesLeaf &&
      node.count >= params.minSamplesSplit &&
      node.depth < params.maxDepth
    )
  }

  private leafValue(num: Float64Array, den: number): Float64Array {
    const out = new Float64Array(this.k)
    const denominator = den + this.params.l2
    for (let c = 0; c < this.k; c++)
      out[c] = denominator > 0 ? (this.params.leafScale * num[c]) / denominator : 0
    return out
  }

  private cover(count: number, den: number): number {
    return this.params.coverFromDenominator ? den : count
  }

  private acquireSlot(): number {
    const free = this.freeSlots.pop()
    const slot = free ?? this.poolSums.length
    if (free === undefined) {
      this.poolSums.push(new Float64Array(this.histSize))
      this.poolCounts.push(new Uint32Array(this.p * this.width))
    }
    return slot
  }

  private releaseSlot(node: OpenNode): void {
    if (node.slot >= 0) {
      this.freeSlots.push(node.slot)
      node.slot = -1
    }
  }

  /** Full histogram (all features) of `node` into its slot. */
  private buildFull(node: OpenNode, num: Float32Array, den: Float32Array, identity: boolean): void {
    const sums = this.poolSums[node.slot]
    const counts = this.poolCounts[node.slot]
    sums.fill(0)
    counts.fill(0)
    this.buildFeatures(node, num, den, identity, this.allFeatures, this.p, sums, counts)
  }

  private buildFeatures(
    node: OpenNode,
    num: Float32Array,
    den: Float32Array,
    identity: boolean,
    features: Int32Array,
    nSlots: number,
    sums: Float64Array,
    counts: Uint32Array,
  ): void {
    const m = node.end - node.start
    const k = this.k
    const n = this.n
    const bins = this.binned.bins
    const width = this.width
    const stride = this.stride
    if (k === 1 && identity && node.start === 0 && m === n) {
      for (let s = 0; s < nSlots; s++) {
        buildHistogramRoot1(bins, features[s] * n, m, num, den, sums, s * width * stride, counts, s * width)
      }
      return
    }
    const orderedNum = this.orderedNum
    const orderedDen = this.orderedDen
    if (k === 1) gather(num, this.rows, node.start, m, orderedNum)
    else gatherK(num, this.rows, node.start, m, k, orderedNum)
    gather(den, this.rows, node.start, m, orderedDen)
    for (let s = 0; s < nSlots; s++) {
      const base = features[s] * n
      if (k === 1) {
        buildHistogramRows1(
          bins,
          base,
          this.rows,
          node.start,
          m,
          orderedNum,
          orderedDen,
          sums,
          s * width * stride,
          counts,
          s * width,
        )
      } else {
        buildHistogramRowsK(
          bins,
          base,
          this.rows,
          node.start,
          m,
          k,
          orderedNum,
          orderedDen,
          sums,
          s * width * stride,
          counts,
          s * width,
        )
      }
    }
  }

  /** Forest strategy: draw features, build their histograms from the node's rows, find the best split. */
  private evaluateSampled(
    node: OpenNode,
    num: Float32Array,
    den: Float32Array,
    rng: Rng | null,
  ): Split | null {
    const p = this.p
    const features = this.sampledFeatures
    for (let f = 0; f < p; f++) features[f] = f
    const take = Math.max(1, Math.min(p, Math.floor(this.params.featuresPerSplit)))
    if (rng) {
      for (let i = 0; i < take; i++) {
        const j = i + rng.nextInt(p - i)
        const t = features[i]
        features[i] = features[j]
        features[j] = t
      }
    }
    // Index order among the drawn features keeps the tie rule (lowest feature wins).
    features.subarray(0, take).sort()
    const size = take * this.width
    this.sampleSums.fill(0, 0, size * this.stride)
    this.sampleCounts.fill(0, 0, size)
    this.buildFeatures(node, num, den, false, features, take, this.sampleSums, this.sampleCounts)
    return this.findSplit(node, this.sampleSums, this.sampleCounts, features, take)
  }

  private score(num: Float64Array, den: number): number {
    const denominator = den + this.params.l2
    if (!(denominator > 0)) return 0
    let s = 0
    for (let c = 0; c < this.k; c++) s += num[c] * num[c]
    return s / denominator
  }

  /** Best split of `node` over the feature slots of a histogram; null when none has positive gain. */
  private findSplit(
    node: OpenNode,
    sums: Float64Array,
    counts: Uint32Array,
    features: Int32Array,
    nSlots: number,
  ): Split | null {
    const best = this.best
    best.reset()
    const parentScore = this.score(node.num, node.den)
    for (let s = 0; s < nSlots; s++) {
      const f = features[s]
      if (this.mapper.isCategorical[f]) this.scanCategorical(node, sums, counts, s, f, parentScore)
      else this.scanNumeric(node, sums, counts, s, f, parentScore)
    }
    if (best.feature < 0) return null
    return this.materialise(sums, counts, features, nSlots)
  }

  private scanNumeric(
    node: OpenNode,
    sums: Float64Array,
    counts: Uint32Array,
    slot: number,
    f: number,
    parentScore: number,
  ): void {
    const { minSamplesLeaf, minHessian } = this.params
    const k = this.k
    const stride = this.stride
    const best = this.best
    const nb = this.mapper.nBins[f]
    const hasMissing = this.binned.hasMissing[f] === 1
    const sumBase = slot * this.width * stride
    const countBase = slot * this.width
    const acc = this.accNum
    const other = this.accNum2
    const minGain = 1e-12 * Math.abs(parentScore)
    // Left to right, missing values going right (this includes "all non-missing | missing").
    acc.fill(0)
    let accDen = 0
    let accCount = 0
    const last = nb - 2 + (hasMissing ? 1 : 0)
    for (let b = 0; b <= last; b++) {
      const j = sumBase + b * stride
      for (let c = 0; c < k; c++) acc[c] += sums[j + c]
      accDen += sums[j + k]
      accCount += counts[countBase + b]
      const rightCount = node.count - accCount
      if (accCount < minSamplesLeaf) continue
      if (rightCount < minSamplesLeaf) break
      const rightDen = node.den - accDen
      if (accDen < minHessian) continue
      if (rightDen < minHessian) break
      for (let c = 0; c < k; c++) other[c] = node.num[c] - acc[c]
      const gain = this.score(acc, accDen) + this.score(other, rightDen) - parentScore
      if (gain > best.gain && gain > minGain) {
        best.gain = gain
        best.feature = f
        best.categorical = false
        best.binThreshold = b
        best.defaultLeft = hasMissing ? false : accCount > rightCount
      }
    }
    if (!hasMissing) return
    // Right to left, missing values going left.
    acc.fill(0)
    accDen = 0
    accCount = 0
    for (let b = nb - 1; b >= 1; b--) {
      const j = sumBase + b * stride
      for (let c = 0; c < k; c++) acc[c] += sums[j + c]
      accDen += sums[j + k]
      accCount += counts[countBase + b]
      const leftCount = node.count - accCount
      if (accCount < minSamplesLeaf) continue
      if (leftCount < minSamplesLeaf) break
      const leftDen = node.den - accDen
      if (accDen < minHessian) continue
      if (leftDen < minHessian) break
      for (let c = 0; c < k; c++) other[c] = node.num[c] - acc[c]
      const gain = this.score(acc, accDen) + this.score(other, leftDen) - parentScore
      if (gain > best.gain && gain > minGain) {
        best.gain = gain
        best.feature = f
        best.categorical = false
        best.binThreshold = b - 1
        best.defaultLeft = true
      }
    }
  }

  /**
   * Fisher-sorted categorical split (LightGBM / sklearn `_find_best_bin_to_split_category`): keep
   * categories (and missing, as one more category) with enough support, sort them by N/(D + 10), and
   * take a prefix from either end as the left set.
   */
  private scanCategorical(
    node: OpenNode,
    sums: Float64Array,
    counts: Uint32Array,
    slot: number,
    f: number,
    parentScore: number,
  ): void {
    const { minSamplesLeaf, minHessian } = this.params
    const k = this.k
    const stride = this.stride
    const best = this.best
    const nb = this.mapper.nBins[f]
    const missingBin = this.mapper.missingBin
    const hasMissing = this.binned.hasMissing[f] === 1
    const sumBase = slot * this.width * stride
    const countBase = slot * this.width
    // Sort channel: the only one for k = 1; the node's largest class otherwise.
    let channel = 0
    for (let c = 1; c < k; c++) if (node.num[c] > node.num[channel]) channel = c
    const bins = this.catBins
    const values = this.catValues
    let used = 0
    for (let i = 0; i <= nb; i++) {
      const b = i === nb ? missingBin : i
      if (i === nb && !hasMissing) break
      if (counts[countBase + b] < MIN_CATEGORY_SUPPORT) continue
      const j = sumBase + b * stride
      bins[used] = b
      values[used] = sums[j + channel] / (sums[j + k] + MIN_CATEGORY_SUPPORT)
      used++
    }
    if (used <= 1) return
    const order = this.catOrder
    for (let i = 0; i < used; i++) order[i] = i
    order.subarray(0, used).sort((a, b) => values[a] - values[b] || bins[a] - bins[b])
    const acc = this.accNum
    const other = this.accNum2
    const minGain = 1e-12 * Math.abs(parentScore)
    const middle = (used + 1) >> 1
    for (let direction = 0; direction < 2; direction++) {
      acc.fill(0)
      let accDen = 0
      let accCount = 0
      const steps = direction === 0 ? middle : Math.min(middle, used - 1)
      for (let i = 0; i < steps; i++) {
        const b = bins[order[direction === 0 ? i : used - 1 - i]]
        const j = sumBase + b * stride
        for (let c = 0; c < k; c++) acc[c] += sums[j + c]
        accDen += sums[j + k]
        accCount += counts[countBase + b]
        const rightCount = node.count - accCount
        if (accCount < minSamplesLeaf) continue
        if (rightCount < minSamplesLeaf) break
        const rightDen = node.den - accDen
        if (accDen < minHessian) continue
        if (rightDen < minHessian) break
        for (let c = 0; c < k; c++) other[c] = node.num[c] - acc[c]
        const gain = this.score(acc, accDen) + this.score(other, rightDen) - parentScore
        if (gain > best.gain && gain > minGain) {
          best.gain = gain
          best.feature = f
          best.categorical = true
          best.bits.fill(0)
          for (let q = 0; q <= i; q++) {
            const bin = bins[order[direction === 0 ? q : used - 1 - q]]
            best.bits[bin >>> 5] |= 1 << (bin & 31)
          }
          const missingLeft = ((best.bits[missingBin >>> 5] >>> (missingBin & 31)) & 1) === 1
          best.defaultLeft = hasMissing ? missingLeft : accCount > rightCount
        }
      }
    }
  }

  /** Turns the best candidate into a Split with its routing table and exact left totals. */
  private materialise(sums: Float64Array, counts: Uint32Array, features: Int32Array, nSlots: number): Split {
    const best = this.best
    const width = this.width
    const stride = this.stride
    const k = this.k
    const missingBin = this.mapper.missingBin
    const goLeft = new Uint8Array(width)
    if (best.categorical) {
      for (let b = 0; b < width; b++) goLeft[b] = (best.bits[b >>> 5] >>> (b & 31)) & 1
    } else {
      for (let b = 0; b <= best.binThreshold; b++) goLeft[b] = 1
    }
    goLeft[missingBin] = best.defaultLeft ? 1 : 0
    let slot = 0
    while (slot < nSlots && features[slot] !== best.feature) slot++
    const leftNum = new Float64Array(k)
    let leftDen = 0
    let leftCount = 0
    for (let b = 0; b < width; b++) {
      if (goLeft[b] === 0) continue
      const j = (slot * width + b) * stride
      for (let c = 0; c < k; c++) leftNum[c] += sums[j + c]
      leftDen += sums[j + k]
      leftCount += counts[slot * width + b]
    }
    return {
      gain: best.gain,
      feature: best.feature,
      categorical: best.categorical,
      binThreshold: best.binThreshold,
      defaultLeft: best.defaultLeft,
      goLeft,
      leftCount,
      leftNum,
      leftDen,
    }
  }

  /** Partitions the node's rows, records the split in the tree, returns the two children. */
  private applySplit(node: OpenNode, split: Split, buffer: NodeBuffer): [OpenNode, OpenNode] {
    const f = split.feature
    const nLeft = partitionRows(
      this.rows,
      node.start,
      node.end,
      this.binned.bins,
      f * this.n,
      split.goLeft,
      this.scratch,
    )
    if (nLeft !== split.leftCount)
      throw new Error(`Tree learner: partition gave ${nLeft} rows, histogram ${split.leftCount}`)
    const rightNum = new Float64Array(this.k)
    for (let c = 0; c < this.k; c++) rightNum[c] = node.num[c] - split.leftNum[c]
    const rightDen = node.den - split.leftDen
    const rightCount = node.count - split.leftCount
    const leftId = buffer.add(
      this.leafValue(split.leftNum, split.leftDen),
      this.cover(split.leftCount, split.leftDen),
    )
    const rightId = buffer.add(this.leafValue(rightNum, rightDen), this.cover(rightCount, rightDen))
    const id = node.id
    buffer.left[id] = leftId
    buffer.right[id] = rightId
    buffer.feature[id] = f
    buffer.gain[id] = split.gain
    buffer.defaultLeft[id] = split.defaultLeft ? 1 : 0
    if (split.categorical) {
      buffer.categoryOffset[id] = buffer.categoryBits.length
      for (let w = 0; w < CATEGORY_WORDS; w++) {
        let word = 0
        for (let bit = 0; bit < 32; bit++) {
          const b = w * 32 + bit
          // The missing bin is expressed by defaultLeft, not as a category.
          if (b !== this.mapper.missingBin && split.goLeft[b] === 1) word |= 1 << bit
        }
        buffer.categoryBits.push(word >>> 0)
      }
    } else {
      buffer.binThreshold[id] = split.binThreshold
      buffer.threshold[id] = this.rawThreshold[f][split.binThreshold]
    }
    const left: OpenNode = {
      id: leftId,
      start: node.start,
      end: node.start + nLeft,
      depth: node.depth + 1,
      count: split.leftCount,
      num: split.leftNum,
      den: split.leftDen,
      slot: -1,
      split: null,
    }
    const right: OpenNode = {
      id: rightId,
      start: node.start + nLeft,
      end: node.end,
      depth: node.depth + 1,
      count: rightCount,
      num: rightNum,
      den: rightDen,
      slot: -1,
      split: null,
    }
    return [left, right]
  }
}
