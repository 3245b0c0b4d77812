import { describe, expect, it } from 'vitest'
import { correctedInterval, correctedResampledTTest, studentT975 } from './crossValidation.ts'

// Reference values: scipy.stats (t.ppf, t.sf) on the same numbers, corrected variance (1/J + 1/4) s².
const a = [0.91, 0.93, 0.9, 0.94, 0.92, 0.95, 0.91, 0.93, 0.92, 0.94]
const b = [0.9, 0.92, 0.91, 0.92, 0.9, 0.94, 0.9, 0.92, 0.91, 0.93]

describe('honest leaderboard statistics', () => {
  it("Student's t 97.5% quantile matches scipy (table, then expansion)", () => {
    expect(studentT975(9)).toBeCloseTo(2.262157, 3)
    expect(studentT975(40)).toBeCloseTo(2.021075, 3)
    expect(studentT975(100)).toBeCloseTo(1.983972, 3)
    expect(studentT975(1000)).toBeCloseTo(1.962339, 3)
  })

  it('the corrected resampled t-test matches scipy and calls a 0.01 gain over 10 folds a tie', () => {
    const test = correctedResampledTTest(a, b, 1 / 4)!
    expect(test.meanDifference).toBeCloseTo(0.01, 10)
    expect(test.t).toBeCloseTo(2.0701966780270618, 10)
    expect(test.df).toBe(9)
    expect(test.tied).toBe(true) // p = 0.068 (scipy)
    // Without the correction the same differences would look significant; with a larger, steady gain they are.
    expect(
      correctedResampledTTest(
        a,
        b.map((v) => v - 0.02),
        1 / 4,
      )!.tied,
    ).toBe(false)
    expect(correctedResampledTTest(a, a, 1 / 4)).toEqual({ meanDifference: 0, t: 0, df: 9, tied: true })
    expect(correctedResampledTTest([0.9], [0.8], 1 / 4)).toBeUndefined()
  })

  it('the 95% interval of a mean over folds matches scipy; one value has none', () => {
    const interval = correctedInterval(a, 1 / 4)!
    expect(interval.mean).toBeCloseTo(0.925, 10)
    expect(interval.low).toBeCloseTo(0.9038394573549665, 5)
    expect(interval.high).toBeCloseTo(0.9461605426450336, 5)
    expect(correctedInterval([0.9], 1 / 4)).toBeUndefined()
    expect(correctedInterval([0.9, Number.NaN], 1 / 4)).toBeUndefined()
  })
})
