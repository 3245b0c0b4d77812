/**
 * The headless runner's second core: one Node worker thread (laneThread) that grows half of a forest and
 * fits model selection's tree folds, as the app's tree worker does. Started on the first request or by
 * `start`; `close` ends it. Same seeds and code, so every result equals the one-thread result.
 *
 * Loading the thread's modules costs a few hundred milliseconds of CPU, as much as a whole run's fits
 * on a small table: {@link sharedLaneThread} keeps one thread for the process, as the app keeps its tree
 * worker across runs, and a run starts it before it loads its data so that the two overlap.
 */
import { Worker } from 'node:worker_threads'
import type { SerializedError } from '../domain/errors.ts'
import { reviveError } from '../domain/errors.ts'
import type {
  FoldFitRequest,
  FoldFitResult,
  FoldFitter,
  ModelFitRequest,
} from '../engine/pipeline/foldLane.ts'
import type { ForestHelper, ForestPart, ForestRangeRequest } from '../engine/trees/forest.ts'
import type { TreeModelRecord } from '../engine/trees/serialization.ts'

export type LaneMessage =
  | { kind: 'forest'; request: ForestRangeRequest }
  | { kind: 'fold'; request: FoldFitRequest }
  | { kind: 'model'; request: ModelFitRequest }

type LaneReply = { ok: true; value: unknown } | { ok: false; error: SerializedError }

export interface LaneThread extends ForestHelper, FoldFitter {
  /** Starts the thread now (its modules load while the caller goes on); requests would start it anyway. */
  start(): void
  close(): Promise<void>
}

/** Next to this file: the compiled thread (build/cli) or, from source, the .mjs that registers tsx first. */
const entry = new URL('./laneThread.mjs', import.meta.url)

export function createLaneThread(): LaneThread {
  let worker: Worker | undefined
  // The thread answers in order: requests wait for the one before.
  let last: Promise<unknown> = Promise.resolve()
  /** Requests sent and not answered: an idle thread does not keep the process alive, a busy one does. */
  let pending = 0
  const started = () => {
    if (!worker) {
      worker = new Worker(entry)
      worker.unref()
    }
    return worker
  }
  const ask = (message: LaneMessage) =>
    new Promise<unknown>((resolve, reject) => {
      const w = started()
      const settle = () => {
        if (--pending === 0) w.unref()
      }
      const onError = (error: Error) => {
        w.off('message', onMessage)
        if (worker === w) worker = undefined
        settle()
        reject(error)
      }
      const onMessage = (reply: LaneReply) => {
        w.off('error', onError)
        settle()
        if (reply.ok) resolve(reply.value)
        else reject(reviveError(reply.error))
      }
      if (pending++ === 0) w.ref()
      w.once('message', onMessage)
      w.once('error', onError)
      w.postMessage(message)
    })
  const queue = (message: LaneMessage) => {
    const next = last.then(
      () => ask(message),
      () => ask(message),
    )
    last = next
    return next
  }
  return {
    fitForestRange: (request) => queue({ kind: 'forest', request }) as Promise<ForestPart>,
    fitFold: (request) => queue({ kind: 'fold', request }) as Promise<FoldFitResult>,
    fitTreeModel: (request) => queue({ kind: 'model', request }) as Promise<TreeModelRecord>,
    start() {
      started()
    },
    async close() {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    },
  }
}

let shared: LaneThread | undefined

/**
 * The process's lane thread, shared by the runs it makes one after another (a benchmark, a test file,
 * `verify --rerun` after a run): its modules load once. Idle, it lets the process exit.
 */
export function sharedLaneThread(): LaneThread {
  shared ??= createLaneThread()
  return shared
}
