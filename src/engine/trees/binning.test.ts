import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { binMatrix, fitBinMapper } from './binning.ts'
import { matrix } from './testData.ts'

describe('fitBinMapper / binMatrix', () => {
  it('puts edges at midpoints between few distinct values and NaN in the missing bin', () => {
    const X = matrix([[1, 2, 2, 4, Number.NaN, 1]])
    const mapper = fitBinMapper(X, createRng(1))
    expect(Array.from(mapper.edges[0])).toEqual([1.5, 3])
    expect(mapper.nBins[0]).toBe(3)
    const binned = binMatrix(mapper, X)
    expect(Array.from(binned.bins)).toEqual([0, 1, 1, 2, 255, 0])
    expect(binned.hasMissing[0]).toBe(1)
  })

  it('uses at most max_bins bins for many distinct values, each bin x ≤ edge', () => {
    const rng = createRng(7)
    const values = Array.from({ length: 5000 }, () => rng.nextNormal())
    const X = matrix([values])
    const mapper = fitBinMapper(X, createRng(1), 16)
    expect(mapper.nBins[0]).toBe(16)
    expect(mapper.missingBin).toBe(16)
    const binned = binMatrix(mapper, X)
    const edges = mapper.edges[0]
    for (let i = 0; i < values.length; i++) {
      const b = binned.bins[i]
      if (b < edges.length) expect(values[i]).toBeLessThanOrEqual(edges[b])
      if (b > 0) expect(values[i]).toBeGreaterThan(edges[b - 1])
    }
    // Quantile bins hold similar numbers of rows.
    const counts = new Array(16).fill(0)
    for (const b of binned.bins) counts[b]++
    expect(Math.min(...counts)).toBeGreaterThan(250)
  })

  it('maps categorical codes to their own bins; unknown codes count as missing', () => {
    const X = matrix([[0, 2, 1, Number.NaN, 7]], [3])
    const mapper = fitBinMapper(X, createRng(1))
    expect(mapper.isCategorical[0]).toBe(1)
    expect(Array.from(binMatrix(mapper, X).bins)).toEqual([0, 2, 1, 255, 255])
  })
})
