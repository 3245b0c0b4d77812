/**
 * Scores predictions on the task's metric through the metrics module (scikit-learn definitions), and
 * orders scores by the metric's direction. Model selection and evaluation share it.
 */
import { lowerIsBetter } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { classificationReport } from '../metrics/classification.ts'
import { regressionMetrics } from '../metrics/regression.ts'
import type { FittedModel } from '../models/model.ts'

/** All metrics of `model` on rows `X` with truth `y`. */
export async function scoreModel(
  model: FittedModel,
  X: FeatureMatrix,
  y: Target,
  positiveClassIndex: number | undefined,
): Promise<Record<string, number>> {
  return scorePredictions(y, await predictForScoring(model, X, y), positiveClassIndex)
}

/** What scoring reads from a model: class probabilities (row-major n × classes) or regression values. */
export function predictForScoring(model: FittedModel, X: FeatureMatrix, y: Target): Promise<Float64Array> {
  return y.kind === 'classification' ? model.predictProba(X) : model.predict(X)
}

/** All metrics of predictions from {@link predictForScoring} against truth `y`. */
export function scorePredictions(
  y: Target,
  predictions: Float64Array,
  positiveClassIndex: number | undefined,
): Record<string, number> {
  if (y.kind === 'classification')
    return classificationReport(y.codes, predictions, y.classes, positiveClassIndex).metrics
  return regressionMetrics(y.values, predictions)
}

/** True when score `a` beats `b` on `metric` (NaN never wins). */
export function isBetterScore(metric: string, a: number, b: number): boolean {
  if (Number.isNaN(a)) return false
  if (Number.isNaN(b)) return true
  return lowerIsBetter.has(metric) ? a < b : a > b
}
