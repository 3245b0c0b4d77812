/**
 * The one base64 codec (RFC 4648, standard alphabet, padded) for model bytes: fitted tree arrays inside
 * a tree model's JSON, and a model's bytes inside a model package. Models reach tens of megabytes (a
 * 200-tree forest on a few thousand rows is ~11 MB), so both directions work on typed arrays with lookup
 * tables instead of binary strings: `btoa` over a binary string costs ~0.4 s for 11 MB in Node, whose
 * `btoa` is per-character JavaScript, and building the binary string is most of the browser's cost.
 */
import { concatTyped } from './typedArrays.ts'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const padCode = 61 // '='
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Two output characters for every 12-bit value, as one 16-bit word in the platform's byte order. */
const pairs = new Uint16Array(4096)
for (let v = 0; v < 4096; v++) {
  const first = alphabet.charCodeAt(v >> 6)
  const second = alphabet.charCodeAt(v & 63)
  pairs[v] = littleEndian ? first | (second << 8) : (first << 8) | second
}

/** Value of each character code, or 255 outside the alphabet. */
const values = new Uint8Array(256).fill(255)
for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i

const ascii = new TextDecoder('ascii')

/** Node's Buffer where there is one (the CLI, tests): its encoder is native, ~6× faster than the table. */
interface NodeBufferLike {
  from(bytes: ArrayBuffer, offset: number, length: number): { toString(encoding: 'base64'): string }
  from(text: string, encoding: 'latin1'): Uint8Array
}
const nodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer

/** Base64 of `bytes` (a view into a larger buffer reads only its own bytes). */
export function toBase64(bytes: Uint8Array): string {
  if (nodeBuffer)
    return nodeBuffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  return ascii.decode(tableBase64(bytes))
}

/** {@link toBase64} as ASCII bytes, never a string (what {@link jsonBytes} splices into its output). */
function base64Bytes(bytes: Uint8Array): Uint8Array {
  return nodeBuffer ? nodeBuffer.from(toBase64(bytes), 'latin1') : tableBase64(bytes)
}

/**
 * The base64 text of `bytes` as ASCII bytes, by lookup tables (browsers; exported so the tests run it in
 * Node too).
 */
export function tableBase64(bytes: Uint8Array): Uint8Array {
  const n = bytes.length
  const whole = n - (n % 3)
  const out = new Uint8Array(Math.ceil(n / 3) * 4)
  const words = new Uint16Array(out.buffer, 0, out.length >> 1)
  let w = 0
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    words[w++] = pairs[v >>> 12]
    words[w++] = pairs[v & 4095]
  }
  const rest = n - whole
  if (rest > 0) {
    const v = (bytes[whole] << 16) | (rest === 2 ? bytes[whole + 1] << 8 : 0)
    let o = w * 2
    out[o++] = alphabet.charCodeAt(v >>> 18)
    out[o++] = alphabet.charCodeAt((v >>> 12) & 63)
    out[o++] = rest === 2 ? alphabet.charCodeAt((v >>> 6) & 63) : padCode
    out[o] = padCode
  }
  return out
}

/**
 * `JSON.stringify(value)` as UTF-8 bytes, with every byte array in it (`Uint8Array`) written as a base64
 * string: the same bytes as stringifying the base64 text, without ever holding a model's megabytes as
 * one JavaScript string (stringifying and encoding one costs ~0.2 s per 10 MB). `replacer` sees every
 * other value, as JSON.stringify's does; `end` is text written after the JSON (a newline).
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
  const parts: Uint8Array[] = []
  let from = 0
  for (let k = 0; k < arrays.length; k++) {
    // JSON writes the placeholder's NUL as the six characters \u0000.
    const token = `"\\u0000${placeholder.slice(1)}${k}"`
    const at = text.indexOf(token, from)
    parts.push(encoder.encode(`${text.slice(from, at)}"`), base64Bytes(arrays[k]), quote)
    from = at + token.length
  }
  parts.push(encoder.encode(text.slice(from) + (options.end ?? '')))
  return concatTyped(parts, (n) => new Uint8Array(n))
}

/** What a byte array is written as before its base64 is spliced in (see {@link jsonBytes}). */
const placeholder = '\u0000base64:'
const quote = Uint8Array.of(34)

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
