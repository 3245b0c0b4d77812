/**
 * Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): how much a model's
 * score drops when one feature's values are shuffled across rows, breaking its link to the target.
 * Model-agnostic (it only calls `predict`/`predictProba`), seeded, budgeted, cancellable.
 */
import { WorkerError } from '../../domain/errors.ts'
import type { Rng } from '../../domain/random.ts'
import { type FeatureMatrix, featureMatrixRows, type Target, targetRows } from '../frame.ts'
import { meanAndStd } from '../metrics/crossValidation.ts'
import type { FittedModel } from '../models/model.ts'
import { defaultExplainBudget, defaultNow, sampleRowIndices, yieldToEventLoop } from './budget.ts'
import type { PredictionScorer, Scorer } from './scorers.ts'

/** Columns shuffled together with one permutation, e.g. the one-hot columns of one categorical feature. */
export interface FeatureGroup {
  name: string
  columns: number[]
}

/** Progress of a permutation importance run. */
export interface PermutationProgress {
  /** 0..1 of the planned work (repeats × features). */
  fraction: number
  /** Repeat round being run, 0-based. */
  repeat: number
  /** Feature (or group) just scored. */
  feature: string
}

/** Inputs of {@link permutationImportance}. */
export interface PermutationImportanceOptions {
  model: FittedModel
  /** Evaluation rows (held-out data: importance on training rows measures memorisation). */
  X: FeatureMatrix
  y: Target
  /** Larger is better; see `createMetricScorer`. */
  scorer: Scorer
  /**
   * The same scorer in two steps (`createMetricScorer` gives both). With it only the rows a shuffle
   * changed are predicted again (a shuffled 0/1 column leaves most rows as they were); the others keep
   * their unshuffled predictions, so the scores are those of predicting every row.
   */
  predictionScorer?: PredictionScorer
  /** Draws the row sample and every shuffle; the result is a function of its seed. */
  rng: Rng
  /** Default {@link defaultExplainBudget}.permutation.repeats. */
  repeats?: number
  /** Default {@link defaultExplainBudget}.permutation.maxRows. */
  maxRows?: number
  /** Default {@link defaultExplainBudget}.permutation.maxSeconds. */
  maxSeconds?: number
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number
  /** Shuffle these groups instead of single columns (default: each column alone). */
  groups?: FeatureGroup[]
  onProgress?: (progress: PermutationProgress) => void
  /** Checked before every model call; true stops the run with WorkerError('cancelled'). */
  isCancelled?: () => boolean
}

/** Result of {@link permutationImportance}; plain arrays, JSON-ready. */
export interface PermutationImportance {
  /** Feature (or group) names, in input order. */
  features: string[]
  /** Score of the unshuffled sample. */
  baselineScore: number
  /** Mean score drop per feature (baseline − shuffled); larger = more important, ≈ 0 or < 0 = unused. */
  mean: number[]
  /** Population standard deviation (ddof = 0) of the drops over repeats, as scikit-learn reports. */
  std: number[]
  /** drops[f][r]: score drop of feature f in repeat r. */
  drops: number[][]
  /** Repeats done for every feature (fewer than asked when the time budget ran out). */
  completedRepeats: number
  /** Rows the scores were computed on. */
  rowsUsed: number
  /** True when the time budget stopped the run before all repeats. */
  truncated: boolean
}

function cancelledError(): WorkerError {
  return new WorkerError('cancelled', 'Permutation importance was cancelled')
}

/**
 * Shuffles each feature (or group) `repeats` times and records the score drops. Work runs in rounds — one
 * shuffle of every feature per round — so a time cut leaves every feature with the same number of
 * repeats. The first round always completes; a later round starts only if, at the pace of the rounds so
 * far, it ends within `maxSeconds`.
 * @throws WorkerError('cancelled') when `isCancelled()` turns true
 */
export async function permutationImportance(
  options: PermutationImportanceOptions,
): Promise<PermutationImportance> {
  const budget = defaultExplainBudget.permutation
  const repeats = options.repeats ?? budget.repeats
  const maxSeconds = options.maxSeconds ?? budget.maxSeconds
  const now = options.now ?? defaultNow
  const isCancelled = options.isCancelled ?? (() => false)
  if (!(Number.isInteger(repeats) && repeats >= 1)) {
    throw new Error(`permutationImportance: repeats must be a positive integer, got ${repeats}`)
  }
  const groups = options.groups ?? options.X.names.map((name, j) => ({ name, columns: [j] }))
  for (const group of groups) {
    for (const j of group.columns) {
      if (!(j >= 0 && j < options.X.columns.length)) {
        throw new Error(
          `permutationImportance: group '${group.name}' names column ${j} of ${options.X.columns.length}`,
        )
      }
    }
  }
  const rows = sampleRowIndices(options.X.nRows, options.maxRows ?? budget.maxRows, options.rng.fork('rows'))
  const X = featureMatrixRows(options.X, rows)
  const y = targetRows(options.y, rows)
  const n = X.nRows

  const started = now()
  if (isCancelled()) throw cancelledError()
  const reuse = options.predictionScorer
  const baselinePredictions = reuse ? await reuse.predict(options.model, X, y) : undefined
  const baselineScore =
    reuse && baselinePredictions
      ? reuse.scorePredictions(baselinePredictions, y)
      : await options.scorer(options.model, X, y)
  const drops = groups.map((): number[] => [])
  let completedRepeats = 0
  let truncated = false
  for (let r = 0; r < repeats; r++) {
    if (r > 0) {
      const elapsed = now() - started
      const perRound = elapsed / r
      if (elapsed + perRound > maxSeconds * 1000) {
        truncated = true
        break
      }
    }
    for (let g = 0; g < groups.length; g++) {
      await yieldToEventLoop()
      if (isCancelled()) throw cancelledError()
      // One stream per (feature, repeat): adding features or repeats leaves the other shuffles unchanged.
      const rng = options.rng.fork(`shuffle:${groups[g].name}:${r}`)
      const order = Int32Array.from({ length: n }, (_, i) => i)
      for (let i = n - 1; i > 0; i--) {
        const j = rng.nextInt(i + 1)
        const tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
      }
      const columns = X.columns.slice()
      for (const j of groups[g].columns) columns[j] = Float64Array.from(order, (i) => X.columns[j][i])
      const shuffled = { ...X, columns }
      const score =
        reuse && baselinePredictions
          ? await scoreReusing(reuse, options.model, X, shuffled, groups[g].columns, baselinePredictions, y)
          : await options.scorer(options.model, shuffled, y)
      drops[g].push(baselineScore - score)
      options.onProgress?.({
        fraction: (r * groups.length + g + 1) / (repeats * groups.length),
        repeat: r,
        feature: groups[g].name,
      })
    }
    completedRepeats = r + 1
  }
  const stats = drops.map((d) => meanAndStd(d))
  return {
    features: groups.map((group) => group.name),
    baselineScore,
    mean: stats.map((s) => s.mean),
    std: stats.map((s) => s.std),
    drops,
    completedRepeats,
    rowsUsed: n,
    truncated,
  }
}

/** Same value, NaN included (a missing value shuffled onto a missing value changes nothing). */
function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b))
}

/**
 * The score of `shuffled`, predicting only the rows where a shuffled column's value changed and keeping
 * the baseline predictions of the others.
 */
async function scoreReusing(
  scorer: PredictionScorer,
  model: FittedModel,
  X: FeatureMatrix,
  shuffled: FeatureMatrix,
  shuffledColumns: readonly number[],
  baseline: Float64Array,
  y: Target,
): Promise<number> {
  const changed: number[] = []
  for (let i = 0; i < X.nRows; i++)
    if (shuffledColumns.some((j) => !sameValue(X.columns[j][i], shuffled.columns[j][i]))) changed.push(i)
  if (changed.length === X.nRows) return scorer.scorePredictions(await scorer.predict(model, shuffled, y), y)
  const predictions = baseline.slice()
  if (changed.length > 0) {
    const rows = Int32Array.from(changed)
    const fresh = await scorer.predict(model, featureMatrixRows(shuffled, rows), targetRows(y, rows))
    const width = baseline.length / X.nRows
    for (let r = 0; r < rows.length; r++)
      predictions.set(fresh.subarray(r * width, (r + 1) * width), rows[r] * width)
  }
  return scorer.scorePredictions(predictions, y)
}

/**
 * Indices of the `k` largest values, largest first (ties → lower index); NaN counts as smallest.
 */
export function topIndices(values: number[], k: number): number[] {
  const order = values.map((_, i) => i)
  const key = (i: number): number => (Number.isNaN(values[i]) ? Number.NEGATIVE_INFINITY : values[i])
  order.sort((a, b) => key(b) - key(a) || a - b)
  return order.slice(0, Math.max(0, k))
}
