/**
 * Chooses the TF.js backend a run uses. In a browser worker it tries webgpu → webgl → wasm → cpu, keeps
 * those that initialise, and (for 'auto') picks the one a short matMul calibration measured fastest for
 * the model size at hand; the calibration is cached per device through an injected cache. In Node 'auto'
 * is wasm (single-threaded SIMD: about 4× faster than the pure-JS 'cpu' kernels on the MLP and logistic
 * fits, and deterministic), falling back to 'cpu' where wasm cannot start; no calibration there. The wasm
 * binaries always come from our own origin (`wasmPaths`), never a CDN.
 */
import * as tf from '@tensorflow/tfjs'
import { WorkerError } from '../domain/errors.ts'
import type { GlobalConfig } from '../domain/pipeline.ts'

/** A concrete TF.js backend name. */
export type TfBackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu'

/** The order backends are tried in when the caller leaves the choice to us. */
export const backendPriority: readonly TfBackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu']

/**
 * Where calibration timings live between runs (localStorage/IndexedDB in the browser, a Map in tests).
 * Values are milliseconds per calibration step, keyed by backend.
 */
export interface BackendCalibrationCache {
  get(key: string): Promise<Partial<Record<TfBackendName, number>> | undefined>
  set(key: string, value: Partial<Record<TfBackendName, number>>): Promise<void>
}

/** An in-memory cache, for Node and tests. */
export function createMemoryCalibrationCache(): BackendCalibrationCache {
  const store = new Map<string, Partial<Record<TfBackendName, number>>>()
  return {
    get: async (key) => store.get(key),
    set: async (key, value) => {
      store.set(key, value)
    },
  }
}

export interface TfBackendOptions {
  /** 'auto' or a forced backend (from {@link GlobalConfig.backend} or the `--backend` flag). */
  requested: GlobalConfig['backend']
  /**
   * wasm binary locations on our own origin: a URL prefix or a map from file name
   * (`tfjs-backend-wasm.wasm`, `-simd.wasm`, `-threaded-simd.wasm`) to URL (the worker passes `?url` imports).
   * In Node the package's own dist folder is used when omitted.
   */
  wasmPaths?: string | Record<string, string>
  cache?: BackendCalibrationCache
  /** Identifies the device in the cache (e.g. user agent + hardware concurrency). */
  deviceKey?: string
  /** Rough model size in multiply-adds per row (features × hidden units); picks the calibration bucket. */
  modelSize?: number
  /**
   * Backends 'auto' may consider, calibrated against each other; defaults to {@link backendPriority} in a
   * browser. In Node, when omitted, 'auto' takes {@link nodeBackendOrder}'s first that starts, uncalibrated.
   */
  candidates?: readonly TfBackendName[]
}

export interface TfBackendChoice {
  backend: TfBackendName
  /** Why it was chosen, for the run log. */
  reason: string
  /** Calibration timings (ms) when 'auto' measured or read them. */
  calibration?: Partial<Record<TfBackendName, number>>
}

/** Node's 'auto' order: the first that initialises is used (wasm's SIMD kernels beat 'cpu' at every size we fit). */
export const nodeBackendOrder: readonly TfBackendName[] = ['wasm', 'cpu']

/** True when running under Node (the headless runner, tests), not in a browser or worker. */
export function isNodeRuntime(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process
  return (
    typeof proc?.versions?.node === 'string' &&
    typeof (globalThis as { window?: unknown }).window === 'undefined'
  )
}

// Node-only module, imported through a variable so browser bundles never try to resolve it.
const nodeModuleSpecifier = 'node:module'

async function registerWasm(wasmPaths: TfBackendOptions['wasmPaths']): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  // The threaded wasm build breaks after minification and is slower on two cores (browser-stack.md §3).
  // The flag only exists once the wasm backend module has registered it, so set it after the import.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
  if (wasmPaths) wasm.setWasmPaths(wasmPaths)
  else if (isNodeRuntime()) {
    const { createRequire } = (await import(
      /* @vite-ignore */ nodeModuleSpecifier
    )) as typeof import('node:module')
    const require = createRequire(import.meta.url)
    const dist = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')
    wasm.setWasmPaths(dist.slice(0, dist.lastIndexOf('/') + 1))
  }
}

async function trySetBackend(name: TfBackendName, options: TfBackendOptions): Promise<boolean> {
  try {
    if (name === 'wasm') await registerWasm(options.wasmPaths)
    if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu')
    const ok = await tf.setBackend(name)
    if (ok) await tf.ready()
    return ok && tf.getBackend() === name
  } catch {
    // A backend that throws while initialising is simply unavailable here (e.g. webgpu without an adapter).
    return false
  }
}

/** Milliseconds per matMul step of a size like the model's, on the current backend (median of 3). */
async function calibrate(modelSize: number): Promise<number> {
  const width = Math.max(8, Math.min(256, Math.round(Math.sqrt(modelSize))))
  const a = tf.randomUniform([512, width], 0, 1, 'float32', 1)
  const b = tf.randomUniform([width, width], 0, 1, 'float32', 2)
  const times: number[] = []
  for (let i = 0; i < 4; i++) {
    const start = performance.now()
    const c = tf.matMul(a, b)
    await c.data()
    c.dispose()
    if (i > 0) times.push(performance.now() - start) // the first call compiles shaders / warms caches
  }
  a.dispose()
  b.dispose()
  times.sort((x, y) => x - y)
  return times[1]
}

/**
 * Initialises TF.js on the requested backend, or for 'auto' the fastest available one. Throws
 * WorkerError('backend-unavailable') when a forced backend cannot start.
 */
export async function initTfBackend(options: TfBackendOptions): Promise<TfBackendChoice> {
  if (options.requested !== 'auto') {
    if (await trySetBackend(options.requested, options))
      return { backend: options.requested, reason: 'forced' }
    throw new WorkerError('backend-unavailable', `TF.js backend '${options.requested}' is not available here`)
  }
  if (!options.candidates && isNodeRuntime()) {
    for (const [i, name] of nodeBackendOrder.entries())
      if (await trySetBackend(name, options))
        return {
          backend: name,
          reason: i === 0 ? 'Node default' : `Node default (${nodeBackendOrder[0]} did not start)`,
        }
    throw new WorkerError('backend-unavailable', 'No TF.js backend could be initialised')
  }
  const candidates = options.candidates ?? backendPriority
  if (candidates.length === 1) {
    if (await trySetBackend(candidates[0], options))
      return { backend: candidates[0], reason: 'only candidate' }
    throw new WorkerError('backend-unavailable', `TF.js backend '${candidates[0]}' is not available here`)
  }
  const bucket = Math.round(Math.log2(Math.max(1, options.modelSize ?? 1024)))
  const key = `tf-backend-calibration:${options.deviceKey ?? 'default'}:${bucket}`
  const cached = await options.cache?.get(key)
  const timings: Partial<Record<TfBackendName, number>> = cached ? { ...cached } : {}
  if (!cached) {
    for (const name of candidates) {
      if (await trySetBackend(name, options)) timings[name] = await calibrate(options.modelSize ?? 1024)
    }
    await options.cache?.set(key, timings)
  }
  const ranked = candidates
    .filter((name) => timings[name] !== undefined)
    .sort((a, b) => timings[a]! - timings[b]!)
  for (const name of ranked) {
    if (await trySetBackend(name, options))
      return {
        backend: name,
        reason: cached ? 'fastest (cached calibration)' : 'fastest (calibrated)',
        calibration: timings,
      }
  }
  if (await trySetBackend('cpu', options)) return { backend: 'cpu', reason: 'fallback', calibration: timings }
  throw new WorkerError('backend-unavailable', 'No TF.js backend could be initialised')
}

/** The backend TF.js currently runs on. */
export function currentTfBackend(): string {
  return tf.getBackend()
}
