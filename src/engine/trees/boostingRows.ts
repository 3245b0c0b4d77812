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
