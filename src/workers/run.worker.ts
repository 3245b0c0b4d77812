/** Run worker entry point: one worker per run, terminated on Cancel. TF.js wasm files come from our origin. */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'
import * as Comlink from 'comlink'
import type { ForestHelper } from '../engine/trees/forest.ts'
import { openDb } from '../storage/db.ts'
import { installErrorTransfer } from './errorTransfer.ts'
import { RunApi } from './runApi.ts'
import { SandboxClient } from './sandboxClient.ts'

installErrorTransfer()
const db = openDb()
let forestWorker: Comlink.Remote<ForestHelper> | undefined

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
  // The second core grows half of each forest; the worker starts on the first forest of the run.
  forestHelper: {
    fitForestRange(request) {
      forestWorker ??= Comlink.wrap<ForestHelper>(
        new Worker(new URL('./tree.worker.ts', import.meta.url), { type: 'module', name: 'butterfly-trees' }),
      )
      return forestWorker.fitForestRange(request)
    },
  },
})

Comlink.expose(api)
