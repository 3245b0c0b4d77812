/**
 * Model selection on a table too large to load (issue 16): the ordinary in-memory model selection
 * ({@link runModelSelection}, its validation, racing, time budget and ensemble) runs on a seeded
 * subsample of the sample's training rows; the large path then refits the winner on all training rows.
 */
import { createRng } from '../../domain/random.ts'
import { featureMatrixRows } from '../frame.ts'
import type { ModelSelectionConfig } from '../pipeline/blocks/modelSelection.ts'
import { runModelSelection, seededSubsample } from '../pipeline/blocks/modelSelection.ts'
import type { BlockProgress, CandidateModel, EngineContext } from '../pipeline/engineContext.ts'
import type { LeaderboardEntry } from '../pipeline/executor.ts'

/**
 * Feature cells (rows × features) candidates are compared on: about what the in-memory run handles
 * within its default time budget on this 2-core machine (credit_data's 3,563 × 11 took 23 s for four
 * candidates; 1M cells keeps the default candidates within minutes), and enough rows that a 20%
 * hold-out slice scores each candidate on thousands of rows.
 */
export const selectionCells = 1_000_000
/** Fewest rows compared on (unless the sample has fewer): below it a hold-out slice gets noisy. */
export const minSelectionRows = 5_000
/** Most rows compared on: past it a candidate's rank rarely changes while each fit keeps growing. */
export const maxSelectionRows = 50_000

/** Rows of the selection subsample for `features` feature columns, and the sentence saying why. */
export function selectionRowsFor(
  features: number,
  available: number,
  override?: number,
): { rows: number; why: string } {
  if (override !== undefined) {
    const rows = Math.max(1, Math.min(available, Math.floor(override)))
    return { rows, why: `${rows.toLocaleString('en-US')} rows as asked` }
  }
  const wanted = Math.min(
    maxSelectionRows,
    Math.max(minSelectionRows, Math.floor(selectionCells / Math.max(1, features))),
  )
  const rows = Math.min(available, wanted)
  const why =
    rows < wanted
      ? `all ${rows.toLocaleString('en-US')} training rows of the sample`
      : `about ${(selectionCells / 1e6).toLocaleString('en-US')}M feature cells (${features} features), between ${minSelectionRows.toLocaleString('en-US')} and ${maxSelectionRows.toLocaleString('en-US')} rows: enough for a hold-out slice of thousands of rows, small enough that every candidate fits within the selection's time budget`
  return { rows, why }
}

/**
 * Runs model selection on `rows` seeded training rows of `context` (an engine context over the sample,
 * after feature engineering). Returns the leaderboard's candidates and the winner (an ensemble winner is
 * refitted member by member).
 */
export async function selectOnSubsample(input: {
  context: EngineContext
  config: ModelSelectionConfig
  rows: number
  progress: (p: BlockProgress) => void
  /** A second thread for the forest candidates (as in-memory selection uses it; results are identical). */
  forestHelper?: EngineContext['forestHelper']
  /** A second lane for the tree candidates' validation folds (results are identical without it). */
  foldFitter?: EngineContext['foldFitter']
}): Promise<{
  candidates: CandidateModel[]
  chosen: CandidateModel
  positions: Int32Array
  fallback?: string
}> {
  const { context, config } = input
  const features = context.features
  if (!features) throw new Error('Model selection needs features from the preprocessing block')
  const all = Int32Array.from({ length: features.train.nRows }, (_, i) => i)
  const positions = seededSubsample(all, input.rows, createRng(context.seed).fork('large-selection'))
  const selection: EngineContext = {
    ...context,
    data: { ...context.data, trainRows: Int32Array.from(positions, (p) => context.data.trainRows[p]) },
    features: { ...features, train: featureMatrixRows(features.train, positions) },
    models: { candidates: [], chosen: undefined },
    rng: createRng(context.seed),
    timings: { fitSeconds: 0, predictSeconds: 0 },
    progress: input.progress,
    ...(input.forestHelper ? { forestHelper: input.forestHelper } : {}),
    ...(input.foldFitter ? { foldFitter: input.foldFitter } : {}),
  }
  await runModelSelection(selection, config)
  const { candidates, chosen } = selection.models
  if (!chosen) throw new Error('Model selection chose no model')
  return { candidates, chosen, positions }
}

/** The leaderboard of `candidates` with `chosen` marked and `note` added to its row. */
export function largeLeaderboard(
  candidates: readonly CandidateModel[],
  chosen: CandidateModel,
  metric: string,
  note: string,
): LeaderboardEntry[] {
  return candidates.map((c) => ({
    family: c.family,
    hyperparameters: c.hyperparameters,
    metric,
    validationScore: c.validationScore,
    foldScores: c.foldScores,
    fitSeconds: c.fitSeconds,
    ...(c === chosen ? { note: c.note ? `${c.note}; ${note}` : note } : c.note ? { note: c.note } : {}),
    ...(c.std !== undefined ? { std: c.std } : {}),
    ...(c.interval ? { interval: c.interval } : {}),
    ...(c.tiedWithBest !== undefined ? { tiedWithBest: c.tiedWithBest } : {}),
    chosen: c === chosen,
  }))
}
