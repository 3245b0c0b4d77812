/**
 * The hook attack corpus (issue 14.7): hooks that tamper with the intrinsics the sandbox relies on, look
 * for its internals, or throw and return values built to confuse its messages. Each attack states what
 * "contained" means for it; the test runs them all, prints attacks tried / contained, and fails on any
 * that is not. Add an attack here whenever a new one is found.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { hookTestFrame } from '../../../tests/fixtures/engine/hookFrame.ts'
import { HookError } from '../../domain/errors.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import type { HookId } from '../../domain/ids.ts'
import type { HookSnapshot } from '../../domain/pipeline.ts'
import type { HookInput, HookOutput } from './hookContract.ts'
import { HookSandbox } from './hookSandbox.ts'

const frame = hookTestFrame

const input: HookInput = {
  data: frame,
  target: { kind: 'classification', codes: new Int32Array([0, 1, 1, 0]), classes: ['no', 'yes'] },
  config: {},
  metrics: { accuracy: 0.75 },
  seed: 7,
}

type Outcome = { output: HookOutput; error?: undefined } | { output?: undefined; error: HookError }

interface Attack {
  family: 'tamper' | 'internals' | 'messages'
  name: string
  code: string
  kind?: HookKind
  /** Throws (an expect) unless the attack was contained. */
  contained(outcome: Outcome): void
}

/** The result every `tamper` attack returns after breaking something: it must arrive intact. */
const honestResult = `return {
    data: { extra: [1, 2, 3, 4], label: ['a', 'b', null, 'a'], flag: [true, false, true, false] },
    metrics: { score: 0.5 },
  }`

function intact(outcome: Outcome): void {
  expect(outcome.error?.message).toBeUndefined()
  const result = outcome.output!.result
  if (result.type !== 'patch' || !result.data) throw new Error(`expected a data patch, got ${result.type}`)
  const byName = Object.fromEntries(result.data.set.map((column) => [column.name, column]))
  expect(Array.from((byName.extra as { values: Float64Array }).values)).toEqual([1, 2, 3, 4])
  const label = byName.label as { codes: Int32Array; levels: string[] }
  expect(Array.from(label.codes, (code) => (code < 0 ? null : label.levels[code]))).toEqual([
    'a',
    'b',
    null,
    'a',
  ])
  // Booleans arrive as a numeric 0/1 column.
  expect(Array.from((byName.flag as { values: Float64Array }).values)).toEqual([1, 0, 1, 0])
  expect(result.metrics).toEqual({ score: 0.5 })
}

function tamper(name: string, breakIt: string): Attack {
  return {
    family: 'tamper',
    name,
    code: `function hook(ctx) {\n  ${breakIt}\n  ${honestResult}\n}`,
    contained: intact,
  }
}

function failsWith(code: HookError['code'], message: string | RegExp): (outcome: Outcome) => void {
  return (outcome) => {
    expect(outcome.error, 'the hook should have failed').toBeInstanceOf(HookError)
    expect(outcome.error!.code).toBe(code)
    if (typeof message === 'string') expect(outcome.error!.message).toContain(message)
    else expect(outcome.error!.message).toMatch(message)
  }
}

const typedProto = 'Object.getPrototypeOf(Int8Array.prototype)'

const attacks: Attack[] = [
  // The result must travel back whatever the hook did to the intrinsics the encoder would use.
  tamper('Array.prototype.push that drops its argument', 'Array.prototype.push = function () { return 0 }'),
  tamper(
    'an index setter on Array.prototype',
    "Object.defineProperty(Array.prototype, '0', { set() {}, get() { return 99 }, configurable: true })",
  ),
  tamper('JSON.stringify replaced', "JSON.stringify = function () { return '{}' }"),
  tamper('JSON.parse replaced', 'JSON.parse = function () { return {} }'),
  tamper('Array.isArray lies', 'Array.isArray = function () { return false }'),
  tamper('ArrayBuffer.isView lies', 'ArrayBuffer.isView = function () { return true }'),
  tamper(
    'Object.defineProperty throws',
    "Object.defineProperty = function () { throw new Error('no defineProperty') }",
  ),
  tamper('Object.create returns a plain object', 'Object.create = function () { return {} }'),
  tamper(
    'Function.prototype.call and apply throw',
    "Function.prototype.call = Function.prototype.apply = function () { throw new Error('no call') }",
  ),
  tamper('Reflect.apply replaced', 'Reflect.apply = function () { return 0 }'),
  tamper(
    "a typed array's buffer getter returns an empty buffer",
    `Object.defineProperty(${typedProto}, 'buffer', { get() { return new ArrayBuffer(0) } })`,
  ),
  tamper(
    "a typed array's byteLength getter returns 0",
    `Object.defineProperty(${typedProto}, 'byteLength', { get() { return 0 } })`,
  ),
  tamper(
    'setters on Object.prototype for the encoder keys',
    "for (const key of ['\\u0000bf', 'i', 'levels', 'v']) Object.defineProperty(Object.prototype, key, { set() {}, configurable: true })",
  ),
  tamper('Array.prototype.toJSON', 'Array.prototype.toJSON = function () { return {} }'),
  tamper(
    'typed array constructors removed',
    'Float64Array = null; Int32Array = null; Uint8Array = null; ArrayBuffer = null',
  ),
  tamper(
    'String, Number and isFinite removed',
    'String = null; Number = null; isFinite = null; Math.max = null',
  ),
  tamper(
    'Array.prototype.join and String.prototype.slice removed',
    'Array.prototype.join = null; String.prototype.slice = null; Array.prototype.slice = null',
  ),
  tamper(
    'Object.getPrototypeOf and getOwnPropertyDescriptor lie',
    'Object.getPrototypeOf = function () { return null }; Object.getOwnPropertyDescriptor = function () {}',
  ),
  tamper('Reflect.ownKeys and Object.freeze replaced', 'Reflect.ownKeys = null; Object.freeze = null'),

  // The sandbox's own machinery is out of reach.
  {
    family: 'internals',
    name: 'no __butterfly (or any butterfly) global',
    kind: 'after_training',
    code: `function hook() {
      const names = Object.getOwnPropertyNames(globalThis).filter((n) => /butterfly|prelude/i.test(n))
      return { metrics: { found: names.length, visible: typeof __butterfly === 'undefined' ? 0 : 1 } }
    }`,
    contained: (outcome) => {
      const result = outcome.output?.result
      expect(result?.type === 'patch' && result.metrics).toEqual({ found: 0, visible: 0 })
    },
  },
  {
    family: 'internals',
    name: 'a forged encoded array in the result',
    kind: 'after_training',
    code: `function hook() { return { metrics: { x: { '\\u0000bf': 'f64', i: 0 } } } }`,
    contained: failsWith('bad-result', 'which the sandbox reserves for encoded arrays'),
  },
  {
    family: 'internals',
    name: 'a column named by the reserved tag',
    code: `function hook() { return { data: { '\\u0000bf': [1, 2, 3, 4] } } }`,
    contained: failsWith(
      'bad-result',
      `Hook 'attack' (before_preprocessing) returned an object with the key "\\u0000bf", which the sandbox reserves`,
    ),
  },

  // Errors and results are described truthfully: no internal tag, no NUL, nothing blank.
  {
    family: 'messages',
    name: 'a thrown object whose getters loop forever',
    code: 'function hook() { throw { get message() { for (;;) {} }, get name() { for (;;) {} }, code: 42 } }',
    contained: failsWith('runtime', `threw { "message": [getter], "name": [getter], "code": 42 }`),
  },
  {
    family: 'messages',
    name: 'a thrown Proxy whose traps loop forever',
    code: 'function hook() { throw new Proxy({}, { ownKeys() { for (;;) {} }, getPrototypeOf() { for (;;) {} } }) }',
    contained: failsWith('runtime', 'threw a value that could not be read'),
  },
  {
    family: 'messages',
    name: 'an Error whose message getter throws',
    code: "function hook() { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw 1 } }); throw e }",
    contained: failsWith('runtime', /threw Error \(with no message\) at line 1/),
  },
  {
    family: 'messages',
    name: 'Error[Symbol.hasInstance] and Error.prototype.name replaced',
    code: "function hook() { Object.defineProperty(Error, Symbol.hasInstance, { value: () => false }); Error.prototype.name = 'Fake'; throw new TypeError('real') }",
    contained: failsWith('runtime', 'threw TypeError: real at line 1'),
  },
  {
    family: 'messages',
    name: 'Object.prototype.toJSON, then a throw',
    code: "function hook() { log('before'); Object.prototype.toJSON = function () { return 'x' }; Array.prototype.toJSON = function () { return 'y' }; throw new Error('boom') }",
    contained: (outcome) => {
      failsWith('runtime', 'threw Error: boom at line 1')(outcome)
      expect(outcome.error!.details?.logs).toEqual([{ level: 'info', message: 'before' }])
    },
  },
  {
    family: 'messages',
    name: 'thrown primitives',
    code: 'function hook() { throw null }',
    contained: failsWith('runtime', "Hook 'attack' (before_preprocessing) threw null"),
  },
  {
    family: 'messages',
    name: 'a thrown Symbol',
    code: "function hook() { throw Symbol('s') }",
    contained: failsWith('runtime', 'threw Symbol()'),
  },
  {
    family: 'messages',
    name: 'a returned Promise that rejects',
    code: "async function hook() { await null; throw new RangeError('nope') }",
    contained: failsWith('runtime', 'returned a Promise that rejected with RangeError: nope'),
  },
  {
    family: 'messages',
    name: 'an unhandled rejection left behind by a hook that returns normally',
    code: `function hook() { Promise.reject(new TypeError('lost')); ${honestResult} }`,
    contained: (outcome) => {
      intact(outcome)
      expect(outcome.output!.logs).toContainEqual({
        level: 'error',
        message: 'unhandled promise rejection: TypeError: lost',
      })
    },
  },
  {
    family: 'messages',
    name: 'an unhandled rejection from a chained then inside an async hook',
    code: `async function hook() {
      new Promise((resolve) => resolve(1)).then(() => { throw new RangeError('in then') })
      await null
      ${honestResult}
    }`,
    contained: (outcome) => {
      intact(outcome)
      expect(outcome.output!.logs).toContainEqual({
        level: 'error',
        message: 'unhandled promise rejection: RangeError: in then',
      })
    },
  },
  {
    family: 'messages',
    name: 'a rejection the hook handles (catch, await in try) is not reported',
    code: `async function hook() {
      Promise.reject(new Error('caught')).catch(() => {})
      try { await Promise.reject(new Error('awaited')) } catch (e) {}
      ${honestResult}
    }`,
    contained: (outcome) => {
      intact(outcome)
      expect(outcome.output!.logs).toEqual([])
    },
  },
  {
    family: 'messages',
    name: 'a BigInt column is read as numbers',
    code: 'function hook() { return { data: { big: [1n, 2n, 3n, 4n] } } }',
    contained: (outcome) => {
      const result = outcome.output?.result
      if (result?.type !== 'patch' || !result.data) throw new Error(`no patch: ${outcome.error?.message}`)
      expect(Array.from((result.data.set[0] as { values: Float64Array }).values)).toEqual([1, 2, 3, 4])
    },
  },
  {
    family: 'messages',
    name: 'a column mixing BigInt and strings names the odd item',
    code: "function hook() { return { data: { big: [1n, 'a', 3n, 4n] } } }",
    contained: failsWith('bad-result', 'but item 1 is the string "a" while others are the number 1'),
  },
  {
    family: 'messages',
    name: 'a column holding an object is named, not item -1',
    code: 'function hook() { return { data: { odd: [1, 2, {}, 4] } } }',
    contained: failsWith('bad-result', 'but item 2 is an empty object while others are the number 1'),
  },
]

/** Nothing a hook can do may put these in front of the person. */
function truthful(error: HookError): void {
  expect(error.message).not.toContain('\u0000')
  expect(error.message).not.toMatch(/keys .*bf, i/)
  expect(error.message).not.toMatch(/:\s*$/)
  expect(error.message).not.toContain('item -1')
  expect(error.message).not.toContain('__butterfly')
}

let sandbox: HookSandbox

beforeAll(() => {
  sandbox = new HookSandbox({ limits: { memoryBytes: 48 * 1024 * 1024, cpuTimeMs: 1_000 } })
})

describe('hook attack corpus', () => {
  it('contains every attack, and the next run still works', async () => {
    const failures: string[] = []
    const byFamily: Record<string, { tried: number; contained: number }> = {}
    for (const attack of attacks) {
      const hook: HookSnapshot = {
        id: 'hook_attack' as HookId,
        kind: attack.kind ?? 'before_preprocessing',
        name: 'attack',
        order: 0,
        sourceKind: 'inline',
        code: attack.code,
        codeHash: '0'.repeat(64) as Sha256Hex,
      }
      let outcome: Outcome
      try {
        outcome = { output: await sandbox.run(hook, input) }
      } catch (error) {
        if (!(error instanceof HookError)) throw error
        outcome = { error }
      }
      byFamily[attack.family] ??= { tried: 0, contained: 0 }
      const family = byFamily[attack.family]
      family.tried++
      try {
        if (outcome.error) truthful(outcome.error)
        attack.contained(outcome)
        family.contained++
      } catch (error) {
        failures.push(
          `${attack.name}: ${error instanceof Error ? error.message : String(error)} (hook said: ${outcome.error?.message ?? 'ok'})`,
        )
      }
      // Nothing an attack did survives into the next run.
      const next = await sandbox.run(
        { ...hook, kind: 'before_preprocessing', code: `function hook() { ${honestResult} }` },
        input,
      )
      intact({ output: next })
    }
    const tried = attacks.length
    const contained = Object.values(byFamily).reduce((sum, f) => sum + f.contained, 0)
    console.log(`hook attacks: ${contained} / ${tried} contained`, JSON.stringify(byFamily))
    expect(failures).toEqual([])
    expect(contained).toBe(tried)
    expect(sandbox.moduleLoads).toBe(1)
  })
})
