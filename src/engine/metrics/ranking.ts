/**
 * Threshold-free binary ranking metrics, computed exactly as scikit-learn 1.2 does: the step curve of
 * `_binary_clf_curve` over distinct score thresholds, ROC (with `drop_intermediate`), the precision–recall
 * curve over every threshold, ROC-AUC by the trapezoidal rule and average precision as the step sum.
 * Ties are one threshold, so tied scores form one diagonal ROC segment, as in scikit-learn.
 */

/** Cumulative counts at each distinct score, highest score first (scikit-learn's `_binary_clf_curve`). */
export interface BinaryClfCurve {
  /** False positives among rows scoring ≥ thresholds[i]. */
  fps: Float64Array
  /** True positives among rows scoring ≥ thresholds[i]. */
  tps: Float64Array
  /** Distinct scores, decreasing. */
  thresholds: Float64Array
}

/** Points of a ROC curve, starting at (0, 0); plain arrays so they serialise to JSON as they are. */
export interface RocCurve {
  fpr: number[]
  tpr: number[]
  /**
   * thresholds[i] is the score cut (predict positive when score ≥ it) for point i. The first point's
   * threshold is `max score + 1`, as in scikit-learn 1.2 (1.3 uses Infinity, which JSON cannot hold).
   */
  thresholds: number[]
}

/** Points of a precision–recall curve with recall decreasing, ending at (recall 0, precision 1). */
export interface PrecisionRecallCurve {
  precision: number[]
  recall: number[]
  /** thresholds[i] belongs to point i; the last point (recall 0) has no threshold, as in scikit-learn. */
  thresholds: number[]
}

function assertBinaryInputs(name: string, yTrue: ArrayLike<number>, score: ArrayLike<number>): void {
  if (yTrue.length !== score.length) {
    throw new Error(`${name}: yTrue has ${yTrue.length} rows but score has ${score.length}`)
  }
  for (let i = 0; i < score.length; i++) {
    if (!Number.isFinite(score[i]))
      throw new Error(`${name}: score[${i}] is ${score[i]}; scores must be finite`)
  }
}

/**
 * Cumulative false/true positive counts per distinct threshold.
 * @param isPositive 1 for the positive class, 0 otherwise (any non-zero counts as positive)
 * @param score higher means more likely positive; must be finite
 */
export function binaryClfCurve(isPositive: ArrayLike<number>, score: ArrayLike<number>): BinaryClfCurve {
  assertBinaryInputs('binaryClfCurve', isPositive, score)
  const n = score.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  // Order within a tie does not matter: counts are only read at the end of each run of equal scores.
  order.sort((a, b) => score[b] - score[a])
  const fps: number[] = []
  const tps: number[] = []
  const thresholds: number[] = []
  let tp = 0
  for (let k = 0; k < n; k++) {
    const i = order[k]
    if (isPositive[i] !== 0) tp++
    if (k === n - 1 || score[order[k + 1]] !== score[i]) {
      tps.push(tp)
      fps.push(k + 1 - tp)
      thresholds.push(score[i])
    }
  }
  return {
    fps: Float64Array.from(fps),
    tps: Float64Array.from(tps),
    thresholds: Float64Array.from(thresholds),
  }
}

/**
 * ROC curve like `sklearn.metrics.roc_curve(y, score, drop_intermediate=True)`: collinear interior points
 * are dropped (they change neither the plot nor the area). With no positives (or no negatives) the tpr
 * (or fpr) is all NaN, as in scikit-learn.
 */
export function rocCurve(
  isPositive: ArrayLike<number>,
  score: ArrayLike<number>,
  dropIntermediate = true,
): RocCurve {
  const curve = binaryClfCurve(isPositive, score)
  let keep: number[] = []
  const m = curve.fps.length
  if (dropIntermediate && m > 2) {
    keep.push(0)
    for (let i = 1; i < m - 1; i++) {
      const secondDiffFps = curve.fps[i + 1] - 2 * curve.fps[i] + curve.fps[i - 1]
      const secondDiffTps = curve.tps[i + 1] - 2 * curve.tps[i] + curve.tps[i - 1]
      if (secondDiffFps !== 0 || secondDiffTps !== 0) keep.push(i)
    }
    keep.push(m - 1)
  } else {
    keep = Array.from({ length: m }, (_, i) => i)
  }
  const totalFp = m > 0 ? curve.fps[m - 1] : 0
  const totalTp = m > 0 ? curve.tps[m - 1] : 0
  const fpr = [0]
  const tpr = [0]
  const thresholds = [m > 0 ? curve.thresholds[0] + 1 : 1]
  for (const i of keep) {
    fpr.push(curve.fps[i])
    tpr.push(curve.tps[i])
    thresholds.push(curve.thresholds[i])
  }
  for (let i = 0; i < fpr.length; i++) {
    fpr[i] = totalFp > 0 ? fpr[i] / totalFp : Number.NaN
    tpr[i] = totalTp > 0 ? tpr[i] / totalTp : Number.NaN
  }
  return { fpr, tpr, thresholds }
}

/**
 * Precision–recall curve like `sklearn.metrics.precision_recall_curve` (1.2): one point per distinct
 * threshold, recall decreasing, then the (recall 0, precision 1) end point. Precision is 0 where nothing
 * is predicted positive; with no positives at all recall is 1 everywhere (scikit-learn warns and does so).
 */
export function precisionRecallCurve(
  isPositive: ArrayLike<number>,
  score: ArrayLike<number>,
): PrecisionRecallCurve {
  const curve = binaryClfCurve(isPositive, score)
  const m = curve.fps.length
  const totalTp = m > 0 ? curve.tps[m - 1] : 0
  const precision: number[] = []
  const recall: number[] = []
  const thresholds: number[] = []
  for (let i = m - 1; i >= 0; i--) {
    const predicted = curve.tps[i] + curve.fps[i]
    precision.push(predicted !== 0 ? curve.tps[i] / predicted : 0)
    recall.push(totalTp === 0 ? 1 : curve.tps[i] / totalTp)
    thresholds.push(curve.thresholds[i])
  }
  precision.push(1)
  recall.push(0)
  return { precision, recall, thresholds }
}

/** Area under a piecewise-linear curve by the trapezoidal rule (numpy's `trapz(y, x)`). */
export function trapezoidArea(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let area = 0
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2
  return area
}

/**
 * Binary ROC-AUC (`roc_auc_score` on a binary target). NaN when only one class is present in `isPositive`,
 * where scikit-learn raises instead.
 */
export function rocAucScore(isPositive: ArrayLike<number>, score: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(isPositive, score)
  if (fpr.some(Number.isNaN) || tpr.some(Number.isNaN)) return Number.NaN
  return trapezoidArea(fpr, tpr)
}

/**
 * Average precision (`average_precision_score`, the PR-AUC Butterfly reports): Σ (Rₙ − Rₙ₋₁) Pₙ over the
 * thresholds, with no interpolation. With no positives it is 0 (scikit-learn's value, with a warning).
 */
export function averagePrecisionScore(isPositive: ArrayLike<number>, score: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(isPositive, score)
  let sum = 0
  for (let i = 0; i < recall.length - 1; i++) sum += (recall[i + 1] - recall[i]) * precision[i]
  return -sum
}
