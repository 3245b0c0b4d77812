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
