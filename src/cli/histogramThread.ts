/**
 * The headless runner's second core for gradient boosting: a Node worker thread (histogramThreadWorker)
 * that builds the second half of large nodes' histograms on the learner's shared wasm memory (see
 * engine/trees/histogramHalves.ts). Started on the first large fit; unref'd, so it never keeps the
 * process alive. The fit is bit-identical with and without it.
 */
import { Worker } from 'node:worker_threads'
import type { KernelThread } from '../engine/trees/histogramHalves.ts'

export function createHistogramThread(): KernelThread & { close(): Promise<void> } {
  let worker: Worker | undefined
  return {
    attach(memory, control) {
      if (!worker) {
        worker = new Worker(new URL('./histogramThreadWorker.mjs', import.meta.url))
        worker.unref()
        // A thread that fails leaves its control array untouched: the learner builds both halves itself.
        worker.on('error', () => {
          worker = undefined
        })
      }
      worker.postMessage({ memory, control })
    },
    async close() {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    },
  }
}
