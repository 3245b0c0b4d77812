/**
 * How much work explainability may do by default, and the deterministic row sampling every explainer
 * shares. The defaults keep a full explanation of the largest shared dataset (diamonds, 54k rows, a
 * 100-tree GBDT) well under a minute on a laptop core; see the explain benchmark for measured numbers.
 */
import type { Rng } from '../../domain/random.ts'

/** Limits of one explainability run. Seconds are wall-clock seconds of the injected clock. */
export interface ExplainBudget {
  permutation: {
    /** Rows sampled (without replacement) from the evaluation set. */
    maxRows: number
    /** Shuffles per feature. */
    repeats: number
    /** After the first full round of all features, no new round starts once it would end past this. */
    maxSeconds: number
  }
  partialDependence: {
    /** Rows averaged per grid point. */
    maxRows: number
    /** Grid points of a numeric feature (categorical features use their levels). */
    gridResolution: number
    /** Features explained, the most important first. */
    topFeatures: number
    /** No new feature starts past this (the first is always done). */
    maxSeconds: number
  }
  shap: {
    /** Rows explained by TreeSHAP. */
    maxRows: number
    /** Rows are explained in chunks; no new chunk starts past this (the first chunk is always done). */
    maxSeconds: number
  }
  summary: {
    /** Points per feature in the beeswarm data. */
    maxPoints: number
  }
}

/**
 * Defaults: permutation importance on ≤ 2,000 sampled rows × 5 repeats; partial dependence of the top 5
 * features on 500 rows × 20 grid points; TreeSHAP on ≤ 500 rows; beeswarm with ≤ 500 points per feature.
 * Each stage also has a time cap, so one slow model (a large MLP) cannot hold a run for minutes.
 */
export const defaultExplainBudget: ExplainBudget = {
  permutation: { maxRows: 2000, repeats: 5, maxSeconds: 20 },
  partialDependence: { maxRows: 500, gridResolution: 20, topFeatures: 5, maxSeconds: 15 },
  shap: { maxRows: 500, maxSeconds: 20 },
  summary: { maxPoints: 500 },
}

/**
 * Up to `maxRows` distinct row indices out of 0..nRows-1, drawn with `rng` and returned in increasing
 * order (so sampled rows keep the data's order). All rows when nRows ≤ maxRows.
 */
export function sampleRowIndices(nRows: number, maxRows: number, rng: Rng): Int32Array {
  if (!(maxRows >= 1)) throw new Error(`sampleRowIndices: maxRows must be at least 1, got ${maxRows}`)
  if (nRows <= maxRows) return Int32Array.from({ length: nRows }, (_, i) => i)
  const m = Math.floor(maxRows)
  // Partial Fisher–Yates: the first m slots end up a uniform sample without replacement.
  const pool = Int32Array.from({ length: nRows }, (_, i) => i)
  for (let i = 0; i < m; i++) {
    const j = i + rng.nextInt(nRows - i)
    const tmp = pool[i]
    pool[i] = pool[j]
    pool[j] = tmp
  }
  return pool.slice(0, m).sort()
}

/** Evenly spaced positions 0..n-1 (⌊i·n/m⌋), for deterministic thinning of plotted points. */
export function evenlySpacedIndices(n: number, maxCount: number): Int32Array {
  const m = Math.min(n, Math.max(0, Math.floor(maxCount)))
  return Int32Array.from({ length: m }, (_, i) => Math.floor((i * n) / m))
}

/** The default wall clock in milliseconds; explainers take a `now` so tests can drive time. */
export function defaultNow(): number {
  return performance.now()
}

/**
 * Resolves on a later macrotask, so a worker processes queued messages (a cancel request sets the flag
 * `isCancelled` reads) between chunks of work. Awaiting a model whose predict is synchronous underneath
 * only queues microtasks, which never let those messages in. MessageChannel avoids the ≥ 4 ms clamp
 * browsers put on nested setTimeout(0).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel === 'undefined') {
      setTimeout(resolve, 0)
      return
    }
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      // Closing matters in Node: an open port keeps the process alive.
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(null)
  })
}
