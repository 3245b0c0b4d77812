/**
 * Data for SHAP summary plots (drawn elsewhere): per-feature mean |φ| for the bar chart, and for the
 * beeswarm one point per explained row — its φ and its feature value scaled to 0..1 for the colour.
 */
import { evenlySpacedIndices } from './budget.ts'
import type { ShapValues } from './treeShap.ts'

/** One beeswarm row: a feature and its points. Plain arrays, JSON-ready. */
export interface ShapSummaryFeature {
  feature: string
  featureIndex: number
  /** Mean |φ| over all explained rows (not only the plotted ones). */
  meanAbsShap: number
  /** φ of each plotted row. */
  shap: number[]
  /**
   * The row's feature value scaled to 0..1 between the feature's 5th and 95th percentiles (clipped), like
   * shap's beeswarm colouring; NaN (JSON null) for a missing value. Constant features get 0.5.
   */
  normalizedValue: number[]
}

/**
 * Mean |φ| per feature of one output, or summed over every output when `output` is 'all' (the stacked
 * bar of a multiclass model).
 */
export function meanAbsoluteShap(shap: ShapValues, output: number | 'all' = 'all'): number[] {
  const outputs = output === 'all' ? shap.values.map((_, o) => o) : [output]
  const totals = new Array<number>(shap.nFeatures).fill(0)
  for (const o of outputs) {
    const phi = shap.values[o]
    for (let r = 0; r < shap.nRows; r++) {
      for (let f = 0; f < shap.nFeatures; f++) totals[f] += Math.abs(phi[r * shap.nFeatures + f])
    }
  }
  return totals.map((t) => (shap.nRows === 0 ? 0 : t / shap.nRows))
}

function percentile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1)
  const lower = Math.floor(position)
  const upper = Math.min(lower + 1, sorted.length - 1)
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower])
}

/**
 * Beeswarm data of one output, features sorted by mean |φ| (largest first, ties by feature order).
 * @param featureValues the explained rows' feature values, column-major, rows in the order of `shap`
 * @param options.maxPoints points per feature; above it, evenly spaced rows are kept (the same rows for
 *   every feature, so a row can be followed across features)
 * @param options.maxFeatures features kept, most important first (default all)
 */
export function shapSummary(
  shap: ShapValues,
  featureValues: Float64Array[],
  featureNames: string[],
  options: { output?: number; maxPoints?: number; maxFeatures?: number } = {},
): ShapSummaryFeature[] {
  const output = options.output ?? 0
  const phi = shap.values[output]
  if (!phi) throw new Error(`shapSummary: output ${output} is outside 0..${shap.values.length - 1}`)
  const importance = meanAbsoluteShap(shap, output)
  const order = importance.map((_, f) => f).sort((a, b) => importance[b] - importance[a] || a - b)
  const kept = evenlySpacedIndices(shap.nRows, options.maxPoints ?? shap.nRows)
  return order.slice(0, options.maxFeatures ?? order.length).map((f) => {
    const values = featureValues[f]
    const present = values.filter((v) => !Number.isNaN(v)).sort()
    let low = present.length > 0 ? percentile(present, 0.05) : 0
    let high = present.length > 0 ? percentile(present, 0.95) : 0
    if (low === high && present.length > 0) {
      low = present[0]
      high = present[present.length - 1]
    }
    const scale = (v: number): number => {
      if (Number.isNaN(v)) return Number.NaN
      if (high === low) return 0.5
      return Math.min(1, Math.max(0, (v - low) / (high - low)))
    }
    return {
      feature: featureNames[f],
      featureIndex: f,
      meanAbsShap: importance[f],
      shap: Array.from(kept, (r) => phi[r * shap.nFeatures + f]),
      normalizedValue: Array.from(kept, (r) => scale(values[r])),
    }
  })
}
