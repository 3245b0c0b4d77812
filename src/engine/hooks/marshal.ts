/**
 * Moving data across the sandbox boundary. Numeric columns and category codes go in as raw
 * ArrayBuffers (copied into wasm memory once) and everything small as one JSON string; results come
 * back the same way, with each homogeneous array replaced by a buffer reference (see vmPrelude.ts).
 * Nothing from the VM is trusted: decoded references are bounds-checked here, shapes in hookResult.ts.
 */
import type { HookKind } from '../../domain/hook.ts'
import { hookBlockType } from '../../domain/hook.ts'
import type { Column, Target } from '../frame.ts'
import type { HookInput } from './hookContract.ts'
import { hookDataColumns } from './hookContract.ts'
import { encodedTag } from './vmPrelude.ts'

/** A homogeneous array returned by a hook, decoded to typed storage. */
export type Vector =
  | { kind: 'number'; values: Float64Array }
  | { kind: 'string'; codes: Int32Array; levels: string[] }
  | { kind: 'boolean'; values: Uint8Array }

/** Wraps a {@link Vector} inside a decoded result, so it can't be confused with a user object. */
export class VmVector {
  constructor(readonly vector: Vector) {}
  get length(): number {
    return this.vector.kind === 'string' ? this.vector.codes.length : this.vector.values.length
  }
}

type VectorMeta = { t: 'num'; b: number } | { t: 'str'; b: number; l: string[] }
interface ColumnMeta extends Record<string, unknown> {
  name: string
  t: 'num' | 'str'
  b: number
  l?: string[]
}

/** The JSON part and buffers of a marshalled {@link HookInput}. */
export interface EncodedInput {
  metaJson: string
  buffers: ArrayBuffer[]
  /** Total bytes of `buffers`, for the bench. */
  bufferBytes: number
}

/** Marshal `input` for `__butterfly.setInput(metaJson, buffers)`. Buffers are copies or whole-buffer views, never transferred. */
export function encodeHookInput(kind: HookKind, input: HookInput): EncodedInput {
  const buffers: ArrayBuffer[] = []
  let bufferBytes = 0
  const addBuffer = (view: Float64Array | Int32Array): number => {
    // A view on part of a larger buffer must be cut out; a whole-buffer view is passed as is.
    const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength
    buffers.push(
      whole
        ? (view.buffer as ArrayBuffer)
        : (view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer),
    )
    bufferBytes += view.byteLength
    return buffers.length - 1
  }
  const columnMeta = (column: Column): ColumnMeta =>
    column.type === 'numeric'
      ? { name: column.name, t: 'num', b: addBuffer(column.values) }
      : { name: column.name, t: 'str', b: addBuffer(column.codes), l: column.levels }
  const targetMeta = (target: Target): VectorMeta =>
    target.kind === 'regression'
      ? { t: 'num', b: addBuffer(target.values) }
      : { t: 'str', b: addBuffer(target.codes), l: target.classes }

  const data = hookDataColumns(input.data)
  const meta: Record<string, unknown> = {
    columns: data.columns.map(columnMeta),
    rowCount: data.nRows,
    config: input.config ?? null,
    metrics: input.metrics,
    hookMetrics: input.hookMetrics ?? {},
    seed: input.seed,
    stage: hookBlockType(kind),
    kind,
    task: input.task ?? null,
  }
  if (input.target) meta.target = targetMeta(input.target)
  if (input.predictions) meta.predictions = targetMeta(input.predictions)
  if (input.evalData) {
    const evalData = hookDataColumns(input.evalData)
    meta.evalColumns = evalData.columns.map(columnMeta)
    meta.evalRowCount = evalData.nRows
  }
  if (input.evalTarget) meta.evalTarget = targetMeta(input.evalTarget)
  return { metaJson: JSON.stringify(meta), buffers, bufferBytes }
}

/**
 * Decode the result JSON written by the prelude's `encode`, replacing buffer references by
 * {@link VmVector}s and `{NaN, ±Infinity}` markers by numbers. `buffers` are host copies.
 * Returns `undefined` when the hook returned `undefined`.
 */
export function decodeHookResult(json: string, buffers: readonly Uint8Array[]): unknown {
  // JSON.parse defines own properties, so a "__proto__" key stays an inert own key (no prototype change).
  const envelope = JSON.parse(json, (_key, value: unknown) => reviveEncoded(value, buffers)) as {
    v?: unknown
  }
  return Object.hasOwn(envelope, 'v') ? envelope.v : undefined
}

function reviveEncoded(value: unknown, buffers: readonly Uint8Array[]): unknown {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, encodedTag)) return value
  const record = value as Record<string, unknown>
  const tag = record[encodedTag]
  if (tag === 'num') {
    const text = record.v
    return text === 'NaN'
      ? Number.NaN
      : text === 'Infinity'
        ? Number.POSITIVE_INFINITY
        : text === '-Infinity'
          ? Number.NEGATIVE_INFINITY
          : value
  }
  // Only the prelude writes this tag (it refuses user objects that carry it), so a malformed one
  // means the encoding itself went wrong: say so, instead of blaming the hook's value.
  const malformed = (): never => {
    throw new Error('the sandbox could not encode it')
  }
  const index = record.i
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= buffers.length)
    return malformed()
  const bytes = buffers[index]
  if (tag === 'f64' && bytes.byteLength % 8 === 0)
    return new VmVector({
      kind: 'number',
      values: new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8),
    })
  if (tag === 'bool') return new VmVector({ kind: 'boolean', values: bytes })
  if (tag === 'str' && bytes.byteLength % 4 === 0 && typeof record.levels === 'string') {
    const levels = JSON.parse(record.levels) as unknown
    if (!Array.isArray(levels) || !levels.every((level) => typeof level === 'string')) return malformed()
    const codes = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
    for (let i = 0; i < codes.length; i++) if (codes[i] < -1 || codes[i] >= levels.length) return malformed()
    return new VmVector({ kind: 'string', codes, levels: levels as string[] })
  }
  return malformed()
}
