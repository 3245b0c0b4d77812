/**
 * Regression metrics with scikit-learn's definitions: r2, rmse, mae, mape, median_ae. The pipeline
 * engine calls {@link regressionMetrics}; the single metrics are exported for curves and hooks.
 */

function assertSameLength(name: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) {
    throw new Error(`${name}: yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`)
  }
  return yTrue.length
}

/** Mean squared error. NaN on no rows. */
export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = assertSameLength('meanSquaredError', yTrue, yPred)
  let sum = 0
  for (let i = 0; i < n; i++) {
    const d = yTrue[i] - yPred[i]
    sum += d * d
  }
  return n === 0 ? Number.NaN : sum / n
}

/** Root mean squared error, √MSE. */
export function rootMeanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred))
}

/** Mean absolute error. */
export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = assertSameLength('meanAbsoluteError', yTrue, yPred)
  let sum = 0
  for (let i = 0; i < n; i++) sum += Math.abs(yTrue[i] - yPred[i])
  return n === 0 ? Number.NaN : sum / n
}

/**
 * `mean_absolute_percentage_error`: mean |ŷ − y| / max(|y|, ε) with ε = float64 machine epsilon. A fraction
 * (0.07 = 7 %), not a percentage; it explodes where y is near 0, by design of the metric.
 */
export function meanAbsolutePercentageError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = assertSameLength('meanAbsolutePercentageError', yTrue, yPred)
  let sum = 0
  for (let i = 0; i < n; i++)
    sum += Math.abs(yPred[i] - yTrue[i]) / Math.max(Math.abs(yTrue[i]), Number.EPSILON)
  return n === 0 ? Number.NaN : sum / n
}

/** Median of the absolute errors (mean of the two middle values for an even count, like numpy). */
export function medianAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = assertSameLength('medianAbsoluteError', yTrue, yPred)
  if (n === 0) return Number.NaN
  const errors = new Float64Array(n)
  for (let i = 0; i < n; i++) errors[i] = Math.abs(yPred[i] - yTrue[i])
  errors.sort()
  const middle = n >> 1
  return n % 2 === 1 ? errors[middle] : (errors[middle - 1] + errors[middle]) / 2
}

/**
 * Coefficient of determination, 1 − SS_res / SS_tot. With a constant yTrue (SS_tot = 0) it is 1 for a
 * perfect prediction and 0 otherwise, like scikit-learn's `force_finite=True`. NaN for fewer than 2 rows.
 */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = assertSameLength('r2Score', yTrue, yPred)
  // scikit-learn: "R^2 score is not well-defined with less than two samples" (NaN with a warning).
  if (n < 2) return Number.NaN
  let mean = 0
  for (let i = 0; i < n; i++) mean += yTrue[i]
  mean /= n
  let residual = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    residual += (yTrue[i] - yPred[i]) ** 2
    total += (yTrue[i] - mean) ** 2
  }
  if (total === 0) return residual === 0 ? 1 : 0
  return 1 - residual / total
}

/**
 * r2, rmse, mae, mape (a fraction) and median_ae of a regression.
 * @throws Error when the arrays differ in length
 */
export function regressionMetrics(yTrue: Float64Array, yPred: Float64Array): Record<string, number> {
  return {
    r2: r2Score(yTrue, yPred),
    rmse: rootMeanSquaredError(yTrue, yPred),
    mae: meanAbsoluteError(yTrue, yPred),
    mape: meanAbsolutePercentageError(yTrue, yPred),
    median_ae: medianAbsoluteError(yTrue, yPred),
  }
}
