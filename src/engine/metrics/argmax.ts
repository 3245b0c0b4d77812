/** Turning class probabilities into predicted classes; no TF.js, so the app's main thread can load it. */

/** Class index of the largest probability in each row (ties → lowest index). */
export function argmaxRows(proba: Float64Array, nClasses: number): Float64Array {
  const n = proba.length / nClasses
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    for (let k = 1; k < nClasses; k++) if (proba[i * nClasses + k] > proba[i * nClasses + best]) best = k
    out[i] = best
  }
  return out
}
