/**
 * Host side of the hook sandbox: spawns the sandbox worker, runs hooks in it one at a time, and keeps a
 * watchdog. QuickJS's interrupt handler stops runaway hooks inside the VM; the watchdog covers what it
 * can't (a hang in native code, a crashed or wedged worker): past the deadline the worker is
 * terminated and the next call gets a fresh one.
 */
import * as Comlink from 'comlink'
import { HookError, WorkerError } from '../domain/errors.ts'
import type { HookSnapshot } from '../domain/pipeline.ts'
import type { HookInput, HookOutput, HookRunner } from '../engine/hooks/hookContract.ts'
import type { HookSandboxOptions, HookSyntaxCheck, RunLimits } from '../engine/hooks/hookSandbox.ts'
import { resolveHookLimits } from '../engine/hooks/limits.ts'
import type { SandboxWorkerApi } from '../engine/hooks/sandboxService.ts'
import { installErrorTransfer } from './errorTransfer.ts'

/** A running sandbox worker as the client sees it. */
export interface SandboxEndpoint {
  endpoint: Comlink.Endpoint
  /** Kill the worker now (no cleanup inside it). */
  terminate(): void
  /** Register the one listener for a crash of the worker (uncaught error, unreadable message). */
  onCrash(listener: (reason: string) => void): void
}

/** Options of a {@link SandboxClient}. */
export interface SandboxClientOptions extends Omit<HookSandboxOptions, 'wasmLocation'> {
  /** Start a worker. Default: the module worker src/workers/sandbox.worker.ts. Tests pass a MessageChannel. */
  spawn?: () => SandboxEndpoint
  /**
   * Time the watchdog allows on top of a hook's CPU limit (loading QuickJS, copying the data in and out)
   * before it kills the worker. Default 10 s.
   */
  watchdogGraceMs?: number
}

/** Spawn the real sandbox worker (browser). */
export function spawnSandboxWorker(): SandboxEndpoint {
  const worker = new Worker(new URL('./sandbox.worker.ts', import.meta.url), {
    type: 'module',
    name: 'butterfly-hook-sandbox',
  })
  return {
    endpoint: worker,
    terminate: () => worker.terminate(),
    onCrash(listener) {
      worker.addEventListener('error', (event) =>
        listener(event.message || 'uncaught error in the sandbox worker'),
      )
      worker.addEventListener('messageerror', () =>
        listener('a message from the sandbox worker could not be read'),
      )
    },
  }
}

interface LiveWorker {
  handle: SandboxEndpoint
  remote: Comlink.Remote<SandboxWorkerApi>
  /** Rejects when the worker crashes; every call races it. */
  crashed: Promise<never>
}

/**
 * The app's {@link HookRunner}: same contract as the in-thread `HookSandbox`, run in a worker behind a
 * watchdog. Calls are queued so one hook runs at a time and each watchdog measures its own run.
 */
export class SandboxClient implements HookRunner {
  private readonly spawn: () => SandboxEndpoint
  private readonly options: Omit<HookSandboxOptions, 'wasmLocation'>
  private readonly cpuTimeMs: number
  private readonly graceMs: number
  private live: LiveWorker | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private spawned = 0

  constructor(options: SandboxClientOptions = {}) {
    const { spawn, watchdogGraceMs, ...sandboxOptions } = options
    this.spawn = spawn ?? spawnSandboxWorker
    this.options = sandboxOptions
    this.cpuTimeMs = resolveHookLimits(sandboxOptions.limits).cpuTimeMs
    this.graceMs = watchdogGraceMs ?? 10_000
    installErrorTransfer()
  }

  /** How many workers were started so far (1 + restarts). */
  get workersSpawned(): number {
    return this.spawned
  }

  /** Run `hook` in the worker. Rejects with the worker's HookError, or a HookError from the watchdog. */
  run(hook: HookSnapshot, input: HookInput, limits?: RunLimits): Promise<HookOutput> {
    const label = `Hook '${hook.name}' (${hook.kind})`
    const budget = (limits?.cpuTimeMs ?? this.cpuTimeMs) + this.graceMs
    return this.enqueue(budget, label, { hookId: hook.id, hookName: hook.name, kind: hook.kind }, (remote) =>
      remote.run(hook, input, limits),
    )
  }

  /** Check hook code in the worker (see `HookSandbox.checkSyntax`). */
  checkSyntax(code: string): Promise<HookSyntaxCheck> {
    return this.enqueue(
      this.graceMs,
      'Syntax check',
      {},
      (remote) => remote.checkSyntax(code) as Promise<HookSyntaxCheck>,
    )
  }

  /** Terminate the worker; a later call starts a new one. */
  dispose(): void {
    this.kill()
  }

  private enqueue<T>(
    budgetMs: number,
    label: string,
    details: Record<string, unknown>,
    call: (remote: Comlink.Remote<SandboxWorkerApi>) => Promise<T>,
  ): Promise<T> {
    const next = this.queue.then(() => this.withWatchdog(budgetMs, label, details, call))
    // The queue only orders calls; a failed call must not block the next one.
    this.queue = next.catch(() => undefined)
    return next
  }

  private async withWatchdog<T>(
    budgetMs: number,
    label: string,
    details: Record<string, unknown>,
    call: (remote: Comlink.Remote<SandboxWorkerApi>) => Promise<T>,
  ): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill()
        reject(
          new HookError(
            'cpu-time',
            `${label} did not finish within ${budgetMs} ms; the sandbox worker was stopped and will be restarted`,
            { ...details, limit: budgetMs, fatal: true },
          ),
        )
      }, budgetMs)
    })
    try {
      // The watchdog also covers starting the worker: a worker that never answers is as stuck as a hook.
      const live = await Promise.race([this.ensureWorker(), watchdog])
      return await Promise.race([call(live.remote), watchdog, live.crashed])
    } catch (error) {
      if (error instanceof WorkerError && error.code === 'crashed') {
        throw new HookError(
          'runtime',
          `${label} crashed the sandbox worker (${error.message}); it will be restarted`,
          {
            ...details,
            fatal: true,
          },
        )
      }
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  private async ensureWorker(): Promise<LiveWorker> {
    if (this.live) return this.live
    const handle = this.spawn()
    this.spawned++
    const remote = Comlink.wrap<SandboxWorkerApi>(handle.endpoint)
    let fail: (error: WorkerError) => void = () => undefined
    const crashed = new Promise<never>((_, reject) => {
      fail = reject
    })
    // Nobody may be awaiting a crash right now; that is not an unhandled failure.
    crashed.catch(() => undefined)
    const live: LiveWorker = { handle, remote, crashed }
    handle.onCrash((reason) => {
      if (this.live === live) this.kill()
      fail(new WorkerError('crashed', reason))
    })
    this.live = live
    await Promise.race([remote.configure(this.options), crashed])
    return live
  }

  private kill(): void {
    const live = this.live
    this.live = undefined
    // No releaseProxy: a hung worker would never answer it, and terminating frees everything anyway.
    if (live) live.handle.terminate()
  }
}
