/**
 * The headless runner's second core for forests: a Node worker thread (forestThread) that grows half of
 * each forest, as the app's tree worker does, for cross-validation fits and the refit alike. Started on
 * the first forest that asks for it; `close` ends it. Same per-tree streams, so the forest is the same.
 */
import { Worker } from 'node:worker_threads'
import type { ForestHelper, ForestPart, ForestRangeRequest } from '../engine/trees/forest.ts'

export interface ClosableForestHelper extends ForestHelper {
  close(): Promise<void>
}

export function createForestThreadHelper(): ClosableForestHelper {
  let worker: Worker | undefined
  // One request at a time: the thread answers in order.
  let last: Promise<unknown> = Promise.resolve()
  const ask = (request: ForestRangeRequest) =>
    new Promise<ForestPart>((resolve, reject) => {
      worker ??= new Worker(new URL('./forestThread.mjs', import.meta.url))
      const w = worker
      const onError = (error: Error) => {
        w.off('message', onMessage)
        worker = undefined
        reject(error)
      }
      const onMessage = (part: ForestPart) => {
        w.off('error', onError)
        resolve(part)
      }
      w.once('message', onMessage)
      w.once('error', onError)
      w.postMessage(request)
    })
  return {
    fitForestRange(request) {
      const next = last.then(
        () => ask(request),
        () => ask(request),
      )
      last = next
      return next
    },
    async close() {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    },
  }
}
