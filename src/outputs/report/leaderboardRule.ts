import { choiceRule } from '../../engine/pipeline/choiceRule.ts'
import type { StoredLeaderboardEntry } from './reportInput.ts'

/**
 * The choice rule of a stored leaderboard (the run page and the HTML report write it under the table), naming the
 * tied candidates with `name`; undefined when no row is chosen or the run was stored before the leaderboard had
 * intervals and ties (its k-fold rows have no standard deviation), where "tied with it: none" would be untrue.
 */
export function storedChoiceRule(
  entries: readonly StoredLeaderboardEntry[],
  name: (family: string) => string = (family) => family,
): string | undefined {
  const chosen = entries.find((e) => e.chosen)
  if (!chosen || (chosen.foldScores.length >= 2 && chosen.std === undefined)) return undefined
  const tied = entries.filter((e) => e.tiedWithBest).map((e) => name(e.family))
  return choiceRule(chosen, entries, tied)
}

/** What the run page and the report write under a candidate scored out of bag (a bootstrap forest). */
export const outOfBagNote =
  'scored out of bag: fitted once on all training rows, each row predicted by the trees that did not draw it'
