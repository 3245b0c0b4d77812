/**
 * Boosting's per-row passes for one output (binary log loss, squared error), over a range of rows so
 * that two threads can share them (histogramHalves.ts). Each row's result depends on that row alone, so
 * any cut of the rows gives the same numbers.
 */

/** Loss codes of {@link gradientRows} (int32 words of a thread job). */
export const ROW_LOSS = { binary: 1, regression: 2 } as const

/**
 * Gradients (and, for log loss, hessians) of rows [from, to) at the raw scores. Squared error's
 * hessians are constant 1 and left as they are.
 */
export function gradientRows(
  loss: number,
  raw: Float64Array,
  y: Float64Array,
  g: Float32Array,
  h: Float32Array,
  from: number,
  to: number,
): void {
  if (loss === ROW_LOSS.regression) {
    for (let i = from; i < to; i++) g[i] = raw[i] - y[i]
    return
  }
  for (let i = from; i < to; i++) {
    const f = raw[i]
    // exp(-f) overflows to Infinity for very negative f, which still gives p = 0 exactly.
    const p = 1 / (1 + Math.exp(-f))
    g[i] = p - y[i]
    h[i] = p * (1 - p)
  }
}

/** Power-of-two scales of quantised gradients and hessians (see {@link quantizationScales}). */
export interface QuantizationScales {
  g: number
  h: number
}

/**
 * Quantisation levels for n rows: gradients become integers in [−levels, levels] and hessians in
 * [0, levels], at most 127 (one signed byte) and few enough that a node's sums fit an int32 lane.
 */
export function quantizationLevels(n: number): number {
  return Math.max(1, Math.min(127, Math.floor(0x7fffffff / Math.max(1, n))))
}

/**
 * The smallest powers of two with maxG / scale ≤ levels and maxH / scale ≤ levels (1 for a maximum of
 * 0). Powers of two keep x / scale and q · scale exact, and sums of q · scale exact in f64.
 */
export function quantizationScales(maxG: number, maxH: number, levels: number): QuantizationScales {
  const scale = (max: number) => (max > 0 ? 2 ** Math.max(-120, Math.ceil(Math.log2(max / levels))) : 1)
  const smallest = (max: number) => {
    let s = scale(max)
    // log2 may round: make sure the bound holds, and that half the scale would break it.
    while (max / s > levels) s *= 2
    while (s > 2 ** -120 && max / (s / 2) <= levels) s /= 2
    return s
  }
  return { g: smallest(maxG), h: smallest(maxH) }
}

/**
 * The JS twin of the wasm `quantize` kernel (tests compare them): rows [from, to) of g and h rounded
 * stochastically to multiples of the scales in f32 arithmetic, packed as (i16 g, i16 h), and g, h
 * overwritten with the rounded values.
 */
export function quantizeRows(
  g: Float32Array,
  h: Float32Array,
  packed: Int32Array,
  from: number,
  to: number,
  scales: QuantizationScales,
  seed: number,
  hash: (row: number, seed: number) => number,
): void {
  const f32 = Math.fround
  const gInverse = f32(1 / scales.g)
  const hInverse = f32(1 / scales.h)
  for (let i = from; i < to; i++) {
    const x = hash(i, seed)
    const gq = Math.floor(f32(f32(g[i] * gInverse) + (x >>> 16) * 2 ** -16))
    const hq = Math.floor(f32(f32(h[i] * hInverse) + (x & 0xffff) * 2 ** -16))
    packed[i] = (gq & 0xffff) | (hq << 16)
    g[i] = gq * scales.g
    h[i] = hq * scales.h
  }
}
