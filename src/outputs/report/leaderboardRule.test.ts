import { describe, expect, it } from 'vitest'
import { storedChoiceRule } from './leaderboardRule.ts'
import type { StoredLeaderboardEntry } from './reportInput.ts'

const entry = (family: string, over: Partial<StoredLeaderboardEntry> = {}): StoredLeaderboardEntry => ({
  family,
  hyperparameters: {},
  metric: 'roc_auc',
  validationScore: 0.9,
  foldScores: [0.89, 0.9, 0.91],
  fitSeconds: 0.1,
  std: 0.008,
  interval: { low: 0.88, high: 0.92 },
  chosen: false,
  ...over,
})

describe('the choice rule of a stored leaderboard', () => {
  it('names the tied candidates in the words given, and none when no candidate ties', () => {
    const rows = [
      entry('gbdt', { chosen: true }),
      entry('rf', { tiedWithBest: true }),
      entry('logistic', { tiedWithBest: false }),
      entry('mlp', { note: 'stopped after fold 1 of 3', std: undefined, interval: undefined }),
    ]
    expect(storedChoiceRule(rows, (f) => f.toUpperCase())).toBe(
      'best mean over 3 validation folds; tied with it (corrected resampled t-test, 5%): RF',
    )
    expect(storedChoiceRule(rows.map((r) => ({ ...r, tiedWithBest: false })))).toBe(
      'best mean over 3 validation folds; tied with it (corrected resampled t-test, 5%): none',
    )
  })

  it('says a hold-out slice has no interval, and a lone candidate was not validated', () => {
    const holdout = [
      entry('gbdt', { chosen: true, foldScores: [0.9], std: undefined }),
      entry('rf', { foldScores: [0.8], std: undefined }),
    ]
    expect(storedChoiceRule(holdout)).toMatch(/^best validation score on one hold-out slice \(no interval/)
    expect(storedChoiceRule([entry('gbdt', { chosen: true, validationScore: null, foldScores: [] })])).toBe(
      'the only candidate, not validated',
    )
  })

  it('says nothing for a run stored before intervals and ties (it could not tell a tie), or with no chosen row', () => {
    const old = [
      entry('gbdt', { chosen: true, std: undefined, interval: undefined }),
      entry('rf', { std: undefined, interval: undefined }),
    ]
    expect(storedChoiceRule(old)).toBeUndefined()
    expect(storedChoiceRule([entry('gbdt')])).toBeUndefined()
  })
})
