/**
 * Partial dependence (Friedman 2001; scikit-learn's `partial_dependence(kind='average')`): the model's
 * average prediction when one feature is set to each grid value for every sampled row. Numeric features
 * use a grid of quantiles, categorical ones their levels. One batched model call per feature.
 */
import { WorkerError } from '../../domain/errors.ts'
import type { Rng } from '../../domain/random.ts'
import { type FeatureMatrix, featureMatrixRows } from '../frame.ts'
import type { FittedModel } from '../models/model.ts'
import { defaultExplainBudget, defaultNow, sampleRowIndices, yieldToEventLoop } from './budget.ts'

/** Partial dependence of one feature. Plain arrays, JSON-ready. */
export interface FeaturePartialDependence {
  feature: string
  featureIndex: number
  /** True when the grid holds category codes (levels of the feature). */
  categorical: boolean
  /** Feature values set for every row, increasing. */
  grid: number[]
  /**
   * average[o][g]: mean prediction at grid[g] — class o's probability for classification (one series per
   * class), the predicted value for regression (one series).
   */
  average: number[][]
}

/** Result of {@link partialDependence}. */
export interface PartialDependenceResult {
  /** Series names: class labels for classification, ['prediction'] for regression. */
  outputs: string[]
  features: FeaturePartialDependence[]
  rowsUsed: number
  /** True when the time budget skipped some requested features. */
  truncated: boolean
}

/** Inputs of {@link partialDependence}. */
export interface PartialDependenceOptions {
  model: FittedModel
  X: FeatureMatrix
  /** Column indices to explain, in the order wanted (e.g. most important first). */
  features: number[]
  /** Class labels for a classifier (its predictProba columns); absent for regression. */
  classes?: string[]
  rng: Rng
  /** Default {@link defaultExplainBudget}.partialDependence.maxRows. */
  maxRows?: number
  /** Default {@link defaultExplainBudget}.partialDependence.gridResolution. */
  gridResolution?: number
  /** Quantile range of numeric grids (default [0.05, 0.95], scikit-learn's `percentiles`). */
  percentiles?: [number, number]
  /** Default {@link defaultExplainBudget}.partialDependence.maxSeconds. */
  maxSeconds?: number
  now?: () => number
  onProgress?: (progress: { fraction: number; feature: string }) => void
  /** Checked before each feature; true stops with WorkerError('cancelled'). */
  isCancelled?: () => boolean
}

/** Linear-interpolation quantile of sorted values (numpy's default method). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1)
  const lower = Math.floor(position)
  const upper = Math.min(lower + 1, sorted.length - 1)
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower])
}

/**
 * The grid of one feature: its distinct non-missing values when there are at most `resolution` of them
 * (as scikit-learn does), else `resolution` quantiles evenly spaced in probability between the
 * percentiles, deduplicated. Categorical features: every level code 0..levels-1.
 */
export function featureGrid(
  column: Float64Array,
  categoricalLevels: number,
  resolution: number,
  percentiles: [number, number] = [0.05, 0.95],
): number[] {
  if (categoricalLevels > 0) return Array.from({ length: categoricalLevels }, (_, c) => c)
  const sorted = column.filter((v) => !Number.isNaN(v)).sort()
  if (sorted.length === 0) return []
  const distinct: number[] = []
  for (let i = 0; i < sorted.length && distinct.length <= resolution; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i])
  }
  if (distinct.length <= resolution) return distinct
  const [low, high] = percentiles
  const grid: number[] = []
  for (let g = 0; g < resolution; g++) {
    const q = resolution === 1 ? (low + high) / 2 : low + ((high - low) * g) / (resolution - 1)
    const value = quantileSorted(sorted, q)
    if (grid.length === 0 || value !== grid[grid.length - 1]) grid.push(value)
  }
  return grid
}

/**
 * Partial dependence of each requested feature, averaged over a seeded sample of rows. A row's missing
 * values elsewhere stay as they are; only the explained feature is overwritten.
 * @throws WorkerError('cancelled') when `isCancelled()` turns true; Error on a bad feature index
 */
export async function partialDependence(options: PartialDependenceOptions): Promise<PartialDependenceResult> {
  const budget = defaultExplainBudget.partialDependence
  const resolution = options.gridResolution ?? budget.gridResolution
  const maxSeconds = options.maxSeconds ?? budget.maxSeconds
  const now = options.now ?? defaultNow
  const classification = options.classes !== undefined
  const nOutputs = classification ? options.classes!.length : 1
  for (const j of options.features) {
    if (!(j >= 0 && j < options.X.columns.length)) {
      throw new Error(`partialDependence: feature ${j} is outside 0..${options.X.columns.length - 1}`)
    }
  }
  const rows = sampleRowIndices(options.X.nRows, options.maxRows ?? budget.maxRows, options.rng.fork('rows'))
  const sample = featureMatrixRows(options.X, rows)
  const n = sample.nRows
  const started = now()
  const result: PartialDependenceResult = {
    outputs: classification ? [...options.classes!] : ['prediction'],
    features: [],
    rowsUsed: n,
    truncated: false,
  }
  for (let index = 0; index < options.features.length; index++) {
    await yieldToEventLoop()
    if (options.isCancelled?.()) throw new WorkerError('cancelled', 'Partial dependence was cancelled')
    if (index > 0 && now() - started > maxSeconds * 1000) {
      result.truncated = true
      break
    }
    const j = options.features[index]
    const levels = options.X.categoricalLevels[j] ?? 0
    const grid = featureGrid(options.X.columns[j], levels, resolution, options.percentiles)
    const g = grid.length
    // One batch of n·g rows: block b holds every sampled row with feature j set to grid[b].
    const columns = sample.columns.map((column, c) => {
      const out = new Float64Array(n * g)
      for (let b = 0; b < g; b++) {
        if (c === j) out.fill(grid[b], b * n, (b + 1) * n)
        else out.set(column, b * n)
      }
      return out
    })
    const batch: FeatureMatrix = { ...sample, nRows: n * g, columns }
    const predictions = classification
      ? await options.model.predictProba(batch)
      : await options.model.predict(batch)
    const average = Array.from({ length: nOutputs }, () => new Array<number>(g).fill(0))
    for (let b = 0; b < g; b++) {
      for (let i = 0; i < n; i++) {
        const row = b * n + i
        for (let o = 0; o < nOutputs; o++) average[o][b] += predictions[row * nOutputs + o]
      }
      for (let o = 0; o < nOutputs; o++) average[o][b] /= n
    }
    result.features.push({
      feature: options.X.names[j],
      featureIndex: j,
      categorical: levels > 0,
      grid,
      average,
    })
    options.onProgress?.({ fraction: (index + 1) / options.features.length, feature: options.X.names[j] })
  }
  return result
}
