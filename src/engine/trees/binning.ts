/**
 * Quantile binning of a FeatureMatrix into ≤ 255 bins per feature, computed once per fit, after
 * scikit-learn's `_BinMapper` (binning.py): edges come from a seeded subsample of 200k rows, a feature
 * with few distinct values gets one bin per value (edges at midpoints), missing values get their own
 * bin, and categorical codes 0..k-1 map to bins 0..k-1.
 *
 * Bin i of a numeric feature holds edges[i-1] < x ≤ edges[i], so "bin ≤ b" and "x ≤ edges[b]" agree
 * exactly; that is what lets the trees predict on raw floats with the same result as on bins.
 */
import type { Rng } from '../../domain/random.ts'
import type { FeatureMatrix } from '../frame.ts'

/** sklearn and LightGBM clip edges here so that ±Infinity values still land in the outer bins. */
const ALMOST_INF = 1e300

/** The per-feature bin edges learned from training data. */
export interface BinMapper {
  /** Number of non-missing bins per feature (≥ 1); the missing bin is `missingBin` for every feature. */
  nBins: Int32Array
  /** Index of the missing-value bin (= maxBins), shared by all features. */
  missingBin: number
  /** Histogram width per feature: maxBins + 1. */
  histWidth: number
  /** Upper edges per numeric feature (length nBins − 1); empty for categorical features. */
  edges: Float64Array[]
  /** 1 where the feature is split natively as a categorical (codes 0..k-1). */
  isCategorical: Uint8Array
  /** Number of levels per categorical feature, 0 for numeric ones. */
  categoricalLevels: Int32Array
}

/** Binned training rows: column-major bytes, `bins[f * nRows + i]`. */
export interface BinnedMatrix {
  nRows: number
  nFeatures: number
  bins: Uint8Array
  /** 1 where the feature had at least one missing value in these rows. */
  hasMissing: Uint8Array
  /**
   * When set, `bins` is the view at byte 0 of this (non-shared) wasm memory, and a tree learner takes the
   * memory over as its kernels' memory instead of copying the bins into a fresh one (a large fit holds the
   * bytes once). Growing the memory detaches `bins`: read the rows through the learner after that.
   */
  memory?: WebAssembly.Memory
}

/**
 * Learns bin edges from `X` (missing = NaN). Categorical features with more levels than `maxBins`
 * are binned as ordinal numbers instead.
 */
export function fitBinMapper(
  X: FeatureMatrix,
  rng: Rng,
  maxBins = 255,
  subsample = 200_000,
  /** Restrict to these rows (e.g. the training part); all rows when absent. */
  rows: Uint32Array | null = null,
): BinMapper {
  if (!(maxBins >= 2 && maxBins <= 255 && Number.isInteger(maxBins))) {
    throw new Error(`Param 'max_bins' must be an integer in 2..255, got ${maxBins}`)
  }
  const n = rows ? rows.length : X.nRows
  const p = X.columns.length
  let sample: Uint32Array | null = rows
  if (n > subsample) {
    // Partial Fisher–Yates: the first `subsample` slots become a uniform sample without replacement.
    const all = new Uint32Array(n)
    for (let i = 0; i < n; i++) all[i] = rows ? rows[i] : i
    for (let i = 0; i < subsample; i++) {
      const j = i + rng.nextInt(n - i)
      const t = all[i]
      all[i] = all[j]
      all[j] = t
    }
    sample = all.slice(0, subsample).sort()
  }
  const nBins = new Int32Array(p)
  const edges: Float64Array[] = []
  const isCategorical = new Uint8Array(p)
  const categoricalLevels = new Int32Array(p)
  for (let f = 0; f < p; f++) {
    const column = X.columns[f]
    const levels = X.categoricalLevels[f] ?? 0
    if (levels > 0 && levels <= maxBins) {
      isCategorical[f] = 1
      categoricalLevels[f] = levels
      nBins[f] = levels
      edges.push(new Float64Array(0))
      continue
    }
    const values = collectFinite(column, sample)
    const featureEdges = findEdges(values, maxBins)
    edges.push(featureEdges)
    nBins[f] = featureEdges.length + 1
  }
  return { nBins, missingBin: maxBins, histWidth: maxBins + 1, edges, isCategorical, categoricalLevels }
}

function collectFinite(column: Float64Array, sample: Uint32Array | null): Float64Array {
  const m = sample ? sample.length : column.length
  const out = new Float64Array(m)
  let k = 0
  for (let i = 0; i < m; i++) {
    const v = sample ? column[sample[i]] : column[i]
    if (!Number.isNaN(v)) out[k++] = v
  }
  return out.subarray(0, k).sort()
}

/** Edges of one numeric feature from its sorted non-missing values (sklearn `_find_binning_thresholds`). */
export function findEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length
  if (m === 0) return new Float64Array(0)
  let distinct = 1
  for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) distinct++
  let out: Float64Array
  if (distinct <= maxBins) {
    out = new Float64Array(distinct - 1)
    let k = 0
    for (let i = 1; i < m; i++) {
      if (sorted[i] !== sorted[i - 1]) out[k++] = (sorted[i - 1] + sorted[i]) * 0.5
    }
  } else {
    // numpy.percentile(..., method='midpoint') at maxBins − 1 evenly spaced interior percentiles.
    out = new Float64Array(maxBins - 1)
    for (let q = 1; q < maxBins; q++) {
      const position = ((q * 100) / maxBins / 100) * (m - 1)
      const lo = Math.floor(position)
      const hi = Math.ceil(position)
      out[q - 1] = (sorted[lo] + sorted[hi]) * 0.5
    }
  }
  for (let i = 0; i < out.length; i++) if (out[i] > ALMOST_INF) out[i] = ALMOST_INF
  return out
}

/**
 * Maps `X` (or its rows `rows`, in that order) to bins with a learned mapper; unknown or out-of-range
 * category codes count as missing.
 */
export function binMatrix(
  mapper: BinMapper,
  X: FeatureMatrix,
  rows: Uint32Array | null = null,
): BinnedMatrix {
  const n = rows ? rows.length : X.nRows
  const p = X.columns.length
  if (p !== mapper.nBins.length)
    throw new Error(`binMatrix: expected ${mapper.nBins.length} features, got ${p}`)
  const bins = new Uint8Array(n * p)
  const hasMissing = new Uint8Array(p)
  for (let f = 0; f < p; f++) {
    const out = bins.subarray(f * n, (f + 1) * n)
    const missing = mapper.isCategorical[f]
      ? binCategorical(X.columns[f], rows, mapper.categoricalLevels[f], mapper.missingBin, out)
      : binNumeric(X.columns[f], rows, mapper.edges[f], mapper.missingBin, out)
    hasMissing[f] = missing ? 1 : 0
  }
  return { nRows: n, nFeatures: p, bins, hasMissing }
}

function binNumeric(
  column: Float64Array,
  rows: Uint32Array | null,
  edges: Float64Array,
  missingBin: number,
  out: Uint8Array,
): boolean {
  const n = out.length
  const m = edges.length
  let missing = false
  for (let i = 0; i < n; i++) {
    const x = rows ? column[rows[i]] : column[i]
    if (Number.isNaN(x)) {
      out[i] = missingBin
      missing = true
      continue
    }
    // Number of edges strictly below x (numpy searchsorted side='left').
    let lo = 0
    let hi = m
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (edges[mid] < x) lo = mid + 1
      else hi = mid
    }
    out[i] = lo
  }
  return missing
}

/**
 * Bins the same table many times, each time with edges learned from a subset of its rows (a forest
 * tree's in-bag rows), as `fitBinMapper(X, rng, maxBins, n, rows)` then `binMatrix(mapper, X)` would,
 * but without sorting or searching per subset: each numeric column's non-missing rows are sorted once
 * (stably, −0 before +0, as a Float64Array sort), so a subset's sorted values and their bins come out
 * of one linear walk. Categorical and missing bins never change and are written once. Bins of rows
 * outside the subset are left stale: only the subset's rows may be read.
 */
export class SubsetBinner {
  private readonly order: (Uint32Array | null)[]
  private readonly values: Float64Array
  private readonly bins: Uint8Array
  private readonly hasMissing = new Uint8Array(0)

  constructor(
    private readonly X: FeatureMatrix,
    private readonly maxBins: number,
  ) {
    const n = X.nRows
    const p = X.columns.length
    this.values = new Float64Array(n)
    this.bins = new Uint8Array(n * p)
    this.hasMissing = new Uint8Array(p)
    this.order = X.columns.map((column, f) => {
      const levels = X.categoricalLevels[f] ?? 0
      const out = this.bins.subarray(f * n, (f + 1) * n)
      if (levels > 0 && levels <= maxBins) {
        this.hasMissing[f] = binCategorical(column, null, levels, maxBins, out) ? 1 : 0
        return null
      }
      const finite: number[] = []
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(column[i])) {
          out[i] = maxBins
          this.hasMissing[f] = 1
        } else finite.push(i)
      }
      finite.sort((a, b) => column[a] - column[b] || 1 / column[a] - 1 / column[b] || a - b)
      return Uint32Array.from(finite)
    })
  }

  /** Mapper and bins for the rows whose `weights` are > 0 (the caller must not keep the bins). */
  bin(weights: Float32Array): { mapper: BinMapper; binned: BinnedMatrix } {
    const { X, maxBins, values, bins } = this
    const n = X.nRows
    const p = X.columns.length
    const nBins = new Int32Array(p)
    const edges: Float64Array[] = []
    const isCategorical = new Uint8Array(p)
    const categoricalLevels = new Int32Array(p)
    for (let f = 0; f < p; f++) {
      const order = this.order[f]
      if (!order) {
        isCategorical[f] = 1
        categoricalLevels[f] = X.categoricalLevels[f]
        nBins[f] = categoricalLevels[f]
        edges.push(new Float64Array(0))
        continue
      }
      const column = X.columns[f]
      let m = 0
      for (let i = 0; i < order.length; i++) {
        const r = order[i]
        if (weights[r] > 0) values[m++] = column[r]
      }
      const featureEdges = findEdges(values.subarray(0, m), maxBins)
      edges.push(featureEdges)
      nBins[f] = featureEdges.length + 1
      // Values ascend along `order`, so each row's bin (edges strictly below it) only moves up.
      const base = f * n
      let e = 0
      for (let i = 0; i < order.length; i++) {
        const r = order[i]
        if (!(weights[r] > 0)) continue
        const x = column[r]
        while (e < featureEdges.length && featureEdges[e] < x) e++
        bins[base + r] = e
      }
    }
    return {
      mapper: { nBins, missingBin: maxBins, histWidth: maxBins + 1, edges, isCategorical, categoricalLevels },
      binned: { nRows: n, nFeatures: p, bins, hasMissing: this.hasMissing },
    }
  }
}

function binCategorical(
  column: Float64Array,
  rows: Uint32Array | null,
  levels: number,
  missingBin: number,
  out: Uint8Array,
): boolean {
  const n = out.length
  let missing = false
  for (let i = 0; i < n; i++) {
    const x = rows ? column[rows[i]] : column[i]
    if (x >= 0 && x < levels && x === Math.floor(x)) out[i] = x
    else {
      out[i] = missingBin
      missing = true
    }
  }
  return missing
}
