import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix } from '../frame.ts'
import { boostingParamsFrom } from '../models/gbdt.ts'
import { type BinMapper, type BinnedMatrix, fitBinMapper } from '../trees/binning.ts'
import { type BoostingParams, fitGradientBoosting, fitGradientBoostingFromBinned } from '../trees/boosting.ts'
import { blobs } from '../trees/testData.ts'
import { BinnedMatrixBuilder } from './binnedBuilder.ts'

function sliceRows(X: FeatureMatrix, start: number, end: number): FeatureMatrix {
  return { ...X, nRows: end - start, columns: X.columns.map((c) => c.slice(start, end)) }
}

/** Boosting on a built matrix of the blobs `data`, without early stopping. */
function fitBuilt(
  binned: BinnedMatrix,
  mapper: BinMapper,
  data: ReturnType<typeof blobs>,
  params: BoostingParams,
  task: TaskType,
  seed: number,
) {
  if (data.y.kind !== 'classification') throw new Error('expected classes')
  return fitGradientBoostingFromBinned(
    {
      binned,
      mapper,
      y: Float64Array.from(data.y.codes),
      categoricalLevels: data.X.categoricalLevels,
      validation: null,
      earlyStopping: false,
    },
    data.y,
    params,
    { task, rng: createRng(seed) },
  )
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
    const chunked = fitBuilt(builder.finish(), mapper, data, params, 'multiclass', 5)
    expect(chunked.ensemble.trees.length).toBe(18)
    expect(chunked.ensemble.trees).toEqual(inMemory.ensemble.trees)
    expect(Array.from(chunked.ensemble.baseScore)).toEqual(Array.from(inMemory.ensemble.baseScore))
  })

  it('grows the same trees from bins built in the kernels wasm memory, which the learner takes over', () => {
    const data = blobs(4000, 2, 9)
    // halfRows lowered: the binary fit keeps its scores, labels and gradients in the learner's memory too.
    const params = { ...boostingParamsFrom({}), maxIter: 5, earlyStopping: false as const, halfRows: 500 }
    const inMemory = fitGradientBoosting(data.X, data.y, params, { task: 'binary', rng: createRng(2) })
    const mapper = fitBinMapper(data.X, createRng(2).fork('binning'), params.maxBins)
    const builder = new BinnedMatrixBuilder(mapper, data.X.nRows, { inWasm: true })
    for (let start = 0; start < data.X.nRows; start += 900) {
      builder.append(sliceRows(data.X, start, Math.min(data.X.nRows, start + 900)))
    }
    const binned = builder.finish()
    const memory = binned.memory
    if (!memory) throw new Error('expected the bins in a wasm memory')
    expect(binned.bins.buffer).toBe(memory.buffer)
    expect(binned.bins.byteOffset).toBe(0)
    const cells = data.X.nRows * data.X.columns.length
    const fitted = fitBuilt(binned, mapper, data, params, 'binary', 2)
    expect(fitted.ensemble.trees).toEqual(inMemory.ensemble.trees)
    // Taken over, not copied: the learner grew this very memory past the bins for its other buffers,
    // which detached the builder's view of it.
    expect(memory.buffer.byteLength).toBeGreaterThan(cells + 4 * data.X.nRows)
    expect(binned.bins.length).toBe(0)
  })
})
