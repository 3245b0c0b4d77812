import type { QuickJSWASMModule } from 'quickjs-emscripten-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { hookTestFrame } from '../../../tests/fixtures/engine/hookFrame.ts'
import { HookError } from '../../domain/errors.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import type { HookId } from '../../domain/ids.ts'
import type { HookSnapshot } from '../../domain/pipeline.ts'
import type { DataFrame } from '../frame.ts'
import type { HookInput, HookOutput, HookResult } from './hookContract.ts'
import { applyHookDataPatch } from './hookContract.ts'
import { checkHookSyntax, HookSandbox } from './hookSandbox.ts'

function makeHook(code: string, kind: HookKind = 'before_preprocessing', name = 'test hook'): HookSnapshot {
  return {
    id: 'hook_test' as HookId,
    kind,
    name,
    order: 0,
    sourceKind: 'inline',
    code,
    codeHash: '0'.repeat(64) as Sha256Hex,
  }
}

const frame = hookTestFrame

const baseInput: HookInput = {
  data: frame,
  target: { kind: 'classification', codes: new Int32Array([0, 1, 1, 0]), classes: ['no', 'yes'] },
  config: { threshold: 30 },
  metrics: { accuracy: 0.75 },
  seed: 42,
}

let sandbox: HookSandbox

beforeAll(() => {
  sandbox = new HookSandbox({ limits: { memoryBytes: 48 * 1024 * 1024, cpuTimeMs: 5_000 } })
})

async function run(code: string, kind?: HookKind, input: HookInput = baseInput): Promise<HookOutput> {
  return sandbox.run(makeHook(code, kind), input)
}

async function failure(
  code: string,
  kind?: HookKind,
  input: HookInput = baseInput,
  limits = {},
): Promise<HookError> {
  try {
    await sandbox.run(makeHook(code, kind), input, limits)
  } catch (error) {
    expect(error).toBeInstanceOf(HookError)
    return error as HookError
  }
  throw new Error('expected the hook to fail')
}

function resultOf<T extends HookResult['type']>(
  output: HookOutput,
  type: T,
): Extract<HookResult, { type: T }> {
  expect(output.result.type).toBe(type)
  return output.result as Extract<HookResult, { type: T }>
}

describe('ctx', () => {
  it('passes columns, target, config, metrics, seed, stage and kind', async () => {
    const output = await run(`function hook(ctx) {
      log(JSON.stringify({ age: ctx.data.age.map(String), city: ctx.data.city, rows: ctx.rowCount, target: ctx.target,
        config: ctx.config, metrics: ctx.metrics, seed: ctx.seed, stage: ctx.stage, kind: ctx.kind,
        isArray: Array.isArray(ctx.data.age) }))
    }`)
    expect(JSON.parse(output.logs[0].message)).toEqual({
      age: ['20', 'NaN', '40', '50'],
      city: ['Lyon', 'Paris', null, 'Lyon'],
      rows: 4,
      target: ['no', 'yes', 'yes', 'no'],
      config: { threshold: 30 },
      metrics: { accuracy: 0.75 },
      seed: 42,
      stage: 'preprocessing',
      kind: 'before_preprocessing',
      isArray: true,
    })
  })

  it('captures log and console output with levels, and truncates past the log limit', async () => {
    const output = await run(`function hook(ctx) { log('a', 1, { b: 2 }); console.warn('careful') }`)
    expect(output.logs).toEqual([
      { level: 'info', message: 'a 1 {"b":2}' },
      { level: 'warn', message: 'careful' },
    ])
    expect(output.logTruncated).toBe(false)
    const chatty = await sandbox.run(
      makeHook(`function hook() { for (let i = 0; i < 1000; i++) log('line ' + i) }`),
      baseInput,
      {
        logChars: 100,
      },
    )
    expect(chatty.logTruncated).toBe(true)
    expect(chatty.logs.reduce((sum, line) => sum + line.message.length, 0)).toBeLessThanOrEqual(100)
    expect(chatty.logs[0].message).toBe('line 0')
  })
})

describe('results by kind', () => {
  it('undefined from a before_ or after_ hook changes nothing', async () => {
    expect((await run('function hook(ctx) { ctx.data.age[0] = 999 }')).result).toEqual({ type: 'unchanged' })
    expect((await run('function hook() {}', 'after_evaluation')).result).toEqual({ type: 'unchanged' })
  })

  it('before_preprocessing adds, transforms and drops columns and filters rows', async () => {
    const output = await run(`function hook(ctx) {
      return {
        data: {
          age: ctx.data.age.map((a) => (Number.isNaN(a) ? 0 : a * 2)),
          adult: ctx.data.age.map((a) => a >= ctx.config.threshold),
          label: ctx.data.city.map((c) => (c === null ? null : c.toUpperCase())),
        },
        dropColumns: ['city'],
        keepRows: [true, false, true, true],
      }
    }`)
    const { data } = resultOf(output, 'patch')
    expect(data).toBeDefined()
    const patched = applyHookDataPatch(frame, data!)
    expect(patched.nRows).toBe(3)
    expect(patched.columns.map((c) => c.name)).toEqual(['age', 'adult', 'label'])
    const [age, adult, label] = patched.columns
    expect(age.type === 'numeric' && Array.from(age.values)).toEqual([40, 80, 100])
    expect(adult.type === 'numeric' && Array.from(adult.values)).toEqual([0, 1, 1])
    expect(label.type === 'categorical' && label.levels).toEqual(['LYON', 'PARIS'])
    expect(label.type === 'categorical' && Array.from(label.codes)).toEqual([0, -1, 0])
  })

  it('string values that look like object internals round-trip as plain data', async () => {
    const output = await run(
      `function hook() { return { data: { s: ['__proto__', 'constructor', 'toString', null] } } }`,
    )
    const column = resultOf(output, 'patch').data!.set[0]
    expect(
      column.type === 'categorical' && Array.from(column.codes, (c) => (c < 0 ? null : column.levels[c])),
    ).toEqual(['__proto__', 'constructor', 'toString', null])
  })

  it('keepRows also takes row indices, returned ascending', async () => {
    const { data } = resultOf(await run('function hook() { return { keepRows: [3, 0] } }'), 'patch')
    expect(Array.from(data!.keepRows!)).toEqual([0, 3])
    expect(data!.set).toEqual([])
  })

  it('after_evaluation adds a custom metric', async () => {
    const output = await run(
      `function hook(ctx) { return { metrics: { doubled: ctx.metrics.accuracy * 2 } } }`,
      'after_evaluation',
    )
    expect(resultOf(output, 'patch')).toEqual({ type: 'patch', data: undefined, metrics: { doubled: 1.5 } })
  })

  it('an async hook is awaited', async () => {
    const output = await run(
      'async function hook() { await null; return { metrics: { m: 1 } } }',
      'after_training',
    )
    expect(resultOf(output, 'patch').metrics).toEqual({ m: 1 })
  })

  it('override_preprocessing returns numeric features', async () => {
    const output = await run(
      `function hook(ctx) { return { data: { age: ctx.data.age.map((a) => a || 0), paris: ctx.data.city.map((c) => c === 'Paris') } } }`,
      'override_preprocessing',
    )
    const { columns, keepRows } = resultOf(output, 'features')
    expect(columns.map((c) => [c.name, Array.from(c.values)])).toEqual([
      ['age', [20, 0, 40, 50]],
      ['paris', [0, 1, 0, 0]],
    ])
    expect(keepRows).toBeUndefined()
  })

  it('override_model_selection returns a family and hyperparameters', async () => {
    const output = await run(
      `function hook() { return { family: 'gbdt', hyperparameters: { depth: 3, rates: [0.1, 0.2] } } }`,
      'override_model_selection',
    )
    expect(output.result).toEqual({
      type: 'model-choice',
      family: 'gbdt',
      hyperparameters: { depth: 3, rates: [0.1, 0.2] },
    })
  })

  it('override_training returns class labels for the eval rows, coded by the target classes', async () => {
    const input: HookInput = {
      ...baseInput,
      evalData: {
        nRows: 3,
        columns: [frame.columns[0]].map((c) => ({ ...c, values: new Float64Array(3) })),
      } as DataFrame,
    }
    const output = await run(
      `function hook(ctx) { return { predictions: ['yes', 'no', 'yes'].slice(0, ctx.evalRowCount) } }`,
      'override_training',
      input,
    )
    const { predictions } = resultOf(output, 'predictions')
    expect(predictions.kind === 'classification' && Array.from(predictions.codes)).toEqual([1, 0, 1])
    const bad = await failure(
      `function hook() { return { predictions: ['yes', 'maybe', 'no'] } }`,
      'override_training',
      input,
    )
    expect(bad.message).toContain("predictions[1] is 'maybe', not one of the classes no, yes")
  })

  it('override_evaluation and override_explainability return their maps', async () => {
    expect(
      (await run('function hook() { return { metrics: { f1: 0.5 } } }', 'override_evaluation')).result,
    ).toEqual({
      type: 'metrics',
      metrics: { f1: 0.5 },
    })
    expect(
      (
        await run(
          'function hook() { return { importances: { age: 2, city: 1 } } }',
          'override_explainability',
        )
      ).result,
    ).toEqual({
      type: 'importances',
      importances: { age: 2, city: 1 },
    })
  })

  it('a wrong shape fails with the hook, the kind, what was expected and what came', async () => {
    const cases: [string, HookKind, string][] = [
      ['function hook() {}', 'override_training', 'got undefined'],
      [
        'function hook(ctx) { return ctx }',
        'before_preprocessing',
        "unexpected key 'rowCount' (returning ctx does not apply changes",
      ],
      [
        'function hook() { return { data: { x: [1, 2] } } }',
        'before_preprocessing',
        'data.x has 2 values, but ctx.rowCount is 4',
      ],
      [
        "function hook() { return { data: { x: [1, 'a', 2, 3] } } }",
        'before_preprocessing',
        'data.x must hold only numbers',
      ],
      [
        'function hook() { return { metrics: { m: NaN } } }',
        'after_evaluation',
        'metrics.m must be a finite number, got the number NaN',
      ],
      [
        'function hook() { return { data: { x: [1, 2, 3, 4] } } }',
        'after_evaluation',
        "unexpected key 'data'; allowed keys are metrics",
      ],
      [
        "function hook() { return { data: { s: ['a', 'b', 'c', 'd'] } } }",
        'override_preprocessing',
        'data.s holds strings',
      ],
      [
        "function hook() { return { dropColumns: ['nope'] } }",
        'before_preprocessing',
        "dropColumns names 'nope', which is not a column",
      ],
      ['function hook() { return { keepRows: [0, 9] } }', 'before_preprocessing', 'keepRows holds 9'],
      [
        'function hook() { return { family: 3 } }',
        'override_model_selection',
        'family must be a non-empty string, got the number 3',
      ],
      ['function hook() { return 42 }', 'after_training', 'the result must be an object, got the number 42'],
      [
        'function hook() { const a = {}; a.self = a; return { metrics: a } }',
        'after_training',
        'cannot be converted',
      ],
    ]
    for (const [code, kind, expected] of cases) {
      const error = await failure(code, kind)
      expect(error.code).toBe('bad-result')
      expect(error.message).toContain(`Hook 'test hook' (${kind})`)
      expect(error.message).toContain(expected)
      if (!expected.includes('converted')) expect(error.message).toContain('Expected ')
    }
  })
})

describe('limits and errors', () => {
  it('an infinite loop is stopped at the CPU limit', async () => {
    const error = await failure(
      'function hook() {\n  let x = 0\n  while (true) {\n    x = Math.sqrt(x + 1)\n  }\n}',
      undefined,
      baseInput,
      {
        cpuTimeMs: 200,
      },
    )
    expect(error.code).toBe('cpu-time')
    // QuickJS reports the last source position it recorded, which in a tight loop may be the function's start.
    expect(error.message).toMatch(
      /Hook 'test hook' \(before_preprocessing\) ran longer than its CPU time limit of 200 ms \(stopped at line \d+/,
    )
    expect(error.details?.limit).toBe(200)
  })

  it('a memory bomb fails with code memory', async () => {
    const error = await failure(
      'function hook() {\n  const keep = []\n  for (;;) keep.push(new Float64Array(1e5))\n}',
    )
    expect(error.code).toBe('memory')
    expect(error.message).toContain('ran out of memory (limit 48 MiB) at line 3')
  })

  it('deep recursion fails with code stack', async () => {
    const error = await failure(
      'function hook() {\n  function down(n) { return down(n + 1) + 1 }\n  return down(0)\n}',
    )
    expect(error.code).toBe('stack')
    expect(error.message).toContain('overflowed its stack limit of 128 KiB at line 2')
  })

  it('a huge return value fails with code output-size', async () => {
    const error = await failure(
      'function hook() { log("big"); return { metrics: { x: new Array(200000).fill(1) } } }',
      undefined,
      baseInput,
      {
        outputBytes: 1024 * 1024,
      },
    )
    expect(error.code).toBe('output-size')
    expect(error.details?.logs).toEqual([{ level: 'info', message: 'big' }])
    expect(error.message).toContain('over its output limit of 1 MiB')
  })

  it('syntax and runtime errors carry the user line', async () => {
    const syntax = await failure('function hook(ctx) {\n  return (\n}')
    expect(syntax.code).toBe('syntax')
    expect(syntax.message).toContain('has a syntax error at line 3')
    const runtime = await failure('function hook(ctx) {\n  const x = undefined\n  return x.y\n}')
    expect(runtime.code).toBe('runtime')
    expect(runtime.message).toMatch(/threw TypeError: .* at line 3, column/)
    const missing = await failure('const hook = 3')
    expect(missing.code).toBe('syntax')
    expect(missing.message).toContain('does not define a function hook(ctx)')
  })

  it('keeps the logs of a failed run in the error details', async () => {
    const error = await failure("function hook() { log('before'); throw new Error('boom') }")
    expect(error.message).toContain('threw Error: boom at line 1')
    expect(error.details?.logs).toEqual([{ level: 'info', message: 'before' }])
  })

  it('the next run works after each kind of violation', async () => {
    const output = await run('function hook() { return { metrics: { ok: 1 } } }', 'after_training')
    expect(resultOf(output, 'patch').metrics).toEqual({ ok: 1 })
    expect(sandbox.moduleLoads).toBe(1)
  })
})

describe('isolation', () => {
  it('sees no host globals', async () => {
    const output = await run(
      `function hook() {
      const names = ['fetch', 'XMLHttpRequest', 'importScripts', 'postMessage', 'require', 'process', 'window', 'self',
        'document', 'indexedDB', 'WebSocket', 'setTimeout', 'WebAssembly', 'Deno', 'Bun', 'module', 'global']
      return { metrics: Object.fromEntries(names.map((n) => [n, typeof globalThis[n] === 'undefined' ? 1 : 0])) }
    }`,
      'after_training',
    )
    const metrics = resultOf(output, 'patch').metrics!
    expect(Object.values(metrics).every((v) => v === 1)).toBe(true)
    expect(Object.keys(metrics)).toHaveLength(17)
  })

  it('calling fetch, require or importScripts is a ReferenceError; dynamic import has no loader', async () => {
    for (const call of [
      "fetch('https://example.com')",
      "require('fs')",
      "importScripts('x.js')",
      "postMessage('hi')",
      'process.exit(1)',
    ]) {
      const error = await failure(`function hook() {\n  ${call}\n}`)
      expect(error.code).toBe('runtime')
      expect(error.message).toMatch(/threw ReferenceError: .* at line 2/)
    }
    const imported = await failure("async function hook() { await import('https://example.com/x.js') }")
    expect(imported.code).toBe('runtime')
  })

  it('prototype pollution inside the VM reaches neither the host nor the next run', async () => {
    await run(
      `function hook() { Object.prototype.polluted = 1; Array.prototype.polluted = 1; globalThis.leak = 1 }`,
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
    expect((globalThis as Record<string, unknown>).leak).toBeUndefined()
    const next = await run(
      `function hook() { return { metrics: { seen: ({}).polluted === undefined && typeof leak === 'undefined' ? 0 : 1 } } }`,
      'after_training',
    )
    expect(resultOf(next, 'patch').metrics).toEqual({ seen: 0 })
  })

  it('__proto__ and constructor tricks in the result pollute nothing', async () => {
    const proto = await failure(
      `function hook() { return JSON.parse('{"metrics": {"__proto__": {"polluted": 1}}}') }`,
      'after_training',
    )
    expect(proto.code).toBe('bad-result')
    expect(proto.message).toContain("reserved name '__proto__'")
    const ctor = await failure(`function hook() { return { metrics: { constructor: 1 } } }`, 'after_training')
    expect(ctor.message).toContain("reserved name 'constructor'")
    const topLevel = await failure(
      `function hook() { return JSON.parse('{"__proto__": {"metrics": {"x": 1}}}') }`,
      'after_training',
    )
    expect(topLevel.message).toContain("unexpected key '__proto__'")
    const nested = await run(
      `function hook() { return { family: 'gbdt', hyperparameters: JSON.parse('{"a": {"b": 1}}') } }`,
      'override_model_selection',
    )
    expect(Object.getPrototypeOf(resultOf(nested, 'model-choice').hyperparameters)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).metrics).toBeUndefined()
  })

  it('Math.random is seeded by the run seed and Date is a fixed clock', async () => {
    const code = `function hook() { return { metrics: { a: Math.random(), b: Math.random(), now: Date.now(), year: new Date().getUTCFullYear() } } }`
    const first = resultOf(await run(code, 'after_training'), 'patch').metrics!
    const again = resultOf(await run(code, 'after_training'), 'patch').metrics!
    const other = resultOf(await run(code, 'after_training', { ...baseInput, seed: 43 }), 'patch').metrics!
    expect(again).toEqual(first)
    expect(other.a).not.toBe(first.a)
    expect(first.a).not.toBe(first.b)
    expect(first.a).toBeGreaterThanOrEqual(0)
    expect(first.a).toBeLessThan(1)
    expect(first.now).toBe(0)
    expect(first.year).toBe(1970)
  })
})

describe('checkSyntax', () => {
  it('reports syntax errors with line and column, a missing hook, and accepts good code', async () => {
    expect(await sandbox.checkSyntax('function hook(ctx) {\n  return ctx\n}')).toEqual({ ok: true })
    expect(await sandbox.checkSyntax('function hook(ctx) {\n  return (\n}')).toMatchObject({
      ok: false,
      line: 3,
      column: 1,
    })
    expect(await sandbox.checkSyntax('const x = 1')).toEqual({
      ok: false,
      line: 1,
      column: 1,
      message: 'The code must define function hook(ctx)',
    })
    expect(await sandbox.checkSyntax("import x from 'y'\nfunction hook() {}")).toMatchObject({
      ok: false,
      line: 1,
    })
    expect(await sandbox.checkSyntax('while (true) {}\nfunction hook() {}')).toMatchObject({
      ok: false,
      message: 'The code outside hook(ctx) ran longer than 1000 ms while checking it',
    })
  })
})

describe('ctx.data columns', () => {
  it('behave like plain properties: enumerable, assignable, deletable, JSON-serialisable', async () => {
    const output = await run(
      `function hook(ctx) {
      'use strict'
      const keys = Object.keys(ctx.data).join(',')
      ctx.data.age = [1, 2, 3, 4]
      delete ctx.data.city
      return { metrics: { ok: keys === 'age,city' && ctx.data.age[3] === 4 && !('city' in ctx.data)
        && JSON.stringify(ctx.data) === '{"age":[1,2,3,4]}' ? 1 : 0 } }
    }`,
      'after_training',
    )
    expect(resultOf(output, 'patch').metrics).toEqual({ ok: 1 })
  })
})

describe('hostile hooks after the run', () => {
  it('a thrown object whose getters loop forever is still contained', async () => {
    const error = await failure(`function hook() {
      throw { get message() { for (;;) {} }, get name() { for (;;) {} } }
    }`)
    expect(error.code).toBe('runtime')
    const logs = await failure(
      `function hook() { log('x'); Array.prototype.toJSON = function () { for (;;) {} }; throw new Error('boom') }`,
    )
    expect(logs.code).toBe('runtime')
    const next = await run('function hook() { return { metrics: { fine: 1 } } }', 'after_training')
    expect(resultOf(next, 'patch').metrics).toEqual({ fine: 1 })
  })
})

describe('host failures', () => {
  it('a host exception restarts the wasm module and the next run works', async () => {
    let failNext = true
    class FlakySandbox extends HookSandbox {
      protected override async instantiate(
        variant: Parameters<HookSandbox['instantiate']>[0],
      ): Promise<QuickJSWASMModule> {
        const module = await super.instantiate(variant)
        if (!failNext) return module
        failNext = false
        // Stand-in for a wasm trap inside QuickJS (host stack overflow, abort): newRuntime throws.
        return Object.assign(Object.create(module) as QuickJSWASMModule, {
          newRuntime: () => {
            throw new RangeError('Maximum call stack size exceeded')
          },
        })
      }
    }
    const flaky = new FlakySandbox({ limits: { memoryBytes: 32 * 1024 * 1024 } })
    const error = (await flaky
      .run(makeHook('function hook() {}'), baseInput)
      .catch((e: unknown) => e)) as HookError
    expect(error).toBeInstanceOf(HookError)
    expect(error.code).toBe('stack')
    expect(error.message).toContain(
      'crashed the sandbox (RangeError: Maximum call stack size exceeded); the sandbox was restarted',
    )
    expect(error.details?.fatal).toBe(true)
    const output = await flaky.run(makeHook('function hook() {}'), baseInput)
    expect(output.result).toEqual({ type: 'unchanged' })
    expect(flaky.moduleLoads).toBe(2)
  })

  it('checkHookSyntax works without a sandbox of its own', async () => {
    expect(await checkHookSyntax('function hook(ctx) { return undefined }')).toEqual({ ok: true })
    expect(await checkHookSyntax('function hook(ctx) {\n  return ctx..x\n}')).toMatchObject({
      ok: false,
      line: 2,
    })
  })
})
