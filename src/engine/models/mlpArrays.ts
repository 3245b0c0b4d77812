/**
 * The MLP's Adam steps in typed arrays, the dense layers' loops in wasm (mlpKernels.ts). A step of TF.js's
 * trainer dispatches about 140 kernels, ~2–4 ms of bookkeeping for a 32-row batch whose arithmetic takes
 * a tenth of that; here the same step is a few loops over the weights, and up to 11M multiply-adds a
 * step the kernels also beat TF.js's matrix products (see {@link arrayTrainerMaxMacs}).
 *
 * The same mathematics as {@link MlpTrainer} (mlp.ts): dense layers, ReLU between them, the mean log-loss
 * of a softmax (classes) or half the mean squared error (values), `alpha` / (2 × batch rows) × the squared
 * weights (not the biases), and TF.js's Adam (β₁ 0.9, β₂ 0.999, ε 1e-7, bias correction by β^t).
 * Weights and moments are rounded to float32 as TF.js holds them (kept in float64 arrays beside the
 * float64 activations; float32 arrays measured no faster); sums are taken in float64, so results
 * differ from TF.js's in the last bits. Which trainer a fit used is a function of its sizes and batch
 * rows alone ({@link useArrayTrainer}), recorded in the model's training metadata.
 */

import { wasmMemoryOf } from '../wasm/assembler.ts'
import { createMlpKernels, type MlpKernels } from './mlpKernels.ts'

/** What the MLP's epoch loop needs of a trainer: TF.js's {@link MlpTrainer} (mlp.ts) or {@link ArrayMlpTrainer}. */
export interface MlpSteps {
  readonly sizes: readonly number[]
  /** One Adam step on `rows` rows (row-major features `x`, encoded targets `y`); the batch's loss. */
  step(x: Float32Array, y: Float32Array, rows: number): number
  /** The loss (without the penalty) on `rows` rows given as `step` takes them. */
  lossOnRows(x: Float32Array, y: Float32Array, rows: number): number
  /** A copy of the current weights: per layer its weights then its biases. */
  weights(): Float32Array[]
  dispose(): void
}

/** Multiply-adds of one row's forward pass through layers of these sizes. */
export function mlpMacsPerRow(sizes: readonly number[]): number {
  let macs = 0
  for (let i = 1; i < sizes.length; i++) macs += sizes[i - 1] * sizes[i]
  return macs
}

/**
 * Batches up to this many multiply-adds (rows × {@link mlpMacsPerRow}) step in plain arrays, with the
 * wasm kernels of mlpKernels.ts (the JS loops where there is no wasm SIMD: the same bits, slower).
 * Measured per step in Node, CPU ms, TF.js wasm / JS loops / wasm kernels: 30-64-32-2 × 32 rows
 * 2.88 / 0.75 / 0.29; 9-64-32-2 × 110 2.46 / 1.66 / 0.37; 26-64-32-1 × 256 3.57 / 5.30 / 1.30; × 674
 * 6.49 / 13.5 / 3.10; 26-64-32-2 × 1,024 7.95 / 14.5 / 3.59; 100-128-64-10 × 512 (11M multiply-adds)
 * 14.3 / 40.1 / 7.09. The kernels are ahead everywhere measured; past that, TF.js's (or a GPU's)
 * matrix products may win, so larger steps stay in TF.js. Before the kernels the limit was 600,000.
 */
export const arrayTrainerMaxMacs = 12_000_000

/** Whether a fit whose steps take `batchRows` rows through `sizes` trains in plain arrays. */
export function useArrayTrainer(sizes: readonly number[], batchRows: number): boolean {
  return batchRows * mlpMacsPerRow(sizes) <= arrayTrainerMaxMacs
}

const beta1 = 0.9
const beta2 = 0.999
/** TF.js's epsilon for float32 backends (what its Adam uses when none is given). */
const epsilon = 1e-7

interface Layer {
  inputs: number
  outputs: number
  /** inputs × outputs, row-major. W, WT, b and gW are views on the trainer's memory (see mapViews). */
  W: Float64Array
  /** W transposed (outputs × inputs), for the gradient of the layer's inputs by the wasm kernels. */
  WT: Float64Array
  b: Float64Array
  mW: Float64Array
  vW: Float64Array
  mb: Float64Array
  vb: Float64Array
  gW: Float64Array
  gb: Float64Array
}

/** Adam on an MLP's weights in typed arrays: the steps of TF.js's {@link MlpTrainer}. */
export class ArrayMlpTrainer implements MlpSteps {
  private readonly layers: Layer[]
  /** β₁^t and β₂^t after t steps, as TF.js's Adam keeps them. */
  private accBeta1 = beta1
  private accBeta2 = beta2
  /** The wasm kernels of the dense layers (null: the JS loops, without wasm SIMD or with `useWasm` false). */
  private kernels: MlpKernels | null
  /** Where the arrays live without kernels (with them: the kernels' memory). */
  private plain = new ArrayBuffer(0)
  /** Bytes before the batch buffers: 16 unused (address 0 means "no bias" to the kernels), then per layer W, WT, b and gW. */
  private readonly weightBytes: number
  /** Rows the buffers below hold. */
  private capacity = 0
  /** The batch's features as float64 (so that every array the loops read has one element type). */
  private input = new Float64Array(0)
  /** Per layer, a batch's values before the ReLU, after it, and d(loss)/d(value before it). */
  private pre: Float64Array[] = []
  private act: Float64Array[] = []
  private grad: Float64Array[] = []

  /**
   * `initial`: per layer its weights (in × out, row-major) then its biases, as {@link weights} returns.
   * `useWasm` false keeps the JS loops (tests compare both: the same bits).
   */
  constructor(
    readonly sizes: readonly number[],
    initial: readonly Float32Array[],
    private readonly params: { learningRate: number; alpha: number },
    private readonly nClasses: number,
    useWasm = true,
  ) {
    this.kernels = useWasm ? createMlpKernels() : null
    const empty = new Float64Array(0)
    let bytes = 16
    this.layers = sizes.slice(1).map((outputs, i) => {
      const inputs = sizes[i]
      bytes += 8 * (3 * inputs * outputs + outputs)
      return {
        inputs,
        outputs,
        W: empty,
        WT: empty,
        b: empty,
        gW: empty,
        mW: new Float64Array(inputs * outputs),
        vW: new Float64Array(inputs * outputs),
        mb: new Float64Array(outputs),
        vb: new Float64Array(outputs),
        gb: new Float64Array(outputs),
      }
    })
    this.weightBytes = bytes
    this.reserve(1)
    for (const [i, layer] of this.layers.entries()) {
      layer.W.set(initial[2 * i])
      layer.b.set(initial[2 * i + 1])
    }
  }

  /** Room for batches of `rows` rows: the memory grows (the weights kept) and the views are made again. */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return
    let perRow = this.sizes[0]
    for (const layer of this.layers) perRow += 3 * layer.outputs
    const bytes = this.weightBytes + 8 * rows * perRow
    if (this.kernels) {
      if (!wasmMemoryOf(bytes, this.kernels.memory))
        throw new Error(
          `The MLP's buffers for ${rows} rows a step (${bytes} bytes) do not fit in wasm memory`,
        )
    } else {
      const grown = new ArrayBuffer(bytes)
      new Uint8Array(grown).set(
        new Uint8Array(this.plain, 0, Math.min(this.plain.byteLength, this.weightBytes)),
      )
      this.plain = grown
    }
    this.capacity = rows
    this.mapViews()
  }

  /** Views of every array on the current memory: per layer W, WT, b, gW, then the batch buffers. */
  private mapViews(): void {
    const buffer = this.kernels ? this.kernels.memory.buffer : this.plain
    let offset = 16
    const take = (length: number) => {
      const view = new Float64Array(buffer, offset, length)
      offset += 8 * length
      return view
    }
    for (const layer of this.layers) {
      layer.W = take(layer.inputs * layer.outputs)
      layer.WT = take(layer.inputs * layer.outputs)
      layer.b = take(layer.outputs)
      layer.gW = take(layer.inputs * layer.outputs)
    }
    this.input = take(this.capacity * this.sizes[0])
    this.pre = this.layers.map((l) => take(this.capacity * l.outputs))
    this.act = this.layers.map((l) => take(this.capacity * l.outputs))
    this.grad = this.layers.map((l) => take(this.capacity * l.outputs))
  }

  /** Forward pass of `rows` rows of `x`: the last layer's outputs are in `pre[last]`. */
  private forward(x: Float32Array, rows: number): void {
    this.reserve(rows)
    this.input.set(x.subarray(0, rows * this.sizes[0]))
    const last = this.layers.length - 1
    for (let l = 0; l <= last; l++) {
      const { inputs, outputs, W, b } = this.layers[l]
      const z = this.pre[l]
      const input = l === 0 ? this.input : this.act[l - 1]
      if (this.kernels)
        this.kernels.rowProducts(
          input.byteOffset,
          rows,
          inputs,
          W.byteOffset,
          outputs,
          z.byteOffset,
          b.byteOffset,
          1,
        )
      else
        for (let r = 0; r < rows; r++) {
          const zo = r * outputs
          for (let j = 0; j < outputs; j++) z[zo + j] = b[j]
          const io = r * inputs
          for (let k = 0; k < inputs; k++) {
            const a = input[io + k]
            if (a === 0) continue
            const wo = k * outputs
            for (let j = 0; j < outputs; j++) z[zo + j] += a * W[wo + j]
          }
        }
      if (l < last) {
        const h = this.act[l]
        const n = rows * outputs
        for (let i = 0; i < n; i++) h[i] = Math.max(z[i], 0)
      }
    }
  }

  /**
   * The mean loss of the rows just passed forward against targets `y`; with `withGradient`, leaves
   * d(loss)/d(last layer's outputs) in `grad[last]`.
   */
  private outputLoss(y: Float32Array, rows: number, withGradient: boolean): number {
    const last = this.layers.length - 1
    const width = this.layers[last].outputs
    const z = this.pre[last]
    const g = this.grad[last]
    let total = 0
    if (this.nClasses > 0) {
      for (let r = 0; r < rows; r++) {
        const o = r * width
        let max = Number.NEGATIVE_INFINITY
        for (let j = 0; j < width; j++) if (z[o + j] > max) max = z[o + j]
        let sum = 0
        for (let j = 0; j < width; j++) sum += Math.exp(z[o + j] - max)
        const logSum = max + Math.log(sum)
        for (let j = 0; j < width; j++) {
          const t = y[o + j]
          if (t !== 0) total -= t * (z[o + j] - logSum)
          if (withGradient) g[o + j] = (Math.exp(z[o + j] - logSum) - t) / rows
        }
      }
      return total / rows
    }
    const n = rows * width
    for (let i = 0; i < n; i++) {
      const diff = z[i] - y[i]
      total += diff * diff
      if (withGradient) g[i] = diff / n
    }
    return (0.5 * total) / n
  }

  /** One Adam step on `rows` rows (row-major features `x`, encoded targets `y`); the batch's loss. */
  step(x: Float32Array, y: Float32Array, rows: number): number {
    this.forward(x, rows)
    let loss = this.outputLoss(y, rows, true)
    const { alpha, learningRate } = this.params
    const decay = alpha / rows
    let l2 = 0
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l]
      const { inputs, outputs, W, gW, gb } = layer
      const dz = this.grad[l]
      const input = l === 0 ? this.input : this.act[l - 1]
      gW.fill(0)
      gb.fill(0)
      if (this.kernels) {
        for (let r = 0; r < rows; r++) for (let j = 0; j < outputs; j++) gb[j] += dz[r * outputs + j]
        this.kernels.outerSums(input.byteOffset, rows, inputs, dz.byteOffset, outputs, gW.byteOffset)
      } else
        for (let r = 0; r < rows; r++) {
          const zo = r * outputs
          for (let j = 0; j < outputs; j++) gb[j] += dz[zo + j]
          const io = r * inputs
          for (let k = 0; k < inputs; k++) {
            const a = input[io + k]
            if (a === 0) continue
            const wo = k * outputs
            for (let j = 0; j < outputs; j++) gW[wo + j] += a * dz[zo + j]
          }
        }
      if (l > 0) {
        // d(loss)/d(previous layer's pre-activations): back through W, then through the ReLU.
        const below = this.grad[l - 1]
        const z = this.pre[l - 1]
        if (this.kernels) {
          // The same sums, each from 0 over j in order: below[r] = Σ_j dz[r][j] · WT[j], then the ReLU's mask.
          const { WT } = layer
          for (let k = 0; k < inputs; k++)
            for (let j = 0; j < outputs; j++) WT[j * inputs + k] = W[k * outputs + j]
          this.kernels.rowProducts(
            dz.byteOffset,
            rows,
            outputs,
            WT.byteOffset,
            inputs,
            below.byteOffset,
            0,
            0,
          )
          const n = rows * inputs
          for (let i = 0; i < n; i++) if (z[i] <= 0) below[i] = 0
        } else
          for (let r = 0; r < rows; r++) {
            const zo = r * outputs
            const io = r * inputs
            for (let k = 0; k < inputs; k++) {
              if (z[io + k] <= 0) {
                below[io + k] = 0
                continue
              }
              const wo = k * outputs
              let s = 0
              for (let j = 0; j < outputs; j++) s += dz[zo + j] * W[wo + j]
              below[io + k] = s
            }
          }
      }
      if (alpha > 0)
        for (let i = 0; i < W.length; i++) {
          l2 += W[i] * W[i]
          gW[i] += decay * W[i]
        }
    }
    if (alpha > 0) loss += (alpha / (2 * rows)) * l2
    const correction1 = 1 - this.accBeta1
    const correction2 = 1 - this.accBeta2
    for (const layer of this.layers) {
      adam(layer.W, layer.gW, layer.mW, layer.vW, correction1, correction2, learningRate)
      adam(layer.b, layer.gb, layer.mb, layer.vb, correction1, correction2, learningRate)
    }
    this.accBeta1 *= beta1
    this.accBeta2 *= beta2
    return loss
  }

  /** The loss (without the penalty) on `rows` rows given as {@link step} takes them. */
  lossOnRows(x: Float32Array, y: Float32Array, rows: number): number {
    const d = this.sizes[0]
    const width = this.sizes[this.sizes.length - 1]
    // In slices, so that a large validation set needs no activations of all its rows at once.
    const slice = Math.max(1, Math.min(rows, 4096))
    let total = 0
    for (let start = 0; start < rows; start += slice) {
      const n = Math.min(slice, rows - start)
      this.forward(x.subarray(start * d, (start + n) * d), n)
      total += this.outputLoss(y.subarray(start * width, (start + n) * width), n, false) * n
    }
    return total / rows
  }

  /** A copy of the current weights: per layer its weights then its biases. */
  weights(): Float32Array[] {
    return this.layers.flatMap((layer) => [Float32Array.from(layer.W), Float32Array.from(layer.b)])
  }

  dispose(): void {
    this.capacity = 0
    this.kernels = null
    this.plain = new ArrayBuffer(0)
    this.input = new Float64Array(0)
    this.pre = []
    this.act = []
    this.grad = []
  }
}

/** TF.js's Adam update of one variable, in place (moments and value rounded to float32 as TF.js stores them). */
function adam(
  value: Float64Array,
  gradient: Float64Array,
  m: Float64Array,
  v: Float64Array,
  correction1: number,
  correction2: number,
  learningRate: number,
): void {
  for (let i = 0; i < value.length; i++) {
    const g = gradient[i]
    const mi = beta1 * m[i] + (1 - beta1) * g
    const vi = beta2 * v[i] + (1 - beta2) * g * g
    m[i] = Math.fround(mi)
    v[i] = Math.fround(vi)
    value[i] = Math.fround(
      value[i] - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon),
    )
  }
}
