/**
 * Logistic regression (the 'logistic' family) refined on every training row of a table too large to
 * load (issue 16). L-BFGS needs the loss at many points, each a pass over all rows; instead the fit on
 * the sample's training rows is the starting point and each streamed pass takes one Newton step on the
 * same objective as the in-memory fit (mean log-loss + ‖W‖² / (2·C·n), intercepts not penalised): the pass
 * sums the gradient and the Hessian row by row in table order (so chunking does not change them), then
 * the step is solved exactly (Cholesky). From a fit on a large sample, Newton's method converges in a
 * step or two.
 */
import type { FeatureMatrix } from '../frame.ts'
import { solveCholesky } from '../models/linear.ts'
import { logisticRowLoss } from '../models/logisticLoss.ts'

/** One streamed Newton pass at the parameters `x` (d×k weights, row-major, then k intercepts). */
export class LogisticNewtonPass {
  private readonly p: number
  readonly gradient: Float64Array
  private readonly hessian: Float64Array
  private loss = 0
  private n = 0

  constructor(
    private readonly d: number,
    /** 1 for two classes (sigmoid), else the number of classes (softmax). */
    private readonly k: number,
    private readonly x: Float64Array,
  ) {
    this.p = (d + 1) * k
    this.gradient = new Float64Array(this.p)
    this.hessian = new Float64Array(this.p * this.p)
  }

  /** Adds the rows `rows` of `X` (all when absent) whose class codes are `codes` (one per added row). */
  add(X: FeatureMatrix, codes: ArrayLike<number>, rows?: readonly number[]): void {
    const { d, k, x, gradient, hessian, p } = this
    const count = rows ? rows.length : X.nRows
    const z = new Float64Array(d + 1)
    const s = new Float64Array(k)
    const r = new Float64Array(k)
    for (let t = 0; t < count; t++) {
      const i = rows ? rows[t] : t
      for (let j = 0; j < d; j++) {
        const v = X.columns[j][i]
        z[j] = Number.isNaN(v) ? 0 : v
      }
      z[d] = 1
      for (let c = 0; c < k; c++) {
        let sum = 0
        for (let j = 0; j <= d; j++) sum += z[j] * x[j * k + c]
        s[c] = sum
      }
      const y = codes[t]
      this.loss += logisticRowLoss(s, k, y, r)
      if (k === 1) {
        const prob = r[0]
        const w = prob * (1 - prob)
        const residual = prob - (y === 1 ? 1 : 0)
        for (let a = 0; a <= d; a++) {
          gradient[a] += z[a] * residual
          const wa = w * z[a]
          for (let b = a; b <= d; b++) hessian[a * p + b] += wa * z[b]
        }
      } else {
        for (let a = 0; a <= d; a++)
          for (let c = 0; c < k; c++) {
            const row = a * k + c
            gradient[row] += z[a] * (r[c] - (c === y ? 1 : 0))
            for (let b = a; b <= d; b++) {
              const zz = z[a] * z[b]
              for (let e = b === a ? c : 0; e < k; e++)
                hessian[row * p + b * k + e] += zz * r[c] * ((c === e ? 1 : 0) - r[e])
            }
          }
      }
    }
    this.n += count
  }

  /** Mean log-loss plus the penalty at the pass's parameters (the in-memory fit's objective). */
  objective(C: number): number {
    let l2 = 0
    for (let i = 0; i < this.d * this.k; i++) l2 += this.x[i] * this.x[i]
    return this.loss / this.n + l2 / (2 * C * this.n)
  }

  /** The parameters after one Newton step from this pass's. */
  step(C: number): Float64Array {
    const { p, d, k, x } = this
    const A = new Float64Array(p * p)
    const g = new Float64Array(p)
    for (let a = 0; a < p; a++) {
      const penalised = a < d * k
      g[a] = this.gradient[a] + (penalised ? x[a] / C : 0)
      for (let b = a; b < p; b++) {
        A[a * p + b] = this.hessian[a * p + b]
        A[b * p + a] = this.hessian[a * p + b]
      }
      // Intercepts are not penalised; softmax's are determined only up to a shared constant.
      A[a * p + a] += penalised ? 1 / C : 1e-9 * this.n
    }
    const delta = solveCholesky(A, g, p)
    return Float64Array.from(x, (v, i) => v - delta[i])
  }
}
