/**
 * Regression metrics with scikit-learn's definitions: r2, rmse, mae, mape, median_ae.
 * CONTRACT STUB: the metrics work fills this in; the signature is shared with the pipeline engine.
 */
export function regressionMetrics(_yTrue: Float64Array, _yPred: Float64Array): Record<string, number> {
  throw new Error('regressionMetrics: not implemented yet')
}
