import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { gradientRows, ROW_LOSS } from './boostingRows.ts'
import { createWasmKernels } from './wasmKernels.ts'

describe("boosting's row kernels in wasm", () => {
  it('gives the log-loss gradients and hessians of gradientRows (Math.exp) bit for bit, on any cut of the rows', () => {
    const n = 200_001
    const kernels = createWasmKernels(24 * n + 64)
    if (!kernels) throw new Error('no wasm SIMD in this engine')
    const buffer = kernels.memory.buffer
    const raw = new Float64Array(buffer, 0, n)
    const y = new Float64Array(buffer, 8 * n, n)
    const g = new Float32Array(buffer, 16 * n, n)
    const h = new Float32Array(buffer, 20 * n, n)
    const rng = createRng(7)
    for (let i = 0; i < n; i++) {
      raw[i] = (rng.nextFloat() - 0.5) * (i % 10 === 0 ? 2000 : 40)
      y[i] = rng.nextFloat() < 0.5 ? 1 : 0
    }
    raw.set([0, 709.5, -709.5, 745, -745, 1e-300, 36.7, -36.7], 0)
    const gJs = new Float32Array(n)
    const hJs = new Float32Array(n)
    gradientRows(ROW_LOSS.binary, raw, y, gJs, hJs, 0, n)
    // Odd and even cuts; the rows outside [from, to) stay untouched.
    g.fill(7)
    h.fill(7)
    kernels.gradientLogistic(0, 8 * n, 16 * n, 20 * n, 3, 100_000)
    kernels.gradientLogistic(0, 8 * n, 16 * n, 20 * n, 100_000, n)
    expect(Array.from(g.subarray(0, 3))).toEqual([7, 7, 7])
    expect(Array.from(h.subarray(0, 3))).toEqual([7, 7, 7])
    kernels.gradientLogistic(0, 8 * n, 16 * n, 20 * n, 0, 3)
    let differing = 0
    for (let i = 0; i < n; i++) if (g[i] !== gJs[i] || h[i] !== hJs[i]) differing++
    expect(differing).toBe(0)
    // Saturated scores: p = 1 and p = 0 exactly (exp(745) overflows to Infinity in both).
    expect([g[0], g[3], g[4], h[3], h[4]]).toEqual([0.5 - y[0], 1 - y[3], 0 - y[4], 0, 0])
  })

  it("adds each leaf's value once to each of its rows, whatever the cut of row positions", () => {
    const n = 1000
    const kernels = createWasmKernels(64 * n)
    if (!kernels) throw new Error('no wasm SIMD in this engine')
    const buffer = kernels.memory.buffer
    const raw = new Float64Array(buffer, 0, n)
    const rows = new Uint32Array(buffer, 8 * n, n)
    const table = new Float64Array(buffer, 16 * n, 9)
    const rng = createRng(3)
    for (let i = 0; i < n; i++) rows[i] = i
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1)
      const t = rows[i]
      rows[i] = rows[j]
      rows[j] = t
    }
    // Leaves listed out of position order: [600, 1000), [0, 250), [250, 600).
    table.set([0.5, 600, 1000, -1.25, 0, 250, 3, 250, 600])
    raw.fill(1)
    kernels.leafRows(table.byteOffset, rows.byteOffset, 0, 3, 0, 437)
    kernels.leafRows(table.byteOffset, rows.byteOffset, 0, 3, 437, n)
    for (let i = 0; i < n; i++) {
      const expected = i < 250 ? 1 - 1.25 : i < 600 ? 4 : 1.5
      expect(raw[rows[i]]).toBe(expected)
    }
  })
})
