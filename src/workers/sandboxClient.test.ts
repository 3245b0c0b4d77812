import * as Comlink from 'comlink'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { HookError } from '../domain/errors.ts'
import type { Sha256Hex } from '../domain/hash.ts'
import type { HookKind } from '../domain/hook.ts'
import type { HookId } from '../domain/ids.ts'
import type { HookSnapshot } from '../domain/pipeline.ts'
import type { HookInput, HookOutput, HookRunner } from '../engine/hooks/hookContract.ts'
import type { HookSandbox, HookSyntaxCheck } from '../engine/hooks/hookSandbox.ts'
import type { SandboxWorkerApi } from '../engine/hooks/sandboxService.ts'
import { SandboxService } from '../engine/hooks/sandboxService.ts'
import type { SandboxEndpoint } from './sandboxClient.ts'
import { SandboxClient } from './sandboxClient.ts'

function makeHook(code: string, kind: HookKind = 'after_training'): HookSnapshot {
  return {
    id: 'hook_c' as HookId,
    kind,
    name: 'client hook',
    order: 0,
    sourceKind: 'inline',
    code,
    codeHash: '0'.repeat(64) as Sha256Hex,
  }
}

const input: HookInput = {
  data: {
    nRows: 3,
    columns: [{ name: 'x', type: 'numeric', kind: 'numeric', values: new Float64Array([1, 2, 3]) }],
  },
  config: {},
  metrics: {},
  seed: 5,
}

/** A "worker" on a MessageChannel in this thread, built by `factory`; records crash listeners. */
function channelWorkers(factories: (() => SandboxWorkerApi)[]) {
  const crashes: ((reason: string) => void)[] = []
  let next = 0
  const spawn = (): SandboxEndpoint => {
    const factory = factories[Math.min(next++, factories.length - 1)]
    const { port1, port2 } = new MessageChannel()
    Comlink.expose(factory(), port2 as unknown as Comlink.Endpoint)
    return {
      endpoint: port1 as unknown as Comlink.Endpoint,
      terminate: () => {
        port1.close()
        port2.close()
      },
      onCrash: (listener) => {
        crashes.push(listener)
      },
    }
  }
  return { spawn, crashes }
}

/** A worker whose hook runs never answer, like one stuck in native code. */
const hangingWorker = (): SandboxWorkerApi => ({
  configure: () => undefined,
  run: () => new Promise<HookOutput>(() => undefined),
  checkSyntax: () => new Promise<HookSyntaxCheck>(() => undefined),
})

describe('SandboxClient', () => {
  it('is a HookRunner, like the in-thread HookSandbox and the worker API it wraps', () => {
    expectTypeOf<SandboxClient>().toExtend<HookRunner>()
    expectTypeOf<HookSandbox>().toExtend<HookRunner>()
    expectTypeOf<SandboxService>().toExtend<SandboxWorkerApi>()
    expectTypeOf<Comlink.Remote<SandboxWorkerApi>['run']>().returns.resolves.toEqualTypeOf<HookOutput>()
  })

  it('runs hooks through Comlink; typed arrays and HookError codes survive the boundary', async () => {
    const { spawn } = channelWorkers([() => new SandboxService()])
    const client = new SandboxClient({ spawn, limits: { memoryBytes: 32 * 1024 * 1024 } })
    try {
      const output = await client.run(
        makeHook(
          'function hook(ctx) { return { data: { y: ctx.data.x.map((v) => v * 10) } } }',
          'before_preprocessing',
        ),
        input,
      )
      const result = output.result
      expect(result.type === 'patch' && result.data?.set[0]).toMatchObject({ name: 'y', type: 'numeric' })
      expect(
        result.type === 'patch' &&
          result.data?.set[0].type === 'numeric' &&
          Array.from(result.data.set[0].values),
      ).toEqual([10, 20, 30])
      const error = await client
        .run(makeHook('function hook() {\n  null.x\n}'), input)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(HookError)
      expect((error as HookError).code).toBe('runtime')
      expect((error as HookError).message).toContain("Hook 'client hook' (after_training) threw TypeError")
      expect((error as HookError).details?.line).toBe(2)
      expect(await client.checkSyntax('function hook(ctx) {')).toMatchObject({ ok: false, line: 1 })
      expect(client.workersSpawned).toBe(1)
    } finally {
      client.dispose()
    }
  })

  it('the watchdog terminates a hung worker, reports cpu-time and the next run gets a fresh worker', async () => {
    const { spawn } = channelWorkers([hangingWorker, () => new SandboxService()])
    const client = new SandboxClient({ spawn, limits: { cpuTimeMs: 50 }, watchdogGraceMs: 100 })
    try {
      const error = await client.run(makeHook('function hook() {}'), input).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(HookError)
      expect((error as HookError).code).toBe('cpu-time')
      expect((error as HookError).message).toBe(
        "Hook 'client hook' (after_training) did not finish within 150 ms; the sandbox worker was stopped and will be restarted",
      )
      // A generous budget for the fresh worker, which must load QuickJS first.
      const output = await client.run(makeHook('function hook() { return { metrics: { ok: 1 } } }'), input, {
        cpuTimeMs: 30_000,
      })
      expect(output.result).toEqual({ type: 'patch', data: undefined, metrics: { ok: 1 } })
      expect(client.workersSpawned).toBe(2)
    } finally {
      client.dispose()
    }
  })

  it('a crashed worker fails the pending run and is replaced', async () => {
    const { spawn, crashes } = channelWorkers([hangingWorker, () => new SandboxService()])
    const client = new SandboxClient({ spawn, watchdogGraceMs: 60_000 })
    try {
      const pending = client.run(makeHook('function hook() {}'), input).catch((e: unknown) => e)
      while (crashes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      crashes[0]('RuntimeError: unreachable')
      const error = await pending
      expect(error).toBeInstanceOf(HookError)
      expect((error as HookError).code).toBe('runtime')
      expect((error as HookError).message).toContain('crashed the sandbox worker (RuntimeError: unreachable)')
      const output = await client.run(makeHook('function hook() {}'), input)
      expect(output.result).toEqual({ type: 'unchanged' })
      expect(client.workersSpawned).toBe(2)
    } finally {
      client.dispose()
    }
  })
})
