/**
 * Summaries of cross-validated scores: mean ± standard deviation per metric over folds, the numbers a
 * leaderboard shows. The standard deviation is the population one (ddof = 0), like numpy's default and
 * scikit-learn's `cv_results_['std_test_score']`.
 */

/** One metric over the folds. */
export interface FoldSummary {
  mean: number
  /** Population standard deviation (ddof = 0). */
  std: number
  /** The per-fold values, in fold order. */
  values: number[]
}

/** Mean and population standard deviation of `values`; NaN for an empty list or any NaN value. */
export function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length
  if (n === 0) return { mean: Number.NaN, std: Number.NaN }
  let mean = 0
  for (let i = 0; i < n; i++) mean += values[i]
  mean /= n
  let squares = 0
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2
  return { mean, std: Math.sqrt(squares / n) }
}

/**
 * Per-metric summary over folds. A metric missing from some fold counts as NaN there, so a partial metric
 * shows up as NaN rather than as a mean over fewer folds.
 * @param folds one metrics record per fold, e.g. `classificationReport(...).metrics`
 */
export function summarizeFolds(folds: Record<string, number>[]): Record<string, FoldSummary> {
  const names = new Set<string>()
  for (const fold of folds) for (const name of Object.keys(fold)) names.add(name)
  const summary: Record<string, FoldSummary> = {}
  for (const name of names) {
    const values = folds.map((fold) => (name in fold ? fold[name] : Number.NaN))
    summary[name] = { ...meanAndStd(values), values }
  }
  return summary
}

/** Two-sided 95% critical values of Student's t for 1..30 degrees of freedom. */
const t975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]

/** The 97.5% quantile of Student's t with `df` degrees of freedom (table to 30, Cornish-Fisher beyond). */
export function studentT975(df: number): number {
  if (!(df >= 1)) return Number.NaN
  if (df <= 30) return t975[Math.floor(df) - 1]
  const z = 1.959964
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
}

/**
 * Nadeau & Bengio's variance correction for scores from resampled train/test splits (repeated k-fold):
 * the folds overlap, so the plain variance of the mean understates the spread. Returns the corrected
 * variance of the mean: (1/J + n_test/n_train) · s² with s² the sample variance (ddof = 1) of the J values.
 */
function correctedVarianceOfMean(values: readonly number[], testToTrain: number): number {
  const J = values.length
  const mean = values.reduce((a, b) => a + b, 0) / J
  const s2 = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (J - 1)
  return (1 / J + testToTrain) * s2
}

/**
 * 95% interval of the mean of resampled scores with the Nadeau-Bengio correction; undefined with fewer
 * than two values (one hold-out slice has no spread to measure).
 * @param testToTrain validation rows / fitting rows of one fold (k-fold: 1 / (k - 1))
 */
export function correctedInterval(
  values: readonly number[],
  testToTrain: number,
): { mean: number; low: number; high: number } | undefined {
  const J = values.length
  if (J < 2 || values.some((v) => !Number.isFinite(v))) return undefined
  const mean = values.reduce((a, b) => a + b, 0) / J
  const half = studentT975(J - 1) * Math.sqrt(correctedVarianceOfMean(values, testToTrain))
  return { mean, low: mean - half, high: mean + half }
}

/**
 * Corrected resampled t-test (Nadeau & Bengio 2003) of two candidates scored on the same folds: `tied`
 * when the mean difference is not significant at the 5% level (two-sided). Undefined with fewer than two
 * folds or a non-finite score. Identical fold scores are tied (t = 0).
 */
export function correctedResampledTTest(
  a: readonly number[],
  b: readonly number[],
  testToTrain: number,
): { meanDifference: number; t: number; df: number; tied: boolean } | undefined {
  const J = a.length
  if (J < 2 || b.length !== J) return undefined
  const d = a.map((v, i) => v - b[i])
  if (d.some((v) => !Number.isFinite(v))) return undefined
  const meanDifference = d.reduce((x, y) => x + y, 0) / J
  const variance = correctedVarianceOfMean(d, testToTrain)
  const t =
    variance > 0
      ? meanDifference / Math.sqrt(variance)
      : meanDifference === 0
        ? 0
        : Number.POSITIVE_INFINITY * Math.sign(meanDifference)
  return { meanDifference, t, df: J - 1, tied: Math.abs(t) < studentT975(J - 1) }
}
