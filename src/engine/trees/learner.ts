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
import { type QuantizationScales, quantizationLevels, quantizationScales } from './boostingRows.ts'
import {
  addCountsInPlace,
  addInPlace,
  buildHistogramRoot1,
  buildHistogramRoot4,
  buildHistogramRows1,
  buildHistogramRows4,
  buildHistogramRowsK,
  gather,
  gatherK,
  partitionRows,
  subtractCountsInPlace,
  subtractInPlace,
} from './histogram.ts'
import {
  GRADIENT_JOB,
  HistogramHalves,
  JOB_GRADIENTS,
  JOB_LEAVES,
  JOB_PARTITION,
  JOB_QUANTIZE,
  LEAF_JOB,
  PARTITION_JOB,
  QUANTIZE_JOB,
} from './histogramHalves.ts'
import { CATEGORY_WORDS, type TreeNodes } from './treeModel.ts'
import {
  createSharedWasmKernels,
  createWasmKernels,
  FIXED_WIDTH,
  type HistogramKernel,
  histogramKernels,
  JOB,
  JOB_HISTOGRAM,
  MAX_FEATURES_PER_PASS,
  QUANTIZE_PARAMS,
  runQuantizedKernels,
  type WasmKernels,
} from './wasmKernels.ts'

function sameView(a: Float32Array<ArrayBufferLike>, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length
}

/** Calls a histogram kernel with the first `count` arguments (once per node and feature group). */
function callKernel(kernel: HistogramKernel, args: number[], count: number): void {
  kernel(...args.slice(0, count))
}

/** Byte offsets of the learner's buffers in the wasm memory, each 16-byte aligned. */
class WasmLayout {
  size = 0
  take(bytes: number): number {
    const at = this.size
    this.size += Math.ceil(bytes / 16) * 16
    return at
  }
}

/** The learner's buffers that live in the wasm memory, in layout order (histogram slots follow). */
const WASM_BUFFERS = [
  'bins',
  'rows',
  'scratch',
  'num',
  'den',
  'orderedNum',
  'orderedDen',
  'lut',
  'sampleSums',
  'sampleCounts',
  'raw',
  'labels',
  'leafTable',
  'packed',
  'quantize',
] as const
type WasmBuffer = (typeof WASM_BUFFERS)[number]

/** Histogram slots a growable wasm pool starts with; it doubles when a tree needs more. */
const INITIAL_GROWABLE_SLOTS = 4

/**
 * Nodes with at most this many rows are scanned from their rows sorted by bin instead of from a
 * 256-bin histogram: zeroing and scanning histograms would cost more than the rows themselves (deep
 * forest trees are mostly such nodes).
 */
const SMALL_NODE = 128

/**
 * Small nodes of one numerator with all features (boosting, regression forests) keep their rows sorted
 * by bin per feature when the table has at most this many cells (p × n row ids): a split then
 * partitions each sorted list stably in one pass instead of sorting both children again.
 */
const PRESORT_MAX_CELLS = 1 << 22

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
  /** false forces the JS kernels (tests compare both); by default wasm is used where it applies. */
  useWasm?: boolean
  /**
   * Forests and single trees, as scikit-learn's trees: split every impure node on its best valid
   * candidate even when it gains nothing, and when none of the drawn features can split a node, draw
   * more (one at a time) until one can or none are left. Boosting (false) splits only on positive gain.
   */
  splitUntilPure?: boolean
  /**
   * Categorical splits: categories with less support (rows) never go left, and N/(D + smoothing) sorts
   * them. Default 10 and 10 (sklearn HGB's MIN_CAT_SUPPORT); forests use 1 and 0, Breiman's exact
   * ordering by class proportion or mean, since their deep trees split small nodes.
   */
  minCategorySupport?: number
  categorySmoothing?: number
  /** Also try each category alone against the rest (forests: the sorted prefixes miss some for k > 1). */
  categoryOneVsRest?: boolean
  /**
   * Boosting on the wasm kernels: nodes with at least this many rows build their histogram as two
   * fixed halves summed in order (see histogramHalves.ts), the second half on a second thread when one
   * is registered. Infinity (the default) never cuts.
   */
  halfRows?: number
  /** false never keeps small nodes' rows sorted (see PRESORT_MAX_CELLS; tests: the trees are the same). */
  presort?: boolean
  /**
   * Boosting in halves with 256-bin histograms: allow {@link TreeLearner.quantizeInHalves} (quantised
   * gradients, integer histograms). Without halves or with another bin width it does nothing.
   */
  quantized?: boolean
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
  /** Left set of a categorical split (bins, the missing bin included when it goes left); null if numeric. */
  bits: Uint32Array | null
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
  /** Its rows are in {@link TreeLearner.sortedRows}, sorted by bin per numeric feature. */
  sorted: boolean
}

/** Best candidate found so far while scanning one node (kept in scalars to avoid allocation). */
class BestSplit {
  /** Gains must beat this: 0, or −∞ when any valid split will do (splitUntilPure). */
  floor = 0
  gain = 0
  feature = -1
  categorical = false
  binThreshold = 0
  defaultLeft = false
  readonly bits = new Uint32Array(CATEGORY_WORDS)
  reset(): void {
    this.gain = this.floor
    this.feature = -1
  }
}

/** Growable typed node arrays (capacity doubles); finalised into a {@link TreeNodes}. */
class NodeBuffer {
  size = 0
  left = new Int32Array(64)
  right = new Int32Array(64)
  feature = new Int32Array(64)
  threshold = new Float64Array(64)
  binThreshold = new Uint8Array(64)
  defaultLeft = new Uint8Array(64)
  categoryOffset = new Int32Array(64)
  value: Float64Array
  cover = new Float64Array(64)
  gain = new Float64Array(64)
  categoryBits = new Uint32Array(64)
  categoryWords = 0
  constructor(readonly nOutputs: number) {
    this.value = new Float64Array(64 * nOutputs)
  }

  private grow(): void {
    const capacity = this.left.length * 2
    const resize = <T extends Int32Array | Float64Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
      width = 1,
    ): T => {
      const b = make(capacity * width)
      b.set(a)
      return b
    }
    this.left = resize(this.left, (n) => new Int32Array(n))
    this.right = resize(this.right, (n) => new Int32Array(n))
    this.feature = resize(this.feature, (n) => new Int32Array(n))
    this.threshold = resize(this.threshold, (n) => new Float64Array(n))
    this.binThreshold = resize(this.binThreshold, (n) => new Uint8Array(n))
    this.defaultLeft = resize(this.defaultLeft, (n) => new Uint8Array(n))
    this.categoryOffset = resize(this.categoryOffset, (n) => new Int32Array(n))
    this.value = resize(this.value, (n) => new Float64Array(n), this.nOutputs)
    this.cover = resize(this.cover, (n) => new Float64Array(n))
    this.gain = resize(this.gain, (n) => new Float64Array(n))
  }

  add(values: Float64Array, cover: number): number {
    if (this.size === this.left.length) this.grow()
    const id = this.size++
    this.left[id] = -1
    this.right[id] = -1
    this.feature[id] = -1
    this.threshold[id] = Number.NaN
    this.categoryOffset[id] = -1
    for (let o = 0; o < this.nOutputs; o++) this.value[id * this.nOutputs + o] = values[o]
    this.cover[id] = cover
    return id
  }

  setCategories(id: number, bits: Uint32Array): void {
    if (this.categoryWords + CATEGORY_WORDS > this.categoryBits.length) {
      const grown = new Uint32Array(this.categoryBits.length * 2)
      grown.set(this.categoryBits)
      this.categoryBits = grown
    }
    this.categoryOffset[id] = this.categoryWords
    this.categoryBits.set(bits, this.categoryWords)
    this.categoryWords += CATEGORY_WORDS
  }

  toNodes(): TreeNodes {
    const n = this.size
    return {
      nNodes: n,
      nOutputs: this.nOutputs,
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      binThreshold: this.binThreshold.slice(0, n),
      defaultLeft: this.defaultLeft.slice(0, n),
      categoryOffset: this.categoryOffset.slice(0, n),
      categoryBits: this.categoryBits.slice(0, this.categoryWords),
      value: this.value.slice(0, n * this.nOutputs),
      cover: this.cover.slice(0, n),
      gain: this.gain.slice(0, n),
    }
  }
}

/**
 * Grows trees over one binned matrix. Buffers (row ids, ordered values, histograms) are allocated
 * once and reused by every tree of a fit.
 */
export class TreeLearner {
  /** Row ids; after {@link grow} each leaf owns a contiguous slice. */
  rows!: Uint32Array
  /** The binned matrix (a copy inside the wasm memory when the wasm kernels are used). */
  private bins!: Uint8Array
  private readonly wasm: WasmKernels | null
  /** Two-half histograms of large nodes (boosting on wasm), null otherwise. */
  private readonly halves: HistogramHalves | null = null
  /** The slot the second half of a node's histogram is built in (halves only). */
  private halfSlot = -1
  private readonly halfRows: number
  private readonly leafTableSize: number
  /** Boosting's row arrays in the wasm memory (halves only; see {@link rowBuffers}). */
  private raw = new Float64Array(0)
  private labels = new Float64Array(0)
  private leafTable = new Float64Array(0)
  /** Whether {@link quantizeInHalves} can run (see LearnerParams.quantized). */
  private readonly quantizable: boolean
  /** Packed quantised gradient pairs of all rows (one i32 each), and quantisation's parameters. */
  private packed = new Int32Array(0)
  private quantizeParams = new DataView(new ArrayBuffer(0))
  /** The f32 maxima of the last gradient pass: |g| and h of the first half, then of the second. */
  private gradientMaxima = new Float32Array(0)
  /** Whether the row buffers' gradients are quantised now (set by quantizeInHalves, reset by gradientsInHalves). */
  private packedReady = false
  /** Whether the tree being grown uses the packed gradients and integer histograms. */
  private packedTree = false
  private scales: QuantizationScales = { g: 1, h: 1 }
  /** A slot's integer histogram as i32 lanes [Σg, Σh, count, 0] per bin (quantised trees). */
  private readonly poolInts: Int32Array[] = []
  /** A quantised histogram scaled back to sums and counts for the split finder. */
  private scanSums = new Float64Array(0)
  private scanCounts = new Uint32Array(0)
  /** Byte offsets of the buffers in the wasm memory (see {@link refreshViews}). */
  private readonly at: Record<WasmBuffer, number>
  /** Where histogram slots start in the wasm memory, and the bytes of one slot. */
  private readonly slotsAt: number
  private readonly slotBytes: number
  /** Whether the wasm slot pool grows with the tree (unlimited leaves) instead of being fixed. */
  private readonly growableSlots: boolean
  /** Histogram slots in the wasm memory. */
  private wasmSlotCount = 0
  /** Histogram entries (features × bins) of the sampled-feature buffers. */
  private readonly sampleLength: number
  /** Copies of a tree's numerators/denominators inside the wasm memory. */
  private wasmNum!: Float32Array
  private wasmDen!: Float32Array
  /** The caller's numerators and denominators of the tree being grown. */
  private treeNum: Float32Array<ArrayBufferLike> = new Float32Array(0)
  private treeDen: Float32Array<ArrayBufferLike> = new Float32Array(0)
  private readonly leafScratch: Float64Array
  /** One feature drawn after the first ones could not split a node (splitUntilPure). */
  private readonly extraFeature = new Int32Array(1)
  private readonly kernelArgs = new Array<number>(MAX_FEATURES_PER_PASS + 7).fill(0)
  private scratch!: Uint32Array
  private orderedNum!: Float32Array
  private orderedDen!: Float32Array
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
  private sampleSums!: Float64Array
  private sampleCounts!: Uint32Array
  private rawThreshold: Float64Array[]
  private readonly smallOrder = new Int32Array(SMALL_NODE)
  private readonly smallTmp = new Int32Array(SMALL_NODE)
  private readonly smallBins = new Uint8Array(SMALL_NODE)
  private readonly sortedBin = new Uint8Array(SMALL_NODE)
  /** Per numeric feature f, `sortedRows[f·n + start .. f·n + end)` holds a sorted node's rows by bin. */
  private readonly sortedRows: Uint32Array | null
  private readonly sortedTmp = new Uint32Array(SMALL_NODE)
  private readonly sortedNum = new Float32Array(SMALL_NODE)
  private readonly sortedDen = new Float32Array(SMALL_NODE)
  private readonly bucket = new Int32Array(17)
  private goLeft!: Uint8Array
  private readonly smallSums: Float64Array
  private readonly smallCounts: Uint32Array

  constructor(
    private binned: BinnedMatrix,
    private mapper: BinMapper,
    /** Numerators per row (1 for boosting and binary/regression forests, nClasses for multiclass forests). */
    private readonly k: number,
    private readonly params: LearnerParams,
  ) {
    this.n = binned.nRows
    this.p = binned.nFeatures
    this.width = mapper.histWidth
    this.stride = k + 1
    this.histSize = this.p * this.width * this.stride
    this.subtraction = params.featuresPerSplit >= this.p
    const n = this.n
    const sampled = Math.max(1, Math.min(this.p, Math.floor(params.featuresPerSplit)))
    // Wasm kernels need every buffer they touch in one memory. Boosting (finite max_leaf_nodes) has at
    // most max_leaf_nodes + 2 histograms alive, so its slots are fixed; a forest tree grown depth-first
    // with unlimited leaves needs one per pending node, so its slots start few and the memory grows.
    this.growableSlots = !Number.isFinite(params.maxLeafNodes)
    const wasmSlots = !this.subtraction
      ? 0
      : this.growableSlots
        ? INITIAL_GROWABLE_SLOTS
        : params.maxLeafNodes + 2
    this.halfRows = params.halfRows ?? Number.POSITIVE_INFINITY
    const useHalves = k === 1 && this.subtraction && !this.growableSlots && n >= this.halfRows
    const leafTableSize = useHalves ? 3 * (params.maxLeafNodes + 1) : 0
    this.quantizable = params.quantized === true && useHalves && this.width === FIXED_WIDTH
    const layout = new WasmLayout()
    const sizes: Record<WasmBuffer, number> = {
      bins: this.p * n,
      rows: 4 * n,
      scratch: 4 * n,
      num: 4 * n * k,
      den: 4 * n,
      orderedNum: 4 * n * k,
      orderedDen: 4 * n,
      lut: this.width,
      sampleSums: this.subtraction ? 0 : 8 * sampled * this.width * this.stride,
      sampleCounts: this.subtraction ? 0 : 4 * sampled * this.width,
      // Boosting's raw scores, labels and leaf table, where two threads share its row passes.
      raw: useHalves ? 8 * n : 0,
      labels: useHalves ? 8 * n : 0,
      leafTable: 8 * leafTableSize,
      packed: this.quantizable ? 4 * n : 0,
      // Quantisation's parameters, then the four f32 gradient maxima.
      quantize: this.quantizable ? QUANTIZE_PARAMS.bytes + 16 : 0,
    }
    this.sampleLength = this.subtraction ? 0 : sampled * this.width
    const at = {} as Record<WasmBuffer, number>
    for (const name of WASM_BUFFERS) at[name] = layout.take(sizes[name])
    this.at = at
    this.slotsAt = layout.size
    this.slotBytes = Math.ceil((8 * this.histSize) / 16) * 16 + Math.ceil((4 * this.p * this.width) / 16) * 16
    this.leafTableSize = leafTableSize
    // One more slot holds the second half of a node's histogram.
    const slots = useHalves ? wasmSlots + 1 : wasmSlots
    const wasmBytes = this.slotsAt + slots * this.slotBytes
    const wantWasm = params.useWasm !== false && (wasmSlots > 0 || !this.subtraction)
    const sharedKernels =
      wantWasm && useHalves && HistogramHalves.threadAvailable() ? createSharedWasmKernels(wasmBytes) : null
    // Bins built in place at byte 0 of a wasm memory (BinnedMatrix.memory) stay where they are: that
    // memory becomes the kernels' one (bins come first in the layout), so the bytes exist once.
    const adopt =
      !sharedKernels && binned.memory && binned.bins.byteOffset === 0 && at.bins === 0
        ? binned.memory
        : undefined
    const kernels = sharedKernels ?? (wantWasm ? createWasmKernels(wasmBytes, adopt) : null)
    this.wasm = kernels
    if (kernels) {
      this.wasmSlotCount = slots
      this.refreshViews()
      if (kernels.memory !== adopt) this.bins.set(binned.bins)
      for (let i = 0; i < wasmSlots; i++) this.freeSlots.push(wasmSlots - 1 - i)
      if (useHalves) {
        this.halfSlot = wasmSlots
        this.halves = new HistogramHalves(kernels, sharedKernels !== null)
      }
    } else {
      this.bins = binned.bins
      this.rows = new Uint32Array(n)
      this.scratch = new Uint32Array(n)
      this.wasmNum = new Float32Array(0)
      this.wasmDen = new Float32Array(0)
      this.orderedNum = new Float32Array(n * k)
      this.orderedDen = new Float32Array(n)
      this.goLeft = new Uint8Array(this.width)
      this.sampleSums = new Float64Array(this.sampleLength * this.stride)
      this.sampleCounts = new Uint32Array(this.sampleLength)
    }
    this.best.floor = params.splitUntilPure ? Number.NEGATIVE_INFINITY : 0
    this.allFeatures = new Int32Array(this.p)
    for (let f = 0; f < this.p; f++) this.allFeatures[f] = f
    this.sampledFeatures = new Int32Array(this.p)
    this.accNum = new Float64Array(k)
    this.leafScratch = new Float64Array(k)
    this.smallSums = new Float64Array(this.width * this.stride)
    this.smallCounts = new Uint32Array(this.width)
    this.accNum2 = new Float64Array(k)
    this.rawThreshold = rawThresholds(mapper)
    this.sortedRows =
      this.subtraction && k === 1 && params.presort !== false && this.p * n <= PRESORT_MAX_CELLS
        ? new Uint32Array(this.p * n)
        : null
    if (this.quantizable) {
      this.scanSums = new Float64Array(this.histSize)
      this.scanCounts = new Uint32Array(this.p * this.width)
    }
  }

  /**
   * Swaps in another binning of the same rows and features with the same bin width (a forest tree's own
   * bins on a small table): the learner, its buffers and its wasm memory are reused, not made again.
   */
  rebin(binned: BinnedMatrix, mapper: BinMapper): void {
    if (binned.nRows !== this.n || binned.nFeatures !== this.p || mapper.histWidth !== this.width)
      throw new Error('Tree learner: rebin needs the same rows, features and bin width')
    this.binned = binned
    this.mapper = mapper
    if (this.wasm) this.bins.set(binned.bins)
    else this.bins = binned.bins
    this.rawThreshold = rawThresholds(mapper)
  }

  /** Whether a second thread is attached to this learner and waiting for histogram jobs. */
  get threadReady(): boolean {
    return this.halves ? this.halves.threadReady : false
  }

  /**
   * Boosting's per-row arrays inside the kernels' memory, where two threads can share the gradient and
   * score passes ({@link gradientsInHalves}, {@link addLeavesInHalves}): raw scores, labels, and the
   * gradients and hessians that {@link grow} then reads in place. Null unless large nodes are built in halves.
   */
  rowBuffers(): { raw: Float64Array; labels: Float64Array; num: Float32Array; den: Float32Array } | null {
    if (!this.halves || this.leafTableSize === 0) return null
    return { raw: this.raw, labels: this.labels, num: this.wasmNum, den: this.wasmDen }
  }

  /** Gradients of all rows from {@link rowBuffers}' raw scores and labels: the first half of the rows here, the rest on the thread. */
  gradientsInHalves(loss: number): void {
    const halves = this.halves as HistogramHalves
    const n = this.n
    const jobs = [halves.first, halves.second]
    for (let part = 0; part < 2; part++) {
      const job = jobs[part]
      const J = GRADIENT_JOB
      job[JOB.op] = JOB_GRADIENTS
      job[J.loss] = loss
      job[J.n] = n
      job[J.raw] = this.raw.byteOffset
      job[J.y] = this.labels.byteOffset
      job[J.g] = this.wasmNum.byteOffset
      job[J.h] = this.wasmDen.byteOffset
      job[J.from] = part === 0 ? 0 : n >>> 1
      job[J.to] = part === 0 ? n >>> 1 : n
      job[J.max] = this.quantizable ? this.gradientMaxima.byteOffset + 8 * part : 0
    }
    halves.run()
    this.packedReady = false
  }

  /**
   * Quantised gradients (LightGBM's quantised training, Shi et al. 2022), after {@link gradientsInHalves}:
   * each row's gradient and hessian become integers (at most ±127, see quantizationLevels) times
   * power-of-two scales set by the pass's largest |g| and h, by stochastic rounding seeded with `seed`
   * and the row (unbiased; the same numbers in any thread or cut). The row buffers' g and h are
   * overwritten with the rounded values, and the next {@link grow} on them builds integer histograms:
   * one i32x4 add per feature and row instead of an f64x2 add and a count. Integer sums are exact, and
   * so are the f64 sums of the rounded values, so the trees are exactly those the float kernels grow
   * from the rounded g and h. Returns false (and changes nothing) where the learner cannot quantise.
   */
  quantizeInHalves(seed: number): boolean {
    if (!this.quantizable) return false
    const halves = this.halves as HistogramHalves
    const maxima = this.gradientMaxima
    const scales = quantizationScales(
      Math.max(maxima[0], maxima[2]),
      Math.max(maxima[1], maxima[3]),
      quantizationLevels(this.n),
    )
    this.scales = scales
    const params = this.quantizeParams
    params.setFloat32(QUANTIZE_PARAMS.gInverse, 1 / scales.g, true)
    params.setFloat32(QUANTIZE_PARAMS.hInverse, 1 / scales.h, true)
    params.setFloat32(QUANTIZE_PARAMS.gScale, scales.g, true)
    params.setFloat32(QUANTIZE_PARAMS.hScale, scales.h, true)
    params.setInt32(QUANTIZE_PARAMS.seed, seed | 0, true)
    const n = this.n
    const jobs = [halves.first, halves.second]
    for (let part = 0; part < 2; part++) {
      const job = jobs[part]
      const J = QUANTIZE_JOB
      job[JOB.op] = JOB_QUANTIZE
      job[J.g] = this.wasmNum.byteOffset
      job[J.h] = this.wasmDen.byteOffset
      job[J.packed] = this.packed.byteOffset
      job[J.from] = part === 0 ? 0 : n >>> 1
      job[J.to] = part === 0 ? n >>> 1 : n
      job[J.params] = params.byteOffset
    }
    halves.run()
    this.packedReady = true
    return true
  }

  /** Adds the grown tree's leaf values to {@link rowBuffers}' raw scores: the first half of the row positions here, the rest on the thread. */
  addLeavesInHalves(values: Float64Array, tree: GrownTree): void {
    const halves = this.halves as HistogramHalves
    const nLeaves = tree.leafNode.length
    const table = this.leafTable
    for (let l = 0; l < nLeaves; l++) {
      table[3 * l] = values[tree.leafNode[l]]
      table[3 * l + 1] = tree.leafStart[l]
      table[3 * l + 2] = tree.leafEnd[l]
    }
    const jobs = [halves.first, halves.second]
    for (let part = 0; part < 2; part++) {
      const job = jobs[part]
      const J = LEAF_JOB
      job[JOB.op] = JOB_LEAVES
      job[J.n] = this.n
      job[J.raw] = this.raw.byteOffset
      job[J.rows] = this.rows.byteOffset
      job[J.table] = table.byteOffset
      job[J.nLeaves] = nLeaves
      // Cut by row position, not by leaf: leaves differ in size, halves of the rows do not.
      job[J.from] = part === 0 ? 0 : this.n >>> 1
      job[J.to] = part === 0 ? this.n >>> 1 : this.n
    }
    halves.run()
  }

  /** Jobs a second thread has run for this learner's histograms (0 without one). */
  get threadJobs(): number {
    return this.halves ? this.halves.threadJobs : 0
  }

  /** Lets the second histogram thread go (after the last tree); the learner still works, on one thread. */
  close(): void {
    this.halves?.close()
  }

  /** Histogram slots held in the wasm memory (0 on the JS kernels). */
  get wasmHistogramSlots(): number {
    return this.wasmSlotCount
  }

  /**
   * Grows one tree on the rows `rootRows` (ids into the binned matrix) with per-row numerators
   * `num` (n × k row-major) and denominators `den`. `rng` drives feature subsampling.
   */
  grow(num: Float32Array, den: Float32Array, rootRows: Uint32Array | null, rng: Rng | null): GrownTree {
    const params = this.params
    const k = this.k
    const m = rootRows ? rootRows.length : this.n
    const rows = this.rows
    if (rootRows) rows.set(rootRows)
    else for (let i = 0; i < m; i++) rows[i] = i
    // The kernels read these copies; JS code keeps reading the caller's arrays (the same values),
    // which stay valid when growing the slot pool detaches the views into the wasm memory.
    if (this.wasm) {
      // Boosting may have written them in place already (rowBuffers).
      if (!sameView(num, this.wasmNum)) this.wasmNum.set(num)
      if (!sameView(den, this.wasmDen)) this.wasmDen.set(den)
    }
    this.treeNum = num
    this.treeDen = den
    this.packedTree = this.packedReady && sameView(num, this.wasmNum) && sameView(den, this.wasmDen)
    const buffer = new NodeBuffer(k)

    const rootNum = new Float64Array(k)
    const root: OpenNode = {
      id: 0,
      start: 0,
      end: m,
      depth: 0,
      count: m,
      num: rootNum,
      den: 0,
      slot: -1,
      split: null,
      sorted: false,
    }
    if (this.halves && m >= this.halfRows && m > SMALL_NODE && this.canSplit(root)) {
      // A root built in halves takes its totals from its histogram (every row is in one bin of feature
      // 0), summed bin by bin: no pass over the rows on this thread.
      root.slot = this.acquireSlot()
      this.buildFull(root, num, den, rootRows === null)
      let sum = 0
      let denSum = 0
      if (this.packedTree) {
        // Integer totals (exact), scaled once.
        const ints = this.poolInts[root.slot]
        for (let b = 0; b < this.width; b++) {
          sum += ints[4 * b]
          denSum += ints[4 * b + 1]
        }
        sum *= this.scales.g
        denSum *= this.scales.h
      } else {
        const sums = this.poolSums[root.slot]
        for (let b = 0; b < this.width; b++) {
          sum += sums[2 * b]
          denSum += sums[2 * b + 1]
        }
      }
      rootNum[0] = sum
      root.den = denSum
    } else if (k === 1) {
      // Root totals in row order, without the per-class loop (one numerator: boosting, regression forests).
      let sum = 0
      let denSum = 0
      for (let i = 0; i < m; i++) {
        const r = rows[i]
        sum += num[r]
        denSum += den[r]
      }
      rootNum[0] = sum
      root.den = denSum
    } else {
      let denSum = 0
      for (let i = 0; i < m; i++) {
        const r = rows[i]
        for (let c = 0; c < k; c++) rootNum[c] += num[r * k + c]
        denSum += den[r]
      }
      root.den = denSum
    }
    root.id = buffer.add(this.leafValue(rootNum, root.den), this.cover(m, root.den))
    if (this.canSplit(root)) {
      if (root.count <= SMALL_NODE) root.split = this.evaluateSmall(root, num, den, rng)
      else if (this.subtraction) {
        if (root.slot < 0) {
          root.slot = this.acquireSlot()
          this.buildFull(root, num, den, rootRows === null)
        }
        root.split = this.findSplitInSlot(root)
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
      if (pick === open.length - 1) open.pop()
      else open.splice(pick, 1)
      const split = node.split
      if (!split) {
        leaves.push(node)
        continue
      }
      nLeaves++
      const children = this.applySplit(node, split, buffer)
      const [leftChild, rightChild] = children
      // Small nodes are scanned from their sorted rows and need no histogram (see evaluateSmall).
      if (
        this.subtraction &&
        node.slot >= 0 &&
        (this.needsHistogram(leftChild) || this.needsHistogram(rightChild))
      ) {
        // Build the smaller child (left on ties), derive the larger from the parent's histogram.
        const smaller = leftChild.count <= rightChild.count ? leftChild : rightChild
        const larger = smaller === leftChild ? rightChild : leftChild
        smaller.slot = this.acquireSlot()
        this.buildFull(smaller, num, den, false)
        larger.slot = node.slot
        node.slot = -1
        if (this.packedTree) subtractInts(this.poolInts[larger.slot], this.poolInts[smaller.slot])
        else {
          subtractInPlace(this.poolSums[larger.slot], this.poolSums[smaller.slot], this.histSize)
          subtractCountsInPlace(
            this.poolCounts[larger.slot],
            this.poolCounts[smaller.slot],
            this.p * this.width,
          )
        }
        for (const child of children) {
          if (this.needsHistogram(child)) {
            child.split = this.findSplitInSlot(child)
          } else {
            this.releaseSlot(child)
            if (this.canSplit(child)) child.split = this.evaluateSmall(child, num, den, rng)
          }
          if (!child.split) this.releaseSlot(child)
        }
      } else {
        this.releaseSlot(node)
        for (const child of children) {
          if (!this.canSplit(child)) continue
          child.split =
            child.count <= SMALL_NODE
              ? this.evaluateSmall(child, num, den, rng)
              : this.evaluateSampled(child, num, den, rng)
        }
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

  /**
   * Best split of a node from the full histogram in its slot; a quantised histogram is first scaled back
   * to sums and counts (exact: integers times powers of two).
   */
  private findSplitInSlot(node: OpenNode): Split | null {
    if (!this.packedTree) {
      return this.findSplit(
        node,
        this.poolSums[node.slot],
        this.poolCounts[node.slot],
        this.allFeatures,
        this.p,
      )
    }
    const ints = this.poolInts[node.slot]
    const sums = this.scanSums
    const counts = this.scanCounts
    const { g, h } = this.scales
    for (let e = 0; e < counts.length; e++) {
      sums[2 * e] = ints[4 * e] * g
      sums[2 * e + 1] = ints[4 * e + 1] * h
      counts[e] = ints[4 * e + 2]
    }
    return this.findSplit(node, sums, counts, this.allFeatures, this.p)
  }

  /** Small nodes are scanned from their sorted rows and need no histogram (see evaluateSmall). */
  private needsHistogram(node: OpenNode): boolean {
    return this.canSplit(node) && node.count > SMALL_NODE
  }

  private canSplit(node: OpenNode): boolean {
    const params = this.params
    return (
      node.count >= 2 * params.minSamplesLeaf &&
      node.count >= params.minSamplesSplit &&
      node.depth < params.maxDepth
    )
  }

  /** The leaf value of totals (num, den), in a scratch array that the next call overwrites. */
  private leafValue(num: Float64Array, den: number): Float64Array {
    const out = this.leafScratch
    const denominator = den + this.params.l2
    for (let c = 0; c < this.k; c++)
      out[c] = denominator > 0 ? (this.params.leafScale * num[c]) / denominator : 0
    return out
  }

  private cover(count: number, den: number): number {
    return this.params.coverFromDenominator ? den : count
  }

  private acquireSlot(): number {
    if (this.freeSlots.length === 0 && this.wasm) {
      if (!this.growableSlots) throw new Error('Tree learner: histogram pool exhausted')
      this.growWasmSlots(this.wasm)
    }
    const free = this.freeSlots.pop()
    const slot = free ?? this.poolSums.length
    if (free === undefined) {
      this.poolSums.push(new Float64Array(this.histSize))
      this.poolCounts.push(new Uint32Array(this.p * this.width))
    }
    return slot
  }

  /**
   * Doubles the wasm histogram slots. Growing the memory detaches every view of it, so all of them
   * are made again: callers must read buffers through \`this\` after acquiring a slot, never from
   * locals taken before.
   */
  private growWasmSlots(wasm: WasmKernels): void {
    const have = this.wasmSlotCount
    const want = Math.max(INITIAL_GROWABLE_SLOTS, 2 * have)
    const bytes = this.slotsAt + want * this.slotBytes
    const pages = Math.ceil((bytes - wasm.memory.buffer.byteLength) / 65536)
    if (pages > 0) wasm.memory.grow(pages)
    this.wasmSlotCount = want
    this.refreshViews()
    for (let i = want - 1; i >= have; i--) this.freeSlots.push(i)
  }

  /** (Re)creates every view into the wasm memory: its buffers, then one pair per histogram slot. */
  private refreshViews(): void {
    const buffer = (this.wasm as WasmKernels).memory.buffer
    const at = this.at
    const n = this.n
    const k = this.k
    this.bins = new Uint8Array(buffer, at.bins, this.p * n)
    this.rows = new Uint32Array(buffer, at.rows, n)
    this.scratch = new Uint32Array(buffer, at.scratch, n)
    this.wasmNum = new Float32Array(buffer, at.num, n * k)
    this.wasmDen = new Float32Array(buffer, at.den, n)
    this.orderedNum = new Float32Array(buffer, at.orderedNum, n * k)
    this.orderedDen = new Float32Array(buffer, at.orderedDen, n)
    this.goLeft = new Uint8Array(buffer, at.lut, this.width)
    this.sampleSums = new Float64Array(buffer, at.sampleSums, this.sampleLength * this.stride)
    this.sampleCounts = new Uint32Array(buffer, at.sampleCounts, this.sampleLength)
    if (this.leafTableSize > 0) {
      this.raw = new Float64Array(buffer, at.raw, n)
      this.labels = new Float64Array(buffer, at.labels, n)
      this.leafTable = new Float64Array(buffer, at.leafTable, this.leafTableSize)
    }
    if (this.quantizable) {
      this.packed = new Int32Array(buffer, at.packed, n)
      this.quantizeParams = new DataView(buffer, at.quantize, QUANTIZE_PARAMS.bytes)
      this.gradientMaxima = new Float32Array(buffer, at.quantize + QUANTIZE_PARAMS.bytes, 4)
    }
    const slots = this.wasmSlotCount
    this.poolSums.length = 0
    this.poolCounts.length = 0
    this.poolInts.length = 0
    const sumsBytes = Math.ceil((8 * this.histSize) / 16) * 16
    for (let i = 0; i < slots; i++) {
      const base = this.slotsAt + i * this.slotBytes
      this.poolSums.push(new Float64Array(buffer, base, this.histSize))
      this.poolCounts.push(new Uint32Array(buffer, base + sumsBytes, this.p * this.width))
      // The integer histogram of a quantised tree takes the bytes of the f64 sums (16 per bin either way).
      if (this.quantizable) this.poolInts.push(new Int32Array(buffer, base, 4 * this.p * this.width))
    }
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
    const bins = this.bins
    const width = this.width
    const stride = this.stride
    if (this.wasm) {
      this.buildFeaturesWasm(
        this.wasm,
        node,
        identity && node.start === 0 && m === n,
        features,
        nSlots,
        sums,
        counts,
      )
      return
    }
    if (k === 1 && identity && node.start === 0 && m === n) {
      let s = 0
      // Four features per pass over the rows (slots of a full histogram are consecutive features).
      for (; s + 3 < nSlots; s += 4) {
        buildHistogramRoot4(
          bins,
          features[s] * n,
          features[s + 1] * n,
          features[s + 2] * n,
          features[s + 3] * n,
          m,
          num,
          den,
          sums,
          s * width * stride,
          counts,
          s * width,
          width,
        )
      }
      for (; s < nSlots; s++) {
        buildHistogramRoot1(bins, features[s] * n, m, num, den, sums, s * width * stride, counts, s * width)
      }
      return
    }
    const orderedNum = this.orderedNum
    const orderedDen = this.orderedDen
    if (k === 1) gather(num, this.rows, node.start, m, orderedNum)
    else gatherK(num, this.rows, node.start, m, k, orderedNum)
    gather(den, this.rows, node.start, m, orderedDen)
    let s = 0
    if (k === 1) {
      for (; s + 3 < nSlots; s += 4) {
        buildHistogramRows4(
          bins,
          features[s] * n,
          features[s + 1] * n,
          features[s + 2] * n,
          features[s + 3] * n,
          this.rows,
          node.start,
          m,
          orderedNum,
          orderedDen,
          sums,
          s * width * stride,
          counts,
          s * width,
          width,
        )
      }
    }
    for (; s < nSlots; s++) {
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

  /**
   * Histograms through the wasm kernels: every array below is a view into the kernels' memory.
   * Gradients and row ids are gathered once per node; k = 1 (boosting, regression forests) uses the
   * multi-feature pair kernels, k > 1 (classification forests) one class-count kernel per feature.
   */
  private buildFeaturesWasm(
    wasm: WasmKernels,
    node: OpenNode,
    root: boolean,
    features: Int32Array,
    nSlots: number,
    sums: Float64Array,
    counts: Uint32Array,
  ): void {
    const m = node.end - node.start
    const n = this.n
    const k = this.k
    const width = this.width
    if (this.halves && m >= this.halfRows && nSlots === this.p) {
      this.buildHalves(this.halves, node, root, sums, counts)
      return
    }
    const binsAt = this.bins.byteOffset
    const rowsAt = this.rows.byteOffset + 4 * node.start
    if (this.packedTree) {
      let packedAt = this.packed.byteOffset
      if (!root) {
        wasm.gather(packedAt, rowsAt, m, this.orderedNum.byteOffset)
        packedAt = this.orderedNum.byteOffset
      }
      runQuantizedKernels(
        wasm,
        root,
        binsAt,
        n,
        this.p,
        rowsAt,
        m,
        packedAt,
        sums.byteOffset,
        this.kernelArgs,
      )
      return
    }
    let numAt = this.wasmNum.byteOffset
    let denAt = this.wasmDen.byteOffset
    if (!root) {
      if (k === 1) wasm.gather(numAt, rowsAt, m, this.orderedNum.byteOffset)
      else gatherK(this.wasmNum, this.rows, node.start, m, k, this.orderedNum)
      wasm.gather(denAt, rowsAt, m, this.orderedDen.byteOffset)
      numAt = this.orderedNum.byteOffset
      denAt = this.orderedDen.byteOffset
    }
    if (k > 1) {
      const stride = this.stride
      for (let s = 0; s < nSlots; s++) {
        wasm.histogramK(
          binsAt + features[s] * n,
          rowsAt,
          m,
          numAt,
          denAt,
          sums.byteOffset + 8 * s * width * stride,
          counts.byteOffset + 4 * s * width,
          k,
        )
      }
      return
    }
    const kernels = histogramKernels(wasm, root, width)
    // Up to eight features per pass: row ids and gradient pairs are loaded once per pass.
    for (let s = 0; s < nSlots; ) {
      const nf = Math.min(MAX_FEATURES_PER_PASS, nSlots - s)
      const args = this.kernelArgs
      for (let q = 0; q < nf; q++) args[q] = binsAt + features[s + q] * n
      args[nf] = rowsAt
      args[nf + 1] = m
      args[nf + 2] = numAt
      args[nf + 3] = denAt
      args[nf + 4] = sums.byteOffset + 16 * s * width
      args[nf + 5] = counts.byteOffset + 4 * s * width
      args[nf + 6] = width
      callKernel(kernels[nf], args, nf + 7)
      s += nf
    }
  }

  /**
   * A full histogram as two halves of the node's rows by position (the first ⌊m/2⌋, then the rest):
   * the first into the node's slot, the second into the half slot, then added to the first.
   */
  private buildHalves(
    halves: HistogramHalves,
    node: OpenNode,
    root: boolean,
    sums: Float64Array,
    counts: Uint32Array,
  ): void {
    const m = node.end - node.start
    const mFirst = m >>> 1
    const halfSums = this.poolSums[this.halfSlot]
    const halfCounts = this.poolCounts[this.halfSlot]
    halfSums.fill(0)
    halfCounts.fill(0)
    const jobs = [halves.first, halves.second]
    for (let part = 0; part < 2; part++) {
      const job = jobs[part]
      const offset = part === 0 ? 0 : mFirst
      job[JOB.op] = JOB_HISTOGRAM
      job[JOB.quantized] = this.packedTree ? 1 : 0
      job[JOB.root] = root ? 1 : 0
      job[JOB.n] = this.n
      job[JOB.nFeatures] = this.p
      job[JOB.rows] = this.rows.byteOffset + 4 * (node.start + offset)
      job[JOB.m] = part === 0 ? mFirst : m - mFirst
      // The root reads bins and gradients at row positions; other nodes gather them through row ids.
      job[JOB.bins] = this.bins.byteOffset + (root ? offset : 0)
      job[JOB.num] = (this.packedTree ? this.packed : this.wasmNum).byteOffset + (root ? 4 * offset : 0)
      job[JOB.den] = this.wasmDen.byteOffset + (root ? 4 * offset : 0)
      job[JOB.orderedNum] = this.orderedNum.byteOffset + 4 * offset
      job[JOB.orderedDen] = this.orderedDen.byteOffset + 4 * offset
      job[JOB.sums] = (part === 0 ? sums : halfSums).byteOffset
      job[JOB.counts] = (part === 0 ? counts : halfCounts).byteOffset
      job[JOB.width] = this.width
    }
    halves.run()
    if (this.packedTree) {
      addInts(this.poolInts[node.slot], this.poolInts[this.halfSlot])
      return
    }
    addInPlace(sums, halfSums, this.histSize)
    addCountsInPlace(counts, halfCounts, this.p * this.width)
  }

  /**
   * The stable partition of a large node's rows in two halves by position, the second on the thread:
   * each half leaves its left ids in place and its right ids in `scratch` at the same positions, then
   * the left ids of the second half move up behind the first's, and both right parts follow.
   */
  private partitionInHalves(
    halves: HistogramHalves,
    start: number,
    m: number,
    column: number,
    goLeft: Uint8Array,
  ): number {
    const mFirst = m >>> 1
    const J = PARTITION_JOB
    const jobs = [halves.first, halves.second]
    for (let part = 0; part < 2; part++) {
      const job = jobs[part]
      const from = start + (part === 0 ? 0 : mFirst)
      job[JOB.op] = JOB_PARTITION
      job[J.rows] = this.rows.byteOffset + 4 * from
      job[J.m] = part === 0 ? mFirst : m - mFirst
      job[J.column] = this.bins.byteOffset + column
      job[J.lut] = goLeft.byteOffset
      job[J.scratch] = this.scratch.byteOffset + 4 * from
    }
    halves.run()
    const left1 = halves.first[J.left]
    const left2 = halves.secondResult(J.left)
    const rows = this.rows
    const scratch = this.scratch
    const second = start + mFirst
    rows.copyWithin(start + left1, second, second + left2)
    const right1 = mFirst - left1
    rows.set(scratch.subarray(start, start + right1), start + left1 + left2)
    rows.set(scratch.subarray(second, second + (m - mFirst - left2)), start + left1 + left2 + right1)
    return left1 + left2
  }

  /** Draws the features a split may use into `sampledFeatures` (all, in order, without subsampling). */
  private drawFeatures(rng: Rng | null): number {
    const p = this.p
    const features = this.sampledFeatures
    for (let f = 0; f < p; f++) features[f] = f
    if (this.subtraction) return p
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
    return take
  }

  /**
   * Draws the next feature after the first `drawn` ones (one more Fisher–Yates step over the
   * undrawn rest of `sampledFeatures`) and returns it.
   */
  private drawOneMore(rng: Rng | null, drawn: number): number {
    const features = this.sampledFeatures
    const j = rng ? drawn + rng.nextInt(this.p - drawn) : drawn
    const f = features[j]
    features[j] = features[drawn]
    features[drawn] = f
    return f
  }

  /**
   * Forest strategy: draw features, build their histograms from the node's rows, find the best split
   * (with splitUntilPure, drawing one more feature at a time while none can split).
   */
  private evaluateSampled(
    node: OpenNode,
    num: Float32Array,
    den: Float32Array,
    rng: Rng | null,
  ): Split | null {
    if (this.isPure(node)) return null
    const features = this.sampledFeatures
    const take = this.drawFeatures(rng)
    const size = take * this.width
    this.sampleSums.fill(0, 0, size * this.stride)
    this.sampleCounts.fill(0, 0, size)
    this.buildFeatures(node, num, den, false, features, take, this.sampleSums, this.sampleCounts)
    let split = this.splitFromHistograms(node, this.sampleSums, this.sampleCounts, features, take)
    if (!this.params.splitUntilPure) return split
    const extra = this.extraFeature
    for (let drawn = take; !split && drawn < this.p; drawn++) {
      extra[0] = this.drawOneMore(rng, drawn)
      this.sampleSums.fill(0, 0, this.width * this.stride)
      this.sampleCounts.fill(0, 0, this.width)
      this.buildFeatures(node, num, den, false, extra, 1, this.sampleSums, this.sampleCounts)
      split = this.splitFromHistograms(node, this.sampleSums, this.sampleCounts, extra, 1)
    }
    return split
  }

  /**
   * Split search for a small node: per numeric feature, sort the node's rows by bin and scan the
   * distinct bins only (the same candidates, thresholds and tie rule as the histogram scan);
   * categorical features get a one-feature histogram. Left totals are summed over the rows.
   */
  private evaluateSmall(node: OpenNode, num: Float32Array, den: Float32Array, rng: Rng | null): Split | null {
    if (this.isPure(node)) return null
    const features = this.sampledFeatures
    const take = this.drawFeatures(rng)
    const m = node.count
    const k = this.k
    const orderedNum = this.orderedNum
    const orderedDen = this.orderedDen
    if (k === 1) gather(num, this.rows, node.start, m, orderedNum)
    else gatherK(num, this.rows, node.start, m, k, orderedNum)
    gather(den, this.rows, node.start, m, orderedDen)
    const best = this.best
    best.reset()
    const parentScore = this.score(node.num, node.den)
    const bins = this.bins
    for (let s = 0; s < take; s++) this.scanSmallFeature(node, features[s], m, parentScore)
    if (this.params.splitUntilPure) {
      for (let drawn = take; best.feature < 0 && drawn < this.p; drawn++)
        this.scanSmallFeature(node, this.drawOneMore(rng, drawn), m, parentScore)
    }
    // Every numeric feature's sorted rows are now stored (subtraction: all features were scanned).
    if (this.sortedRows) node.sorted = true
    if (best.feature < 0) return null
    // Routing table and left totals straight from the rows.
    const bits = this.bestBits()
    const goLeft = this.routing(bits, best.binThreshold, best.defaultLeft)
    const base = best.feature * this.n
    const leftNum = new Float64Array(k)
    let leftDen = 0
    let leftCount = 0
    for (let i = 0; i < m; i++) {
      if (goLeft[bins[base + this.rows[node.start + i]]] === 0) continue
      for (let c = 0; c < k; c++) leftNum[c] += orderedNum[i * k + c]
      leftDen += orderedDen[i]
      leftCount++
    }
    return {
      gain: best.gain,
      feature: best.feature,
      categorical: best.categorical,
      binThreshold: best.binThreshold,
      defaultLeft: best.defaultLeft,
      bits,
      leftCount,
      leftNum,
      leftDen,
    }
  }

  /** Scans one feature of a small node (positions gathered into orderedNum/orderedDen). */
  private scanSmallFeature(node: OpenNode, f: number, m: number, parentScore: number): void {
    const k = this.k
    const bins = this.bins
    const sums = this.smallSums
    const counts = this.smallCounts
    const stride = this.stride
    const missingBin = this.mapper.missingBin
    const orderedNum = this.orderedNum
    const orderedDen = this.orderedDen
    const base = f * this.n
    if (this.mapper.isCategorical[f]) {
      const nb = this.mapper.nBins[f]
      sums.fill(0, 0, nb * stride)
      counts.fill(0, 0, nb)
      sums.fill(0, missingBin * stride, (missingBin + 1) * stride)
      counts[missingBin] = 0
      if (k === 1) {
        buildHistogramRows1(bins, base, this.rows, node.start, m, orderedNum, orderedDen, sums, 0, counts, 0)
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
          0,
          counts,
          0,
        )
      }
      this.scanCategorical(node, sums, counts, 0, f, parentScore)
      return
    }
    if (this.sortedRows) {
      this.scanPresorted(this.sortedRows, node, f, m, parentScore)
      return
    }
    this.sortByBin(base, node.start, m)
    this.scanSorted(node, f, m, parentScore)
  }

  /**
   * Numeric scan of a small node from its rows sorted by bin: sorted and stored on the node's first
   * scan, or inherited from its parent's sorted rows by {@link partitionSorted}. Either way the order is
   * by bin, then row position, exactly as {@link sortByBin} gives, so the scan is the same.
   */
  private scanPresorted(
    sortedRows: Uint32Array,
    node: OpenNode,
    f: number,
    m: number,
    parentScore: number,
  ): void {
    const n = this.n
    const base = f * n
    const at = base + node.start
    if (!node.sorted) {
      this.sortByBin(base, node.start, m)
      const order = this.smallOrder
      const rows = this.rows
      const start = node.start
      for (let j = 0; j < m; j++) sortedRows[at + j] = rows[start + order[j]]
    }
    const bins = this.bins
    const num = this.treeNum
    const den = this.treeDen
    const sortedBin = this.sortedBin
    const sortedNum = this.sortedNum
    const sortedDen = this.sortedDen
    for (let j = 0; j < m; j++) {
      const r = sortedRows[at + j]
      sortedBin[j] = bins[base + r]
      sortedNum[j] = num[r]
      sortedDen[j] = den[r]
    }
    scanSorted1(
      sortedBin,
      sortedNum,
      sortedDen,
      m,
      this.mapper.nBins[f],
      this.mapper.missingBin,
      this.binned.hasMissing[f] === 1,
      node,
      this.params,
      parentScore,
      this.minGain(parentScore),
      this.best,
      f,
    )
  }

  /**
   * Splits a sorted node's per-feature sorted rows into its children's ranges (left rows first), each
   * list stably, so every child's lists stay sorted by bin, then row position.
   */
  private partitionSorted(
    sortedRows: Uint32Array,
    node: OpenNode,
    splitFeature: number,
    goLeft: Uint8Array,
  ): void {
    const n = this.n
    const m = node.end - node.start
    const bins = this.bins
    const splitBase = splitFeature * n
    const tmp = this.sortedTmp
    const isCategorical = this.mapper.isCategorical
    for (let f = 0; f < this.p; f++) {
      if (isCategorical[f]) continue
      const at = f * n + node.start
      let l = at
      let r = 0
      for (let j = at; j < at + m; j++) {
        const row = sortedRows[j]
        if (goLeft[bins[splitBase + row]] === 1) sortedRows[l++] = row
        else tmp[r++] = row
      }
      for (let j = 0; j < r; j++) sortedRows[l + j] = tmp[j]
    }
  }

  /**
   * Stable LSD radix sort (two 4-bit passes) of the node's positions 0..m-1 by bin: `smallBins[i]` is
   * the bin of position i, `smallOrder` the positions in bin order (row order within a bin).
   */
  private sortByBin(base: number, start: number, m: number): void {
    const bins = this.bins
    const rows = this.rows
    const binOf = this.smallBins
    const tmp = this.smallTmp
    const order = this.smallOrder
    const bucket = this.bucket
    let any = 0
    for (let i = 0; i < m; i++) {
      const b = bins[base + rows[start + i]]
      binOf[i] = b
      any |= b
    }
    bucket.fill(0)
    if (any < 16) {
      // Every bin fits the low 4 bits: one pass sorts.
      for (let i = 0; i < m; i++) bucket[binOf[i] + 1]++
      for (let d = 1; d < 17; d++) bucket[d] += bucket[d - 1]
      for (let i = 0; i < m; i++) order[bucket[binOf[i]]++] = i
      return
    }
    for (let i = 0; i < m; i++) bucket[(binOf[i] & 15) + 1]++
    for (let d = 1; d < 17; d++) bucket[d] += bucket[d - 1]
    for (let i = 0; i < m; i++) tmp[bucket[binOf[i] & 15]++] = i
    bucket.fill(0)
    for (let i = 0; i < m; i++) bucket[(binOf[i] >>> 4) + 1]++
    for (let d = 1; d < 17; d++) bucket[d] += bucket[d - 1]
    for (let j = 0; j < m; j++) {
      const i = tmp[j]
      order[bucket[binOf[i] >>> 4]++] = i
    }
  }

  /** Numeric scan over the positions `smallOrder[0 .. m)` sorted by bin: both directions, as scanNumeric. */
  private scanSorted(node: OpenNode, f: number, m: number, parentScore: number): void {
    const { minSamplesLeaf, minHessian } = this.params
    const k = this.k
    const best = this.best
    const order = this.smallOrder
    const binOf = this.smallBins
    const orderedNum = this.orderedNum
    const orderedDen = this.orderedDen
    const nb = this.mapper.nBins[f]
    const missingBin = this.mapper.missingBin
    const hasMissing = this.binned.hasMissing[f] === 1
    if (k === 1) {
      // The node's bins and values in sorted order, so the scan reads them in sequence.
      const sortedBin = this.sortedBin
      const sortedNum = this.sortedNum
      const sortedDen = this.sortedDen
      for (let j = 0; j < m; j++) {
        const q = order[j]
        sortedBin[j] = binOf[q]
        sortedNum[j] = orderedNum[q]
        sortedDen[j] = orderedDen[q]
      }
      scanSorted1(
        sortedBin,
        sortedNum,
        sortedDen,
        m,
        nb,
        missingBin,
        hasMissing,
        node,
        this.params,
        parentScore,
        this.minGain(parentScore),
        best,
        f,
      )
      return
    }
    const acc = this.accNum
    const other = this.accNum2
    const minGain = this.minGain(parentScore)
    // Positions with a non-missing bin are order[0 .. end).
    let end = m
    while (end > 0 && binOf[order[end - 1]] === missingBin) end--
    const last = nb - 2 + (hasMissing ? 1 : 0)
    acc.fill(0)
    let accDen = 0
    let accCount = 0
    let i = 0
    while (i < end) {
      const b = binOf[order[i]]
      if (b > last) break
      // Add the whole group of bin b (positions ascending, i.e. row order).
      while (i < end && binOf[order[i]] === b) {
        const q = order[i]
        for (let c = 0; c < k; c++) acc[c] += orderedNum[q * k + c]
        accDen += orderedDen[q]
        accCount++
        i++
      }
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
    acc.fill(0)
    accDen = 0
    accCount = 0
    i = end - 1
    while (i >= 0) {
      const b = binOf[order[i]]
      if (b < 1) break
      // Within a bin the group is added from its last row to its first: fine, only the totals matter
      // for the gain, and left/right totals of the chosen split are re-summed in row order.
      while (i >= 0 && binOf[order[i]] === b) {
        const q = order[i]
        for (let c = 0; c < k; c++) acc[c] += orderedNum[q * k + c]
        accDen += orderedDen[q]
        accCount++
        i--
      }
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

  /** Fills the shared routing table (per bin, 1 = left) of a categorical or numeric split. */
  private routing(bits: Uint32Array | null, binThreshold: number, defaultLeft: boolean): Uint8Array {
    const goLeft = this.goLeft
    if (bits) {
      for (let b = 0; b < this.width; b++) goLeft[b] = (bits[b >>> 5] >>> (b & 31)) & 1
    } else {
      goLeft.fill(1, 0, binThreshold + 1)
      goLeft.fill(0, binThreshold + 1)
    }
    goLeft[this.mapper.missingBin] = defaultLeft ? 1 : 0
    return goLeft
  }

  private bestBits(): Uint32Array | null {
    return this.best.categorical ? this.best.bits.slice() : null
  }

  /** A gain must exceed this (relative to the parent's score, against rounding); −∞ with splitUntilPure. */
  private minGain(parentScore: number): number {
    return this.params.splitUntilPure ? Number.NEGATIVE_INFINITY : 1e-12 * Math.abs(parentScore)
  }

  /**
   * Whether a node is pure (splitUntilPure only): one class with weight, or all targets equal (to a
   * relative 1e-6, as numerators are f32 count·y).
   */
  private isPure(node: OpenNode): boolean {
    if (!this.params.splitUntilPure) return false
    const k = this.k
    if (k > 1) {
      let classes = 0
      for (let c = 0; c < k; c++) if (node.num[c] > 0) classes++
      return classes <= 1
    }
    const num = this.treeNum
    const den = this.treeDen
    const rows = this.rows
    const first = rows[node.start]
    const y0 = num[first] / den[first]
    const tolerance = 1e-6 * Math.abs(y0)
    for (let i = node.start + 1; i < node.end; i++) {
      const r = rows[i]
      if (Math.abs(num[r] / den[r] - y0) > tolerance) return false
    }
    return true
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
    return this.isPure(node) ? null : this.splitFromHistograms(node, sums, counts, features, nSlots)
  }

  private splitFromHistograms(
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
    if (k === 1) {
      scanBins1(
        sums,
        counts,
        sumBase,
        countBase,
        nb,
        hasMissing,
        node,
        this.params,
        parentScore,
        this.minGain(parentScore),
        best,
        f,
      )
      return
    }
    const acc = this.accNum
    const other = this.accNum2
    const minGain = this.minGain(parentScore)
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
    const supportFactor = node.den > 0 ? node.count / node.den : 0
    const minSupport = this.params.minCategorySupport ?? MIN_CATEGORY_SUPPORT
    const smoothing = this.params.categorySmoothing ?? MIN_CATEGORY_SUPPORT
    let used = 0
    for (let i = 0; i <= nb; i++) {
      const b = i === nb ? missingBin : i
      if (i === nb && !hasMissing) break
      const j = sumBase + b * stride
      // sklearn's support: the bin's hessian scaled to a row count (= its count for constant hessians).
      if (sums[j + k] * supportFactor < minSupport || counts[countBase + b] === 0) continue
      bins[used] = b
      values[used] = sums[j + channel] / (sums[j + k] + smoothing)
      used++
    }
    if (used <= 1) return
    const order = this.catOrder
    for (let i = 0; i < used; i++) order[i] = i
    order.subarray(0, used).sort((a, b) => values[a] - values[b] || bins[a] - bins[b])
    const acc = this.accNum
    const other = this.accNum2
    const minGain = this.minGain(parentScore)
    const middle = (used + 1) >> 1
    for (let direction = 0; direction < 2; direction++) {
      acc.fill(0)
      let accDen = 0
      let accCount = 0
      const steps = direction === 0 ? middle : middle - 1
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
    if (!this.params.categoryOneVsRest || k === 1 || used <= 2) return
    // Each category alone on the left, in sorted order (for k > 1 the sort by one class's share can
    // miss these; one-hot encoded trees have them all).
    for (let i = 0; i < used; i++) {
      const b = bins[order[i]]
      const j = sumBase + b * stride
      const leftCount = counts[countBase + b]
      const rightCount = node.count - leftCount
      if (leftCount < minSamplesLeaf || rightCount < minSamplesLeaf) continue
      const leftDen = sums[j + k]
      const rightDen = node.den - leftDen
      if (leftDen < minHessian || rightDen < minHessian) continue
      for (let c = 0; c < k; c++) {
        acc[c] = sums[j + c]
        other[c] = node.num[c] - acc[c]
      }
      const gain = this.score(acc, leftDen) + this.score(other, rightDen) - parentScore
      if (gain > best.gain && gain > minGain) {
        best.gain = gain
        best.feature = f
        best.categorical = true
        best.bits.fill(0)
        best.bits[b >>> 5] |= 1 << (b & 31)
        best.defaultLeft = hasMissing ? b === missingBin : leftCount > rightCount
      }
    }
  }

  /** Turns the best candidate into a Split with its routing table and exact left totals. */
  private materialise(sums: Float64Array, counts: Uint32Array, features: Int32Array, nSlots: number): Split {
    const best = this.best
    const width = this.width
    const stride = this.stride
    const k = this.k
    const bits = this.bestBits()
    const goLeft = this.routing(bits, best.binThreshold, best.defaultLeft)
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
      bits,
      leftCount,
      leftNum,
      leftDen,
    }
  }

  /** Partitions the node's rows, records the split in the tree, returns the two children. */
  private applySplit(node: OpenNode, split: Split, buffer: NodeBuffer): [OpenNode, OpenNode] {
    const f = split.feature
    const goLeft = this.routing(split.bits, split.binThreshold, split.defaultLeft)
    const m = node.end - node.start
    const nLeft =
      this.halves && m >= this.halfRows
        ? this.partitionInHalves(this.halves, node.start, m, f * this.n, goLeft)
        : this.wasm
          ? this.wasm.partition(
              this.rows.byteOffset + 4 * node.start,
              node.end - node.start,
              this.bins.byteOffset + f * this.n,
              goLeft.byteOffset,
              this.scratch.byteOffset,
            )
          : partitionRows(this.rows, node.start, node.end, this.bins, f * this.n, goLeft, this.scratch)
    if (nLeft !== split.leftCount)
      throw new Error(`Tree learner: partition gave ${nLeft} rows, histogram ${split.leftCount}`)
    const sorted = node.sorted && this.sortedRows !== null
    if (sorted) this.partitionSorted(this.sortedRows as Uint32Array, node, f, goLeft)
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
    // A split that gains nothing (splitUntilPure) may compute a gain a rounding error below 0.
    buffer.gain[id] = Math.max(0, split.gain)
    buffer.defaultLeft[id] = split.defaultLeft ? 1 : 0
    if (split.bits) {
      const bits = split.bits.slice()
      // The missing bin is expressed by defaultLeft, not as a category.
      const missingBin = this.mapper.missingBin
      bits[missingBin >>> 5] &= ~(1 << (missingBin & 31))
      buffer.setCategories(id, bits)
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
      sorted,
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
      sorted,
    }
    return [left, right]
  }
}

/** `score` for one numerator: N²/(D + λ), 0 when the denominator is not positive (the same rounding). */
function score1(num: number, den: number, l2: number): number {
  const denominator = den + l2
  return denominator > 0 ? (num * num) / denominator : 0
}

/**
 * `scanNumeric` for one numerator (boosting, regression forests) in scalars: the same candidates, the
 * same arithmetic in the same order, so the same split (k = 1 needs no per-class loops or arrays).
 */
function scanBins1(
  sums: Float64Array,
  counts: Uint32Array,
  sumBase: number,
  countBase: number,
  nb: number,
  hasMissing: boolean,
  node: OpenNode,
  params: LearnerParams,
  parentScore: number,
  minGain: number,
  best: BestSplit,
  f: number,
): void {
  const minSamplesLeaf = params.minSamplesLeaf
  const minHessian = params.minHessian
  const l2 = params.l2
  const nodeCount = node.count
  const nodeNum = node.num[0]
  const nodeDen = node.den
  // Left to right, missing values going right (this includes "all non-missing | missing").
  let acc = 0
  let accDen = 0
  let accCount = 0
  const last = nb - 2 + (hasMissing ? 1 : 0)
  for (let b = 0; b <= last; b++) {
    const j = sumBase + 2 * b
    acc += sums[j]
    accDen += sums[j + 1]
    accCount += counts[countBase + b]
    const rightCount = nodeCount - accCount
    if (accCount < minSamplesLeaf) continue
    if (rightCount < minSamplesLeaf) break
    const rightDen = nodeDen - accDen
    if (accDen < minHessian) continue
    if (rightDen < minHessian) break
    const gain = score1(acc, accDen, l2) + score1(nodeNum - acc, rightDen, l2) - parentScore
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
  acc = 0
  accDen = 0
  accCount = 0
  for (let b = nb - 1; b >= 1; b--) {
    const j = sumBase + 2 * b
    acc += sums[j]
    accDen += sums[j + 1]
    accCount += counts[countBase + b]
    const leftCount = nodeCount - accCount
    if (accCount < minSamplesLeaf) continue
    if (leftCount < minSamplesLeaf) break
    const leftDen = nodeDen - accDen
    if (accDen < minHessian) continue
    if (leftDen < minHessian) break
    const gain = score1(acc, accDen, l2) + score1(nodeNum - acc, leftDen, l2) - parentScore
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
 * `scanSorted` for one numerator, in scalars, over the node's bins and values already in bin order
 * (the same candidates and additions in the same order, see scanBins1).
 */
function scanSorted1(
  sortedBin: Uint8Array,
  sortedNum: Float32Array,
  sortedDen: Float32Array,
  m: number,
  nb: number,
  missingBin: number,
  hasMissing: boolean,
  node: OpenNode,
  params: LearnerParams,
  parentScore: number,
  minGain: number,
  best: BestSplit,
  f: number,
): void {
  const minSamplesLeaf = params.minSamplesLeaf
  const minHessian = params.minHessian
  const l2 = params.l2
  const nodeCount = node.count
  const nodeNum = node.num[0]
  const nodeDen = node.den
  // Positions with a non-missing bin are 0 .. end.
  let end = m
  while (end > 0 && sortedBin[end - 1] === missingBin) end--
  const last = nb - 2 + (hasMissing ? 1 : 0)
  let acc = 0
  let accDen = 0
  let accCount = 0
  let i = 0
  while (i < end) {
    const b = sortedBin[i]
    if (b > last) break
    // Add the whole group of bin b (in row order).
    while (i < end && sortedBin[i] === b) {
      acc += sortedNum[i]
      accDen += sortedDen[i]
      accCount++
      i++
    }
    const rightCount = nodeCount - accCount
    if (accCount < minSamplesLeaf) continue
    if (rightCount < minSamplesLeaf) break
    const rightDen = nodeDen - accDen
    if (accDen < minHessian) continue
    if (rightDen < minHessian) break
    const gain = score1(acc, accDen, l2) + score1(nodeNum - acc, rightDen, l2) - parentScore
    if (gain > best.gain && gain > minGain) {
      best.gain = gain
      best.feature = f
      best.categorical = false
      best.binThreshold = b
      best.defaultLeft = hasMissing ? false : accCount > rightCount
    }
  }
  if (!hasMissing) return
  acc = 0
  accDen = 0
  accCount = 0
  i = end - 1
  while (i >= 0) {
    const b = sortedBin[i]
    if (b < 1) break
    while (i >= 0 && sortedBin[i] === b) {
      acc += sortedNum[i]
      accDen += sortedDen[i]
      accCount++
      i--
    }
    const leftCount = nodeCount - accCount
    if (accCount < minSamplesLeaf) continue
    if (leftCount < minSamplesLeaf) break
    const leftDen = nodeDen - accDen
    if (accDen < minHessian) continue
    if (leftDen < minHessian) break
    const gain = score1(acc, accDen, l2) + score1(nodeNum - acc, leftDen, l2) - parentScore
    if (gain > best.gain && gain > minGain) {
      best.gain = gain
      best.feature = f
      best.categorical = false
      best.binThreshold = b - 1
      best.defaultLeft = true
    }
  }
}

/** Raw thresholds per feature: the upper edge of each bin; the last non-missing bin has none (+Infinity). */
function rawThresholds(mapper: BinMapper): Float64Array[] {
  return mapper.edges.map((edges) => {
    const t = new Float64Array(edges.length + 1)
    t.set(edges)
    t[edges.length] = Number.POSITIVE_INFINITY
    return t
  })
}

/** a −= b over i32 lanes (wrapping, so exact whenever the result fits). */
function subtractInts(a: Int32Array, b: Int32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - b[i]) | 0
}

/** a += b over i32 lanes. */
function addInts(a: Int32Array, b: Int32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] + b[i]) | 0
}
