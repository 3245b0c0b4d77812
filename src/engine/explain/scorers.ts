/**
 * Scorers for model-agnostic explainers: a function from (model, rows, target) to one number where
 * larger is better. Metrics where smaller is better (log loss, RMSE) are negated, as in scikit-learn's
 * `neg_*` scorers, so "score drop" always means "the model got worse".
 */
import type { FeatureMatrix, Target } from '../frame.ts'
import { evaluateClassification } from '../metrics/classification.ts'
import { metricInfo } from '../metrics/metricInfo.ts'
import { regressionMetrics } from '../metrics/regression.ts'
import type { FittedModel } from '../models/model.ts'
import { predictForScoring } from '../pipeline/scoring.ts'

/** Scores `model` on rows `X` with targets `y`; larger is better. */
export type Scorer = (model: FittedModel, X: FeatureMatrix, y: Target) => Promise<number>

/**
 * A scorer in its two steps, so a caller can reuse the predictions of rows whose inputs did not change
 * (a model's prediction for a row depends on that row alone).
 */
export interface PredictionScorer {
  /** Row-major predictions: class probabilities (n × classes) for classification, values for regression. */
  predict(model: FittedModel, X: FeatureMatrix, y: Target): Promise<Float64Array>
  /** The score of those predictions against `y`; larger is better. */
  scorePredictions(predictions: Float64Array, y: Target): number
}

/** A scorer and the metric it reports. */
export interface NamedScorer extends PredictionScorer {
  /** Metric key as in the reports ('accuracy', 'r2', ...). */
  metric: string
  /** True when the scorer returns −metric (the metric is lower-is-better). */
  negated: boolean
  score: Scorer
}

/** scikit-learn's default for permutation importance (`estimator.score`): accuracy, or R² for regression. */
export function defaultScorerMetric(target: Target): string {
  return target.kind === 'classification' ? 'accuracy' : 'r2'
}

/**
 * A scorer for a metric key of `classificationReport` / `regressionMetrics`. `positiveClassIndex` is the
 * binary task's positive class (precision, recall, F1 and ROC-AUC are about it; default index 1), as the
 * run's evaluation scores it.
 * @throws Error for an unknown metric key
 */
export function createMetricScorer(metric: string, positiveClassIndex?: number): NamedScorer {
  const info = metricInfo[metric]
  if (!info)
    throw new Error(
      `createMetricScorer: unknown metric '${metric}' (known: ${Object.keys(metricInfo).join(', ')})`,
    )
  const sign = info.greaterIsBetter ? 1 : -1
  const predict: PredictionScorer['predict'] = predictForScoring
  const scorePredictions: PredictionScorer['scorePredictions'] = (predictions, y) => {
    if (y.kind === 'classification') {
      const value = evaluateClassification(
        y.codes,
        predictions,
        y.classes,
        positiveClassIndex === undefined ? {} : { positiveClass: positiveClassIndex },
      ).metrics[metric]
      if (value === undefined) throw new Error(`Metric '${metric}' does not apply to a classification target`)
      return sign * value
    }
    const value = regressionMetrics(y.values, predictions)[metric]
    if (value === undefined) throw new Error(`Metric '${metric}' does not apply to a regression target`)
    return sign * value
  }
  const score: Scorer = async (model, X, y) => scorePredictions(await predict(model, X, y), y)
  return { metric, negated: sign < 0, score, predict, scorePredictions }
}
