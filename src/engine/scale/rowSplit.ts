/**
 * Seeded per-row train/test assignment for tables too large to load whole (issue 16).
 *
 * A row's side depends only on (seed, row index, test fraction), so chunks streamed in any
 * order, any size, give the same split, and a re-run with the same seed is exact.
 */

/** 32-bit avalanche mix (murmur3 finaliser) of a row index and a seed. */
export function rowHash(rowIndex: number, seed: number): number {
  let h = (Math.imul(rowIndex | 0, 0x9e3779b1) ^ Math.imul(seed | 0, 0x85ebca6b)) >>> 0
  h ^= Math.floor(rowIndex / 0x100000000) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** True when the row falls on the test side; `testFraction` in [0, 1]. */
export function isTestRow(rowIndex: number, seed: number, testFraction: number): boolean {
  return rowHash(rowIndex, seed) / 0x100000000 < testFraction
}

/** Test-side mask for the rows [start, start + count) of a streamed chunk: 1 = test, 0 = train. */
export function testMaskForChunk(
  start: number,
  count: number,
  seed: number,
  testFraction: number,
): Uint8Array {
  const mask = new Uint8Array(count)
  for (let i = 0; i < count; i++) mask[i] = isTestRow(start + i, seed, testFraction) ? 1 : 0
  return mask
}
