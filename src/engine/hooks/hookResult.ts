/**
 * What each hook kind may return, checked. A hook's return value is untrusted input: every shape is
 * validated here and turned into typed engine values, and any deviation fails with a `bad-result`
 * HookError saying where, what was expected and what came. The user-facing wording is in hookApi.ts.
 */
import { HookError } from '../../domain/errors.ts'
import type { JsonValue } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import { hookBlockType, hookTiming } from '../../domain/hook.ts'
import type { Column, NumericColumn, Target } from '../frame.ts'
import type { HookDataPatch, HookResult } from './hookContract.ts'
import { categoricalColumn } from './hookContract.ts'
import type { Vector } from './marshal.ts'
import { VmVector } from './marshal.ts'

/**
 * The before_/after_ hooks that see a table and may change it (`data`, `dropColumns`, `keepRows`):
 * the stages up to training, where data still flows into the next block. Later hooks may only add metrics.
 */
export const dataPatchKinds: readonly HookKind[] = [
  'before_preprocessing',
  'after_preprocessing',
  'before_feature_engineering',
  'after_feature_engineering',
  'before_model_selection',
  'before_training',
]

/** Whether `kind` is a before_/after_ hook allowed to return a data patch. */
export function acceptsDataPatch(kind: HookKind): boolean {
  return dataPatchKinds.includes(kind)
}

/** Names a hook may not give a column, metric or key, because engine code may assign them onto objects. */
const reservedNames = new Set(['__proto__', 'constructor', 'prototype'])

/** What the validator needs to know about the run besides the returned value. */
export interface HookResultContext {
  hookName: string
  hookId: string
  kind: HookKind
  /** `ctx.rowCount`: length every returned column and `keepRows` mask must have. */
  rowCount: number
  /** `ctx.evalRowCount`: length of `override_training` predictions. */
  evalRowCount: number
  /** Names of `ctx.data` columns (for `dropColumns`). */
  columnNames: readonly string[]
  /** The task's target, when known: its kind and classes decide how predictions are read. */
  target: Target | undefined
}

/** Expected shape per kind, as shown in messages and in the docs. */
export function expectedShape(kind: HookKind): string {
  const stage = hookBlockType(kind)
  if (hookTiming(kind) !== 'override') {
    return acceptsDataPatch(kind)
      ? 'undefined or { data?: { column: array }, dropColumns?: string[], keepRows?: boolean[] | number[], metrics?: { name: number } }'
      : 'undefined or { metrics?: { name: number } }'
  }
  switch (stage) {
    case 'preprocessing':
    case 'feature_engineering':
      return '{ data: { feature: number[] }, keepRows?: boolean[] | number[] }'
    case 'model_selection':
      return '{ family: string, hyperparameters?: { name: JSON value } }'
    case 'training':
      return '{ predictions: number[] | string[] } with one prediction per ctx.evalData row'
    case 'evaluation':
      return '{ metrics: { name: number } }'
    case 'explainability':
      return '{ importances: { feature: number } }'
  }
}

/** Check `value` against the contract of `context.kind`; throws a `bad-result` HookError on any deviation. */
export function interpretHookResult(value: unknown, context: HookResultContext): HookResult {
  const fail = (message: string): never => {
    throw new HookError(
      'bad-result',
      `Hook '${context.hookName}' (${context.kind}) returned a bad result: ${message}. Expected ${expectedShape(context.kind)}.`,
      { hookId: context.hookId, hookName: context.hookName, kind: context.kind },
    )
  }
  const { kind } = context
  const timing = hookTiming(kind)
  if (value === undefined) {
    if (timing === 'override') fail('got undefined, but an override must return what the block would')
    return { type: 'unchanged' }
  }
  const record = asRecord(value, 'the result', fail)

  if (timing !== 'override') {
    const allowed = acceptsDataPatch(kind) ? ['data', 'dropColumns', 'keepRows', 'metrics'] : ['metrics']
    checkKeys(record, allowed, fail)
    const data =
      record.data === undefined && record.dropColumns === undefined && record.keepRows === undefined
        ? undefined
        : readPatch(record, context, fail)
    const metrics = record.metrics === undefined ? undefined : readNumberMap(record.metrics, 'metrics', fail)
    return { type: 'patch', data, metrics }
  }

  switch (hookBlockType(kind)) {
    case 'preprocessing':
    case 'feature_engineering': {
      checkKeys(record, ['data', 'keepRows'], fail)
      if (record.data === undefined) fail('data is missing')
      const columns = readColumns(record.data, context.rowCount, fail).map((column): NumericColumn => {
        if (column.type !== 'numeric')
          fail(`data.${column.name} holds strings; an override must return numeric features`)
        return column as NumericColumn
      })
      if (columns.length === 0) fail('data has no columns')
      return { type: 'features', columns, keepRows: readKeepRows(record.keepRows, context.rowCount, fail) }
    }
    case 'model_selection': {
      checkKeys(record, ['family', 'hyperparameters'], fail)
      if (typeof record.family !== 'string' || record.family.trim() === '')
        fail(`family must be a non-empty string, got ${describeValue(record.family)}`)
      const hyperparameters =
        record.hyperparameters === undefined ? {} : asRecord(record.hyperparameters, 'hyperparameters', fail)
      const json: { [key: string]: JsonValue } = {}
      for (const key of Object.keys(hyperparameters)) {
        checkName(key, 'hyperparameters', fail)
        json[key] = toJson(hyperparameters[key], `hyperparameters.${key}`, fail)
      }
      return { type: 'model-choice', family: record.family as string, hyperparameters: json }
    }
    case 'training': {
      checkKeys(record, ['predictions'], fail)
      if (record.predictions === undefined) fail('predictions is missing')
      return { type: 'predictions', predictions: readPredictions(record.predictions, context, fail) }
    }
    case 'evaluation': {
      checkKeys(record, ['metrics'], fail)
      if (record.metrics === undefined) fail('metrics is missing')
      const metrics = readNumberMap(record.metrics, 'metrics', fail)
      if (Object.keys(metrics).length === 0) fail('metrics is empty')
      return { type: 'metrics', metrics }
    }
    case 'explainability': {
      checkKeys(record, ['importances'], fail)
      if (record.importances === undefined) fail('importances is missing')
      return { type: 'importances', importances: readNumberMap(record.importances, 'importances', fail) }
    }
  }
}

type Fail = (message: string) => never

const emptyStrings: Vector = { kind: 'string', codes: new Int32Array(), levels: [] }

function asRecord(value: unknown, what: string, fail: Fail): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof VmVector)
    fail(`${what} must be an object, got ${describeValue(value)}`)
  return value as Record<string, unknown>
}

function checkKeys(record: Record<string, unknown>, allowed: readonly string[], fail: Fail): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      const hint =
        key === 'rowCount' || key === 'config'
          ? ' (returning ctx does not apply changes; return only what changes)'
          : ''
      fail(`unexpected key '${key}'${hint}; allowed keys are ${allowed.join(', ')}`)
    }
  }
}

function checkName(name: string, where: string, fail: Fail): void {
  if (reservedNames.has(name)) fail(`${where} may not use the reserved name '${name}'`)
  if (name === '') fail(`${where} has an empty name`)
}

function readPatch(record: Record<string, unknown>, context: HookResultContext, fail: Fail): HookDataPatch {
  const set = record.data === undefined ? [] : readColumns(record.data, context.rowCount, fail)
  const drop: string[] = []
  if (record.dropColumns !== undefined) {
    if (!Array.isArray(record.dropColumns) && !(record.dropColumns instanceof VmVector))
      fail(`dropColumns must be an array of column names, got ${describeValue(record.dropColumns)}`)
    const vector = vectorOrArray(record.dropColumns, 'dropColumns', fail)
    const names: Vector = vector.kind === 'number' && vector.values.length === 0 ? emptyStrings : vector
    if (names.kind !== 'string' || names.codes.some((code) => code < 0))
      fail(`dropColumns must be an array of column names, got ${describeValue(record.dropColumns)}`)
    const known = new Set([...context.columnNames, ...set.map((column) => column.name)])
    for (const code of (names as Extract<Vector, { kind: 'string' }>).codes) {
      const name = (names as Extract<Vector, { kind: 'string' }>).levels[code]
      if (!known.has(name))
        fail(`dropColumns names '${name}', which is not a column (have: ${[...known].join(', ')})`)
      if (!drop.includes(name)) drop.push(name)
    }
  }
  return { set, drop, keepRows: readKeepRows(record.keepRows, context.rowCount, fail) }
}

function readColumns(value: unknown, rowCount: number, fail: Fail): Column[] {
  const record = asRecord(value, 'data', fail)
  return Object.keys(record).map((name): Column => {
    checkName(name, 'data', fail)
    const where = `data.${name}`
    const vector = vectorOrArray(record[name], where, fail)
    const length = vector.kind === 'string' ? vector.codes.length : vector.values.length
    if (length !== rowCount) fail(`${where} has ${length} values, but ctx.rowCount is ${rowCount}`)
    if (vector.kind === 'string') return categoricalColumn(name, vector.codes, vector.levels)
    return { name, type: 'numeric', kind: 'numeric', values: Float64Array.from(vector.values) }
  })
}

function readKeepRows(value: unknown, rowCount: number, fail: Fail): Int32Array | undefined {
  if (value === undefined) return undefined
  const vector = vectorOrArray(value, 'keepRows', fail)
  if (vector.kind === 'boolean') {
    if (vector.values.length !== rowCount)
      fail(`keepRows has ${vector.values.length} booleans, but ctx.rowCount is ${rowCount}`)
    const kept: number[] = []
    for (let i = 0; i < rowCount; i++) if (vector.values[i]) kept.push(i)
    return Int32Array.from(kept)
  }
  if (vector.kind !== 'number') fail(`keepRows must be booleans (one per row) or row indices, got strings`)
  const indices = Float64Array.from((vector as Extract<Vector, { kind: 'number' }>).values).sort()
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]
    if (!Number.isInteger(index) || index < 0 || index >= rowCount)
      fail(`keepRows holds ${index}, which is not a row index in 0..${rowCount - 1}`)
    if (i > 0 && indices[i - 1] === index) fail(`keepRows holds row ${index} twice`)
  }
  return Int32Array.from(indices)
}

function readNumberMap(value: unknown, where: string, fail: Fail): Record<string, number> {
  const record = asRecord(value, where, fail)
  const out: Record<string, number> = {}
  for (const name of Object.keys(record)) {
    checkName(name, where, fail)
    const number = record[name]
    if (typeof number !== 'number' || !Number.isFinite(number))
      fail(`${where}.${name} must be a finite number, got ${describeValue(number)}`)
    out[name] = number as number
  }
  return out
}

function readPredictions(value: unknown, context: HookResultContext, fail: Fail): Target {
  const vector = vectorOrArray(value, 'predictions', fail)
  const length = vector.kind === 'string' ? vector.codes.length : vector.values.length
  if (length !== context.evalRowCount)
    fail(`predictions has ${length} values, but ctx.evalRowCount is ${context.evalRowCount}`)
  const target = context.target
  if (target?.kind === 'regression' || (!target && vector.kind === 'number')) {
    if (vector.kind !== 'number')
      fail(`predictions must be numbers for a regression task, got ${vector.kind}s`)
    const values = Float64Array.from((vector as Extract<Vector, { kind: 'number' }>).values)
    return { kind: 'regression', values }
  }
  if (vector.kind !== 'string')
    fail(`predictions must be class labels (strings) for a classification task, got ${vector.kind}s`)
  const labels = vector as Extract<Vector, { kind: 'string' }>
  const classes =
    target?.kind === 'classification'
      ? target.classes
      : categoricalColumn('', new Int32Array(), labels.levels).levels
  const classIndex = new Map(classes.map((label, i) => [label, i]))
  const codes = new Int32Array(labels.codes.length)
  for (let i = 0; i < codes.length; i++) {
    const code = labels.codes[i]
    if (code < 0) fail(`predictions[${i}] is null; every row needs a class label`)
    const mapped = classIndex.get(labels.levels[code])
    if (mapped === undefined)
      fail(`predictions[${i}] is '${labels.levels[code]}', not one of the classes ${classes.join(', ')}`)
    codes[i] = mapped as number
  }
  return { kind: 'classification', codes, classes: [...classes] }
}

/** A column value as a typed vector: a decoded {@link VmVector} or a small plain array classified here. */
function vectorOrArray(value: unknown, where: string, fail: Fail): Vector {
  if (value instanceof VmVector) return value.vector
  if (!Array.isArray(value)) fail(`${where} must be an array, got ${describeValue(value)}`)
  const array = value as unknown[]
  if (array.length === 0) return { kind: 'number', values: new Float64Array() }
  // The VM already encoded every homogeneous array; what is left is mixed or all-null.
  if (array.every((item) => item === null))
    return { kind: 'string', codes: new Int32Array(array.length).fill(-1), levels: [] }
  const sample = array.find((other) => other !== null)
  const first = array.findIndex((item) => item !== null && typeof item !== typeof sample)
  const odd = array.findIndex(
    (item) => !['number', 'string', 'boolean'].includes(typeof item) && item !== null,
  )
  // The sandbox encodes every homogeneous array itself; one that arrives plain and homogeneous is read
  // here all the same rather than blamed on a nonexistent item.
  if (first < 0 && odd < 0) {
    if (typeof sample === 'number')
      return {
        kind: 'number',
        values: Float64Array.from(array, (item) => (item === null ? Number.NaN : (item as number))),
      }
    if (typeof sample === 'boolean' && !array.includes(null))
      return { kind: 'boolean', values: Uint8Array.from(array, (item) => (item ? 1 : 0)) }
    if (typeof sample === 'string') {
      const levels = [...new Set(array.filter((item): item is string => item !== null))]
      const index = new Map(levels.map((level, i) => [level, i]))
      return {
        kind: 'string',
        codes: Int32Array.from(array, (item) => (item === null ? -1 : index.get(item as string)!)),
        levels,
      }
    }
  }
  const at = odd >= 0 ? odd : first
  return fail(
    `${where} must hold only numbers (NaN or null for missing), only strings (null for missing) or only booleans, but item ${at} is ${describeValue(array[at])} while others are ${describeValue(array.find((other) => other !== null))}`,
  )
}

function toJson(value: unknown, where: string, fail: Fail): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${where} must be finite, got ${value}`)
    return value
  }
  if (value instanceof VmVector) {
    const vector = value.vector
    if (vector.kind === 'string')
      return Array.from(vector.codes, (code) => (code < 0 ? null : vector.levels[code]))
    if (vector.kind === 'boolean') return Array.from(vector.values, (flag) => flag === 1)
    return Array.from(vector.values, (number, i) => toJson(number, `${where}[${i}]`, fail))
  }
  if (Array.isArray(value)) return value.map((item, i) => toJson(item, `${where}[${i}]`, fail))
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {}
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      checkName(key, where, fail)
      out[key] = toJson(item, `${where}.${key}`, fail)
    }
    return out
  }
  return fail(`${where} must be JSON, got ${describeValue(value)}`)
}

/** Short description of a returned value for messages: type, size and a peek at the content. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (value instanceof VmVector) return `an array of ${value.length} ${value.vector.kind}s`
  if (Array.isArray(value)) return `an array of ${value.length} items`
  switch (typeof value) {
    case 'number':
      return `the number ${value}`
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    case 'boolean':
      return `${value}`
    case 'object': {
      // Keys are user text: control characters (a NUL) are shown escaped, never raw.
      const keys = Object.keys(value).map((key) =>
        /^[\p{L}\p{N}_$.-]+$/u.test(key) ? key : JSON.stringify(key),
      )
      return keys.length === 0
        ? 'an empty object'
        : `an object with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}`
    }
    default:
      return typeof value
  }
}
