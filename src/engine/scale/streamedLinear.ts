/**
 * Ridge regression (the 'linear' family) fitted on every training row of a table too large to load
 * (issue 16): one streamed pass accumulates the normal equations (Σx, Σy, Σxxᵀ, Σxy around a fixed
 * centre), then the same Cholesky solve as the in-memory fit. Each sum adds the rows one by one in table
 * order, so the result does not depend on how the rows are chunked; it equals the in-memory fit on the
 * same rows up to rounding.
 */
import type { FeatureMatrix } from '../frame.ts'
import { createFittedLinear, solveCholesky } from '../models/linear.ts'
import type { FittedModel, Hyperparameters } from '../models/model.ts'

/** Running sums of ridge regression's normal equations around `centre` (the sample's feature means). */
export class StreamedRidge {
  private readonly d: number
  private n = 0
  private readonly sumX: Float64Array
  private sumY = 0
  private readonly gram: Float64Array
  private readonly xy: Float64Array

  constructor(
    private readonly names: readonly string[],
    private readonly centre: Float64Array,
  ) {
    this.d = names.length
    this.sumX = new Float64Array(this.d)
    this.gram = new Float64Array(this.d * this.d)
    this.xy = new Float64Array(this.d)
  }

  /** Adds the rows `rows` of `X` (all when absent) with targets `y` (one per added row, in that order). */
  add(X: FeatureMatrix, y: Float64Array, rows?: readonly number[]): void {
    const { d, centre, gram, xy, sumX } = this
    const count = rows ? rows.length : X.nRows
    const x = new Float64Array(d)
    for (let r = 0; r < count; r++) {
      const i = rows ? rows[r] : r
      for (let j = 0; j < d; j++) {
        const v = X.columns[j][i]
        x[j] = (Number.isNaN(v) ? 0 : v) - centre[j]
      }
      const t = y[r]
      this.sumY += t
      for (let a = 0; a < d; a++) {
        const xa = x[a]
        sumX[a] += xa
        xy[a] += xa * t
        for (let b = a; b < d; b++) gram[a * d + b] += xa * x[b]
      }
    }
    this.n += count
  }

  /** The fitted model: the centred normal equations solved by Cholesky, as `linearFamily.fit`. */
  finish(hyperparameters: Hyperparameters, metadata: Record<string, unknown>): FittedModel {
    const { d, n, centre } = this
    if (n === 0) throw new Error('Ridge regression needs at least one row')
    const alpha = Number(hyperparameters.alpha)
    // Shift from the fixed centre to the exact means: Σ(x−m)(x−m)ᵀ = Σ(x−c)(x−c)ᵀ − n·δδᵀ with δ = m − c.
    const delta = Float64Array.from(this.sumX, (s) => s / n)
    const yMean = this.sumY / n
    const A = new Float64Array(d * d)
    const b = new Float64Array(d)
    for (let i = 0; i < d; i++) {
      b[i] = this.xy[i] - n * delta[i] * yMean
      for (let j = i; j < d; j++) {
        const v = this.gram[i * d + j] - n * delta[i] * delta[j]
        A[i * d + j] = v
        A[j * d + i] = v
      }
      A[i * d + i] += alpha
    }
    const weights = solveCholesky(A, b, d)
    let intercept = yMean
    for (let j = 0; j < d; j++) intercept -= (centre[j] + delta[j]) * weights[j]
    return createFittedLinear(
      weights,
      intercept,
      this.names.slice(),
      { alpha },
      {
        rows: n,
        solver: 'cholesky-float64, normal equations streamed chunk by chunk',
        ...metadata,
      },
    )
  }
}

/** Column means of `X`, missing values read as 0 (as the ridge fit reads them). */
export function columnMeans(X: FeatureMatrix): Float64Array {
  return Float64Array.from(X.columns, (column) => {
    let sum = 0
    for (const v of column) sum += Number.isNaN(v) ? 0 : v
    return X.nRows > 0 ? sum / X.nRows : 0
  })
}
