/**
 * The one seeded random generator of Butterfly (xoshiro128**, integer-only, portable). Every random
 * choice in a run (splits, shuffles, initialisation, bootstrap, feature sampling) draws from it, so the
 * same seed gives the same run everywhere. Independent streams come from `fork(label)`.
 */

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number
  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number
  /** Uniform integer in [0, n). */
  nextInt(n: number): number
  /** Standard normal (Box–Muller). */
  nextNormal(): number
  /** An independent generator derived from this one's seed and `label`. */
  fork(label: string | number): Rng
  readonly seed: number
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

function hashLabel(seed: number, label: string | number): number {
  const text = `${seed}:${label}`
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export function createRng(seed: number): Rng {
  const init = splitmix32(seed)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  if ((a | b | c | d) === 0) a = 1
  let spareNormal: number | undefined
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }
  const nextFloat = (): number => nextUint32() / 4294967296
  return {
    seed,
    nextUint32,
    nextFloat,
    nextInt(n) {
      if (!(n > 0)) throw new Error(`Rng.nextInt: n must be positive, got ${n}`)
      // Rejection sampling keeps the draw unbiased.
      const limit = 4294967296 - (4294967296 % n)
      let x = nextUint32()
      while (x >= limit) x = nextUint32()
      return x % n
    },
    nextNormal() {
      if (spareNormal !== undefined) {
        const value = spareNormal
        spareNormal = undefined
        return value
      }
      let u = 0
      while (u === 0) u = nextFloat()
      const v = nextFloat()
      const radius = Math.sqrt(-2 * Math.log(u))
      spareNormal = radius * Math.sin(2 * Math.PI * v)
      return radius * Math.cos(2 * Math.PI * v)
    },
    fork(label) {
      return createRng(hashLabel(seed, label))
    },
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/** Fisher–Yates shuffle of `array` in place, driven by `rng`. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1)
    const tmp = array[i]
    array[i] = array[j]
    array[j] = tmp
  }
  return array
}
