/**
 * The sentence written next to the leaderboard (in the run log, on the run page and in the report): how the
 * choice was made and which candidates tie with it. Pure, so the app's main thread can word a stored
 * leaderboard with it without loading the models.
 */

/** What the rule reads of a candidate: an engine candidate and a leaderboard row from `metrics.json` both fit. */
export interface RankedCandidate {
  /** NaN (engine) or null (stored) when not validated. */
  validationScore: number | null
  foldScores: readonly unknown[]
  /** Set on a candidate stopped by racing and on the ensemble row. */
  note?: string
}

export function choiceRule(
  chosen: RankedCandidate,
  results: readonly RankedCandidate[],
  tied: readonly string[],
): string {
  const scored = results.filter((r) => !r.note)
  if (scored.length === 1 && !Number.isFinite(chosen.validationScore))
    return 'the only candidate, not validated'
  if (chosen.foldScores.length < 2)
    return 'best validation score on one hold-out slice (no interval or tie test: set repeats or k-fold folds to 2 or more)'
  return `best mean over ${chosen.foldScores.length} validation folds; tied with it (corrected resampled t-test, 5%): ${tied.length ? tied.join(', ') : 'none'}`
}
