/**
 * One row of logistic regression's objective, shared by the in-memory fit's float64 objective
 * (logistic.ts) and the streamed Newton passes of a large table (scale/streamedLogistic.ts).
 */

/**
 * The log-loss of one row at its scores `s` (k = 1: the sigmoid's score of class 1, else one softmax
 * score per class) for class code `y`; writes the row's probabilities into `prob` (k = 1: of class 1).
 * The binary loss is log(1 + e^s) − y·s in a form that does not overflow.
 */
export function logisticRowLoss(s: Float64Array, k: number, y: number, prob: Float64Array): number {
  if (k === 1) {
    const target = y === 1 ? 1 : 0
    prob[0] = 1 / (1 + Math.exp(-s[0]))
    return Math.max(s[0], 0) + Math.log1p(Math.exp(-Math.abs(s[0]))) - target * s[0]
  }
  let max = Number.NEGATIVE_INFINITY
  for (let c = 0; c < k; c++) if (s[c] > max) max = s[c]
  let total = 0
  for (let c = 0; c < k; c++) {
    prob[c] = Math.exp(s[c] - max)
    total += prob[c]
  }
  for (let c = 0; c < k; c++) prob[c] /= total
  return Math.log(total) + max - s[y]
}
