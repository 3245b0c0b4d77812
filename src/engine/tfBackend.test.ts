import { describe, expect, it } from 'vitest'
import { WorkerError } from '../domain/errors.ts'
import { createRng } from '../domain/random.ts'
import type { FeatureMatrix, Target } from './frame.ts'
import './models/allModels.ts'
import { getModelFamily } from './models/model.ts'
import { createMemoryCalibrationCache, currentTfBackend, initTfBackend } from './tfBackend.ts'

const X: FeatureMatrix = {
  nRows: 40,
  names: ['a', 'b'],
  columns: [
    Float64Array.from({ length: 40 }, (_, i) => i / 40),
    Float64Array.from({ length: 40 }, (_, i) => (i * 7) % 5),
  ],
  categoricalLevels: [0, 0],
}
const y: Target = {
  kind: 'classification',
  classes: ['n', 'y'],
  codes: Int32Array.from({ length: 40 }, (_, i) => (i >= 20 ? 1 : 0)),
}

/**
 * An MLP fitted on the current backend. The default network takes its steps in TF.js: whole-table steps
 * (at most 40 rows) through 2-600-600-2, about 362,000 multiply-adds a row, are past mlpArrays' threshold
 * (12M a step). `small` ones train in plain arrays, whatever the backend.
 */
async function mlpBytes(size: 'default' | 'small' = 'default'): Promise<Uint8Array> {
  const family = getModelFamily('mlp')
  const model = await family.fit(
    X,
    y,
    {
      ...family.defaults('binary'),
      ...(size === 'small'
        ? { hiddenUnits: '6', maxEpochs: 8 }
        : { hiddenUnits: '600,600', maxEpochs: 2, batchSize: 40 }),
    },
    { task: 'binary', rng: createRng(3) },
  )
  return model.serialize()
}

describe('TF.js backend choice', () => {
  it("'auto' is wasm in Node, deterministic; an unavailable forced backend is rejected", async () => {
    expect(await initTfBackend({ requested: 'auto' })).toEqual({ backend: 'wasm', reason: 'Node default' })
    expect(currentTfBackend()).toBe('wasm')
    const a = await mlpBytes()
    expect(currentTfBackend()).toBe('wasm')
    expect(await mlpBytes()).toEqual(a)
    const small = await mlpBytes('small')
    // cpu and wasm round differently in the last float32 bits: the run's backend is part of its result
    // where the steps are taken in TF.js; small steps are taken in plain arrays, the same on any backend.
    await initTfBackend({ requested: 'cpu' })
    expect(await mlpBytes()).not.toEqual(a)
    expect(await mlpBytes('small')).toEqual(small)
    const forced = initTfBackend({ requested: 'webgpu' })
    await expect(forced).rejects.toBeInstanceOf(WorkerError)
    await expect(forced).rejects.toThrow("TF.js backend 'webgpu' is not available here")
  })

  it('runs wasm (single-threaded) with identical model bytes for the same seed', async () => {
    expect(await initTfBackend({ requested: 'wasm' })).toMatchObject({ backend: 'wasm', reason: 'forced' })
    expect(currentTfBackend()).toBe('wasm')
    const a = await mlpBytes()
    const b = await mlpBytes()
    expect(a).toEqual(b)
    await initTfBackend({ requested: 'cpu' })
    expect(await mlpBytes()).toEqual(await mlpBytes())
  })

  it("'auto' calibrates the candidates once and then reads the cache", async () => {
    const cache = createMemoryCalibrationCache()
    const first = await initTfBackend({
      requested: 'auto',
      candidates: ['wasm', 'cpu'],
      cache,
      deviceKey: 'test',
      modelSize: 256,
    })
    expect(['wasm', 'cpu']).toContain(first.backend)
    expect(first.reason).toBe('fastest (calibrated)')
    expect(Object.keys(first.calibration!).sort()).toEqual(['cpu', 'wasm'])
    const second = await initTfBackend({
      requested: 'auto',
      candidates: ['wasm', 'cpu'],
      cache,
      deviceKey: 'test',
      modelSize: 256,
    })
    expect(second).toMatchObject({
      backend: first.backend,
      reason: 'fastest (cached calibration)',
      calibration: first.calibration,
    })
  })
})
