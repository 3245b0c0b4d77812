/**
 * Limited-memory BFGS over a Float64 parameter vector, the full-batch optimiser behind the logistic
 * family (as scikit-learn's default 'lbfgs' solver). The objective is a callback, so the model decides
 * where the loss and gradient are computed (TF.js tensors here).
 */

export interface LbfgsResult {
  x: Float64Array
  loss: number
  iterations: number
  /** True when the gradient tolerance was met or no further decrease was measurable. */
  converged: boolean
  /** Why it stopped: gradient below tolerance, no measurable decrease (float precision), or the iteration cap. */
  stopReason: 'gradient' | 'no-decrease' | 'max-iterations'
  /** Largest absolute gradient entry at the end. */
  gradientMax: number
  /** Loss after each iteration. */
  history: number[]
}

export interface LbfgsOptions {
  maxIterations: number
  /** Stop when the largest absolute gradient entry falls below this. */
  gradientTolerance: number
  memory?: number
  /** Called after each iteration; return false to stop early. Throwing aborts (used for cancellation). */
  onIteration?: (iteration: number, loss: number) => void
}

/** Minimises `objective` from `x0`; `objective` returns the loss and writes the gradient into `grad`. */
export function minimizeLbfgs(
  objective: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  options: LbfgsOptions,
): LbfgsResult {
  const n = x0.length
  const m = options.memory ?? 10
  const x = Float64Array.from(x0)
  const g = new Float64Array(n)
  let f = objective(x, g)
  const sList: Float64Array[] = []
  const yList: Float64Array[] = []
  const rhoList: number[] = []
  const history: number[] = []
  const direction = new Float64Array(n)
  const alpha = new Float64Array(m)
  const xNew = new Float64Array(n)
  const gNew = new Float64Array(n)
  let converged = maxAbs(g) < options.gradientTolerance
  let stopReason: LbfgsResult['stopReason'] = converged ? 'gradient' : 'max-iterations'
  let iteration = 0
  while (!converged && iteration < options.maxIterations) {
    // Two-loop recursion: direction = -H·g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]
    const k = sList.length
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rhoList[j] * dot(sList[j], direction)
      axpy(-alpha[j], yList[j], direction)
    }
    if (k > 0) {
      const gamma = dot(sList[k - 1], yList[k - 1]) / dot(yList[k - 1], yList[k - 1])
      for (let i = 0; i < n; i++) direction[i] *= gamma
    } else {
      const norm = Math.sqrt(dot(g, g))
      if (norm > 0) for (let i = 0; i < n; i++) direction[i] /= Math.max(1, norm)
    }
    for (let j = 0; j < k; j++) {
      const beta = rhoList[j] * dot(yList[j], direction)
      axpy(alpha[j] - beta, sList[j], direction)
    }
    let slope = dot(g, direction)
    if (!(slope < 0)) {
      // Not a descent direction (curvature info went stale): restart from steepest descent.
      sList.length = 0
      yList.length = 0
      rhoList.length = 0
      for (let i = 0; i < n; i++) direction[i] = -g[i]
      slope = -dot(g, g)
    }
    // Backtracking line search with the Armijo condition.
    let step = 1
    let fNew = Number.POSITIVE_INFINITY
    let accepted = false
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * direction[i]
      fNew = objective(xNew, gNew)
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true
        break
      }
      step *= 0.5
    }
    iteration++
    if (!accepted) {
      // No further decrease is measurable at this precision (the loss may be computed in float32).
      stopReason = 'no-decrease'
      converged = true
      break
    }
    const s = new Float64Array(n)
    const y = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i]
      y[i] = gNew[i] - g[i]
    }
    const sy = dot(s, y)
    if (sy > 1e-12) {
      if (sList.length === m) {
        sList.shift()
        yList.shift()
        rhoList.shift()
      }
      sList.push(s)
      yList.push(y)
      rhoList.push(1 / sy)
    }
    const decrease = f - fNew
    x.set(xNew)
    g.set(gNew)
    f = fNew
    history.push(f)
    options.onIteration?.(iteration, f)
    if (maxAbs(g) < options.gradientTolerance) {
      converged = true
      stopReason = 'gradient'
    } else if (decrease <= 1e-12 * Math.max(1, Math.abs(f))) {
      converged = true
      stopReason = 'no-decrease'
    }
  }
  return { x, loss: f, iterations: iteration, converged, stopReason, gradientMax: maxAbs(g), history }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i]
  return sum
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i]
}

function maxAbs(a: Float64Array): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]))
  return max
}
