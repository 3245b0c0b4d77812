/**
 * Runs user hooks in QuickJS (quickjs-emscripten, release-sync wasm). Each run gets a fresh runtime
 * and context with CPU, memory, stack and output limits, sees only ECMAScript intrinsics plus what
 * vmPrelude.ts defines, and cannot reach the host: no host function is ever exposed to the VM. This
 * class runs in-thread (tests, Node); the app wraps it in src/workers/sandbox.worker.ts.
 */
import releaseSync from '@jitl/quickjs-wasmfile-release-sync'
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core'
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  shouldInterruptAfterDeadline,
} from 'quickjs-emscripten-core'
import type { HookErrorCode } from '../../domain/errors.ts'
import { HookError } from '../../domain/errors.ts'
import type { HookSnapshot } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import type { HookInput, HookLogLine, HookOutput, HookRunner } from './hookContract.ts'
import { hookDataColumns } from './hookContract.ts'
import { interpretHookResult } from './hookResult.ts'
import type { HookLimits } from './limits.ts'
import { formatBytes, resolveHookLimits } from './limits.ts'
import { decodeHookResult, encodeHookInput } from './marshal.ts'
import { hookFileName, preludeFileName, preludeSource } from './vmPrelude.ts'

/** Options of a {@link HookSandbox}. */
export interface HookSandboxOptions {
  /** Limits for every run, over {@link defaultHookLimits}; a run may narrow them further. */
  limits?: Partial<HookLimits>
  /**
   * Where the QuickJS wasm file is served (browser: `import wasmUrl from
   * '@jitl/quickjs-wasmfile-release-sync/wasm?url'`). Omit in Node: the variant finds its own file.
   */
  wasmLocation?: string
  /**
   * What `Date.now()` and `new Date()` return inside hooks, in epoch ms. Fixed so that a rerun of the
   * same snapshot sees the same clock; default 0 (1970-01-01T00:00:00Z).
   */
  clockMs?: number
}

/** Limits a single run may change; `memoryBytes` is fixed when the sandbox loads its wasm memory. */
export type RunLimits = Partial<Omit<HookLimits, 'memoryBytes'>>

/** Result of {@link HookSandbox.checkSyntax}: line and column are 1-based, in the user's code. */
export type HookSyntaxCheck = { ok: true } | { ok: false; line: number; column: number; message: string }

/** What a failed VM call tells us, read by the prelude's `describeError` or, failing that, by dump. */
interface VmErrorInfo {
  name: string
  message: string
  stack: string
  lineNumber: number | null
  columnNumber: number | null
  outputSize?: number
  /** The result held an object with the key the prelude reserves for encoded arrays. */
  reservedKey?: boolean
}

type Phase = 'load' | 'input' | 'call' | 'encode'

/** Top-level code of a hook normally only declares functions; a second is plenty even on a busy machine. */
const syntaxCheckLimits = { memoryBytes: 32 * 1024 * 1024, cpuTimeMs: 1_000 }

/** Deadline for reading logs and errors after the hook: they may run user code (getters, toJSON). */
const afterRunBudgetMs = 500

const wasmPageBytes = 64 * 1024
/** The 16 MiB the Emscripten glue starts with (INITIAL_MEMORY); the least the wasm needs. */
const initialWasmPages = (16 * 1024 * 1024) / wasmPageBytes
/** Room above the hook's budget for QuickJS's own runtime, the C stack and allocator slack. */
const wasmHeadroomBytes = 16 * 1024 * 1024

/**
 * The in-thread hook runner. Satisfies {@link HookRunner}. One QuickJS wasm module is loaded lazily
 * and shared by all runs; if the host side of it ever throws (wasm stack overflow, abort), the module
 * is dropped and the next run loads a fresh one.
 */
export class HookSandbox implements HookRunner {
  readonly limits: HookLimits
  private readonly wasmLocation: string | undefined
  private readonly clockMs: number
  private modulePromise: Promise<QuickJSWASMModule> | undefined
  private loads = 0

  constructor(options: HookSandboxOptions = {}) {
    this.limits = resolveHookLimits(options.limits)
    this.wasmLocation = options.wasmLocation
    this.clockMs = options.clockMs ?? 0
  }

  /** How many times the wasm module was loaded (1 + restarts after host failures). */
  get moduleLoads(): number {
    return this.loads
  }

  /**
   * Run `hook` on `input`. Resolves with the validated result and the hook's log; rejects with a
   * {@link HookError} for any sandbox limit, syntax or runtime error or bad result. `limits` narrows or
   * widens this sandbox's CPU, stack, output and log limits for this run only; memory is fixed per
   * sandbox (it sizes the wasm memory).
   */
  async run(hook: HookSnapshot, input: HookInput, limits?: RunLimits): Promise<HookOutput> {
    const runLimits = limits
      ? resolveHookLimits({ ...this.limits, ...limits, memoryBytes: this.limits.memoryBytes })
      : this.limits
    const module = await this.loadModule()
    const started = performance.now()
    const label = `Hook '${hook.name}' (${hook.kind})`
    const details = { hookId: hook.id, hookName: hook.name, kind: hook.kind }
    let runtime: QuickJSRuntime | undefined
    let vm: QuickJSContext | undefined
    const owned: QuickJSHandle[] = []
    const own = (handle: QuickJSHandle): QuickJSHandle => {
      owned.push(handle)
      return handle
    }
    let logs: { logs: HookLogLine[]; truncated: boolean } = { logs: [], truncated: false }
    let collectLogs: (() => void) | undefined
    try {
      runtime = module.newRuntime()
      runtime.setMemoryLimit(runLimits.memoryBytes)
      runtime.setMaxStackSize(runLimits.stackBytes)
      runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + runLimits.cpuTimeMs))
      vm = runtime.newContext()
      const ctxVm = vm
      const rt = runtime

      // The prelude evaluates to its API object: the host holds the only reference, no global names it.
      const prelude = vm.evalCode(preludeSource, preludeFileName, { type: 'global' })
      if (prelude.error)
        throw new Error(`Hook sandbox prelude failed: ${JSON.stringify(vm.dump(own(prelude.error)))}`)
      const api = own(prelude.value)

      // Logs are read once the hook is done, under a fresh short deadline, never none: reading them or
      // an error may run user code (a `message` getter, a Proxy, an Array.prototype.toJSON).
      collectLogs = () => {
        rt.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + afterRunBudgetMs))
        collectLogs = undefined
        logs = readLogs(ctxVm, api, own)
      }
      // Failures inside the VM: read the logs and the error with the QuickJS allocation cap lifted (it
      // may be an OOM; the wasm memory stays capped), then classify.
      const failWith = (errorHandle: QuickJSHandle, phase: Phase | 'reject'): never => {
        own(errorHandle)
        rt.setMemoryLimit(-1)
        collectLogs?.()
        const info = describeVmError(ctxVm, api, errorHandle, own)
        throw hookErrorFrom(info, phase, label, runLimits, { ...details, logs: logs.logs })
      }
      const callApi = (name: string, phase: Phase, ...args: QuickJSHandle[]): QuickJSHandle => {
        const fn = own(ctxVm.getProp(api, name))
        const result = ctxVm.callFunction(fn, api, ...args)
        if (result.error) return failWith(result.error, phase)
        return own(result.value)
      }

      const prngWords = createRng(input.seed).fork(`hook:${hook.kind}:${hook.order}`)
      const options = {
        prng: [
          prngWords.nextUint32(),
          prngWords.nextUint32(),
          prngWords.nextUint32(),
          prngWords.nextUint32(),
        ],
        clockMs: this.clockMs,
        logChars: runLimits.logChars,
      }
      callApi('init', 'load', own(vm.newString(JSON.stringify(options))))

      const loaded = vm.evalCode(hook.code, hookFileName, { type: 'global' })
      if (loaded.error) failWith(loaded.error, 'load')
      else own(loaded.value)
      if (!vm.dump(callApi('definesHook', 'load'))) {
        throw new HookError(
          'syntax',
          `${label} does not define a function hook(ctx): write function hook(ctx) { ... }`,
          details,
        )
      }

      const encoded = encodeHookInput(hook.kind, input)
      const buffers = own(vm.newArray())
      encoded.buffers.forEach((buffer, i) => {
        vm?.setProp(buffers, i, own(ctxVm.newArrayBuffer(buffer)))
      })
      callApi('setInput', 'input', own(vm.newString(encoded.metaJson)), buffers)

      let state = vm.dump(callApi('call', 'call'))
      if (state === 'pending') {
        // No timers or I/O exist in the VM, so once the job queue is empty the promise is as settled as it gets.
        const jobs = runtime.executePendingJobs(-1)
        if (jobs.error) failWith(jobs.error, 'call')
        state = vm.dump(callApi('settle', 'call'))
        if (state === 'rejected') failWith(callApi('rejection', 'call'), 'reject')
        if (state !== 'done')
          throw new HookError(
            'bad-result',
            `${label} returned a Promise that never settled (nothing can resolve it later)`,
            details,
          )
      }

      // Rejections nothing handled become error lines of the hook's log (the run log shows them).
      callApi('reportUnhandled', 'call')
      const envelope = callApi('encode', 'encode', own(vm.newNumber(runLimits.outputBytes)))
      const { json, buffers: resultBuffers } = readEnvelope(vm, envelope, own, label, details)
      const outputBytes = json.length + resultBuffers.reduce((sum, bytes) => sum + bytes.byteLength, 0)
      if (outputBytes > runLimits.outputBytes) throw outputSizeError(label, outputBytes, runLimits, details)
      collectLogs()

      let value: unknown
      try {
        value = decodeHookResult(json, resultBuffers)
      } catch (error) {
        throw new HookError(
          'bad-result',
          `${label} returned a result that could not be read back: ${error instanceof Error ? error.message : String(error)}`,
          details,
        )
      }
      const data = hookDataColumns(input.data)
      const evalData = hookDataColumns(input.evalData)
      const result = interpretHookResult(value, {
        hookName: hook.name,
        hookId: hook.id,
        kind: hook.kind,
        rowCount: data.nRows,
        evalRowCount: evalData.nRows,
        columnNames: data.columns.map((column) => column.name),
        target: input.evalTarget ?? input.target,
      })
      return {
        hookId: hook.id,
        kind: hook.kind,
        result,
        logs: logs.logs,
        logTruncated: logs.truncated,
        durationMs: performance.now() - started,
      }
    } catch (error) {
      if (error instanceof HookError) {
        // Failures found on the host side (output size, a never-settled promise) still carry the log.
        if (!error.details?.logs) {
          try {
            collectLogs?.()
          } catch (logError) {
            // The hook's own failure is what the user must see; note why its log is missing.
            logs = {
              logs: [{ level: 'warn', message: `log unavailable: ${String(logError)}` }],
              truncated: false,
            }
          }
          Object.assign(error.details ?? {}, { logs: logs.logs })
        }
        throw error
      }
      // The host side of QuickJS threw (wasm stack overflow, abort, use-after-free): that instance can't
      // be trusted any more. Drop it without disposing (disposing can abort again) and reload next time.
      runtime = undefined
      vm = undefined
      owned.length = 0
      this.modulePromise = undefined
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      const code: HookErrorCode = /call stack|stack overflow/i.test(message) ? 'stack' : 'runtime'
      throw new HookError(code, `${label} crashed the sandbox (${message}); the sandbox was restarted`, {
        ...details,
        fatal: true,
      })
    } finally {
      for (const handle of owned.reverse()) if (handle.alive) handle.dispose()
      vm?.dispose()
      runtime?.dispose()
    }
  }

  /**
   * Check `code` without running the hook: it must compile as a script and define `function hook(ctx)`.
   * Top-level statements do run (under tight limits) to find `hook`; a throw there is reported with
   * its line. Never throws for bad user code.
   */
  async checkSyntax(code: string): Promise<HookSyntaxCheck> {
    const module = await this.loadModule()
    const runtime = module.newRuntime()
    runtime.setMemoryLimit(syntaxCheckLimits.memoryBytes)
    runtime.setMaxStackSize(this.limits.stackBytes)
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + syntaxCheckLimits.cpuTimeMs))
    const vm = runtime.newContext()
    try {
      for (const compileOnly of [true, false]) {
        const result = vm.evalCode(code, hookFileName, { type: 'global', compileOnly })
        if (result.error) {
          const info = vm.dump(result.error) as Partial<VmErrorInfo> | unknown
          result.error.dispose()
          const error = toErrorInfo(info)
          const where = locate(error)
          const interrupted = error.name === 'InternalError' && error.message === 'interrupted'
          const message = interrupted
            ? `The code outside hook(ctx) ran longer than ${syntaxCheckLimits.cpuTimeMs} ms while checking it`
            : compileOnly || error.name === 'SyntaxError'
              ? error.message
              : `${error.name}: ${error.message}`
          return { ok: false, line: where.line ?? 1, column: where.column ?? 1, message }
        }
        result.value.dispose()
      }
      const defined = vm.evalCode('typeof hook', 'check.js', { type: 'global' })
      const type = defined.error ? undefined : vm.dump(defined.value)
      ;(defined.error ?? defined.value).dispose()
      if (type !== 'function')
        return { ok: false, line: 1, column: 1, message: 'The code must define function hook(ctx)' }
      return { ok: true }
    } finally {
      vm.dispose()
      runtime.dispose()
    }
  }

  /** Instantiate the QuickJS wasm module; a seam for tests that simulate a host failure. */
  protected instantiate(variant: typeof releaseSync): Promise<QuickJSWASMModule> {
    return newQuickJSWASMModuleFromVariant(variant)
  }

  private loadModule(): Promise<QuickJSWASMModule> {
    if (!this.modulePromise) {
      this.loads++
      // QuickJS's own memory limit can't be trusted in this build: without malloc_usable_size it counts
      // 8 bytes per allocation, so it only caps single allocations, never their sum
      // (https://github.com/justjake/quickjs-emscripten/issues/271). The wasm imports its memory, so a
      // Memory with a fixed maximum is the real cap: once it is full, malloc fails and QuickJS throws
      // "out of memory" inside the VM. Runs are sequential and each frees its runtime, so the cap is per run.
      // It is also allocated at its full size up front: quickjs-emscripten caches typed-array views on
      // wasm memory across calls (getLength, executePendingJobs), and a growth detaches them.
      // Untouched pages cost address space, not RAM.
      const pages = Math.max(
        initialWasmPages,
        Math.ceil((this.limits.memoryBytes + wasmHeadroomBytes) / wasmPageBytes),
      )
      const wasmMemory = new WebAssembly.Memory({ initial: pages, maximum: pages })
      const variant = newVariant(releaseSync, {
        wasmMemory,
        ...(this.wasmLocation ? { wasmLocation: this.wasmLocation } : {}),
      })
      const promise = this.instantiate(variant)
      promise.catch(() => {
        if (this.modulePromise === promise) this.modulePromise = undefined
      })
      this.modulePromise = promise
    }
    return this.modulePromise
  }
}

let defaultSandbox: HookSandbox | undefined

/**
 * Check hook code for the editor: syntax errors with 1-based line and column, or a missing
 * `function hook(ctx)`. Uses a shared in-thread sandbox (Node finds the wasm file itself; in the
 * browser pass `wasmLocation` once, or use the worker client's `checkSyntax`).
 */
export function checkHookSyntax(
  code: string,
  options: { wasmLocation?: string } = {},
): Promise<HookSyntaxCheck> {
  defaultSandbox ??= new HookSandbox(options)
  return defaultSandbox.checkSyntax(code)
}

function readLogs(
  vm: QuickJSContext,
  api: QuickJSHandle,
  own: (handle: QuickJSHandle) => QuickJSHandle,
): { logs: HookLogLine[]; truncated: boolean } {
  const result = vm.callFunction(own(vm.getProp(api, 'logs')), api)
  if (result.error) {
    own(result.error)
    return { logs: [], truncated: false }
  }
  const text = vm.dump(own(result.value))
  if (typeof text !== 'string') return { logs: [], truncated: false }
  const parsed = JSON.parse(text) as { logs: [HookLogLine['level'], string][]; truncated: boolean }
  return { logs: parsed.logs.map(([level, message]) => ({ level, message })), truncated: parsed.truncated }
}

function describeVmError(
  vm: QuickJSContext,
  api: QuickJSHandle,
  errorHandle: QuickJSHandle,
  own: (handle: QuickJSHandle) => QuickJSHandle,
): VmErrorInfo {
  const result = vm.callFunction(own(vm.getProp(api, 'describeError')), api, errorHandle)
  if (!result.error) {
    const text = vm.dump(own(result.value))
    if (typeof text === 'string') return toErrorInfo(JSON.parse(text))
  } else {
    own(result.error)
  }
  // describeError itself failed: it runs no user code but a Proxy's traps, so a trap that loops ran
  // out the time to read the error, or memory is still exhausted. Say so; a dump would run the same code.
  return {
    name: '',
    message:
      'a value that could not be read (reading it ran out of time or memory; a Proxy or getter that never returns?)',
    stack: '',
    lineNumber: null,
    columnNumber: null,
  }
}

function toErrorInfo(value: unknown): VmErrorInfo {
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    return {
      name: typeof record.name === 'string' ? record.name : 'Error',
      message: typeof record.message === 'string' ? record.message : '',
      stack: typeof record.stack === 'string' ? record.stack : '',
      lineNumber: typeof record.lineNumber === 'number' ? record.lineNumber : null,
      columnNumber: typeof record.columnNumber === 'number' ? record.columnNumber : null,
      outputSize: typeof record.outputSize === 'number' ? record.outputSize : undefined,
      reservedKey: record.reservedKey === true ? true : undefined,
    }
  }
  // QuickJS throws null when it cannot even allocate the exception object.
  return {
    name: 'InternalError',
    message: value === null ? 'out of memory' : String(value),
    stack: '',
    lineNumber: null,
    columnNumber: null,
  }
}

/** The user's line and column: the first stack frame in the hook's file, else the error's own position. */
function locate(info: VmErrorInfo): { line: number | undefined; column: number | undefined } {
  const frame = new RegExp(`${hookFileName.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`).exec(info.stack)
  if (frame) return { line: Number(frame[1]), column: frame[2] ? Number(frame[2]) : undefined }
  return { line: info.lineNumber ?? undefined, column: info.columnNumber ?? undefined }
}

function hookErrorFrom(
  info: VmErrorInfo,
  phase: Phase | 'reject',
  label: string,
  limits: HookLimits,
  details: Record<string, unknown>,
): HookError {
  if (info.outputSize !== undefined) return outputSizeError(label, info.outputSize, limits, details)
  if (info.reservedKey)
    return new HookError(
      'bad-result',
      `${label} returned an object with the key "\\u0000bf", which the sandbox reserves for encoded arrays; rename that key`,
      details,
    )
  const { line, column } = locate(info)
  const at = line === undefined ? '' : ` at line ${line}${column === undefined ? '' : `, column ${column}`}`
  const withPlace = { ...details, line, column }
  const message = info.message
  if (info.name === 'InternalError' && message === 'interrupted')
    return new HookError(
      'cpu-time',
      `${label} ran longer than its CPU time limit of ${limits.cpuTimeMs} ms (stopped${at})`,
      {
        ...withPlace,
        limit: limits.cpuTimeMs,
      },
    )
  if (/out of memory|string too long|invalid array buffer length/i.test(message))
    return new HookError(
      'memory',
      `${label} ran out of memory (limit ${formatBytes(limits.memoryBytes)})${at}: ${message}`,
      {
        ...withPlace,
        limit: limits.memoryBytes,
      },
    )
  if (/stack overflow|call stack/i.test(message))
    return new HookError(
      'stack',
      `${label} overflowed its stack limit of ${formatBytes(limits.stackBytes)}${at}: recursion too deep?`,
      { ...withPlace, limit: limits.stackBytes },
    )
  if (phase === 'load' && info.name === 'SyntaxError')
    return new HookError('syntax', `${label} has a syntax error${at}: ${message}`, withPlace)
  if (phase === 'input')
    return new HookError(
      'memory',
      `${label}: the input data does not fit the sandbox (${info.name}: ${message})`,
      withPlace,
    )
  if (phase === 'encode')
    return new HookError(
      'bad-result',
      `${label} returned a result that cannot be converted${at}: ${info.name}: ${message}`,
      withPlace,
    )
  // A thrown Error reads "threw TypeError: …"; any other thrown value is shown as what it is.
  const what =
    info.name === ''
      ? message
      : message === ''
        ? `${info.name} (with no message)`
        : `${info.name}: ${message}`
  if (phase === 'reject')
    return new HookError('runtime', `${label} returned a Promise that rejected with ${what}${at}`, withPlace)
  return new HookError('runtime', `${label} threw ${what}${at}`, withPlace)
}

function outputSizeError(
  label: string,
  bytes: number,
  limits: HookLimits,
  details: Record<string, unknown>,
): HookError {
  return new HookError(
    'output-size',
    `${label} returned ${formatBytes(bytes)} or more, over its output limit of ${formatBytes(limits.outputBytes)}`,
    { ...details, limit: limits.outputBytes },
  )
}

function readEnvelope(
  vm: QuickJSContext,
  envelope: QuickJSHandle,
  own: (handle: QuickJSHandle) => QuickJSHandle,
  label: string,
  details: Record<string, unknown>,
): { json: string; buffers: Uint8Array[] } {
  const bad = (): never => {
    throw new HookError(
      'bad-result',
      `${label} returned a result that could not be read back from the sandbox`,
      details,
    )
  }
  if (vm.typeof(envelope) !== 'object') bad()
  const jsonHandle = own(vm.getProp(envelope, 'json'))
  if (vm.typeof(jsonHandle) !== 'string') bad()
  const json = vm.getString(jsonHandle)
  const list = own(vm.getProp(envelope, 'buffers'))
  // Not vm.getLength: it reads through a typed-array view cached before the run, which a wasm memory
  // growth during the run detaches, so it returns undefined for big results.
  const lengthHandle = own(vm.getProp(list, 'length'))
  if (vm.typeof(lengthHandle) !== 'number') return bad()
  const length = vm.getNumber(lengthHandle)
  const buffers: Uint8Array[] = []
  for (let i = 0; i < length; i++) {
    const item = own(vm.getProp(list, i))
    const view = vm.getArrayBuffer(item)
    // The view points into wasm memory, which the next allocation may move: copy it out now.
    buffers.push(view.value.slice())
    view.dispose()
  }
  return { json, buffers }
}
