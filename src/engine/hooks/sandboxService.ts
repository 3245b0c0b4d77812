/**
 * The hook sandbox as a worker API: the plain class that src/workers/sandbox.worker.ts exposes through
 * Comlink and that tests call in-thread. It only configures a {@link HookSandbox} and hands results
 * back, moving their typed arrays instead of copying them.
 */
import type { HookSnapshot } from '../../domain/pipeline.ts'
import type { HookInput, HookOutput, HookResult } from './hookContract.ts'
import type { HookSandboxOptions, HookSyntaxCheck, RunLimits } from './hookSandbox.ts'
import { HookSandbox } from './hookSandbox.ts'

/**
 * API of the sandbox worker. Failures reject with `HookError` (its code and details survive the
 * thread boundary through src/workers/errorTransfer.ts).
 */
export interface SandboxWorkerApi {
  /** (Re)create the sandbox with these options (limits, clock). Optional: defaults apply otherwise. */
  configure(options: Omit<HookSandboxOptions, 'wasmLocation'>): void
  /** Run one hook; see {@link HookSandbox.run}. */
  run(hook: HookSnapshot, input: HookInput, limits?: RunLimits): Promise<HookOutput>
  /** Check hook code for the editor; see {@link HookSandbox.checkSyntax}. */
  checkSyntax(code: string): Promise<HookSyntaxCheck>
}

/** Marks `buffers` of `value` for transfer (Comlink.transfer in the worker; identity in-thread). */
export type TransferMarker = <T>(value: T, buffers: Transferable[]) => T

/** The in-thread implementation of {@link SandboxWorkerApi}. */
export class SandboxService implements SandboxWorkerApi {
  private sandbox: HookSandbox
  private readonly wasmLocation: string | undefined
  private readonly transfer: TransferMarker

  constructor(options: { wasmLocation?: string; transfer?: TransferMarker } = {}) {
    this.wasmLocation = options.wasmLocation
    this.transfer = options.transfer ?? ((value) => value)
    this.sandbox = new HookSandbox({ wasmLocation: this.wasmLocation })
  }

  configure(options: Omit<HookSandboxOptions, 'wasmLocation'>): void {
    this.sandbox = new HookSandbox({ ...options, wasmLocation: this.wasmLocation })
  }

  async run(hook: HookSnapshot, input: HookInput, limits?: RunLimits): Promise<HookOutput> {
    const output = await this.sandbox.run(hook, input, limits)
    return this.transfer(output, resultBuffers(output.result))
  }

  checkSyntax(code: string): Promise<HookSyntaxCheck> {
    return this.sandbox.checkSyntax(code)
  }
}

/** The distinct ArrayBuffers under a result's typed arrays (each result array owns its buffer). */
export function resultBuffers(result: HookResult): ArrayBuffer[] {
  const views: ArrayBufferView[] = []
  switch (result.type) {
    case 'patch':
      if (result.data) {
        for (const column of result.data.set)
          views.push(column.type === 'numeric' ? column.values : column.codes)
        if (result.data.keepRows) views.push(result.data.keepRows)
      }
      break
    case 'features':
      for (const column of result.columns) views.push(column.values)
      if (result.keepRows) views.push(result.keepRows)
      break
    case 'predictions':
      views.push(
        result.predictions.kind === 'regression' ? result.predictions.values : result.predictions.codes,
      )
      break
    default:
      break
  }
  return [...new Set(views.map((view) => view.buffer as ArrayBuffer))]
}
