/**
 * Plot data for evaluation charts (drawn elsewhere): ROC and precision–recall curves per class, the
 * reliability (calibration) curve, regression residuals and the row-normalised confusion matrix. Every
 * output is plain numbers in plain arrays so it can be stored as a JSON artifact as it is.
 */
import { oneVsRest, probaColumn } from './classification.ts'
import {
  averagePrecisionScore,
  type PrecisionRecallCurve,
  precisionRecallCurve,
  type RocCurve,
  rocAucScore,
  rocCurve,
} from './ranking.ts'

/** A ROC curve of one class against the rest, with its area. */
export interface ClassRocCurve extends RocCurve {
  /** Label of the class treated as positive. */
  label: string
  auc: number
}

/** A precision–recall curve of one class against the rest, with its average precision. */
export interface ClassPrecisionRecallCurve extends PrecisionRecallCurve {
  label: string
  averagePrecision: number
}

/**
 * The classes a curve is drawn for: the positive class alone for a binary task (the other curve is its
 * mirror image), every class against the rest for a multiclass task.
 */
function curveClasses(nClasses: number, positiveClass: number): number[] {
  return nClasses === 2 ? [positiveClass] : Array.from({ length: nClasses }, (_, k) => k)
}

/**
 * ROC curves from row-major probabilities: one for the positive class (binary) or one per class,
 * one-vs-rest (multiclass). Points as in `sklearn.metrics.roc_curve` (intermediate collinear points dropped).
 */
export function rocCurves(
  yTrue: Int32Array,
  proba: Float64Array,
  classes: string[],
  positiveClass = 1,
): ClassRocCurve[] {
  return curveClasses(classes.length, positiveClass).map((k) => {
    const isPositive = oneVsRest(yTrue, k)
    const score = probaColumn(proba, classes.length, k)
    return { label: classes[k], ...rocCurve(isPositive, score), auc: rocAucScore(isPositive, score) }
  })
}

/** Precision–recall curves, one for the positive class (binary) or one per class (multiclass, one-vs-rest). */
export function precisionRecallCurves(
  yTrue: Int32Array,
  proba: Float64Array,
  classes: string[],
  positiveClass = 1,
): ClassPrecisionRecallCurve[] {
  return curveClasses(classes.length, positiveClass).map((k) => {
    const isPositive = oneVsRest(yTrue, k)
    const score = probaColumn(proba, classes.length, k)
    return {
      label: classes[k],
      ...precisionRecallCurve(isPositive, score),
      averagePrecision: averagePrecisionScore(isPositive, score),
    }
  })
}

/** A reliability diagram: one point per non-empty bin, bins in increasing probability. */
export interface CalibrationCurve {
  /** Fraction of positives in each non-empty bin (scikit-learn's `prob_true`). */
  fractionOfPositives: number[]
  /** Mean predicted probability in each non-empty bin (`prob_pred`). */
  meanPredicted: number[]
  /** Rows in each non-empty bin, for sizing markers or a histogram under the curve. */
  count: number[]
  /** The nBins + 1 edges of the uniform bins over [0, 1]. */
  binEdges: number[]
}

/**
 * Calibration curve like `sklearn.calibration.calibration_curve(strategy='uniform')`: nBins equal-width bins
 * over [0, 1]; a probability on an inner edge falls into the lower bin (numpy `searchsorted`, side left).
 * Empty bins are left out, as in scikit-learn.
 * @throws Error when a probability lies outside [0, 1] or nBins is not a positive integer
 */
export function calibrationCurve(
  isPositive: ArrayLike<number>,
  probability: ArrayLike<number>,
  nBins = 10,
): CalibrationCurve {
  if (!Number.isInteger(nBins) || nBins < 1)
    throw new Error(`calibrationCurve: nBins must be a positive integer, got ${nBins}`)
  if (isPositive.length !== probability.length) {
    throw new Error(`calibrationCurve: ${isPositive.length} labels but ${probability.length} probabilities`)
  }
  // numpy's linspace(0, 1, nBins + 1): i * step, with the last edge exactly 1.
  const step = 1 / nBins
  const binEdges = Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? 1 : i * step))
  const sums = new Float64Array(nBins)
  const positives = new Float64Array(nBins)
  const totals = new Float64Array(nBins)
  for (let i = 0; i < probability.length; i++) {
    const p = probability[i]
    if (!(p >= 0 && p <= 1)) throw new Error(`calibrationCurve: probability[${i}] = ${p} is outside [0, 1]`)
    // First inner edge ≥ p; inner edges are binEdges[1..nBins-1].
    let bin = Math.min(nBins - 1, Math.max(0, Math.floor(p / step)))
    while (bin > 0 && p <= binEdges[bin]) bin--
    while (bin < nBins - 1 && p > binEdges[bin + 1]) bin++
    sums[bin] += p
    totals[bin]++
    if (isPositive[i] !== 0) positives[bin]++
  }
  const curve: CalibrationCurve = { fractionOfPositives: [], meanPredicted: [], count: [], binEdges }
  for (let b = 0; b < nBins; b++) {
    if (totals[b] === 0) continue
    curve.fractionOfPositives.push(positives[b] / totals[b])
    curve.meanPredicted.push(sums[b] / totals[b])
    curve.count.push(totals[b])
  }
  return curve
}

/** Calibration curves: the positive class (binary) or each class against the rest (multiclass). */
export function calibrationCurves(
  yTrue: Int32Array,
  proba: Float64Array,
  classes: string[],
  positiveClass = 1,
  nBins = 10,
): (CalibrationCurve & { label: string })[] {
  return curveClasses(classes.length, positiveClass).map((k) => ({
    label: classes[k],
    ...calibrationCurve(oneVsRest(yTrue, k), probaColumn(proba, classes.length, k), nBins),
  }))
}

/** Predicted values against residuals for a residual plot. */
export interface ResidualPoints {
  predicted: number[]
  /** y − ŷ (scikit-learn's PredictionErrorDisplay convention: positive = under-prediction). */
  residual: number[]
  actual: number[]
  /** Row index of each point in the evaluated rows, so a tooltip can show the row. */
  rowIndex: number[]
  /**
   * Dataset row number of each point, from 1 as the data grid numbers rows, when the evaluated rows'
   * input rows are known (tooltips then say "Row 1,235" instead of "Test row 17").
   */
  rowNumber?: number[]
  /** Rows before downsampling. */
  totalRows: number
}

/**
 * Residual plot data. Above `maxPoints` rows it keeps rows at evenly spaced positions (row ⌊i·n/maxPoints⌋),
 * which is deterministic, needs no seed and keeps the rows' spread over the evaluation set.
 */
export function residualPoints(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  maxPoints = 2000,
): ResidualPoints {
  if (yTrue.length !== yPred.length)
    throw new Error(`residualPoints: ${yTrue.length} targets but ${yPred.length} predictions`)
  const n = yTrue.length
  const m = Math.min(n, Math.max(1, Math.floor(maxPoints)))
  const points: ResidualPoints = { predicted: [], residual: [], actual: [], rowIndex: [], totalRows: n }
  for (let j = 0; j < (n === 0 ? 0 : m); j++) {
    const i = Math.floor((j * n) / m)
    points.predicted.push(yPred[i])
    points.actual.push(yTrue[i])
    points.residual.push(yTrue[i] - yPred[i])
    points.rowIndex.push(i)
  }
  return points
}

/**
 * Confusion matrix normalised by true row (`normalize='true'`): each row sums to 1 (recall on the
 * diagonal); a class with no rows gets a row of zeros, where scikit-learn would give NaN.
 */
export function normalizeConfusionByTrue(confusion: number[][]): number[][] {
  return confusion.map((row) => {
    const total = row.reduce((a, b) => a + b, 0)
    return row.map((count) => (total === 0 ? 0 : count / total))
  })
}

/** Every plot of a classification evaluation, from the test rows' probabilities. */
export interface ClassificationPlotData {
  roc: ClassRocCurve[]
  precisionRecall: ClassPrecisionRecallCurve[]
  calibration: (CalibrationCurve & { label: string })[]
  /** Row-normalised confusion (recall on the diagonal), argmax predictions. */
  confusionNormalized: number[][]
}

/**
 * All classification plot data in one call (curves per {@link rocCurves} etc.; confusion from the argmax).
 * Curves of more than `maxCurvePoints` points keep that many, evenly spaced along the curve with its
 * first and last (their AUC and average precision are computed from every point first): a 2M-row test
 * set gave a precision–recall curve of up to 2M points, tens of MB of JSON that the run page parsed and
 * drew on the main thread (a 1.6 s task at the end of a 10M-row run).
 * @param confusion counts as in `classificationReport(...).confusion`
 */
export function classificationPlotData(
  yTrue: Int32Array,
  proba: Float64Array,
  classes: string[],
  confusion: number[][],
  positiveClass = 1,
  maxCurvePoints = 2000,
): ClassificationPlotData {
  return {
    roc: rocCurves(yTrue, proba, classes, positiveClass).map((curve) => {
      const keep = evenlySpaced(curve.fpr.length, maxCurvePoints)
      if (!keep) return curve
      return { ...curve, ...pick({ fpr: curve.fpr, tpr: curve.tpr, thresholds: curve.thresholds }, keep) }
    }),
    precisionRecall: precisionRecallCurves(yTrue, proba, classes, positiveClass).map((curve) => {
      const keep = evenlySpaced(curve.precision.length, maxCurvePoints)
      if (!keep) return curve
      return {
        ...curve,
        ...pick({ precision: curve.precision, recall: curve.recall, thresholds: curve.thresholds }, keep),
      }
    }),
    calibration: calibrationCurves(yTrue, proba, classes, positiveClass),
    confusionNormalized: normalizeConfusionByTrue(confusion),
  }
}

/** `max` indices evenly spaced over 0..n-1, first and last included; undefined when all n fit. */
function evenlySpaced(n: number, max: number): number[] | undefined {
  const m = Math.max(2, Math.floor(max))
  if (n <= m) return undefined
  return Array.from({ length: m }, (_, k) => Math.round((k * (n - 1)) / (m - 1)))
}

/** The entries of each array at `keep` (an array shorter than the points, such as PR thresholds, keeps those it has). */
function pick<T extends Record<string, number[]>>(arrays: T, keep: readonly number[]): T {
  const out: Record<string, number[]> = {}
  for (const [name, values] of Object.entries(arrays))
    out[name] = keep.filter((i) => i < values.length).map((i) => values[i])
  return out as T
}
