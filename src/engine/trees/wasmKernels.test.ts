import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import {
  gradientRows,
  quantizationLevels,
  quantizationScales,
  quantizeRows,
  ROW_LOSS,
} from './boostingRows.ts'
import { createWasmKernels, QUANTIZE_PARAMS, roundingHash } from './wasmKernels.ts'

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

  it('quantises gradients as its JS twin does, bit for bit on any cut, unbiased, within the levels', () => {
    const n = 100_003
    const kernels = createWasmKernels(12 * n + 256)
    if (!kernels) throw new Error('no wasm SIMD in this engine')
    const buffer = kernels.memory.buffer
    const g = new Float32Array(buffer, 0, n)
    const h = new Float32Array(buffer, 4 * n, n)
    const packed = new Int32Array(buffer, 8 * n, n)
    const maxima = new Float32Array(buffer, 12 * n, 4)
    const paramsAt = 12 * n + 64
    const rng = createRng(9)
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-8 * (rng.nextFloat() - 0.5)))
      g[i] = p - (rng.nextFloat() < 0.3 ? 1 : 0)
      h[i] = p * (1 - p)
    }
    g[77] = -0.999
    const original = { g: g.slice(), h: h.slice() }
    // Maxima on two cuts (one of them odd) give the maxima of all rows.
    kernels.gradientMax(0, 4 * n, 0, 50_001, 12 * n)
    kernels.gradientMax(0, 4 * n, 50_001, n, 12 * n + 8)
    let maxG = 0
    let maxH = 0
    for (let i = 0; i < n; i++) {
      maxG = Math.max(maxG, Math.abs(g[i]))
      maxH = Math.max(maxH, h[i])
    }
    expect([Math.max(maxima[0], maxima[2]), Math.max(maxima[1], maxima[3])]).toEqual([maxG, maxH])
    const levels = quantizationLevels(n)
    const scales = quantizationScales(maxG, maxH, levels)
    expect(levels).toBe(127)
    // Powers of two, the smallest that keep every value within the levels.
    expect(Number.isInteger(Math.log2(scales.g)) && Number.isInteger(Math.log2(scales.h))).toBe(true)
    expect(maxG / scales.g).toBeLessThanOrEqual(levels)
    expect(maxG / (scales.g / 2)).toBeGreaterThan(levels)
    const params = new DataView(buffer, paramsAt, QUANTIZE_PARAMS.bytes)
    params.setFloat32(QUANTIZE_PARAMS.gInverse, 1 / scales.g, true)
    params.setFloat32(QUANTIZE_PARAMS.hInverse, 1 / scales.h, true)
    params.setFloat32(QUANTIZE_PARAMS.gScale, scales.g, true)
    params.setFloat32(QUANTIZE_PARAMS.hScale, scales.h, true)
    params.setInt32(QUANTIZE_PARAMS.seed, 0x5eed, true)
    const js = { g: g.slice(), h: h.slice(), packed: new Int32Array(n) }
    quantizeRows(js.g, js.h, js.packed, 0, n, scales, 0x5eed, roundingHash)
    kernels.quantize(0, 4 * n, 8 * n, 3, 50_001, paramsAt)
    expect([g[0], g[1], g[2]]).toEqual([original.g[0], original.g[1], original.g[2]])
    kernels.quantize(0, 4 * n, 8 * n, 50_001, n, paramsAt)
    kernels.quantize(0, 4 * n, 8 * n, 0, 3, paramsAt)
    let differing = 0
    for (let i = 0; i < n; i++)
      if (g[i] !== js.g[i] || h[i] !== js.h[i] || packed[i] !== js.packed[i]) differing++
    expect(differing).toBe(0)
    let sum = 0
    let sumRounded = 0
    let wrong = 0
    for (let i = 0; i < n; i++) {
      const gq = (packed[i] << 16) >> 16
      const hq = packed[i] >> 16
      const inLevels = Math.abs(gq) <= levels && hq >= 0 && hq <= levels
      const unpacked = g[i] === gq * scales.g && h[i] === hq * scales.h
      // Stochastic rounding goes to one of the two neighbouring multiples.
      const neighbour = Math.abs(g[i] - original.g[i]) < scales.g && Math.abs(h[i] - original.h[i]) < scales.h
      if (!(inLevels && unpacked && neighbour)) wrong++
      sum += original.g[i]
      sumRounded += g[i]
    }
    expect(wrong).toBe(0)
    // Unbiased: the rounding errors (each within one step) cancel, like a random walk of n steps.
    expect(Math.abs(sumRounded - sum)).toBeLessThan(3 * scales.g * Math.sqrt(n))
    expect(new Set(Array.from(g.subarray(0, 2000), (v, i) => v - original.g[i] > 0)).size).toBe(2)
  })

  it('gives f32 log-loss gradients within 2e-7 of gradientRows, the same on any cut, with their maxima', () => {
    const n = 100_003
    const kernels = createWasmKernels(40 * n + 256)
    if (!kernels) throw new Error('no wasm SIMD in this engine')
    const buffer = kernels.memory.buffer
    const raw = new Float64Array(buffer, 0, n)
    const y = new Float64Array(buffer, 8 * n, n)
    const g = new Float32Array(buffer, 16 * n, n)
    const h = new Float32Array(buffer, 20 * n, n)
    const g2 = new Float32Array(buffer, 24 * n, n)
    const h2 = new Float32Array(buffer, 28 * n, n)
    const maxima = new Float32Array(buffer, 32 * n, 6)
    const rng = createRng(11)
    for (let i = 0; i < n; i++) {
      raw[i] = (rng.nextFloat() - 0.5) * (i % 10 === 0 ? 400 : 16)
      y[i] = rng.nextFloat() < 0.5 ? 1 : 0
    }
    raw.set([0, 90, -90, 1e-300, 36.7, -36.7, 88.5, -87.5], 0)
    const exact = { g: new Float32Array(n), h: new Float32Array(n) }
    gradientRows(ROW_LOSS.binary, raw, y, exact.g, exact.h, 0, n)
    kernels.gradientLogisticFast(0, 8 * n, 16 * n, 20 * n, 0, n, 32 * n)
    // Two cuts, one of them odd, into other arrays: the same numbers, and the maxima of each part.
    kernels.gradientLogisticFast(0, 8 * n, 24 * n, 28 * n, 0, 50_001, 32 * n + 8)
    kernels.gradientLogisticFast(0, 8 * n, 24 * n, 28 * n, 50_001, n, 32 * n + 16)
    let worst = 0
    let differing = 0
    let maxG = 0
    let maxH = 0
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(g[i] - exact.g[i]), Math.abs(h[i] - exact.h[i]))
      if (g[i] !== g2[i] || h[i] !== h2[i]) differing++
      maxG = Math.max(maxG, Math.abs(g[i]))
      maxH = Math.max(maxH, h[i])
    }
    expect(differing).toBe(0)
    expect(worst).toBeLessThan(2e-7)
    expect([maxima[0], maxima[1]]).toEqual([maxG, maxH])
    expect([Math.max(maxima[2], maxima[4]), Math.max(maxima[3], maxima[5])]).toEqual([maxG, maxH])
    // Saturated scores: p = 1 and p = 0 to f32 (exp is clamped to f32's range, so h may be a tiny subnormal).
    expect([g[1], g[2], h[1]]).toEqual([1 - y[1], 0 - y[2], 0])
    expect(h[2]).toBeLessThan(1e-37)
  })
})
