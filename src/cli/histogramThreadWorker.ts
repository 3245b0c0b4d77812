/** The Node worker thread behind createHistogramThread: serves one learner's histogram jobs at a time. */
import { parentPort } from 'node:worker_threads'
import { serveHistogramJobs } from '../engine/trees/histogramHalves.ts'

parentPort?.on('message', ({ memory, control }: { memory: WebAssembly.Memory; control: Int32Array }) => {
  serveHistogramJobs(memory, control)
})
