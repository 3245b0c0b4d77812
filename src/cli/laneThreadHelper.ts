/**
 * The headless runner's second core: one Node worker thread (laneThread) that grows half of a forest and
 * fits model selection's tree folds, as the app's tree worker does. Started on the first request;
 * `close` ends it. Same seeds and code, so every result equals the one-thread result.
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
  close(): Promise<void>
}

/** Next to this file: the compiled thread (build/cli) or, from source, the .mjs that registers tsx first. */
const entry = new URL('./laneThread.mjs', import.meta.url)

export function createLaneThread(): LaneThread {
  let worker: Worker | undefined
  // The thread answers in order: requests wait for the one before.
  let last: Promise<unknown> = Promise.resolve()
  const ask = (message: LaneMessage) =>
    new Promise<unknown>((resolve, reject) => {
      worker ??= new Worker(entry)
      const w = worker
      const onError = (error: Error) => {
        w.off('message', onMessage)
        worker = undefined
        reject(error)
      }
      const onMessage = (reply: LaneReply) => {
        w.off('error', onError)
        if (reply.ok) resolve(reply.value)
        else reject(reviveError(reply.error))
      }
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
    async close() {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    },
  }
}
