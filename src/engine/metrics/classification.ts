/**
 * Classification metrics with scikit-learn 1.2's definitions (accuracy, balanced accuracy, precision /
 * recall / F1 macro+weighted+per class, ROC-AUC binary and OvR macro, PR-AUC as average precision, log
 * loss, Brier, confusion). The pipeline engine calls {@link classificationReport}; the single metrics are
 * exported for the curves, the tests against scikit-learn's fixtures and custom evaluation hooks.
 */
import { averagePrecisionScore, rocAucScore } from './ranking.ts'

export interface ClassificationReport {
  /** Scalar metrics keyed as in scikit-learn: accuracy, balanced_accuracy, f1_macro, f1_weighted,
   * precision_macro, precision_weighted, recall_macro, recall_weighted, roc_auc, pr_auc, log_loss, brier.
   * Binary tasks add precision, recall and f1 of the positive class. A metric that is undefined on the
   * data (ROC-AUC with one class present) is NaN. */
  metrics: Record<string, number>
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[]
  /** confusion[trueClass][predictedClass] counts. */
  confusion: number[][]
}

/** Options of {@link evaluateClassification}. */
export interface ClassificationOptions {
  /** Binary only: index of the class scored by ROC-AUC / PR-AUC / Brier and by precision/recall/f1 (default 1). */
  positiveClass?: number
  /**
   * Binary only: predict the positive class when its probability is ≥ threshold, instead of the argmax
   * (which sends an exact 0.5/0.5 tie to the lower index). Lets a tuned decision threshold be scored.
   */
  threshold?: number
}

/** Probability clip of log loss, scikit-learn's `eps=1e-15`. */
export const LOG_LOSS_EPS = 1e-15

function assertShapes(name: string, yTrue: Int32Array, proba: Float64Array, nClasses: number): number {
  if (!(nClasses >= 2)) throw new Error(`${name}: need at least 2 classes, got ${nClasses}`)
  if (proba.length !== yTrue.length * nClasses) {
    throw new Error(
      `${name}: proba has ${proba.length} values, expected ${yTrue.length} rows × ${nClasses} classes`,
    )
  }
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] < 0 || yTrue[i] >= nClasses) {
      throw new Error(`${name}: yTrue[${i}] = ${yTrue[i]} is not a class index in 0..${nClasses - 1}`)
    }
  }
  return yTrue.length
}

/**
 * Predicted classes from row-major probabilities: the argmax, ties → lowest index; or for a binary task
 * with `threshold`, the positive class when its probability is ≥ threshold.
 */
export function predictClasses(
  proba: Float64Array,
  nClasses: number,
  options: ClassificationOptions = {},
): Int32Array {
  const n = Math.floor(proba.length / nClasses)
  const out = new Int32Array(n)
  if (options.threshold !== undefined) {
    if (nClasses !== 2)
      throw new Error(`predictClasses: a threshold needs a binary task, got ${nClasses} classes`)
    const positive = options.positiveClass ?? 1
    for (let i = 0; i < n; i++)
      out[i] = proba[i * 2 + positive] >= options.threshold ? positive : 1 - positive
    return out
  }
  for (let i = 0; i < n; i++) {
    let best = 0
    let bestValue = proba[i * nClasses]
    for (let k = 1; k < nClasses; k++) {
      const value = proba[i * nClasses + k]
      // Strict > keeps the lowest index on ties; a NaN never wins.
      if (value > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(value))) {
        best = k
        bestValue = value
      }
    }
    out[i] = best
  }
  return out
}

/** confusion[t][p] = number of rows of true class t predicted as p (K × K over all classes). */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number[][] {
  const matrix = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0))
  for (let i = 0; i < yTrue.length; i++) matrix[yTrue[i]][yPred[i]]++
  return matrix
}

/** Fraction of rows predicted correctly. NaN on no rows. */
export function accuracyScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length === 0) return Number.NaN
  let correct = 0
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++
  return correct / yTrue.length
}

/** Mean recall over the classes present in yTrue (scikit-learn's `balanced_accuracy_score`). */
export function balancedAccuracyScore(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number {
  const confusion = confusionMatrix(yTrue, yPred, nClasses)
  let sum = 0
  let count = 0
  for (let k = 0; k < nClasses; k++) {
    const support = confusion[k].reduce((a, b) => a + b, 0)
    if (support === 0) continue
    sum += confusion[k][k] / support
    count++
  }
  return count === 0 ? Number.NaN : sum / count
}

/** Per-class precision, recall, F1 and support, plus which classes take part in macro averages. */
export interface PrecisionRecallFscore {
  precision: number[]
  recall: number[]
  f1: number[]
  support: number[]
  /**
   * Classes present in yTrue or yPred: scikit-learn (labels=None) averages over exactly these, so a class
   * that never occurs and is never predicted does not drag the macro average down.
   */
  present: boolean[]
}

/**
 * Per-class precision / recall / F1 with `zero_division=0` (a 0/0 ratio is 0, scikit-learn's default
 * value behind its warning), like `precision_recall_fscore_support(average=None)`.
 */
export function precisionRecallFscore(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): PrecisionRecallFscore {
  const tp = new Array<number>(nClasses).fill(0)
  const predicted = new Array<number>(nClasses).fill(0)
  const support = new Array<number>(nClasses).fill(0)
  for (let i = 0; i < yTrue.length; i++) {
    support[yTrue[i]]++
    predicted[yPred[i]]++
    if (yTrue[i] === yPred[i]) tp[yTrue[i]]++
  }
  const precision = tp.map((t, k) => (predicted[k] === 0 ? 0 : t / predicted[k]))
  const recall = tp.map((t, k) => (support[k] === 0 ? 0 : t / support[k]))
  const f1 = precision.map((p, k) => {
    const denominator = p + recall[k]
    return denominator === 0 ? 0 : (2 * p * recall[k]) / denominator
  })
  const present = support.map((s, k) => s > 0 || predicted[k] > 0)
  return { precision, recall, f1, support, present }
}

/** Unweighted mean over the present classes (`average='macro'`). */
export function macroAverage(values: number[], present: boolean[]): number {
  let sum = 0
  let count = 0
  for (let k = 0; k < values.length; k++) {
    if (!present[k]) continue
    sum += values[k]
    count++
  }
  return count === 0 ? 0 : sum / count
}

/** Support-weighted mean (`average='weighted'`); 0 when there is no support at all (zero_division=0). */
export function weightedAverage(values: number[], support: number[]): number {
  let sum = 0
  let total = 0
  for (let k = 0; k < values.length; k++) {
    sum += values[k] * support[k]
    total += support[k]
  }
  return total === 0 ? 0 : sum / total
}

/**
 * Log loss of row-major probabilities as scikit-learn 1.2 computes it from a 2-D `y_pred`: clip every
 * probability to [1e-15, 1 − 1e-15], renormalise each row to sum 1, average −ln p(true class).
 */
export function logLoss(yTrue: Int32Array, proba: Float64Array, nClasses: number): number {
  const n = assertShapes('logLoss', yTrue, proba, nClasses)
  if (n === 0) return Number.NaN
  let total = 0
  for (let i = 0; i < n; i++) {
    let rowSum = 0
    for (let k = 0; k < nClasses; k++) rowSum += clip(proba[i * nClasses + k])
    total -= Math.log(clip(proba[i * nClasses + yTrue[i]]) / rowSum)
  }
  return total / n
}

/**
 * Log loss of a binary task from the positive-class probability alone, as scikit-learn computes it from a
 * 1-D `y_pred`: clip p to [1e-15, 1 − 1e-15] first, then P(negative) = 1 − p. Differs from {@link logLoss}
 * on [1 − p, p] only for probabilities beyond the clip (0 or 1), by the rounding of 1 − (1 − 1e-15).
 */
export function binaryLogLoss(isPositive: ArrayLike<number>, pPositive: ArrayLike<number>): number {
  if (isPositive.length === 0) return Number.NaN
  let total = 0
  for (let i = 0; i < isPositive.length; i++) {
    const p = clip(pPositive[i])
    const q = 1 - p
    const sum = p + q
    total -= Math.log((isPositive[i] !== 0 ? p : q) / sum)
  }
  return total / isPositive.length
}

function clip(p: number): number {
  return Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS)
}

/** Binary Brier score, `brier_score_loss`: mean (p − y)² with y ∈ {0, 1}; lower is better, 0..1. */
export function binaryBrierScore(isPositive: ArrayLike<number>, pPositive: ArrayLike<number>): number {
  if (isPositive.length === 0) return Number.NaN
  let total = 0
  for (let i = 0; i < isPositive.length; i++) {
    const d = pPositive[i] - (isPositive[i] !== 0 ? 1 : 0)
    total += d * d
  }
  return total / isPositive.length
}

/**
 * Multiclass Brier score in Brier's original (1950) form: mean over rows of Σₖ (pₖ − 1[y = k])², range
 * 0..2. scikit-learn has no multiclass Brier; note that on a binary task this is twice the binary score,
 * which is why {@link classificationReport} reports the binary form there.
 */
export function multiclassBrierScore(yTrue: Int32Array, proba: Float64Array, nClasses: number): number {
  const n = assertShapes('multiclassBrierScore', yTrue, proba, nClasses)
  if (n === 0) return Number.NaN
  let total = 0
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < nClasses; k++) {
      const d = proba[i * nClasses + k] - (yTrue[i] === k ? 1 : 0)
      total += d * d
    }
  }
  return total / n
}

/** Column k of row-major probabilities. */
export function probaColumn(proba: Float64Array, nClasses: number, k: number): Float64Array {
  const n = Math.floor(proba.length / nClasses)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = proba[i * nClasses + k]
  return out
}

/** 1 where yTrue is class k, else 0. */
export function oneVsRest(yTrue: ArrayLike<number>, k: number): Uint8Array {
  const out = new Uint8Array(yTrue.length)
  for (let i = 0; i < yTrue.length; i++) out[i] = yTrue[i] === k ? 1 : 0
  return out
}

/**
 * One-vs-rest macro ROC-AUC (`roc_auc_score(multi_class='ovr', average='macro')`). NaN when a class is
 * absent from yTrue (scikit-learn raises there).
 */
export function rocAucOvr(yTrue: Int32Array, proba: Float64Array, nClasses: number): number {
  assertShapes('rocAucOvr', yTrue, proba, nClasses)
  let sum = 0
  for (let k = 0; k < nClasses; k++) sum += rocAucScore(oneVsRest(yTrue, k), probaColumn(proba, nClasses, k))
  return sum / nClasses
}

/** One-vs-rest macro average precision (`average_precision_score(label_binarize(y), proba, average='macro')`). */
export function averagePrecisionOvr(yTrue: Int32Array, proba: Float64Array, nClasses: number): number {
  assertShapes('averagePrecisionOvr', yTrue, proba, nClasses)
  let sum = 0
  for (let k = 0; k < nClasses; k++) {
    sum += averagePrecisionScore(oneVsRest(yTrue, k), probaColumn(proba, nClasses, k))
  }
  return sum / nClasses
}

/**
 * The full report with options (decision threshold, positive class). {@link classificationReport} is this
 * with the default argmax decision.
 * @throws Error when shapes disagree or a label is out of range
 */
export function evaluateClassification(
  yTrue: Int32Array,
  proba: Float64Array,
  classes: string[],
  options: ClassificationOptions = {},
): ClassificationReport {
  const nClasses = classes.length
  assertShapes('classificationReport', yTrue, proba, nClasses)
  const positive = options.positiveClass ?? 1
  if (nClasses === 2 && positive !== 0 && positive !== 1) {
    throw new Error(`classificationReport: positiveClass must be 0 or 1, got ${positive}`)
  }
  const yPred = predictClasses(proba, nClasses, options)
  const prf = precisionRecallFscore(yTrue, yPred, nClasses)
  const metrics: Record<string, number> = {
    accuracy: accuracyScore(yTrue, yPred),
    balanced_accuracy: balancedAccuracyScore(yTrue, yPred, nClasses),
    precision_macro: macroAverage(prf.precision, prf.present),
    precision_weighted: weightedAverage(prf.precision, prf.support),
    recall_macro: macroAverage(prf.recall, prf.present),
    recall_weighted: weightedAverage(prf.recall, prf.support),
    f1_macro: macroAverage(prf.f1, prf.present),
    f1_weighted: weightedAverage(prf.f1, prf.support),
  }
  if (nClasses === 2) {
    const isPositive = oneVsRest(yTrue, positive)
    const score = probaColumn(proba, 2, positive)
    metrics.precision = prf.precision[positive]
    metrics.recall = prf.recall[positive]
    metrics.f1 = prf.f1[positive]
    metrics.roc_auc = rocAucScore(isPositive, score)
    metrics.pr_auc = averagePrecisionScore(isPositive, score)
    metrics.brier = binaryBrierScore(isPositive, score)
  } else {
    metrics.roc_auc = rocAucOvr(yTrue, proba, nClasses)
    metrics.pr_auc = averagePrecisionOvr(yTrue, proba, nClasses)
    metrics.brier = multiclassBrierScore(yTrue, proba, nClasses)
  }
  metrics.log_loss = logLoss(yTrue, proba, nClasses)
  return {
    metrics,
    perClass: classes.map((label, k) => ({
      label,
      precision: prf.precision[k],
      recall: prf.recall[k],
      f1: prf.f1[k],
      support: prf.support[k],
    })),
    confusion: confusionMatrix(yTrue, yPred, nClasses),
  }
}

/**
 * @param yTrue class indices 0..nClasses-1
 * @param proba row-major n × nClasses probabilities; predictions are the argmax (ties → lowest index)
 * @param classes labels, index = class code
 * @param positiveClass binary only: index of the class whose probability ROC-AUC/PR-AUC score (default 1)
 */
export function classificationReport(
  yTrue: Int32Array,
  proba: Float64Array,
  classes: string[],
  positiveClass?: number,
): ClassificationReport {
  return evaluateClassification(yTrue, proba, classes, positiveClass === undefined ? {} : { positiveClass })
}
