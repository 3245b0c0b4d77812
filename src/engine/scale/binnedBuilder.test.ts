import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { FeatureMatrix } from '../frame.ts'
import { binMatrix, fitBinMapper } from '../trees/binning.ts'
import { matrix } from '../trees/testData.ts'
import { BinnedMatrixBuilder } from './binnedBuilder.ts'
import { testMaskForChunk } from './rowSplit.ts'

function sliceRows(X: FeatureMatrix, start: number, end: number): FeatureMatrix {
  return { ...X, nRows: end - start, columns: X.columns.map((c) => c.slice(start, end)) }
}

describe('BinnedMatrixBuilder', () => {
  it('gives the same bytes from chunks as binning the whole train part at once', () => {
    const rng = createRng(3)
    const n = 5_000
    const a = Array.from({ length: n }, () => rng.nextNormal())
    const b = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? Number.NaN : rng.nextNormal() * 10))
    const X = matrix([a, b])
    const mask = testMaskForChunk(0, n, 11, 0.25)
    const train = Uint32Array.from(Array.from({ length: n }, (_, i) => i).filter((i) => mask[i] === 0))
    const mapper = fitBinMapper(X, createRng(1), 64)
    const whole = binMatrix(mapper, X, train)

    const builder = new BinnedMatrixBuilder(mapper, train.length)
    for (let start = 0; start < n; start += 1_234) {
      const end = Math.min(n, start + 1_234)
      const chunkMask = testMaskForChunk(start, end - start, 11, 0.25)
      const rows = Uint32Array.from(
        Array.from({ length: end - start }, (_, i) => i).filter((i) => chunkMask[i] === 0),
      )
      builder.append(sliceRows(X, start, end), rows)
    }
    const built = builder.finish()
    expect(built.nRows).toBe(train.length)
    expect(Array.from(built.bins)).toEqual(Array.from(whole.bins))
    expect(Array.from(built.hasMissing)).toEqual(Array.from(whole.hasMissing))
  })

  it('refuses too many or too few rows', () => {
    const X = matrix([[1, 2, 3]])
    const mapper = fitBinMapper(X, createRng(1))
    const short = new BinnedMatrixBuilder(mapper, 4)
    short.append(X)
    expect(() => short.finish()).toThrow(/3 rows appended, 4 announced/)
    const over = new BinnedMatrixBuilder(mapper, 2)
    expect(() => over.append(X)).toThrow(/more than the 2 rows/)
  })
})
