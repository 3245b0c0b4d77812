/**
 * Hot kernels of the tree learner: histogram construction, histogram subtraction and the stable
 * partition of a node's row ids. Each function sees one concrete typed-array type per argument (V8
 * deoptimises kernels that see mixed element kinds), allocates nothing and uses counted integer loops.
 *
 * Histogram layout: for feature slot `s`, bin `b` and channel `c`, sums live at
 * `sums[(s * width + b) * stride + c]` (f64, so that subtracting sibling histograms does not suffer from
 * f32 cancellation) and exact row counts at `counts[s * width + b]`. With one numerator the stride is
 * 2: [Σ numerator (gradient), Σ denominator (hessian or weight)].
 */

/** Histogram of one feature over a contiguous node (the root, rows 0..m-1), one numerator. */
export function buildHistogramRoot1(
  bins: Uint8Array,
  base: number,
  m: number,
  num: Float32Array,
  den: Float32Array,
  sums: Float64Array,
  sumOffset: number,
  counts: Uint32Array,
  countOffset: number,
): void {
  for (let i = 0; i < m; i++) {
    const b = bins[base + i]
    const j = sumOffset + 2 * b
    sums[j] += num[i]
    sums[j + 1] += den[i]
    counts[countOffset + b]++
  }
}

/**
 * Histogram of one feature over the rows `rows[start .. start + m)`, one numerator; `num`/`den` are the
 * node's values already gathered in row order (ordered gradients), so only the bin byte is gathered.
 */
export function buildHistogramRows1(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  m: number,
  num: Float32Array,
  den: Float32Array,
  sums: Float64Array,
  sumOffset: number,
  counts: Uint32Array,
  countOffset: number,
): void {
  let i = 0
  // Unrolled by two: independent loads give the CPU more to overlap.
  for (; i + 1 < m; i += 2) {
    const b0 = bins[base + rows[start + i]]
    const b1 = bins[base + rows[start + i + 1]]
    const j0 = sumOffset + 2 * b0
    sums[j0] += num[i]
    sums[j0 + 1] += den[i]
    counts[countOffset + b0]++
    const j1 = sumOffset + 2 * b1
    sums[j1] += num[i + 1]
    sums[j1 + 1] += den[i + 1]
    counts[countOffset + b1]++
  }
  for (; i < m; i++) {
    const b = bins[base + rows[start + i]]
    const j = sumOffset + 2 * b
    sums[j] += num[i]
    sums[j + 1] += den[i]
    counts[countOffset + b]++
  }
}

/**
 * Histograms of four features in one pass over the node's rows (one numerator): each row id and its
 * gradient pair are loaded once for four updates, which roughly halves the time per update on
 * scattered nodes compared with one feature per pass (measured in Node 20). `rows === null` means
 * the contiguous root (row i is position i).
 */
export function buildHistogramRows4(
  bins: Uint8Array,
  base0: number,
  base1: number,
  base2: number,
  base3: number,
  rows: Uint32Array,
  start: number,
  m: number,
  num: Float32Array,
  den: Float32Array,
  sums: Float64Array,
  sumOffset: number,
  counts: Uint32Array,
  countOffset: number,
  width: number,
): void {
  const s1 = sumOffset + 2 * width
  const s2 = s1 + 2 * width
  const s3 = s2 + 2 * width
  const c1 = countOffset + width
  const c2 = c1 + width
  const c3 = c2 + width
  for (let i = 0; i < m; i++) {
    const r = rows[start + i]
    const g = num[i]
    const h = den[i]
    const x0 = bins[base0 + r]
    const x1 = bins[base1 + r]
    const x2 = bins[base2 + r]
    const x3 = bins[base3 + r]
    let j = sumOffset + 2 * x0
    sums[j] += g
    sums[j + 1] += h
    counts[countOffset + x0]++
    j = s1 + 2 * x1
    sums[j] += g
    sums[j + 1] += h
    counts[c1 + x1]++
    j = s2 + 2 * x2
    sums[j] += g
    sums[j + 1] += h
    counts[c2 + x2]++
    j = s3 + 2 * x3
    sums[j] += g
    sums[j + 1] += h
    counts[c3 + x3]++
  }
}

/** {@link buildHistogramRows4} for the contiguous root: row i is position i, no row ids. */
export function buildHistogramRoot4(
  bins: Uint8Array,
  base0: number,
  base1: number,
  base2: number,
  base3: number,
  m: number,
  num: Float32Array,
  den: Float32Array,
  sums: Float64Array,
  sumOffset: number,
  counts: Uint32Array,
  countOffset: number,
  width: number,
): void {
  const s1 = sumOffset + 2 * width
  const s2 = s1 + 2 * width
  const s3 = s2 + 2 * width
  const c1 = countOffset + width
  const c2 = c1 + width
  const c3 = c2 + width
  for (let i = 0; i < m; i++) {
    const g = num[i]
    const h = den[i]
    const x0 = bins[base0 + i]
    const x1 = bins[base1 + i]
    const x2 = bins[base2 + i]
    const x3 = bins[base3 + i]
    let j = sumOffset + 2 * x0
    sums[j] += g
    sums[j + 1] += h
    counts[countOffset + x0]++
    j = s1 + 2 * x1
    sums[j] += g
    sums[j + 1] += h
    counts[c1 + x1]++
    j = s2 + 2 * x2
    sums[j] += g
    sums[j + 1] += h
    counts[c2 + x2]++
    j = s3 + 2 * x3
    sums[j] += g
    sums[j + 1] += h
    counts[c3 + x3]++
  }
}

/** Histogram of one feature over `rows[start .. start + m)` with `k` numerators (row-major `num`, m × k). */
export function buildHistogramRowsK(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  m: number,
  k: number,
  num: Float32Array,
  den: Float32Array,
  sums: Float64Array,
  sumOffset: number,
  counts: Uint32Array,
  countOffset: number,
): void {
  const stride = k + 1
  for (let i = 0; i < m; i++) {
    const b = bins[base + rows[start + i]]
    const j = sumOffset + stride * b
    for (let c = 0; c < k; c++) sums[j + c] += num[i * k + c]
    sums[j + k] += den[i]
    counts[countOffset + b]++
  }
}

/** Gathers `src[rows[start + i]]` into `dst[i]` for i < m. */
export function gather(
  src: Float32Array,
  rows: Uint32Array,
  start: number,
  m: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < m; i++) dst[i] = src[rows[start + i]]
}

/** Gathers k-wide rows: `dst[i * k + c] = src[rows[start + i] * k + c]`. */
export function gatherK(
  src: Float32Array,
  rows: Uint32Array,
  start: number,
  m: number,
  k: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < m; i++) {
    const from = rows[start + i] * k
    for (let c = 0; c < k; c++) dst[i * k + c] = src[from + c]
  }
}

/** `into += part` over `[0, size)`: the second half of a node's histogram added to the first. */
export function addInPlace(into: Float64Array, part: Float64Array, size: number): void {
  for (let i = 0; i < size; i++) into[i] += part[i]
}

export function addCountsInPlace(into: Uint32Array, part: Uint32Array, size: number): void {
  for (let i = 0; i < size; i++) into[i] += part[i]
}

/** `parent −= smaller` over `[0, size)`: turns the parent's histogram into the larger child's. */
export function subtractInPlace(parent: Float64Array, smaller: Float64Array, size: number): void {
  for (let i = 0; i < size; i++) parent[i] -= smaller[i]
}

export function subtractCountsInPlace(parent: Uint32Array, smaller: Uint32Array, size: number): void {
  for (let i = 0; i < size; i++) parent[i] -= smaller[i]
}

/**
 * Stable partition of `rows[start .. end)` into the rows whose bin has `goLeft[bin] === 1`, then the
 * rest; returns the number of left rows. Branchless: every id is written to both sides and only the
 * cursors advance by the predicate, which avoids mispredictions on 50/50 splits.
 */
export function partitionRows(
  rows: Uint32Array,
  start: number,
  end: number,
  bins: Uint8Array,
  base: number,
  goLeft: Uint8Array,
  scratch: Uint32Array,
): number {
  let writeLeft = start
  let writeRight = 0
  for (let i = start; i < end; i++) {
    const r = rows[i]
    const l = goLeft[bins[base + r]]
    rows[writeLeft] = r
    scratch[writeRight] = r
    writeLeft += l
    writeRight += 1 - l
  }
  for (let i = 0; i < writeRight; i++) rows[writeLeft + i] = scratch[i]
  return writeLeft - start
}
