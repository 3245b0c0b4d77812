import { describe, expect, it } from 'vitest'
import { createRng, shuffleInPlace } from './random.ts'

describe('createRng', () => {
  it('is deterministic for a seed and differs between seeds and forks', () => {
    const a = createRng(42)
    const b = createRng(42)
    const seqA = Array.from({ length: 5 }, () => a.nextUint32())
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA)
    expect(Array.from({ length: 5 }, () => createRng(43).nextUint32())).not.toEqual(seqA)
    expect(createRng(42).fork('split').nextUint32()).toBe(createRng(42).fork('split').nextUint32())
    expect(createRng(42).fork('split').nextUint32()).not.toBe(createRng(42).fork('init').nextUint32())
  })
  it('draws floats in [0,1), unbiased integers, and normals with mean ≈ 0 and sd ≈ 1', () => {
    const rng = createRng(7)
    const counts = [0, 0, 0]
    let sum = 0
    let sq = 0
    for (let i = 0; i < 30000; i++) {
      const f = rng.nextFloat()
      expect(f >= 0 && f < 1).toBe(true)
      counts[rng.nextInt(3)]++
      const z = rng.nextNormal()
      sum += z
      sq += z * z
    }
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500)
    expect(Math.abs(sum / 30000)).toBeLessThan(0.03)
    expect(Math.abs(Math.sqrt(sq / 30000) - 1)).toBeLessThan(0.03)
  })
  it('shuffles into a permutation', () => {
    const shuffled = shuffleInPlace(
      Int32Array.from({ length: 100 }, (_, i) => i),
      createRng(1),
    )
    expect([...shuffled].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect([...shuffled]).not.toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})
