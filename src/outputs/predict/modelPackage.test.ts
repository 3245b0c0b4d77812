import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { fromBase64, toBase64 } from './modelPackage.ts'

/** The browser's path: btoa over a binary string, the reference toBase64 must equal in Node. */
function btoaReference(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

describe('model package base64', () => {
  it('encodes as btoa does, a view into a larger buffer included, and decodes back', () => {
    const rng = createRng(5)
    const whole = Uint8Array.from({ length: 40_003 }, () => rng.nextInt(256))
    for (const bytes of [whole, whole.subarray(7, 30_001), new Uint8Array(0), whole.subarray(1, 3)]) {
      const text = toBase64(bytes)
      expect(text).toBe(btoaReference(bytes))
      expect(fromBase64(text)).toEqual(Uint8Array.from(bytes))
    }
  })
})
