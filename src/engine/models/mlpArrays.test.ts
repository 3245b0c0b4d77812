import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { MlpTrainer } from './mlp.ts'
import { ArrayMlpTrainer, mlpMacsPerRow, useArrayTrainer } from './mlpArrays.ts'
import { createMlpKernels } from './mlpKernels.ts'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/** Random weights, features and targets for a network of `sizes` (targets one-hot when `classes` > 0). */
function problem(sizes: number[], rows: number, classes: number, seed: number) {
  const rng = createRng(seed)
  const uniform = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => (rng.nextFloat() * 2 - 1) * scale)
  const initial = sizes
    .slice(1)
    .flatMap((out, i) => [uniform(sizes[i] * out, Math.sqrt(6 / (sizes[i] + out))), uniform(out, 0.1)])
  const d = sizes[0]
  const width = sizes[sizes.length - 1]
  const x = uniform(rows * d, 2)
  const y = new Float32Array(rows * width)
  for (let r = 0; r < rows; r++) {
    // A target that depends on the features, so that the steps make progress.
    const signal = x[r * d] + 0.5 * x[r * d + 1] - x[r * d + 2]
    if (classes > 0) y[r * width + ((signal < -0.7 ? 0 : signal < 0.7 ? 1 : 2) % classes)] = 1
    else y[r] = signal + 0.1 * (rng.nextFloat() - 0.5)
  }
  return { initial, x, y }
}

/** Relative difference of two numbers, against the larger magnitude (at least 1e-3). */
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-3, Math.abs(a), Math.abs(b))

describe('the MLP trainer in plain arrays', () => {
  for (const [label, classes] of [
    ['classes (softmax log-loss)', 3],
    ['values (half squared error)', 0],
  ] as const) {
    it(`takes the Adam steps TF.js's trainer takes, to float32 rounding: ${label}`, () => {
      const sizes = [6, 16, 8, classes > 0 ? classes : 1]
      const { initial, x, y } = problem(sizes, 96, classes, 7)
      const params = { learningRate: 0.01, alpha: 0.001 }
      const reference = new MlpTrainer(sizes, initial, params, classes)
      const arrays = new ArrayMlpTrainer(sizes, initial, params, classes)
      const d = sizes[0]
      const width = sizes[sizes.length - 1]
      try {
        const first: number[] = []
        for (let step = 0; step < 60; step++) {
          // Batches of 32 rows at moving offsets, and one short batch.
          const rows = step % 7 === 6 ? 13 : 32
          const start = (step * 32) % (96 - rows)
          const bx = x.slice(start * d, (start + rows) * d)
          const by = y.slice(start * width, (start + rows) * width)
          const expected = reference.step(bx, by, rows)
          const got = arrays.step(bx, by, rows)
          expect(relative(got, expected), `loss of step ${step}`).toBeLessThan(1e-4)
          if (step < 3) first.push(got)
        }
        // The steps learnt something (the test would pass trivially on a trainer that never moves).
        expect(arrays.lossOnRows(x, y, 96)).toBeLessThan(first[0] * 0.8)
        expect(relative(arrays.lossOnRows(x, y, 96), reference.lossOnRows(x, y, 96))).toBeLessThan(1e-3)
        const a = arrays.weights()
        const b = reference.weights()
        expect(a.map((w) => w.length)).toEqual(b.map((w) => w.length))
        for (const [i, w] of a.entries())
          for (let j = 0; j < w.length; j++)
            expect(Math.abs(w[j] - b[i][j]), `weight ${i}/${j}`).toBeLessThan(2e-4)
      } finally {
        reference.dispose()
        arrays.dispose()
      }
    })
  }

  it('is chosen for small steps only, by the network and the rows per step', () => {
    expect(mlpMacsPerRow([30, 64, 32, 2])).toBe(30 * 64 + 64 * 32 + 32 * 2)
    expect(useArrayTrainer([30, 64, 32, 2], 32)).toBe(true)
    expect(useArrayTrainer([26, 64, 32, 2], 110)).toBe(true)
    expect(useArrayTrainer([26, 64, 32, 1], 256)).toBe(true)
    expect(useArrayTrainer([100, 128, 64, 10], 512)).toBe(true)
    expect(useArrayTrainer([100, 128, 64, 10], 2048)).toBe(false)
    expect(useArrayTrainer([500, 256, 128, 2], 256)).toBe(false)
  })

  it('steps the same bits with the wasm kernels as with the JS loops (odd widths, zero inputs, growing batches)', () => {
    expect(createMlpKernels()).not.toBeNull()
    for (const [sizes, classes] of [
      [[7, 33, 5, 3], 3],
      [[9, 64, 32, 1], 0],
      [[4, 1, 2], 2],
    ] as const) {
      const { initial, x, y } = problem([...sizes], 300, classes, 11)
      // Zero features (a one-hot column's zeros) take the loops' skip.
      for (let i = 0; i < x.length; i += 5) x[i] = 0
      const params = { learningRate: 0.02, alpha: 0.01 }
      const wasm = new ArrayMlpTrainer(sizes, initial, params, classes)
      const js = new ArrayMlpTrainer(sizes, initial, params, classes, false)
      const d = sizes[0]
      const width = sizes[sizes.length - 1]
      try {
        for (let step = 0; step < 40; step++) {
          // Batches grow (the memory grows under the weights) and shrink.
          const rows = [16, 40, 3, 200, 64][step % 5] + step
          const start = (step * 17) % (300 - rows)
          const bx = x.slice(start * d, (start + rows) * d)
          const by = y.slice(start * width, (start + rows) * width)
          expect(wasm.step(bx, by, rows)).toBe(js.step(bx, by, rows))
        }
        expect(wasm.lossOnRows(x, y, 300)).toBe(js.lossOnRows(x, y, 300))
        const a = wasm.weights()
        const b = js.weights()
        for (const [i, w] of a.entries()) expect(Array.from(w)).toEqual(Array.from(b[i]))
        // And the steps moved the weights (identical because both trained, not because neither did).
        expect(Array.from(a[0])).not.toEqual(Array.from(initial[0]))
      } finally {
        wasm.dispose()
        js.dispose()
      }
    }
  })
})
