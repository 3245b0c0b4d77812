/**
 * Boosting's histograms on two cores (issue 16): a large node's rows are cut into two fixed halves by
 * position, each half's histogram is built into its own slot, and the second is added to the first.
 * The cut and the order of the sum depend only on the node, never on whether a second thread exists,
 * so a fit is bit-identical with and without one: where shared memory is missing (a browser tab that is
 * not cross-origin isolated) both halves run here, one after the other.
 *
 * The second thread (the CLI's Node worker, registered with {@link setKernelThread}) instantiates the
 * same wasm kernels on the learner's shared memory and waits on a small shared control array for jobs
 * ({@link serveHistogramJobs}); the learner posts the second half's job, builds the first half itself,
 * then waits for the thread (Atomics, a few microseconds a node).
 */
import { gradientRows, ROW_LOSS } from './boostingRows.ts'
import {
  JOB,
  JOB_HISTOGRAM,
  kernelsOnSharedMemory,
  MAX_FEATURES_PER_PASS,
  runHistogramJob,
  type WasmKernels,
} from './wasmKernels.ts'

/** A second thread that serves histogram jobs on a shared memory. */
export interface KernelThread {
  /** Hands over a learner's shared memory and control array; the thread then calls {@link serveHistogramJobs}. */
  attach(memory: WebAssembly.Memory, control: Int32Array): void
}

/**
 * Boosting nodes with at least this many rows are built in two halves. Smaller ones stay whole: a hand-over
 * costs microseconds, a 16k-row node's histograms about half a millisecond.
 */
export const HALF_ROWS = 16_384

let registered: KernelThread | null = null

/** Registers (or, with null, removes) the thread that large boosting fits share their work with. */
export function setKernelThread(thread: KernelThread | null): void {
  registered = thread
}

// Control array: the state word, the number of jobs the thread has done, then one job's words.
const STATE = 0
const DONE = 1
const JOB_AT = 2
const CONTROL_WORDS = JOB_AT + JOB.length
const NEW = 0
const READY = 1
const POSTED = 2
const EXIT = 3
/** Jobs besides histograms: boosting's per-row passes on arrays in the shared memory. */
export const JOB_GRADIENTS = 1
export const JOB_LEAVES = 2
/**
 * Words of a gradient job (op JOB_GRADIENTS): rows [from, to) of {@link gradientRows}; with `max` ≠ 0
 * (quantised fits), the largest |g| and h of those rows go to the two f32 at that address
 * (WasmKernels.gradientMax), and log loss takes the f32 kernel (WasmKernels.gradientLogisticFast).
 */
export const GRADIENT_JOB = { loss: 0, n: 1, raw: 2, y: 3, g: 4, h: 5, from: 6, to: 7, max: 8 } as const
/**
 * Words of a leaf job (op JOB_LEAVES): WasmKernels.leafRows over the row positions [from, to), table of
 * nLeaves triples (value, start, end).
 */
export const LEAF_JOB = { n: 1, raw: 2, rows: 3, table: 4, nLeaves: 5, from: 6, to: 7 } as const
export const JOB_PARTITION = 3
export const JOB_QUANTIZE = 4
/** Words of a quantisation job (op JOB_QUANTIZE): WasmKernels.quantize of rows [from, to). */
export const QUANTIZE_JOB = { g: 1, h: 2, packed: 3, from: 4, to: 5, params: 6 } as const
/**
 * Words of a partition job (op JOB_PARTITION): WasmKernels.partitionHalf of the m row ids at `rows`
 * by the bins at `column` through `lut`, right ids to `scratch`; the job writes the left count to `left`.
 */
export const PARTITION_JOB = { rows: 1, m: 2, column: 3, lut: 4, scratch: 5, left: 6 } as const

/** Runs one job of any kind on `kernels` (both threads go through here). */
function runJob(kernels: WasmKernels, job: Int32Array, args: number[]): void {
  const op = job[JOB.op]
  if (op === JOB_HISTOGRAM) {
    runHistogramJob(kernels, job, args)
    return
  }
  const buffer = kernels.memory.buffer
  if (op === JOB_GRADIENTS) {
    const J = GRADIENT_JOB
    if (job[J.loss] === ROW_LOSS.binary && job[J.max] !== 0) {
      // Quantised fits round g and h to 8 bits next: f32 arithmetic, and the maxima in the same pass.
      const [raw, y, g, h, from, to] = [job[J.raw], job[J.y], job[J.g], job[J.h], job[J.from], job[J.to]]
      kernels.gradientLogisticFast(raw, y, g, h, from, to, job[J.max])
      return
    }
    if (job[J.loss] === ROW_LOSS.binary) {
      // The wasm kernel: gives gradientRows' numbers (within an ulp of its exp, the same f32 after rounding).
      kernels.gradientLogistic(job[J.raw], job[J.y], job[J.g], job[J.h], job[J.from], job[J.to])
    } else {
      const n = job[J.n]
      gradientRows(
        job[J.loss],
        new Float64Array(buffer, job[J.raw], n),
        new Float64Array(buffer, job[J.y], n),
        new Float32Array(buffer, job[J.g], n),
        new Float32Array(buffer, job[J.h], n),
        job[J.from],
        job[J.to],
      )
    }
    if (job[J.max] !== 0) kernels.gradientMax(job[J.g], job[J.h], job[J.from], job[J.to], job[J.max])
  } else if (op === JOB_QUANTIZE) {
    const J = QUANTIZE_JOB
    kernels.quantize(job[J.g], job[J.h], job[J.packed], job[J.from], job[J.to], job[J.params])
  } else if (op === JOB_PARTITION) {
    const J = PARTITION_JOB
    job[J.left] = kernels.partitionHalf(job[J.rows], job[J.m], job[J.column], job[J.lut], job[J.scratch])
  } else if (op === JOB_LEAVES) {
    const J = LEAF_JOB
    kernels.leafRows(job[J.table], job[J.rows], job[J.raw], job[J.nLeaves], job[J.from], job[J.to])
  }
}

/** How long the first job waits for a thread that is still starting (later jobs never wait for it). */
const START_WAIT_MS = 2_000
/** A job takes milliseconds; a thread that has not answered after this long has died. */
const WAIT_LIMIT_MS = 120_000

/**
 * The thread's side: serves jobs on `memory` until the learner closes. Blocks its thread (Atomics.wait)
 * between jobs, so the thread takes its next attachment only after this returns.
 */
export function serveHistogramJobs(memory: WebAssembly.Memory, control: Int32Array): void {
  const kernels = kernelsOnSharedMemory(memory)
  const args = new Array<number>(MAX_FEATURES_PER_PASS + 7).fill(0)
  const job = control.subarray(JOB_AT, JOB_AT + JOB.length)
  // The learner may have closed before the thread got here.
  if (Atomics.compareExchange(control, STATE, NEW, READY) !== NEW) return
  Atomics.notify(control, STATE)
  for (;;) {
    Atomics.wait(control, STATE, READY)
    const state = Atomics.load(control, STATE)
    if (state === POSTED) {
      runJob(kernels, job, args)
      control[DONE]++
      Atomics.store(control, STATE, READY)
      Atomics.notify(control, STATE)
    } else if (state === EXIT) return
  }
}

/** The learner's side: runs pairs of half jobs, the second on the thread when one is attached and ready. */
export class HistogramHalves {
  private readonly control: Int32Array | null
  private readonly args = new Array<number>(MAX_FEATURES_PER_PASS + 7).fill(0)
  readonly first = new Int32Array(JOB.length)
  readonly second = new Int32Array(JOB.length)
  private waitedForStart = false
  /** Whether the last {@link run} gave the second job to the thread. */
  private postedLast = false

  /** `shared`: whether `kernels` run on a shared memory (made by createSharedWasmKernels). */
  constructor(
    private readonly kernels: WasmKernels,
    shared: boolean,
  ) {
    const thread = shared ? registered : null
    this.control = thread ? new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS)) : null
    if (thread && this.control) thread.attach(kernels.memory, this.control)
  }

  /** Whether a second thread may take part (a shared memory is worth making). */
  static threadAvailable(): boolean {
    return registered !== null && typeof SharedArrayBuffer !== 'undefined'
  }

  /** Whether the second thread is attached and waiting for a job. */
  get threadReady(): boolean {
    return this.control !== null && Atomics.load(this.control, STATE) === READY
  }

  /** Jobs the second thread has run so far (tests check that it took part). */
  get threadJobs(): number {
    return this.control ? Atomics.load(this.control, DONE) : 0
  }

  /** Runs {@link first} here and {@link second} on the thread (or here, after the first). */
  run(): void {
    const control = this.control
    if (control && !this.waitedForStart) {
      this.waitedForStart = true
      Atomics.wait(control, STATE, NEW, START_WAIT_MS)
    }
    this.postedLast = false
    if (control && Atomics.load(control, STATE) === READY) {
      this.postedLast = true
      control.set(this.second, JOB_AT)
      Atomics.store(control, STATE, POSTED)
      Atomics.notify(control, STATE)
      runJob(this.kernels, this.first, this.args)
      while (Atomics.load(control, STATE) === POSTED) {
        if (Atomics.wait(control, STATE, POSTED, WAIT_LIMIT_MS) === 'timed-out')
          throw new Error('Gradient boosting: the second histogram thread stopped answering')
      }
      return
    }
    runJob(this.kernels, this.first, this.args)
    runJob(this.kernels, this.second, this.args)
  }

  /** Word `word` of the second job after {@link run} (what the job wrote, wherever it ran). */
  secondResult(word: number): number {
    const control = this.control
    return control && this.postedLast ? Atomics.load(control, JOB_AT + word) : this.second[word]
  }

  /** Lets the thread go (it returns to its message loop for the next fit). */
  close(): void {
    const control = this.control
    if (!control) return
    Atomics.store(control, STATE, EXIT)
    Atomics.notify(control, STATE)
  }
}
