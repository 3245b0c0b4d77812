/**
 * WebAssembly kernels for the MLP's dense layers in {@link ArrayMlpTrainer} (mlpArrays.ts): the same
 * loops as its plain-JS ones, with the innermost one (a row of `out += a × M`) two lanes at a time
 * (`f64x2.mul` then `f64x2.add`). SIMD lanes are plain IEEE operations in the same order as the JS
 * loop's, so the results are the same bits; the JS loops stay as the fallback where there is no wasm
 * SIMD. Emitted by the tiny assembler of `../wasm/assembler.ts`.
 */
import {
  add,
  addF64,
  addF64x2,
  block,
  br,
  brIf,
  compiledOnce,
  constF64,
  elseArm,
  end,
  eqF64,
  eqz,
  F64,
  type FunctionSpec,
  get,
  geU,
  gtU,
  I32,
  i32c,
  ifF64,
  ifI32,
  ifVoid,
  loadF64,
  loop,
  ltU,
  mul,
  mulF64,
  mulF64x2,
  set,
  shl,
  splatF64,
  storeF64,
  V128,
  v128Load,
  v128Store,
} from '../wasm/assembler.ts'

/** Byte address of element `index` (a local) of the f64 array at `base` (a local). */
const at = (base: number, index: number) => [...get(base), ...get(index), ...i32c(3), ...shl, ...add]

/**
 * `dst[0..m) += a · src[0..m)` (locals: dst and src byte addresses, a as f64 and splat into `av`, j the
 * counter, m the length), pairs of lanes then the odd last element.
 */
function axpy(L: { dst: number; src: number; a: number; av: number; j: number; m: number }): number[] {
  /** dst[j] (and dst[j + 1] for two lanes) += factor · src[j]: a mul then an add, as the JS loop. */
  const update = (load: number[], factor: number, mulOp: number[], addOp: number[], store: number[]) => [
    ...at(L.dst, L.j),
    ...at(L.dst, L.j),
    ...load,
    ...get(factor),
    ...at(L.src, L.j),
    ...load,
    ...mulOp,
    ...addOp,
    ...store,
  ]
  return [
    ...get(L.a),
    ...splatF64,
    ...set(L.av),
    ...i32c(0),
    ...set(L.j),
    ...block,
    ...loop,
    ...get(L.j),
    ...i32c(2),
    ...add,
    ...get(L.m),
    ...gtU,
    ...brIf(1),
    ...update(v128Load, L.av, mulF64x2, addF64x2, v128Store),
    ...get(L.j),
    ...i32c(2),
    ...add,
    ...set(L.j),
    ...br(0),
    ...end,
    ...end,
    ...get(L.j),
    ...get(L.m),
    ...ltU,
    ...ifVoid,
    ...update(loadF64, L.a, mulF64, addF64, storeF64),
    ...end,
  ]
}

/** `counter = 0; while (counter < limit) { body; counter++ }` over locals. */
function countLoop(counter: number, limit: number, body: number[]): number[] {
  return [
    ...i32c(0),
    ...set(counter),
    ...block,
    ...loop,
    ...get(counter),
    ...get(limit),
    ...geU,
    ...brIf(1),
    ...body,
    ...get(counter),
    ...i32c(1),
    ...add,
    ...set(counter),
    ...br(0),
    ...end,
    ...end,
  ]
}

/** `target = base + index · width · 8`: the byte address of row `index` of an f64 matrix `width` wide. */
const rowAddress = (target: number, base: number, index: number, width: number) => [
  ...get(base),
  ...get(index),
  ...get(width),
  ...mul,
  ...i32c(3),
  ...shl,
  ...add,
  ...set(target),
]

/**
 * For each row r < rows (r a local, from 0): `perRow`, then for k < inner, a = A[r][k] and, unless
 * `skip` (code leaving an i32) says to skip it, `dst[0..m) += a · src[0..m)` with dst and src set by
 * `addresses`. The loop nest of both kernels.
 */
function rowsTimesInner(
  L: { r: number; k: number; j: number; arow: number; dst: number; src: number; a: number; av: number },
  P: { A: number; rows: number; inner: number; m: number },
  perRow: number[],
  skip: number[],
  addresses: number[],
): number[] {
  return [
    ...countLoop(L.r, P.rows, [
      ...rowAddress(L.arow, P.A, L.r, P.inner),
      ...perRow,
      ...countLoop(L.k, P.inner, [
        ...at(L.arow, L.k),
        ...loadF64,
        ...set(L.a),
        ...block,
        ...skip,
        ...brIf(0),
        ...addresses,
        ...axpy({ dst: L.dst, src: L.src, a: L.a, av: L.av, j: L.j, m: P.m }),
        ...end,
      ]),
    ]),
  ]
}

/** f64 `a` (a local) is zero, as an i32. */
const isZero = (a: number) => [...get(a), ...constF64(0), ...eqF64]

/**
 * rowProducts(A, rows, inner, M, m, out, bias, skipZero): for each row r, out[r] = bias (or zeros when
 * bias is 0), then for k < inner, out[r] += A[r][k] · M[k] (rows of M are m long); with skipZero a zero
 * A[r][k] adds nothing. A layer's forward pass (A the inputs, M its weights) and the gradient of its
 * inputs (A the output gradients, M the transposed weights, no bias, no skip).
 */
function rowProductsSpec(): FunctionSpec {
  const P = { A: 0, rows: 1, inner: 2, M: 3, m: 4, out: 5, bias: 6, skip: 7 }
  const L = { r: 8, k: 9, j: 10, dst: 11, arow: 12, src: 13, a: 14, av: 15 }
  // The row starts as the bias, or zeros.
  const startRow = [
    ...rowAddress(L.dst, P.out, L.r, P.m),
    ...countLoop(L.j, P.m, [
      ...at(L.dst, L.j),
      ...get(P.bias),
      ...eqz,
      ...ifF64,
      ...constF64(0),
      ...elseArm,
      ...at(P.bias, L.j),
      ...loadF64,
      ...end,
      ...storeF64,
    ]),
  ]
  const skip = [...get(P.skip), ...ifI32, ...isZero(L.a), ...elseArm, ...i32c(0), ...end]
  const body = rowsTimesInner(L, P, startRow, skip, rowAddress(L.src, P.M, L.k, P.m))
  return {
    name: 'rowProducts',
    params: 8,
    results: 0,
    locals: [
      [6, I32],
      [1, F64],
      [1, V128],
    ],
    body,
  }
}

/**
 * outerSums(A, rows, inner, D, m, G): for each row r and k < inner with A[r][k] ≠ 0,
 * G[k] += A[r][k] · D[r] (rows of D and G are m long). A layer's weight gradient (A its inputs, D the
 * gradient of its outputs), accumulated into G (zeroed by the caller).
 */
function outerSumsSpec(): FunctionSpec {
  const P = { A: 0, rows: 1, inner: 2, D: 3, m: 4, G: 5 }
  const L = { r: 6, k: 7, j: 8, src: 9, arow: 10, dst: 11, a: 12, av: 13 }
  const body = rowsTimesInner(
    L,
    P,
    rowAddress(L.src, P.D, L.r, P.m),
    isZero(L.a),
    rowAddress(L.dst, P.G, L.k, P.m),
  )
  return {
    name: 'outerSums',
    params: 6,
    results: 0,
    locals: [
      [6, I32],
      [1, F64],
      [1, V128],
    ],
    body,
  }
}

/** The kernels on one memory, called with byte addresses of f64 arrays in it. */
export interface MlpKernels {
  memory: WebAssembly.Memory
  rowProducts(
    A: number,
    rows: number,
    inner: number,
    M: number,
    m: number,
    out: number,
    bias: number,
    skipZero: number,
  ): void
  outerSums(A: number, rows: number, inner: number, D: number, m: number, G: number): void
}

const mlpModule = compiledOnce(() => [rowProductsSpec(), outerSumsSpec()])

/** The kernels on a fresh memory of one page (grow it with `wasmMemoryOf`); null without wasm SIMD. */
export function createMlpKernels(): MlpKernels | null {
  const compiled = mlpModule()
  if (!compiled) return null
  const memory = new WebAssembly.Memory({ initial: 1 })
  const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Omit<
    MlpKernels,
    'memory'
  >
  return { memory, rowProducts: exports.rowProducts, outerSums: exports.outerSums }
}
