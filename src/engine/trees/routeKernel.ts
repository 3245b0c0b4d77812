/**
 * Routing rows down a tree in wasm, four rows at a time and without branches: the leaf each row reaches,
 * as {@link routeRows} (treeModel.ts) finds it, for the trees it can take (numeric splits, each node's
 * right child right after its left one). A tree walk is a chain of dependent loads whose direction the
 * CPU cannot predict; in JS each level costs a mispredicted branch (~10 ns a level measured on a
 * 200-tree forest). Here each row's next node is computed (`left + goes right`, leaves loop on
 * themselves) and four rows' chains overlap: a 200-tree forest predicts 891 rows in 12.9 ms instead of 25.8,
 * 100 boosted trees in 2.4 instead of 5.2 (Node, this machine). The same leaves, so
 * the same predictions, bit for bit (the values are summed in JS as before); trees with categorical
 * splits, and engines without wasm, keep the JS walk.
 */

import type { FeatureMatrix } from '../frame.ts'
import {
  add,
  block,
  br,
  brIf,
  compiledOnce,
  end,
  F64,
  type FunctionSpec,
  get,
  geU,
  I32,
  i32c,
  loadF64,
  loop,
  ltU,
  mul,
  set,
  shl,
  store32,
  sub,
  tee,
  wasmMemoryOf,
} from '../wasm/assembler.ts'

/** What routing reads of a tree (treeModel.ts's TreeNodes has it; not imported, which would make a cycle). */
interface RoutableTree {
  nNodes: number
  left: Int32Array
  right: Int32Array
  feature: Int32Array
  threshold: Float64Array
  defaultLeft: Uint8Array
  categoryOffset: Int32Array
}

interface Trees {
  trees: readonly RoutableTree[]
}

const and = [0x71]
const or = [0x72]
const shrU = [0x76]
const ne = [0x47]
const gtF64 = [0x64]
const neF64 = [0x62]
const select = [0x1b]
const load32At = (offset: number) => [0x28, 2, offset]
const loadF64At = (offset: number) => [0x2b, 3, offset]

/** Rows walked together, their chains of loads overlapping (8 measured no faster on a deep forest, slower on boosting). */
const LANES = 4

/** Bytes per node: left child (a leaf: itself), feature | (1 − defaultLeft) << 31, threshold (a leaf: +∞). */
const NODE_BYTES = 16

/**
 * route(nodes, X, p, n, out): out[i] = the leaf row i of X (row-major n × p f64) reaches in the tree at
 * `nodes`; rows four at a time (the last group repeats the last row and stores only real rows).
 */
function routeSpec(): FunctionSpec {
  const P = { nodes: 0, X: 1, p: 2, n: 3, out: 4 }
  const L = {
    g: 5,
    row: 6,
    cur: 6 + LANES,
    changed: 6 + 2 * LANES,
    a: 7 + 2 * LANES,
    packed: 8 + 2 * LANES,
    next: 9 + 2 * LANES,
    x: 10 + 2 * LANES,
  }
  const rowStep = (k: number) => [
    // a = nodes + cur · 16; packed = its feature word
    ...get(P.nodes),
    ...get(L.cur + k),
    ...i32c(4),
    ...shl,
    ...add,
    ...tee(L.a),
    ...load32At(4),
    ...set(L.packed),
    // x = X[row][feature]
    ...get(L.row + k),
    ...get(L.packed),
    ...i32c(0x7fffffff),
    ...and,
    ...i32c(3),
    ...shl,
    ...add,
    ...loadF64,
    ...set(L.x),
    // next = left + (x > threshold | (x is NaN & goes right when missing))
    ...get(L.a),
    ...load32At(0),
    ...get(L.x),
    ...get(L.a),
    ...loadF64At(8),
    ...gtF64,
    ...get(L.x),
    ...get(L.x),
    ...neF64,
    ...get(L.packed),
    ...i32c(31),
    ...shrU,
    ...and,
    ...or,
    ...add,
    ...tee(L.next),
    ...get(L.cur + k),
    ...ne,
    ...get(L.changed),
    ...or,
    ...set(L.changed),
    ...get(L.next),
    ...set(L.cur + k),
  ]
  const body: number[] = [
    ...i32c(0),
    ...set(L.g),
    ...block,
    ...loop,
    ...get(L.g),
    ...get(P.n),
    ...geU,
    ...brIf(1),
  ]
  /** g + k: the row lane k walks in this group. */
  const row = (k: number) => [...get(L.g), ...i32c(k), ...add]
  for (let k = 0; k < LANES; k++) {
    // row k = X + min(g + k, n − 1) · p · 8
    body.push(
      ...get(P.X),
      ...row(k),
      ...get(P.n),
      ...i32c(1),
      ...sub,
      ...row(k),
      ...get(P.n),
      ...ltU,
      ...select,
      ...get(P.p),
      ...mul,
      ...i32c(3),
      ...shl,
      ...add,
      ...set(L.row + k),
      ...i32c(0),
      ...set(L.cur + k),
    )
  }
  body.push(...loop, ...i32c(0), ...set(L.changed))
  for (let k = 0; k < LANES; k++) body.push(...rowStep(k))
  body.push(...get(L.changed), ...brIf(0), ...end)
  for (let k = 0; k < LANES; k++) {
    // if (g + k < n) out[g + k] = cur k
    body.push(
      ...block,
      ...row(k),
      ...get(P.n),
      ...geU,
      ...brIf(0),
      ...get(P.out),
      ...row(k),
      ...i32c(2),
      ...shl,
      ...add,
      ...get(L.cur + k),
      ...store32,
      ...end,
    )
  }
  body.push(...get(L.g), ...i32c(LANES), ...add, ...set(L.g), ...br(0), ...end, ...end)
  return {
    name: 'route',
    params: 5,
    results: 0,
    locals: [
      [5 + 2 * LANES, I32],
      [1, F64],
    ],
    body,
  }
}

const routeModule = compiledOnce(() => [routeSpec()])

/** Whether the kernel takes `tree`: numeric splits only, and each right child right after its left one. */
function routable(tree: RoutableTree): boolean {
  for (let i = 0; i < tree.nNodes; i++) {
    if (tree.left[i] === -1) continue
    if (tree.categoryOffset[i] >= 0 || tree.right[i] !== tree.left[i] + 1 || tree.feature[i] < 0) return false
  }
  return true
}

/** An ensemble's trees laid out in one wasm memory, with room for the rows to route and their leaves. */
export class TreeRouter {
  private readonly memory: WebAssembly.Memory
  private readonly route: (nodes: number, X: number, p: number, n: number, out: number) => void
  /** Byte address of each tree's nodes, or −1 for a tree the JS walk takes. */
  private readonly at: Int32Array
  private readonly nodesEnd: number
  private rows = 0
  private p = 0

  private constructor(module: WebAssembly.Module, ensemble: Trees) {
    let bytes = 0
    const eligible = ensemble.trees.map(routable)
    for (const [t, tree] of ensemble.trees.entries()) if (eligible[t]) bytes += tree.nNodes * NODE_BYTES
    const memory = wasmMemoryOf(bytes)
    if (!memory) throw new Error(`A tree router's ${bytes} bytes of nodes do not fit in wasm memory`)
    this.memory = memory
    const exports = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports
    this.route = exports.route as TreeRouter['route']
    this.at = new Int32Array(ensemble.trees.length).fill(-1)
    const ints = new Int32Array(this.memory.buffer)
    const floats = new Float64Array(this.memory.buffer)
    let offset = 0
    for (const [t, tree] of ensemble.trees.entries()) {
      if (!eligible[t]) continue
      this.at[t] = offset
      for (let i = 0; i < tree.nNodes; i++) {
        const word = (offset + i * NODE_BYTES) >> 2
        const leaf = tree.left[i] === -1
        ints[word] = leaf ? i : tree.left[i]
        ints[word + 1] = leaf ? 0 : tree.feature[i] | ((tree.defaultLeft[i] === 1 ? 0 : 1) << 31)
        floats[(offset + i * NODE_BYTES + 8) >> 3] = leaf ? Number.POSITIVE_INFINITY : tree.threshold[i]
      }
      offset += tree.nNodes * NODE_BYTES
    }
    this.nodesEnd = offset
  }

  /** The router of `ensemble` (made once per ensemble), or null without wasm or when no tree is routable. */
  static of(ensemble: Trees): TreeRouter | null {
    const cached = routers.get(ensemble)
    if (cached !== undefined) return cached
    const module = routeModule()
    let router: TreeRouter | null = null
    // Without room for the nodes in wasm memory, the JS walk takes every tree.
    if (module && ensemble.trees.some(routable))
      try {
        router = new TreeRouter(module, ensemble)
      } catch {
        router = null
      }
    routers.set(ensemble, router)
    return router
  }

  /** Copies rows `from .. from + n` of `X` in (row-major) for the calls to {@link leaves} that follow. */
  load(X: FeatureMatrix, from = 0, n = X.nRows - from): void {
    const p = X.columns.length
    const need = this.nodesEnd + n * p * 8 + n * 4
    if (!wasmMemoryOf(need, this.memory))
      throw new Error(`A tree router's ${need} bytes of nodes and rows do not fit in wasm memory`)
    const rows = new Float64Array(this.memory.buffer, this.nodesEnd, n * p)
    for (let f = 0; f < p; f++) {
      const column = X.columns[f]
      for (let i = 0; i < n; i++) rows[i * p + f] = column[from + i]
    }
    this.rows = n
    this.p = p
  }

  /** The leaf of every loaded row in tree `t`, or null when the JS walk must take that tree. */
  leaves(t: number): Int32Array | null {
    const nodes = this.at[t]
    if (nodes < 0) return null
    const out = this.nodesEnd + this.rows * this.p * 8
    this.route(nodes, this.nodesEnd, this.p, this.rows, out)
    return new Int32Array(this.memory.buffer, out, this.rows)
  }
}

const routers = new WeakMap<Trees, TreeRouter | null>()
