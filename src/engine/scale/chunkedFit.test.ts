import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { FeatureMatrix } from '../frame.ts'
import { boostingParamsFrom } from '../models/gbdt.ts'
import { fitBinMapper } from '../trees/binning.ts'
import { fitGradientBoosting, fitGradientBoostingFromBinned } from '../trees/boosting.ts'
import { blobs } from '../trees/testData.ts'
import { BinnedMatrixBuilder } from './binnedBuilder.ts'

function sliceRows(X: FeatureMatrix, start: number, end: number): FeatureMatrix {
  return { ...X, nRows: end - start, columns: X.columns.map((c) => c.slice(start, end)) }
}

describe('boosting from a chunk-built binned matrix', () => {
  it('grows the same trees as the in-memory fit', () => {
    const data = blobs(3000, 3, 21)
    const params = { ...boostingParamsFrom({}), maxIter: 6, earlyStopping: false as const }
    const inMemory = fitGradientBoosting(data.X, data.y, params, { task: 'multiclass', rng: createRng(5) })

    const mapper = fitBinMapper(data.X, createRng(5).fork('binning'), params.maxBins)
    const builder = new BinnedMatrixBuilder(mapper, data.X.nRows)
    for (let start = 0; start < data.X.nRows; start += 700) {
      builder.append(sliceRows(data.X, start, Math.min(data.X.nRows, start + 700)))
    }
    if (data.y.kind !== 'classification') throw new Error('expected classes')
    const chunked = fitGradientBoostingFromBinned(
      {
        binned: builder.finish(),
        mapper,
        y: Float64Array.from(data.y.codes),
        categoricalLevels: data.X.categoricalLevels,
        validation: null,
        earlyStopping: false,
      },
      data.y,
      params,
      { task: 'multiclass', rng: createRng(5) },
    )
    expect(chunked.ensemble.trees.length).toBe(18)
    expect(chunked.ensemble.trees).toEqual(inMemory.ensemble.trees)
    expect(Array.from(chunked.ensemble.baseScore)).toEqual(Array.from(inMemory.ensemble.baseScore))
  })
})
