/** Run worker entry point: one worker per run, terminated on Cancel. TF.js wasm files come from our origin. */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'
import * as Comlink from 'comlink'
import { openDb } from '../storage/db.ts'
import { installErrorTransfer } from './errorTransfer.ts'
import { RunApi } from './runApi.ts'
import { SandboxClient } from './sandboxClient.ts'
import type { TreeLaneApi } from './treeLaneApi.ts'

installErrorTransfer()
const db = openDb()
let treeWorker: Comlink.Remote<TreeLaneApi> | undefined
/** The tree worker (the second core), started on first use. */
const trees = () =>
  (treeWorker ??= Comlink.wrap<TreeLaneApi>(
    new Worker(new URL('./tree.worker.ts', import.meta.url), { type: 'module', name: 'butterfly-trees' }),
  ))

const api = new RunApi({
  wasmPaths: {
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': simdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
  },
  deviceKey: `${navigator.userAgent}|${navigator.hardwareConcurrency}`,
  calibrationCache: {
    async get(key) {
      return (await db.settings.get(`tf-calibration:${key}`))?.value as Record<string, number> | undefined
    },
    async set(key, value) {
      await db.settings.put({ key: `tf-calibration:${key}`, value })
    },
  },
  // Hooks run in their own sandbox worker, started only when a run has hooks.
  hookRunner: () => new SandboxClient(),
  transfer: (value, buffers) => Comlink.transfer(value, buffers),
  // The second core fits model selection's tree folds and grows half of the other forests.
  forestHelper: { fitForestRange: (request) => trees().fitForestRange(request) },
  foldFitter: {
    fitFold: (request) => trees().fitFold(request),
    fitTreeModel: (request) => trees().fitTreeModel(request),
  },
})

Comlink.expose(api)
