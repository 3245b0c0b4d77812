import { describe, expect, it } from 'vitest'
import { bytesEtaSeconds, formatNumbersAlike, timeLeft } from './format.ts'

describe('numbers side by side share one format', () => {
  it('below a million: grouped digits, whole from a thousand, else at most four significant ones', () => {
    expect(formatNumbersAlike([1300, 215245, 180921.19, 79442.5])).toEqual([
      '1,300',
      '215,245',
      '180,921',
      '79,443',
    ])
    expect(formatNumbersAlike([0, 1, 0.5, 0.12345])).toEqual(['0', '1', '0.5', '0.1235'])
  })

  it('years and other values under ten thousand: no separators for any of them (never "min 1,900 · max 2,009")', () => {
    expect(formatNumbersAlike([1900, 2009, 1957.4, 32.21])).toEqual(['1900', '2009', '1957', '32.21'])
    expect(formatNumbersAlike([707, 2999, 1850.2, 705.1])).toEqual(['707', '2999', '1850', '705.1'])
    expect(formatNumbersAlike([4037, 19981])).toEqual(['4,037', '19,981'])
  })

  it('from a million: the short scale for every value, never an exponent beside plain digits', () => {
    expect(formatNumbersAlike([500_000_000, 1_000_000_000.5, 12_345])).toEqual(['500M', '1B', '12.3K'])
  })

  it('all tiny: exponents for all; missing values as a dash', () => {
    expect(formatNumbersAlike([0.00012, 0.0005, undefined])).toEqual(['1.20e-4', '5.00e-4', '—'])
  })
})

describe('bytesEtaSeconds', () => {
  it('projects the rate since the step began onto the bytes left, once two seconds of it are seen', () => {
    const step = { startedAt: 1_000, startBytes: 100 }
    expect(bytesEtaSeconds(step, 2_000, 600, 1_100)).toBeUndefined()
    // 400 bytes in 4 s since the step began at 100: 500 bytes left at that rate take 5 s.
    expect(bytesEtaSeconds(step, 5_000, 500, 1_000)).toBeCloseTo(5)
    expect(bytesEtaSeconds(step, 5_000, 100, 1_000)).toBeUndefined()
    expect(bytesEtaSeconds(step, 5_000, 1_000, 1_000)).toBeUndefined()
    expect(timeLeft(4.2)).toBe('5 s')
  })
})
