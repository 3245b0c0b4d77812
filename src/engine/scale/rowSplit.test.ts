import { describe, expect, it } from 'vitest'
import { isTestRow, rowHash, testMaskForChunk } from './rowSplit'

describe('seeded per-row split', () => {
  it('gives the same mask whatever the chunking', () => {
    const whole = testMaskForChunk(0, 10_000, 42, 0.2)
    const parts = [testMaskForChunk(0, 3_333, 42, 0.2), testMaskForChunk(3_333, 6_667, 42, 0.2)]
    const joined = new Uint8Array(10_000)
    joined.set(parts[0], 0)
    joined.set(parts[1], 3_333)
    expect(Array.from(joined)).toEqual(Array.from(whole))
  })

  it('puts about the asked fraction on the test side', () => {
    const mask = testMaskForChunk(0, 100_000, 7, 0.2)
    const share = mask.reduce((a, b) => a + b, 0) / mask.length
    expect(share).toBeGreaterThan(0.19)
    expect(share).toBeLessThan(0.21)
  })

  it('depends on the seed and stays within 32 bits', () => {
    const a = testMaskForChunk(0, 1_000, 1, 0.5)
    const b = testMaskForChunk(0, 1_000, 2, 0.5)
    expect(Array.from(a)).not.toEqual(Array.from(b))
    for (const row of [0, 1, 2 ** 31, 2 ** 33 + 5, 9_999_999]) {
      const h = rowHash(row, 3)
      expect(h).toBeGreaterThanOrEqual(0)
      expect(h).toBeLessThan(2 ** 32)
      expect(Number.isInteger(h)).toBe(true)
    }
    expect(isTestRow(5, 3, 0)).toBe(false)
    expect(isTestRow(5, 3, 1)).toBe(true)
  })
})
