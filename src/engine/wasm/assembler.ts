/**
 * A tiny WebAssembly assembler: the binary encoding of the few instructions Butterfly's kernels use,
 * and a module of functions on one imported memory (`env.memory`). Kernels are emitted as bytes at load
 * time, so no toolchain or binary blob is needed (the trees' kernels, `trees/wasmKernels.ts`, the
 * MLP's, `models/mlpKernels.ts`, tree routing's, `trees/routeKernel.ts`). Every parameter and result is
 * an i32 (byte addresses and counts). {@link wasmMemoryOf} makes or grows the memory they run on.
 */

export const I32 = 0x7f
export const V128 = 0x7b
export const F64 = 0x7c

export function uleb(value: number): number[] {
  const out: number[] = []
  let v = value >>> 0
  do {
    let byte = v & 0x7f
    v >>>= 7
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
  return out
}

export function sleb(value: number): number[] {
  const out: number[] = []
  let v = value | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}

export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()]
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text))
  return [...uleb(bytes.length), ...bytes]
}

// Instructions.
export const get = (i: number) => [0x20, ...uleb(i)]
export const set = (i: number) => [0x21, ...uleb(i)]
export const tee = (i: number) => [0x22, ...uleb(i)]
export const i32c = (v: number) => [0x41, ...sleb(v)]
export const add = [0x6a]
export const sub = [0x6b]
export const mul = [0x6c]
export const shl = [0x74]
export const ltU = [0x49]
export const gtU = [0x4b]
export const geU = [0x4f]
export const eqz = [0x45]
export const load8 = [0x2d, 0, 0]
export const load32 = [0x28, 2, 0]
export const store32 = [0x36, 2, 0]
export const loadF32 = [0x2a, 2, 0]
export const loadF64 = [0x2b, 3, 0]
export const storeF64 = [0x39, 3, 0]
export const addF64 = [0xa0]
export const mulF64 = [0xa2]
export const eqF64 = [0x61]
export const promote = [0xbb]
export const simd = (op: number) => [0xfd, ...uleb(op)]
export const v128Load = [0xfd, 0x00, 3, 0]
export const v128Store = [0xfd, 0x0b, 3, 0]
export const splatF64 = [0xfd, 0x14]
export const replaceLaneF64 = (lane: number) => [0xfd, 0x22, lane]
export const addF64x2 = simd(0xf0)
export const mulF64x2 = simd(0xf2)
export const memoryCopy = [0xfc, ...uleb(10), 0, 0]
export const block = [0x02, 0x40]
export const loop = [0x03, 0x40]
/** `if` without a result; `ifF64` and `ifI32` leave a value (both arms must). */
export const ifVoid = [0x04, 0x40]
export const ifF64 = [0x04, F64]
export const ifI32 = [0x04, I32]
export const elseArm = [0x05]
export const end = [0x0b]
export const br = (depth: number) => [0x0c, ...uleb(depth)]
export const brIf = (depth: number) => [0x0d, ...uleb(depth)]
export const constF64 = (value: number) => [0x44, ...new Uint8Array(new Float64Array([value]).buffer)]

export interface FunctionSpec {
  name: string
  params: number
  results: number
  /** Extra locals as [count, type] groups. */
  locals: [number, number][]
  body: number[]
}

/**
 * A module of `functions` (all-i32 signatures) importing `env.memory`: growable from one page, or, with
 * `sharedPages`, a shared memory of exactly that many pages (a second thread runs the same kernels).
 */
export function assemble(functions: FunctionSpec[], sharedPages = 0): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [
    0x60,
    ...uleb(f.params),
    ...new Array(f.params).fill(I32),
    ...uleb(f.results),
    ...new Array(f.results).fill(I32),
  ])
  // A shared memory (limits flag 3: maximum given, shared) lets a second thread run the same kernels.
  const limits = sharedPages > 0 ? [0x03, ...uleb(1), ...uleb(sharedPages)] : [0x00, ...uleb(1)]
  const imports = vector([[...name('env'), ...name('memory'), 0x02, ...limits]])
  const code = functions.map((f) => {
    const locals = vector(f.locals.map(([count, type]) => [...uleb(count), type]))
    const body = [...locals, ...f.body, ...end]
    return [...uleb(body.length), ...body]
  })
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(code)),
  ]
  return Uint8Array.from(bytes)
}

/**
 * A wasm memory of at least `bytes` bytes (whole 64 KiB pages, at least one): `adopt` grown to that size
 * (its contents kept), else a new one; null where there is no WebAssembly or the memory cannot be had.
 */
export function wasmMemoryOf(bytes: number, adopt?: WebAssembly.Memory): WebAssembly.Memory | null {
  const pages = Math.max(1, Math.ceil(bytes / 65536))
  if (typeof WebAssembly === 'undefined' || pages > 65536) return null
  try {
    if (!adopt) return new WebAssembly.Memory({ initial: pages })
    const more = pages - adopt.buffer.byteLength / 65536
    if (more > 0) adopt.grow(more)
    return adopt
  } catch {
    return null
  }
}

/**
 * A function that compiles the module of `specs` on its first call and returns it from then on; null
 * where this engine cannot compile it (no WebAssembly, or no SIMD), so callers keep their JS loops.
 */
export function compiledOnce(specs: () => FunctionSpec[]): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined
  return () => {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(assemble(specs()))
      } catch {
        compiled = null
      }
    }
    return compiled
  }
}
