/**
 * WebAssembly versions of the learner's hottest loops (histograms, gather, partition), emitted as
 * bytes at load time by the tiny assembler of `../wasm/assembler.ts` (no toolchain or binary blob). They run on
 * one `WebAssembly.Memory` that holds the binned matrix, row ids, gradients and histogram pool.
 *
 * Why: the same column-wise histogram loop runs 2–5× faster in wasm than in JS (no bounds checks,
 * steadier JIT; see the trees-performance note). The gradient pair is added as one `f64x2.add` (SIMD
 * lanes are plain IEEE adds, so results are bit-identical to the JS kernels, which stay as fallback).
 */

import {
  add,
  addF64,
  addF64x2,
  assemble,
  block,
  br,
  brIf,
  compiledOnce,
  end,
  eqz,
  F64,
  type FunctionSpec,
  get,
  geU,
  gtU,
  I32,
  i32c,
  load8,
  load32,
  loadF32,
  loadF64,
  loop,
  ltU,
  memoryCopy,
  mul,
  mulF64x2,
  promote,
  replaceLaneF64,
  set,
  shl,
  simd,
  splatF64,
  store32,
  storeF64,
  sub,
  tee,
  uleb,
  V128,
  v128Load,
  v128Store,
  wasmMemoryOf,
} from '../wasm/assembler.ts'

/**
 * Histogram of `nf` features: params b0..b{nf-1} (byte address of each feature's bin column), rows
 * (address of the first row id; ignored when `root`), m, g, h (addresses of f32 gradient pairs in
 * node order), sums (f64 [g, h] pairs of feature 0; features follow every width·16 bytes), counts
 * (u32 of feature 0; every width·4 bytes), width.
 */
function histogram(nf: number, root: boolean, fixedWidth = 0): FunctionSpec {
  const P = { rows: nf, m: nf + 1, g: nf + 2, h: nf + 3, sums: nf + 4, counts: nf + 5, width: nf + 6 }
  const nParams = nf + 7
  const L = {
    i: nParams,
    r: nParams + 1,
    x: nParams + 2,
    j: nParams + 3,
    s: nParams + 4,
    c: nParams + 4 + nf,
  }
  const pair = nParams + 4 + 2 * nf
  const body: number[] = []
  // s[q] = sums + q·width·16, c[q] = counts + q·width·4 (with a fixed width: immediate offsets instead).
  for (let q = 0; q < (fixedWidth ? 0 : nf); q++) {
    body.push(...get(P.sums), ...get(P.width), ...i32c(q * 16), ...[0x6c], ...add, ...set(L.s + q))
    body.push(...get(P.counts), ...get(P.width), ...i32c(q * 4), ...[0x6c], ...add, ...set(L.c + q))
  }
  body.push(...block, ...get(P.m), ...eqz, ...brIf(0), ...loop)
  if (root) body.push(...get(L.i), ...set(L.r))
  else body.push(...get(P.rows), ...get(L.i), ...i32c(2), ...shl, ...add, ...load32, ...set(L.r))
  body.push(...get(P.g), ...get(L.i), ...i32c(2), ...shl, ...add, ...loadF32, ...promote, ...splatF64)
  body.push(
    ...get(P.h),
    ...get(L.i),
    ...i32c(2),
    ...shl,
    ...add,
    ...loadF32,
    ...promote,
    ...replaceLaneF64(1),
  )
  body.push(...set(pair))
  for (let q = 0; q < nf; q++) {
    body.push(...get(q), ...get(L.r), ...add, ...load8, ...set(L.x))
    if (fixedWidth) {
      const sumsAt = uleb(q * fixedWidth * 16)
      const countsAt = uleb(q * fixedWidth * 4)
      body.push(...get(P.sums), ...get(L.x), ...i32c(4), ...shl, ...add, ...tee(L.j))
      body.push(...get(L.j), 0xfd, 0x00, 3, ...sumsAt, ...get(pair), ...addF64x2, 0xfd, 0x0b, 3, ...sumsAt)
      body.push(...get(P.counts), ...get(L.x), ...i32c(2), ...shl, ...add, ...tee(L.j))
      body.push(...get(L.j), 0x28, 2, ...countsAt, ...i32c(1), ...add, 0x36, 2, ...countsAt)
      continue
    }
    body.push(...get(L.s + q), ...get(L.x), ...i32c(4), ...shl, ...add, ...tee(L.j))
    body.push(...get(L.j), ...v128Load, ...get(pair), ...addF64x2, ...v128Store)
    body.push(...get(L.c + q), ...get(L.x), ...i32c(2), ...shl, ...add, ...tee(L.j))
    body.push(...get(L.j), ...load32, ...i32c(1), ...add, ...store32)
  }
  body.push(...get(L.i), ...i32c(1), ...add, ...tee(L.i), ...get(P.m), ...ltU, ...brIf(0), ...end, ...end)
  return {
    name: `hist${nf}${root ? 'root' : ''}${fixedWidth ? `w${fixedWidth}` : ''}`,
    params: nParams,
    results: 0,
    locals: [
      [4 + 2 * nf, I32],
      [1, V128],
    ],
    body,
  }
}

/**
 * Quantised histogram of `nf` features (256 bins each): params b0..b{nf-1} (byte address of each
 * feature's bin column), rows (address of the first row id; ignored when `root`), m, gh (the node's
 * packed gradient pairs in node order, one i32 per row: i16 gradient, i16 hessian), sums (i32 lanes
 * [Σg, Σh, count, 0] per bin of feature 0; features follow every 4096 bytes). One `i32x4.add` per
 * feature and row: integer sums are exact, so their order never matters.
 */
function histogramQuantized(nf: number, root: boolean): FunctionSpec {
  const P = { rows: nf, m: nf + 1, gh: nf + 2, sums: nf + 3 }
  const nParams = nf + 4
  const L = { i: nParams, r: nParams + 1, x: nParams + 2, j: nParams + 3 }
  const pair = nParams + 4
  const body: number[] = []
  body.push(...block, ...get(P.m), ...eqz, ...brIf(0), ...loop)
  if (root) body.push(...get(L.i), ...set(L.r))
  else body.push(...get(P.rows), ...get(L.i), ...i32c(2), ...shl, ...add, ...load32, ...set(L.r))
  // pair = (g, h, 1, 0) from the packed i16 pair.
  body.push(...get(P.gh), ...get(L.i), ...i32c(2), ...shl, ...add, ...simd(0x5c), 2, 0)
  body.push(...simd(0xa7), ...constI32x4([0, 0, 1, 0]), ...simd(0x50), ...set(pair))
  for (let q = 0; q < nf; q++) {
    const at = uleb(q * 4096)
    body.push(...get(q), ...get(L.r), ...add, ...load8)
    body.push(...i32c(4), ...shl, ...get(P.sums), ...add, ...tee(L.j))
    body.push(...get(L.j), 0xfd, 0x00, 4, ...at, ...get(pair), ...simd(0xae), 0xfd, 0x0b, 4, ...at)
  }
  body.push(...get(L.i), ...i32c(1), ...add, ...tee(L.i), ...get(P.m), ...ltU, ...brIf(0), ...end, ...end)
  return {
    name: `histq${nf}${root ? 'root' : ''}`,
    params: nParams,
    results: 0,
    locals: [
      [4, I32],
      [1, V128],
    ],
    body,
  }
}

/**
 * histK(column, rows, m, num, den, sums, counts, k): histogram of one feature with k numerators per
 * row (multiclass forests): for each of the m rows (ids at `rows`, node order), bin x = column[row],
 * sums[x·(k+1) + c] += num[i·k + c] for c < k, sums[x·(k+1) + k] += den[i], counts[x]++. Every bin
 * entry receives its rows in node order, as the JS kernel `buildHistogramRowsK` does, so the sums are
 * bit-identical.
 */
function histogramKSpec(): FunctionSpec {
  const [column, rows, m, num, den, sums, counts, k] = [0, 1, 2, 3, 4, 5, 6, 7]
  const [i, x, j, q, qEnd, strideBytes] = [8, 9, 10, 11, 12, 13]
  const body = [
    ...get(k),
    ...i32c(1),
    ...add,
    ...i32c(8),
    ...mul,
    ...set(strideBytes),
    ...block,
    ...get(m),
    ...eqz,
    ...brIf(0),
    ...loop,
    // x = column[rows[i]]
    ...get(column),
    ...get(rows),
    ...get(i),
    ...i32c(2),
    ...shl,
    ...add,
    ...load32,
    ...add,
    ...load8,
    ...set(x),
    // j = sums + x·strideBytes; q = num + i·k·4; qEnd = q + k·4
    ...get(sums),
    ...get(x),
    ...get(strideBytes),
    ...mul,
    ...add,
    ...set(j),
    ...get(num),
    ...get(i),
    ...get(k),
    ...mul,
    ...i32c(2),
    ...shl,
    ...add,
    ...tee(q),
    ...get(k),
    ...i32c(2),
    ...shl,
    ...add,
    ...set(qEnd),
    ...loop,
    ...get(j),
    ...get(j),
    ...loadF64,
    ...get(q),
    ...loadF32,
    ...promote,
    ...addF64,
    ...storeF64,
    ...get(j),
    ...i32c(8),
    ...add,
    ...set(j),
    ...get(q),
    ...i32c(4),
    ...add,
    ...tee(q),
    ...get(qEnd),
    ...ltU,
    ...brIf(0),
    ...end,
    // the denominator, after the k numerators
    ...get(j),
    ...get(j),
    ...loadF64,
    ...get(den),
    ...get(i),
    ...i32c(2),
    ...shl,
    ...add,
    ...loadF32,
    ...promote,
    ...addF64,
    ...storeF64,
    // counts[x]++
    ...get(counts),
    ...get(x),
    ...i32c(2),
    ...shl,
    ...add,
    ...tee(j),
    ...get(j),
    ...load32,
    ...i32c(1),
    ...add,
    ...store32,
    ...get(i),
    ...i32c(1),
    ...add,
    ...tee(i),
    ...get(m),
    ...ltU,
    ...brIf(0),
    ...end,
    ...end,
  ]
  return { name: 'histK', params: 8, results: 0, locals: [[6, I32]], body }
}

/** gather(src, rows, m, dst): dst[i] = src[rows[i]] for 4-byte elements. */
function gatherSpec(): FunctionSpec {
  const [src, rows, m, dst, i] = [0, 1, 2, 3, 4]
  const body = [
    ...block,
    ...get(m),
    ...eqz,
    ...brIf(0),
    ...loop,
    ...get(dst),
    ...get(i),
    ...i32c(2),
    ...shl,
    ...add,
    ...get(src),
    ...get(rows),
    ...get(i),
    ...i32c(2),
    ...shl,
    ...add,
    ...load32,
    ...i32c(2),
    ...shl,
    ...add,
    ...load32,
    ...store32,
    ...get(i),
    ...i32c(1),
    ...add,
    ...tee(i),
    ...get(m),
    ...ltU,
    ...brIf(0),
    ...end,
    ...end,
  ]
  return { name: 'gather', params: 4, results: 0, locals: [[1, I32]], body }
}

/**
 * partition(rows, m, column, lut, scratch) → left count: stable, branchless split of the m row ids
 * at `rows` by `lut[bin]` (1 = left); right ids go through `scratch` and are copied back after.
 * Without `copyBack` (partitionHalf) the right ids stay in `scratch`: the caller puts two halves together.
 */
function partitionSpec(copyBack = true): FunctionSpec {
  const [rows, m, column, lut, scratch, i, r, l, wl, wr] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const body = [
    ...block,
    ...get(m),
    ...eqz,
    ...brIf(0),
    ...loop,
    ...get(rows),
    ...get(i),
    ...i32c(2),
    ...shl,
    ...add,
    ...load32,
    ...set(r),
    ...get(lut),
    ...get(column),
    ...get(r),
    ...add,
    ...load8,
    ...add,
    ...load8,
    ...set(l),
    ...get(rows),
    ...get(wl),
    ...i32c(2),
    ...shl,
    ...add,
    ...get(r),
    ...store32,
    ...get(scratch),
    ...get(wr),
    ...i32c(2),
    ...shl,
    ...add,
    ...get(r),
    ...store32,
    ...get(wl),
    ...get(l),
    ...add,
    ...set(wl),
    ...get(wr),
    ...i32c(1),
    ...add,
    ...get(l),
    ...sub,
    ...set(wr),
    ...get(i),
    ...i32c(1),
    ...add,
    ...tee(i),
    ...get(m),
    ...ltU,
    ...brIf(0),
    ...end,
    ...end,
  ]
  // memory.copy(rows + wl·4, scratch, wr·4)
  if (copyBack)
    body.push(
      ...get(rows),
      ...get(wl),
      ...i32c(2),
      ...shl,
      ...add,
      ...get(scratch),
      ...get(wr),
      ...i32c(2),
      ...shl,
      ...memoryCopy,
    )
  body.push(...get(wl))
  return { name: copyBack ? 'partition' : 'partitionHalf', params: 5, results: 1, locals: [[5, I32]], body }
}

/** v128.const of two f64 lanes, or two i64 lanes. */
function constF64x2(value: number): number[] {
  return [...simd(0x0c), ...new Uint8Array(new Float64Array([value, value]).buffer)]
}
function constI64x2(value: number): number[] {
  return [...simd(0x0c), ...new Uint8Array(new BigInt64Array([BigInt(value), BigInt(value)]).buffer)]
}
function constF32x4(value: number): number[] {
  return [...simd(0x0c), ...new Uint8Array(new Float32Array([value, value, value, value]).buffer)]
}
function constI32x4(values: number[]): number[] {
  return [...simd(0x0c), ...new Uint8Array(new Int32Array(values).buffer)]
}
const [negF64x2, subF64x2, divF64x2, minF64x2, maxF64x2, nearestF64x2] = [
  0xed, 0xf1, 0xf3, 0xf4, 0xf5, 0x94,
].map(simd)
const truncSatF64x2ToI32 = simd(0xfc)
const extendLowI32ToI64 = simd(0xc7)
const addI64x2 = simd(0xce)
const shlI64x2 = simd(0xcb)
const demoteF64x2 = simd(0x5e)
const store64Lane0 = [...simd(0x5b), 3, 0, 0]
const store32Lane0 = [...simd(0x5a), 2, 0, 0]

/** Stores the largest lane of f32x4 locals a and b as two f32 at the address in local `out`. */
function storeMaxima(out: number, a: number, b: number): number[] {
  const lanesMax = (v: number) =>
    [0, 1, 2, 3].flatMap((lane) => [...get(v), ...simd(0x1f), lane, ...(lane ? [0x97] : [])])
  return [...get(out), ...lanesMax(a), 0x38, 2, 0, ...get(out), ...lanesMax(b), 0x38, 2, 4]
}

/** while (i + rows ≤ to) { body; i += rows } over locals i and to (i starts where the caller set it). */
function rowLoop(i: number, to: number, rows: number, body: number[]): number[] {
  const past =
    rows === 1 ? [...get(i), ...get(to), ...geU] : [...get(i), ...i32c(rows), ...add, ...get(to), ...gtU]
  return [
    ...block,
    ...loop,
    ...past,
    ...brIf(1),
    ...body,
    ...get(i),
    ...i32c(rows),
    ...add,
    ...set(i),
    ...br(0),
    ...end,
    ...end,
  ]
}

/** 1/j! for j = 0..13: the Taylor polynomial of exp on |r| ≤ ln2/2 (truncation error below 2e-16). */
const EXP_TAYLOR = Array.from({ length: 14 }, (_, j) => {
  let f = 1
  for (let i = 2; i <= j; i++) f *= i
  return 1 / f
})

/**
 * gradLogistic(raw, y, g, h, from, to): binary log loss's gradients and hessians of rows [from, to)
 * (byte addresses of f64 raw scores and labels, f32 g and h), two rows per f64x2 step:
 * p = 1 / (1 + exp(−raw)), g = p − y, h = p(1 − p), rounded to f32. exp is computed here from IEEE
 * operations only (fdlibm's range reduction by ln 2, a degree-13 Taylor polynomial, scaling by 2^k;
 * within 1 ulp of Math.exp), so each row's result is the same in every engine, thread and lane.
 */
function gradientLogisticSpec(): FunctionSpec {
  const [raw, y, g, h, from, to, i, X, K, P] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  /** p of the two raw scores that `loadRaw` pushes, into local P. */
  const probability = (loadRaw: number[]) => {
    const out = [...loadRaw, ...negF64x2, ...constF64x2(-708), ...maxF64x2, ...constF64x2(709), ...minF64x2]
    out.push(...tee(X), ...constF64x2(Math.LOG2E), ...mulF64x2, ...nearestF64x2, ...set(K))
    out.push(...get(X), ...get(K), ...constF64x2(6.9314718036912382e-1), ...mulF64x2, ...subF64x2)
    out.push(...get(K), ...constF64x2(1.9082149292705877e-10), ...mulF64x2, ...subF64x2, ...set(X))
    out.push(...constF64x2(1), ...constF64x2(1), ...constF64x2(EXP_TAYLOR[13]))
    for (let j = 12; j >= 0; j--) out.push(...get(X), ...mulF64x2, ...constF64x2(EXP_TAYLOR[j]), ...addF64x2)
    out.push(...get(K), ...truncSatF64x2ToI32, ...extendLowI32ToI64, ...constI64x2(1023), ...addI64x2)
    out.push(...i32c(52), ...shlI64x2, ...mulF64x2, ...addF64x2, ...divF64x2, ...set(P))
    return out
  }
  const at = (base: number, shift: number) => [...get(base), ...get(i), ...i32c(shift), ...shl, ...add]
  /** Stores g and h of the rows at i from P and the labels that `loadY` pushes. */
  const store = (loadY: number[], storeLane: number[]) => [
    ...at(g, 2),
    ...get(P),
    ...loadY,
    ...subF64x2,
    ...demoteF64x2,
    ...storeLane,
    ...at(h, 2),
    ...get(P),
    ...constF64x2(1),
    ...get(P),
    ...subF64x2,
    ...mulF64x2,
    ...demoteF64x2,
    ...storeLane,
  ]
  const body = [
    ...get(from),
    ...set(i),
    ...block,
    ...loop,
    ...get(i),
    ...i32c(2),
    ...add,
    ...get(to),
    ...gtU,
    ...brIf(1),
    ...probability([...at(raw, 3), ...v128Load]),
    ...store([...at(y, 3), ...v128Load], store64Lane0),
    ...get(i),
    ...i32c(2),
    ...add,
    ...set(i),
    ...br(0),
    ...end,
    ...end,
    // The last row of an odd count, alone.
    ...block,
    ...get(i),
    ...get(to),
    ...geU,
    ...brIf(0),
    ...probability([...at(raw, 3), ...loadF64, ...splatF64]),
    ...store([...at(y, 3), ...loadF64, ...splatF64], store32Lane0),
    ...end,
  ]
  return {
    name: 'gradLogistic',
    params: 6,
    results: 0,
    locals: [
      [1, I32],
      [3, V128],
    ],
    body,
  }
}

/**
 * gradLogisticFast(raw, y, g, h, from, to, out): gradLogistic in f32 arithmetic for quantised fits, where
 * g and h are then rounded to 8 bits: raw scores and labels rounded to f32, exp from cephes' expf (range
 * reduction by ln 2 in two parts, a degree-7 polynomial, scaling by 2^k; within 2 f32 ulps), four rows
 * per f32x4 step; the largest |g| and h of the rows go to `out` as gradMax gives them. IEEE operations
 * only, so each row's numbers are the same in every engine, thread and cut.
 */
function gradientLogisticFastSpec(): FunctionSpec {
  const [raw, y, g, h, from, to, out, i, X, K, P, Y, mg, mh] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
  const [absF32, negF32, addF32, subF32, mulF32, divF32, minF32, maxF32, nearestF32, splatF32] = [
    0xe0, 0xe1, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0x6a, 0x13,
  ].map(simd)
  const [truncSat, addI32, shlI32] = [0xf8, 0xae, 0xab].map(simd)
  const demoteF64 = [0xb6]
  const at = (base: number, shift: number) => [...get(base), ...get(i), ...i32c(shift), ...shl, ...add]
  /** Rows i..i+3 of an f64 array as four f32 lanes. */
  const four = (base: number) => [
    ...at(base, 3),
    ...v128Load,
    ...demoteF64x2,
    ...at(base, 3),
    0xfd,
    0x00,
    3,
    16,
    ...demoteF64x2,
    0xfd,
    0x0d,
    ...[0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23],
  ]
  /** Row i of an f64 array in all four lanes. */
  const one = (base: number) => [...at(base, 3), ...loadF64, ...demoteF64, ...splatF32]
  const cephes = [
    1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  ]
  const step = (load: (base: number) => number[], store: number[]) => {
    const out: number[] = [
      ...load(raw),
      ...negF32,
      ...constF32x4(88),
      ...minF32,
      ...constF32x4(-87),
      ...maxF32,
    ]
    out.push(...tee(X), ...constF32x4(Math.LOG2E), ...mulF32, ...nearestF32, ...set(K))
    out.push(...get(X), ...get(K), ...constF32x4(0.693359375), ...mulF32, ...subF32)
    out.push(...get(K), ...constF32x4(2.1219444e-4), ...mulF32, ...addF32, ...set(X))
    out.push(...constF32x4(cephes[0]))
    for (const c of cephes.slice(1)) out.push(...get(X), ...mulF32, ...constF32x4(c), ...addF32)
    out.push(...get(X), ...get(X), ...mulF32, ...mulF32, ...get(X), ...addF32, ...constF32x4(1), ...addF32)
    out.push(...get(K), ...truncSat, ...constI32x4([127, 127, 127, 127]), ...addI32, ...i32c(23), ...shlI32)
    out.push(
      ...mulF32,
      ...set(P),
      ...constF32x4(1),
      ...constF32x4(1),
      ...get(P),
      ...addF32,
      ...divF32,
      ...set(P),
    )
    out.push(...get(P), ...load(y), ...subF32, ...set(Y), ...at(g, 2), ...get(Y), ...store)
    out.push(...get(mg), ...get(Y), ...absF32, ...maxF32, ...set(mg))
    out.push(
      ...get(P),
      ...constF32x4(1),
      ...get(P),
      ...subF32,
      ...mulF32,
      ...set(Y),
      ...at(h, 2),
      ...get(Y),
      ...store,
    )
    out.push(...get(mh), ...get(Y), ...maxF32, ...set(mh))
    return out
  }
  const body = [
    ...get(from),
    ...set(i),
    ...rowLoop(i, to, 4, step(four, [0xfd, 0x0b, 2, 0])),
    ...rowLoop(i, to, 1, step(one, store32Lane0)),
    ...storeMaxima(out, mg, mh),
  ]
  return {
    name: 'gradLogisticFast',
    params: 7,
    results: 0,
    locals: [
      [1, I32],
      [6, V128],
    ],
    body,
  }
}

/**
 * gradMax(g, h, from, to, out): the largest |g| and the largest h of rows [from, to) (f32 arrays), stored
 * as two f32 at `out` (0 for an empty range). Four rows per f32x4 step; a maximum does not depend on
 * the order, so any cut of the rows gives the same two numbers.
 */
function gradientMaxSpec(): FunctionSpec {
  const [g, h, from, to, out, i, mg, mh] = [0, 1, 2, 3, 4, 5, 6, 7]
  const [absF32x4, maxF32x4, splatF32x4] = [0xe0, 0xe9, 0x13].map(simd)
  const at = (base: number) => [...get(base), ...get(i), ...i32c(2), ...shl, ...add]
  const step = (load: number[]) => [
    ...get(mg),
    ...at(g),
    ...load,
    ...absF32x4,
    ...maxF32x4,
    ...set(mg),
    ...get(mh),
    ...at(h),
    ...load,
    ...maxF32x4,
    ...set(mh),
  ]
  const body = [
    ...get(from),
    ...set(i),
    ...rowLoop(i, to, 4, step([0xfd, 0x00, 2, 0])),
    ...rowLoop(i, to, 1, step([...loadF32, ...splatF32x4])),
    ...storeMaxima(out, mg, mh),
  ]
  return {
    name: 'gradMax',
    params: 5,
    results: 0,
    locals: [
      [1, I32],
      [2, V128],
    ],
    body,
  }
}

/** The integer hash behind quantisation's stochastic rounding (murmur3's finaliser of row·φ + seed). */
export function roundingHash(row: number, seed: number): number {
  let x = (Math.imul(row, 0x9e3779b9) + seed) | 0
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x >>> 0
}

/** Byte offsets of quantisation's parameters (see {@link quantizeSpec}): f32 powers of two, i32 seed. */
export const QUANTIZE_PARAMS = {
  gInverse: 0,
  hInverse: 4,
  gScale: 8,
  hScale: 12,
  seed: 16,
  bytes: 32,
} as const

/**
 * quantize(g, h, packed, from, to, params): rows [from, to) of f32 gradients and hessians to integers by
 * stochastic rounding, q = ⌊x · inverse + u⌋ in f32 arithmetic, with u a 16-bit uniform from
 * {@link roundingHash} of the row and the seed (so unbiased, and the same in every thread and cut),
 * packed as one i32 per row (i16 gradient, i16 hessian); g and h are overwritten with q · scale (exact:
 * the scales are powers of two). Four rows per step; the last rows of a count that is not a multiple of
 * four one at a time (all lanes the same row, lane 0 stored). quantizeRows (boostingRows.ts) is its JS twin.
 */
function quantizeSpec(): FunctionSpec {
  const [g, h, packed, from, to, params, i, x, gq, hq, gInv, hInv, gS, hS, seed] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ]
  const [splatI32, splatF32, and, or, xor, shlI32, shrUI32, mulI32, addI32] = [
    0x11, 0x13, 0x4e, 0x50, 0x51, 0xab, 0xad, 0xb5, 0xae,
  ].map(simd)
  const [addF32, mulF32, floorF32, truncSatS, convertS, convertU] = [0xe4, 0xe6, 0x68, 0xf8, 0xfa, 0xfb].map(
    simd,
  )
  const loadF32Splat = (base: number) => [...at(base), ...loadF32, ...splatF32]
  const at = (base: number) => [...get(base), ...get(i), ...i32c(2), ...shl, ...add]
  const mix = (shift: number, multiplier: number) => [
    ...get(x),
    ...get(x),
    ...i32c(shift),
    ...shrUI32,
    ...xor,
    ...(multiplier
      ? [...constI32x4([multiplier | 0, multiplier | 0, multiplier | 0, multiplier | 0]), ...mulI32]
      : []),
    ...set(x),
  ]
  /** ⌊v · inverse + bits / 2^16⌋ of the f32 lanes that `load` pushes. */
  const quantized = (load: number[], inverse: number, bits: number[]) => [
    ...load,
    ...get(inverse),
    ...mulF32,
    ...get(x),
    ...bits,
    ...convertU,
    ...constF32x4(2 ** -16),
    ...mulF32,
    ...addF32,
    ...floorF32,
    ...truncSatS,
  ]
  /** One step: rows i.. (lanes 0..3 = rows i + lanes, or all = row i) loaded by `load`, stored by `store`. */
  const step = (lanes: number[], load: (base: number) => number[], store: number[]) => [
    ...get(i),
    ...splatI32,
    ...constI32x4(lanes),
    ...addI32,
    ...constI32x4([0x9e3779b9 | 0, 0x9e3779b9 | 0, 0x9e3779b9 | 0, 0x9e3779b9 | 0]),
    ...mulI32,
    ...get(seed),
    ...addI32,
    ...set(x),
    ...mix(16, 0x85ebca6b),
    ...mix(13, 0xc2b2ae35),
    ...mix(16, 0),
    ...quantized(load(g), gInv, [...i32c(16), ...shrUI32]),
    ...set(gq),
    ...quantized(load(h), hInv, [...constI32x4([0xffff, 0xffff, 0xffff, 0xffff]), ...and]),
    ...set(hq),
    ...at(packed),
    ...get(gq),
    ...constI32x4([0xffff, 0xffff, 0xffff, 0xffff]),
    ...and,
    ...get(hq),
    ...i32c(16),
    ...shlI32,
    ...or,
    ...store,
    ...at(g),
    ...get(gq),
    ...convertS,
    ...get(gS),
    ...mulF32,
    ...store,
    ...at(h),
    ...get(hq),
    ...convertS,
    ...get(hS),
    ...mulF32,
    ...store,
  ]
  const param = (offset: number) => [...get(params), 0x2a, 2, ...uleb(offset), ...splatF32]
  const body = [
    ...param(QUANTIZE_PARAMS.gInverse),
    ...set(gInv),
    ...param(QUANTIZE_PARAMS.hInverse),
    ...set(hInv),
    ...param(QUANTIZE_PARAMS.gScale),
    ...set(gS),
    ...param(QUANTIZE_PARAMS.hScale),
    ...set(hS),
    ...get(params),
    0x28,
    2,
    ...uleb(QUANTIZE_PARAMS.seed),
    ...splatI32,
    ...set(seed),
    ...get(from),
    ...set(i),
    ...rowLoop(
      i,
      to,
      4,
      step([0, 1, 2, 3], (base) => [...at(base), 0xfd, 0x00, 2, 0], [0xfd, 0x0b, 2, 0]),
    ),
    ...rowLoop(i, to, 1, step([0, 0, 0, 0], loadF32Splat, store32Lane0)),
  ]
  return {
    name: 'quantize',
    params: 6,
    results: 0,
    locals: [
      [1, I32],
      [8, V128],
    ],
    body,
  }
}

/**
 * leafRows(table, rows, raw, nLeaves, lo, hi): for each of the nLeaves leaves of `table` (f64 triples:
 * value, start, end), raw[rows[i]] += value for the positions i of [start, end) inside [lo, hi) (raw f64,
 * rows u32; byte addresses). Each row gets its one addition whatever the cut, as in boosting.ts.
 */
function leafRowsSpec(): FunctionSpec {
  const [table, rows, raw, nLeaves, lo, hi, l, i, stop, entry, v, address] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
  ]
  const truncF64ToU32 = [0xab]
  const select = [0x1b]
  const body = [
    ...block,
    ...loop,
    ...get(l),
    ...get(nLeaves),
    ...geU,
    ...brIf(1),
    ...get(table),
    ...get(l),
    ...i32c(24),
    ...mul,
    ...add,
    ...tee(entry),
    ...loadF64,
    ...set(v),
    // i = max(start, lo), stop = min(end, hi)
    ...get(entry),
    ...[0x2b, 3, 8],
    ...truncF64ToU32,
    ...tee(i),
    ...get(lo),
    ...get(i),
    ...get(lo),
    ...gtU,
    ...select,
    ...set(i),
    ...get(entry),
    ...[0x2b, 3, 16],
    ...truncF64ToU32,
    ...tee(stop),
    ...get(hi),
    ...get(stop),
    ...get(hi),
    ...ltU,
    ...select,
    ...set(stop),
    ...block,
    ...loop,
    ...get(i),
    ...get(stop),
    ...geU,
    ...brIf(1),
    ...get(raw),
    ...get(rows),
    ...get(i),
    ...i32c(2),
    ...shl,
    ...add,
    ...load32,
    ...i32c(3),
    ...shl,
    ...add,
    ...tee(address),
    ...get(address),
    ...loadF64,
    ...get(v),
    ...addF64,
    ...storeF64,
    ...get(i),
    ...i32c(1),
    ...add,
    ...set(i),
    ...br(0),
    ...end,
    ...end,
    ...get(l),
    ...i32c(1),
    ...add,
    ...set(l),
    ...br(0),
    ...end,
    ...end,
  ]
  return {
    name: 'leafRows',
    params: 6,
    results: 0,
    locals: [
      [4, I32],
      [1, F64],
      [1, I32],
    ],
    body,
  }
}

/**
 * The histogram width (max_bins 255 + the missing bin) whose kernels address each feature's histogram by
 * an immediate offset: fewer live registers in the eight-feature loop than one base address per feature.
 */
export const FIXED_WIDTH = 256

/** Most features one histogram kernel handles per pass over a node's rows. */
export const MAX_FEATURES_PER_PASS = 8

/**
 * A histogram kernel over `nf` features: (bin column address × nf, rows, m, g, h, sums, counts,
 * width); see {@link histogram}.
 */
export type HistogramKernel = (...args: number[]) => void

/** The kernels, called with byte addresses into the shared memory. */
export interface WasmKernels {
  memory: WebAssembly.Memory
  /** `histograms[nf]` / `rootHistograms[nf]`: kernels for nf = 1..MAX_FEATURES_PER_PASS features. */
  histograms: HistogramKernel[]
  rootHistograms: HistogramKernel[]
  /** The same for histograms of {@link FIXED_WIDTH} bins (their width argument is ignored). */
  fixedHistograms: HistogramKernel[]
  fixedRootHistograms: HistogramKernel[]
  /** Quantised kernels (see {@link histogramQuantized}) for nf = 1..MAX_FEATURES_PER_PASS features. */
  quantizedHistograms: HistogramKernel[]
  quantizedRootHistograms: HistogramKernel[]
  gather(src: number, rows: number, m: number, dst: number): void
  partition(rows: number, m: number, column: number, lut: number, scratch: number): number
  /** Binary log loss's gradients of rows [from, to); see {@link gradientLogisticSpec}. */
  gradientLogistic(raw: number, y: number, g: number, h: number, from: number, to: number): void
  /** Adds leaves' values to their rows' raw scores; see {@link leafRowsSpec}. */
  leafRows(table: number, rows: number, raw: number, nLeaves: number, lo: number, hi: number): void
  /** Binary log loss's gradients in f32 and their maxima (quantised fits); see {@link gradientLogisticFastSpec}. */
  gradientLogisticFast(
    raw: number,
    y: number,
    g: number,
    h: number,
    from: number,
    to: number,
    out: number,
  ): void
  /** The largest |g| and h of rows [from, to), two f32 at `out`; see {@link gradientMaxSpec}. */
  gradientMax(g: number, h: number, from: number, to: number, out: number): void
  /** Quantises rows [from, to) of g and h; see {@link quantizeSpec}. */
  quantize(g: number, h: number, packed: number, from: number, to: number, params: number): void
  /** {@link partition} that leaves the right ids in `scratch` (rows [0, left) hold the left ids). */
  partitionHalf(rows: number, m: number, column: number, lut: number, scratch: number): number
  /** One feature's histogram with k ≥ 1 numerators per row; see {@link histogramKSpec}. */
  histogramK(
    column: number,
    rows: number,
    m: number,
    num: number,
    den: number,
    sums: number,
    counts: number,
    k: number,
  ): void
}

function kernelSpecs(): FunctionSpec[] {
  const specs: FunctionSpec[] = [
    gatherSpec(),
    partitionSpec(),
    histogramKSpec(),
    partitionSpec(false),
    gradientLogisticSpec(),
    leafRowsSpec(),
    gradientMaxSpec(),
    quantizeSpec(),
    gradientLogisticFastSpec(),
  ]
  for (let nf = 1; nf <= MAX_FEATURES_PER_PASS; nf++) {
    specs.push(histogram(nf, false), histogram(nf, true))
    specs.push(histogram(nf, false, FIXED_WIDTH), histogram(nf, true, FIXED_WIDTH))
    specs.push(histogramQuantized(nf, false), histogramQuantized(nf, true))
  }
  return specs
}

/** Compiles the kernels once; null when this engine has no WebAssembly SIMD (the JS kernels are used). */
const kernelModule = compiledOnce(kernelSpecs)

/**
 * Instantiates the kernels on a fresh memory of at least `bytes` bytes, or on `adopt` grown to that size
 * (its contents kept: a binned matrix built in place, see BinnedMatrix.memory); null without wasm SIMD
 * or when the memory cannot be had.
 */
export function createWasmKernels(bytes: number, adopt?: WebAssembly.Memory): WasmKernels | null {
  const module = kernelModule()
  if (!module) return null
  const memory = wasmMemoryOf(bytes, adopt)
  return memory ? kernelsOn(module, memory) : null
}

/**
 * The kernels on a fixed-size shared memory of at least `bytes` bytes (a second thread instantiates
 * them on the same memory with {@link kernelsOnSharedMemory}); null where shared memory or SIMD is
 * unavailable (a browser tab that is not cross-origin isolated).
 */
export function createSharedWasmKernels(bytes: number): WasmKernels | null {
  if (typeof SharedArrayBuffer === 'undefined' || !kernelModule()) return null
  const pages = Math.ceil(bytes / 65536)
  if (pages > 65536) return null
  try {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
    return kernelsOnSharedMemory(memory)
  } catch {
    return null
  }
}

/** Instantiates the kernels on a shared memory made by {@link createSharedWasmKernels}. */
export function kernelsOnSharedMemory(memory: WebAssembly.Memory): WasmKernels {
  const pages = memory.buffer.byteLength / 65536
  return kernelsOn(new WebAssembly.Module(assemble(kernelSpecs(), pages)), memory)
}

function kernelsOn(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmKernels {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, unknown>
  const histograms: HistogramKernel[] = [() => {}]
  const rootHistograms: HistogramKernel[] = [() => {}]
  const fixedHistograms: HistogramKernel[] = [() => {}]
  const fixedRootHistograms: HistogramKernel[] = [() => {}]
  const quantizedHistograms: HistogramKernel[] = [() => {}]
  const quantizedRootHistograms: HistogramKernel[] = [() => {}]
  for (let nf = 1; nf <= MAX_FEATURES_PER_PASS; nf++) {
    histograms.push(exports[`hist${nf}`] as HistogramKernel)
    rootHistograms.push(exports[`hist${nf}root`] as HistogramKernel)
    fixedHistograms.push(exports[`hist${nf}w${FIXED_WIDTH}`] as HistogramKernel)
    fixedRootHistograms.push(exports[`hist${nf}rootw${FIXED_WIDTH}`] as HistogramKernel)
    quantizedHistograms.push(exports[`histq${nf}`] as HistogramKernel)
    quantizedRootHistograms.push(exports[`histq${nf}root`] as HistogramKernel)
  }
  return {
    memory,
    histograms,
    rootHistograms,
    fixedHistograms,
    fixedRootHistograms,
    quantizedHistograms,
    quantizedRootHistograms,
    gather: exports.gather as WasmKernels['gather'],
    partition: exports.partition as WasmKernels['partition'],
    partitionHalf: exports.partitionHalf as WasmKernels['partitionHalf'],
    gradientLogistic: exports.gradLogistic as WasmKernels['gradientLogistic'],
    leafRows: exports.leafRows as WasmKernels['leafRows'],
    gradientMax: exports.gradMax as WasmKernels['gradientMax'],
    gradientLogisticFast: exports.gradLogisticFast as WasmKernels['gradientLogisticFast'],
    quantize: exports.quantize as WasmKernels['quantize'],
    histogramK: exports.histK as WasmKernels['histogramK'],
  }
}

/** The histogram kernels for nodes (or the root) of histograms `width` bins wide. */
export function histogramKernels(kernels: WasmKernels, root: boolean, width: number): HistogramKernel[] {
  if (width === FIXED_WIDTH) return root ? kernels.fixedRootHistograms : kernels.fixedHistograms
  return root ? kernels.rootHistograms : kernels.histograms
}

/**
 * Words of a histogram job: one node's rows (or a part of them), all features, one numerator, as the
 * learner builds them for boosting. A job is plain int32 words so that a second thread can take it
 * from shared memory.
 */
export const JOB = {
  /** 1: the rows are positions 0..m-1 of the bin columns (the root); 0: row ids at `rows`. */
  root: 0,
  /** Address of feature 0's bin column, plus the row offset for a root part; features follow every n bytes. */
  bins: 1,
  n: 2,
  nFeatures: 3,
  rows: 4,
  m: 5,
  /** Gradients and hessians: for a root part, their addresses at its first row; else the full arrays. */
  num: 6,
  den: 7,
  /** Where the part's gathered gradients and hessians go (ignored for the root). */
  orderedNum: 8,
  orderedDen: 9,
  sums: 10,
  counts: 11,
  width: 12,
  /** What the job is: {@link JOB_HISTOGRAM} here; other kinds reuse words 0..11 (histogramHalves.ts). */
  op: 13,
  /**
   * 1: quantised gradients: `num` holds the packed pairs (one i32 per row), `orderedNum` the node's
   * gathered pairs, `sums` the i32x4 histograms (see {@link histogramQuantized}); `den`, `counts` unused.
   */
  quantized: 14,
  length: 15,
} as const

/** The op word of a histogram job. */
export const JOB_HISTOGRAM = 0

/**
 * Quantised histograms of `p` features, eight per pass over the node's m rows: bins of feature f at
 * binsAt + f·n, packed pairs at `packedAt` (node order; row positions for the root), i32x4 histograms
 * of feature f at sumsAt + f·4096 (added into).
 */
export function runQuantizedKernels(
  kernels: WasmKernels,
  root: boolean,
  binsAt: number,
  n: number,
  p: number,
  rowsAt: number,
  m: number,
  packedAt: number,
  sumsAt: number,
  args: number[],
): void {
  const kernelSet = root ? kernels.quantizedRootHistograms : kernels.quantizedHistograms
  for (let s = 0; s < p; ) {
    const nf = Math.min(MAX_FEATURES_PER_PASS, p - s)
    for (let q = 0; q < nf; q++) args[q] = binsAt + (s + q) * n
    args[nf] = rowsAt
    args[nf + 1] = m
    args[nf + 2] = packedAt
    args[nf + 3] = sumsAt + 16 * FIXED_WIDTH * s
    kernelSet[nf](...args.slice(0, nf + 4))
    s += nf
  }
}

/**
 * Runs one histogram job (see {@link JOB}): gathers the part's gradient pairs in row order, then builds
 * the histograms eight features per pass. Adds into `sums`/`counts` (the caller zeroes them).
 */
export function runHistogramJob(kernels: WasmKernels, job: Int32Array, args: number[]): void {
  const m = job[JOB.m]
  const root = job[JOB.root] === 1
  if (job[JOB.quantized] === 1) {
    let packedAt = job[JOB.num]
    if (!root) {
      kernels.gather(packedAt, job[JOB.rows], m, job[JOB.orderedNum])
      packedAt = job[JOB.orderedNum]
    }
    runQuantizedKernels(
      kernels,
      root,
      job[JOB.bins],
      job[JOB.n],
      job[JOB.nFeatures],
      job[JOB.rows],
      m,
      packedAt,
      job[JOB.sums],
      args,
    )
    return
  }
  let numAt = job[JOB.num]
  let denAt = job[JOB.den]
  const rowsAt = job[JOB.rows]
  if (!root) {
    kernels.gather(numAt, rowsAt, m, job[JOB.orderedNum])
    kernels.gather(denAt, rowsAt, m, job[JOB.orderedDen])
    numAt = job[JOB.orderedNum]
    denAt = job[JOB.orderedDen]
  }
  const p = job[JOB.nFeatures]
  const n = job[JOB.n]
  const width = job[JOB.width]
  const kernelSet = histogramKernels(kernels, root, width)
  for (let s = 0; s < p; ) {
    const nf = Math.min(MAX_FEATURES_PER_PASS, p - s)
    for (let q = 0; q < nf; q++) args[q] = job[JOB.bins] + (s + q) * n
    args[nf] = rowsAt
    args[nf + 1] = m
    args[nf + 2] = numAt
    args[nf + 3] = denAt
    args[nf + 4] = job[JOB.sums] + 16 * s * width
    args[nf + 5] = job[JOB.counts] + 4 * s * width
    args[nf + 6] = width
    kernelSet[nf](...args.slice(0, nf + 7))
    s += nf
  }
}
