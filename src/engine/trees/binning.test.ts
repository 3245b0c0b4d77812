import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { binMatrix, fitBinMapper, SubsetBinner } from './binning.ts'
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

describe('SubsetBinner', () => {
  it('gives each row subset the edges and bins of fitBinMapper + binMatrix on that subset', () => {
    const rng = createRng(3)
    const n = 2000
    // Many distinct values (quantile edges), few (midpoints), ±0 and NaN, and a categorical column.
    const wide = Array.from({ length: n }, () => (rng.nextFloat() < 0.05 ? Number.NaN : rng.nextNormal()))
    const few = Array.from({ length: n }, () => [-0, 0, 1, 2.5, 2.5, 7][rng.nextInt(6)])
    const category = Array.from({ length: n }, () => (rng.nextFloat() < 0.03 ? Number.NaN : rng.nextInt(4)))
    const X = matrix([wide, few, category], [0, 0, 4])
    const binner = new SubsetBinner(X, 255)
    for (const [size, maxBins] of [
      [1500, 255],
      [300, 255],
      [900, 16],
    ]) {
      const subset = maxBins === 255 ? binner : new SubsetBinner(X, maxBins)
      const weights = new Float32Array(n)
      for (let i = 0; i < size; i++) weights[rng.nextInt(n)]++
      const rows = Uint32Array.from(Array.from(weights.keys()).filter((i) => weights[i] > 0))
      const expected = fitBinMapper(X, createRng(1), maxBins, n, rows)
      const expectedBins = binMatrix(expected, X)
      const { mapper, binned } = subset.bin(weights)
      expect(mapper.edges.map((e) => Array.from(e, String))).toEqual(
        expected.edges.map((e) => Array.from(e, String)),
      )
      expect(Array.from(mapper.nBins)).toEqual(Array.from(expected.nBins))
      expect(Array.from(binned.hasMissing)).toEqual(Array.from(expectedBins.hasMissing))
      for (let f = 0; f < 3; f++) {
        for (const r of rows)
          expect(binned.bins[f * n + r], `feature ${f}, row ${r}`).toBe(expectedBins.bins[f * n + r])
      }
    }
  })
})
