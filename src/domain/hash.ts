/**
 * Content hashing: SHA-256 of bytes (WebCrypto for whole buffers, an incremental hasher for streams of
 * any size) and canonical JSON, whose hash identifies pipeline snapshots independently of key order.
 */
import { createSHA256 } from 'hash-wasm'

/** Lower-case hex SHA-256, 64 characters. */
export type Sha256Hex = string & { readonly __brand: 'Sha256Hex' }

interface SubtleLike {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>
}

function subtle(): SubtleLike | undefined {
  return (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle
}

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0')
  return out
}

/** SHA-256 of a whole buffer, with WebCrypto (falls back to the incremental hasher where it is missing). */
export async function sha256(data: Uint8Array | string): Promise<Sha256Hex> {
  const bytes = typeof data === 'string' ? utf8Encode(data) : data
  const webCrypto = subtle()
  if (webCrypto) {
    // WebCrypto wants an ArrayBuffer-backed view; copy only when the input is a SharedArrayBuffer view.
    const input =
      bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)
    return toHex(new Uint8Array(await webCrypto.digest('SHA-256', input))) as Sha256Hex
  }
  const hasher = await createSha256Hasher()
  hasher.update(bytes)
  return hasher.digest()
}

/** Incremental SHA-256 for files too large to hold in memory at once. */
export interface Sha256Hasher {
  update(chunk: Uint8Array): void
  digest(): Sha256Hex
}

export async function createSha256Hasher(): Promise<Sha256Hasher> {
  const hasher = await createSHA256()
  hasher.init()
  return {
    update(chunk) {
      hasher.update(chunk)
    },
    digest() {
      return hasher.digest('hex') as Sha256Hex
    },
  }
}

/** SHA-256 of a stream of chunks (for example `file.stream()`), calling `onBytes` with the running total. */
export async function sha256Stream(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onBytes?: (bytesDone: number) => void,
): Promise<Sha256Hex> {
  const hasher = await createSha256Hasher()
  let done = 0
  for await (const chunk of chunks) {
    hasher.update(chunk)
    done += chunk.byteLength
    onBytes?.(done)
  }
  return hasher.digest()
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members dropped, and
 * non-finite numbers rejected (they have no JSON form). Equal values give byte-equal text.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$')
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number at ${path}: ${value}`)
      return JSON.stringify(Object.is(value, -0) ? 0 : value)
    case 'string':
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((item, i) => serialize(item ?? null, `${path}[${i}]`)).join(',')}]`
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
      return `{${keys.map((key) => `${JSON.stringify(key)}:${serialize(record[key], `${path}.${key}`)}`).join(',')}}`
    }
    default:
      throw new Error(`canonicalJson: unsupported ${typeof value} at ${path}`)
  }
}

/** SHA-256 of the canonical JSON of `value`. */
export function hashCanonical(value: unknown): Promise<Sha256Hex> {
  return sha256(canonicalJson(value))
}

export function isSha256Hex(value: unknown): value is Sha256Hex {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)
}

/** UTF-8 bytes of a string (TextEncoder is not part of the ES library the domain is checked against). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i)
    const low = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
    if (code >= 0xd800 && code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
      i++
    } else if (code >= 0xd800 && code <= 0xdfff) {
      code = 0xfffd
    }
    if (code < 0x80) out.push(code)
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63))
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63))
    else
      out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63))
  }
  return Uint8Array.from(out)
}

/**
 * Structural equality of plain data (NaN equals NaN, key order ignored): for invariant checks on
 * stored records, which may hold non-finite metrics that canonical JSON cannot express.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return false
    const x = a as unknown as ArrayLike<number>
    const y = b as unknown as ArrayLike<number>
    if (x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false
    return true
  }
  const recordA = a as Record<string, unknown>
  const recordB = b as Record<string, unknown>
  const keysA = Object.keys(recordA).filter((k) => recordA[k] !== undefined)
  const keysB = Object.keys(recordB).filter((k) => recordB[k] !== undefined)
  if (keysA.length !== keysB.length) return false
  return keysA.every((key) => sameData(recordA[key], recordB[key]))
}
