/**
 * The one base64 codec (RFC 4648, standard alphabet, padded) for model bytes: fitted tree arrays inside
 * a tree model's JSON, and a model's bytes inside a model package. Models reach tens of megabytes (the
 * 100-tree forest of a 3,563-row table is ~11 MB), so both directions work on typed arrays with lookup
 * tables instead of binary strings: `btoa` over a binary string costs ~0.4 s for 11 MB in Node, whose
 * `btoa` is per-character JavaScript, and building the binary string is most of the browser's cost.
 */
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const padCode = 61 // '='

/** The character code of each 6-bit value. */
const codes = Uint8Array.from(alphabet, (c) => c.charCodeAt(0))

/** Value of each character code, or 255 outside the alphabet. */
const values = new Uint8Array(256).fill(255)
for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i

const ascii = new TextDecoder('ascii')

/** Node's Buffer where there is one (the CLI, tests): its encoder is native, several times the table's speed. */
interface NodeBufferLike {
  from(bytes: ArrayBuffer, offset?: number, length?: number): NodeBufferView
}
interface NodeBufferView {
  toString(encoding: 'base64'): string
  write(text: string, offset: number, length: number, encoding: 'latin1'): number
}
const nodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer

/** Length of the base64 text of `n` bytes. */
const base64Length = (n: number) => Math.ceil(n / 3) * 4

/** Base64 of `bytes` (a view into a larger buffer reads only its own bytes). */
export function toBase64(bytes: Uint8Array): string {
  if (nodeBuffer)
    return nodeBuffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  const out = new Uint8Array(base64Length(bytes.length))
  writeBase64(bytes, out, 0)
  return ascii.decode(out)
}

/**
 * Writes the base64 text of `bytes` into `out` from `offset` as ASCII bytes, by lookup table (browsers;
 * exported so the tests run it in Node too). Returns the offset after it.
 */
export function writeBase64(bytes: Uint8Array, out: Uint8Array, offset: number): number {
  const n = bytes.length
  const whole = n - (n % 3)
  let o = offset
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out[o] = codes[v >>> 18]
    out[o + 1] = codes[(v >>> 12) & 63]
    out[o + 2] = codes[(v >>> 6) & 63]
    out[o + 3] = codes[v & 63]
    o += 4
  }
  const rest = n - whole
  if (rest > 0) {
    const v = (bytes[whole] << 16) | (rest === 2 ? bytes[whole + 1] << 8 : 0)
    out[o] = codes[v >>> 18]
    out[o + 1] = codes[(v >>> 12) & 63]
    out[o + 2] = rest === 2 ? codes[(v >>> 6) & 63] : padCode
    out[o + 3] = padCode
    o += 4
  }
  return o
}

/**
 * `JSON.stringify(value)` as UTF-8 bytes, with every byte array in it (`Uint8Array`) written as a base64
 * string: the same bytes as stringifying the base64 text, written straight into the one output buffer.
 * A model's megabytes never become one JavaScript string to stringify and encode (~0.2 s per 10 MB
 * here), and no second buffer of that size is filled and copied (fresh memory costs ~3 ms per MB on
 * this machine). `replacer` sees every other value, as JSON.stringify's does; `end` is text written
 * after the JSON (a newline).
 */
export function jsonBytes(
  value: unknown,
  options: { replacer?: (key: string, value: unknown) => unknown; end?: string } = {},
): Uint8Array {
  const { replacer } = options
  const arrays: Uint8Array[] = []
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (v instanceof Uint8Array) {
      arrays.push(v)
      return `${placeholder}${arrays.length - 1}`
    }
    // No string of the value can hold a placeholder, so each one found below is an array's.
    if (typeof v === 'string' && v.includes(placeholder))
      throw new Error('A JSON string value holds the base64 placeholder')
    return replacer ? replacer(key, v) : v
  })
  const encoder = new TextEncoder()
  // The text around each array, each ending in the quote that opens the array's string (the next one
  // starts with the quote that closes it).
  const pieces: Uint8Array[] = []
  let from = 0
  for (let k = 0; k < arrays.length; k++) {
    // JSON writes the placeholder's NUL as the six characters \u0000.
    const token = `"\\u0000${placeholder.slice(1)}${k}"`
    const at = text.indexOf(token, from)
    pieces.push(encoder.encode(`${text.slice(from, at)}"`))
    from = at + token.length - 1
  }
  pieces.push(encoder.encode(text.slice(from) + (options.end ?? '')))
  let size = 0
  for (const piece of pieces) size += piece.length
  for (const bytes of arrays) size += base64Length(bytes.length)
  const out = new Uint8Array(size)
  const outBuffer = nodeBuffer?.from(out.buffer)
  let offset = 0
  for (const [k, piece] of pieces.entries()) {
    out.set(piece, offset)
    offset += piece.length
    if (k === arrays.length) break
    const bytes = arrays[k]
    if (outBuffer) {
      // Slices of a multiple of 3 bytes encode to the same text as the whole, and no string grows past
      // a few megabytes: a whole-loaded forest's hundreds of megabytes as one string pass V8's 512 MB limit.
      for (let at = 0; at < bytes.length; at += nodeSliceBytes) {
        const slice = bytes.subarray(at, Math.min(bytes.length, at + nodeSliceBytes))
        offset += outBuffer.write(toBase64(slice), offset, base64Length(slice.length), 'latin1')
      }
    } else offset = writeBase64(bytes, out, offset)
  }
  return out
}

/** Bytes encoded per string by Node's Buffer in {@link jsonBytes}: a multiple of 3 (exported for tests). */
export const nodeSliceBytes = 3 * 1024 * 1024

/** What a byte array is written as before its base64 is spliced in (see {@link jsonBytes}). */
const placeholder = '\u0000base64:'

/**
 * The bytes of base64 `text`, or null when it is not well-formed base64: a length that is not a
 * multiple of 4, a character outside the alphabet (whitespace included), or padding anywhere but the end.
 * The bytes start a buffer of their own, so they can be viewed as any typed array of their length.
 */
export function fromBase64(text: string): Uint8Array | null {
  const n = text.length
  if (n % 4 !== 0) return null
  const padding =
    n === 0 ? 0 : text.charCodeAt(n - 1) !== padCode ? 0 : text.charCodeAt(n - 2) === padCode ? 2 : 1
  const out = new Uint8Array((n / 4) * 3 - padding)
  const full = padding === 0 ? n : n - 4
  let o = 0
  for (let i = 0; i < full; i += 4) {
    const ca = text.charCodeAt(i)
    const cb = text.charCodeAt(i + 1)
    const cc = text.charCodeAt(i + 2)
    const cd = text.charCodeAt(i + 3)
    // Past 255 a code would mask onto some table entry; each value is 0..63, or 255 outside the alphabet.
    if ((ca | cb | cc | cd) > 255) return null
    const a = values[ca]
    const b = values[cb]
    const c = values[cc]
    const d = values[cd]
    if ((a | b | c | d) > 63) return null
    const v = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = v >>> 16
    out[o++] = (v >>> 8) & 255
    out[o++] = v & 255
  }
  if (padding > 0) {
    const ca = text.charCodeAt(n - 4)
    const cb = text.charCodeAt(n - 3)
    const cc = padding === 1 ? text.charCodeAt(n - 2) : alphabet.charCodeAt(0)
    if ((ca | cb | cc) > 255) return null
    const a = values[ca]
    const b = values[cb]
    const c = values[cc]
    if ((a | b | c) > 63) return null
    const v = (a << 18) | (b << 12) | (c << 6)
    out[o++] = v >>> 16
    if (padding === 1) out[o] = (v >>> 8) & 255
  }
  return out
}
