import { describe, expect, it, vi } from 'vitest'
import { createRng } from '../domain/random.ts'
import { fromBase64, jsonBytes, nodeSliceBytes, toBase64, writeBase64 } from './base64.ts'

/** The platform's own codec over a binary string, the reference both directions must match. */
function btoaReference(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

describe('base64', () => {
  it('encodes as btoa does at every remainder, a view into a larger buffer included, and decodes back', () => {
    const rng = createRng(5)
    const whole = Uint8Array.from({ length: 40_003 }, () => rng.nextInt(256))
    const views = [whole, whole.subarray(7, 30_001), new Uint8Array(0), whole.subarray(1, 3)]
    for (let n = 1; n <= 7; n++) views.push(whole.subarray(100, 100 + n))
    views.push(Uint8Array.from({ length: 256 }, (_, i) => i))
    for (const bytes of views) {
      const text = toBase64(bytes)
      expect(text).toBe(btoaReference(bytes))
      // The table encoder (browsers) writes the same text, at an odd offset too.
      const out = new Uint8Array(text.length + 3)
      expect(writeBase64(bytes, out, 3)).toBe(out.length)
      expect(new TextDecoder().decode(out.subarray(3))).toBe(text)
      const back = fromBase64(text)!
      expect(back).toEqual(Uint8Array.from(bytes))
      expect(back.byteOffset).toBe(0)
    }
  })

  it('refuses text that is not well-formed base64', () => {
    const good = toBase64(Uint8Array.from([1, 2, 3, 4, 5]))
    expect(good).toBe('AQIDBAU=')
    for (const bad of [
      'AQIDBAU',
      'AQI DBAU=',
      'AQ=DBAU=',
      'AQIDBA*=',
      'AQID\u0100AU=',
      'A===',
      '\u0141QID',
    ]) {
      expect(fromBase64(bad), JSON.stringify(bad)).toBeNull()
    }
    expect(fromBase64('')).toEqual(new Uint8Array(0))
    expect(fromBase64('AQ==')).toEqual(Uint8Array.from([1]))
  })
})

describe('jsonBytes', () => {
  it('writes what JSON.stringify writes with each byte array as its base64 text', () => {
    const rng = createRng(9)
    const big = Uint8Array.from({ length: 3001 }, () => rng.nextInt(256))
    const value = {
      name: 'Größe → "quoted" \\u0000base64:0 \n',
      arrays: [big, big.subarray(1, 2), new Uint8Array(0)],
      nested: { first: Uint8Array.of(255, 0), n: 1.5, none: null, skipped: undefined, list: [1, 'two'] },
    }
    const expected = JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? toBase64(v) : v))
    expect(new TextDecoder().decode(jsonBytes(value))).toBe(expected)
    expect(new TextDecoder().decode(jsonBytes(value, { end: '\n' }))).toBe(`${expected}\n`)
    expect(new TextDecoder().decode(jsonBytes([1, 2]))).toBe('[1,2]')
  })

  it('writes an array larger than its slices (Node encodes slices of a multiple of 3 bytes) as one text', () => {
    expect(nodeSliceBytes % 3).toBe(0)
    const rng = createRng(10)
    const big = Uint8Array.from({ length: 2 * nodeSliceBytes + 7 }, () => rng.nextInt(256))
    const text = new TextDecoder().decode(jsonBytes({ big }))
    expect(text).toBe(`{"big":"${btoaReference(big)}"}`)
  })

  it('writes the same bytes where there is no Buffer (browsers: the table encoder into the output)', async () => {
    const rng = createRng(11)
    const value = {
      name: 'Größe',
      arrays: [
        Uint8Array.from({ length: 3001 }, () => rng.nextInt(256)),
        Uint8Array.of(7),
        new Uint8Array(0),
      ],
      after: [1.5, 'x'],
    }
    vi.resetModules()
    vi.stubGlobal('Buffer', undefined)
    let browser: typeof import('./base64.ts')
    try {
      browser = await import('./base64.ts')
    } finally {
      vi.unstubAllGlobals()
    }
    expect(browser.jsonBytes(value, { end: '\n' })).toEqual(jsonBytes(value, { end: '\n' }))
    expect(browser.toBase64(value.arrays[0])).toBe(toBase64(value.arrays[0]))
  })

  it('passes other values through the replacer and refuses a string that holds its placeholder', () => {
    const doubled = jsonBytes(
      { a: 2, b: Uint8Array.of(1) },
      { replacer: (_k, v) => (typeof v === 'number' ? v * 2 : v) },
    )
    expect(new TextDecoder().decode(doubled)).toBe('{"a":4,"b":"AQ=="}')
    expect(() => jsonBytes({ a: 'x\u0000base64:0', b: Uint8Array.of(1) })).toThrow('placeholder')
  })
})
