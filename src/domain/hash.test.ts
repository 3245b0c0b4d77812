import { describe, expect, it } from 'vitest'
import { canonicalJson, createSha256Hasher, hashCanonical, sha256, sha256Stream, utf8Encode } from './hash.ts'

describe('sha256', () => {
  it('matches the FIPS 180-2 test vectors', async () => {
    expect(await sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(await sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(await sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
  })

  it('gives the same digest streamed in uneven chunks as in one piece', async () => {
    const bytes = new Uint8Array(1_000_003)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 255
    async function* chunks() {
      for (let offset = 0; offset < bytes.length; offset += 65_521)
        yield bytes.subarray(offset, offset + 65_521)
    }
    const seen: number[] = []
    const streamed = await sha256Stream(chunks(), (done) => seen.push(done))
    expect(streamed).toBe(await sha256(bytes))
    expect(seen.at(-1)).toBe(bytes.length)
  })

  it('hashes one million "a" (the long FIPS vector) incrementally', async () => {
    const hasher = await createSha256Hasher()
    const chunk = new Uint8Array(1000).fill(97)
    for (let i = 0; i < 1000; i++) hasher.update(chunk)
    expect(hasher.digest()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })
})

describe('utf8Encode', () => {
  it('matches TextEncoder, including astral characters and lone surrogates', () => {
    for (const text of ['', 'plain', 'déjà vu', '日本語', '🦋 butterfly', 'a\ud800b']) {
      expect([...utf8Encode(text)]).toEqual([...new TextEncoder().encode(text)])
    }
  })
})

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    )
  })

  it('gives equal hashes for equal values in any key order, different for different values', async () => {
    const one = await hashCanonical({ seed: 42, blocks: ['a', 'b'] })
    expect(await hashCanonical({ blocks: ['a', 'b'], seed: 42 })).toBe(one)
    expect(await hashCanonical({ blocks: ['b', 'a'], seed: 42 })).not.toBe(one)
  })

  it('refuses non-finite numbers and normalises -0', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite number at \$\.x/)
    expect(canonicalJson(-0)).toBe('0')
  })
})
