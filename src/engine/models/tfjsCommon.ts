/**
 * Shared plumbing of the TF.js model families: the versioned byte container their models serialize to,
 * row-major Float32 copies of feature matrices (TF.js wants rows), and small numeric helpers. The
 * container is deterministic: equal models give equal bytes, so tests can compare them.
 */
import * as tf from '@tensorflow/tfjs'
import { ValidationError, WorkerError } from '../../domain/errors.ts'
import { canonicalJson } from '../../domain/hash.ts'
import type { FeatureMatrix } from '../frame.ts'
import type { Hyperparameters } from './model.ts'

/** First bytes of every Butterfly TF.js model file. */
export const modelMagic = 'BFLYTFM\0'
/** Version of the container layout below; bump it (and keep a reader) when the layout changes. */
export const modelFormatVersion = 1

/** One named weight array in a model file. */
export interface StoredTensor {
  name: string
  shape: number[]
  values: Float32Array | Float64Array
}

/** What a model file holds besides its weights. */
export interface ModelFileHeader {
  family: string
  hyperparameters: Hyperparameters
  featureNames: string[]
  nClasses: number
  /** Family-specific plain data needed to predict (e.g. target scaling). Must be JSON with finite numbers. */
  extra: Record<string, unknown>
  trainingMetadata: Record<string, unknown>
}

interface TensorEntry {
  name: string
  shape: number[]
  dtype: 'float32' | 'float64'
  offset: number
  length: number
}

/**
 * Layout: 8-byte magic, uint32 LE format version, uint32 LE header byte length, UTF-8 canonical JSON header
 * (padded with spaces to a multiple of 8), then each tensor's little-endian values at its 8-aligned offset
 * (relative to the start of the payload).
 */
export function encodeModelFile(header: ModelFileHeader, tensors: readonly StoredTensor[]): Uint8Array {
  const entries: TensorEntry[] = []
  let offset = 0
  for (const tensor of tensors) {
    const dtype = tensor.values instanceof Float64Array ? 'float64' : 'float32'
    entries.push({ name: tensor.name, shape: tensor.shape, dtype, offset, length: tensor.values.length })
    offset += align8(tensor.values.byteLength)
  }
  let json = canonicalJson({ ...header, format: 'butterfly-tfjs-model', tensors: entries })
  while ((16 + utf8Length(json)) % 8 !== 0) json += ' '
  const headerBytes = new TextEncoder().encode(json)
  const out = new Uint8Array(16 + headerBytes.length + offset)
  const view = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) out[i] = modelMagic.charCodeAt(i)
  view.setUint32(8, modelFormatVersion, true)
  view.setUint32(12, headerBytes.length, true)
  out.set(headerBytes, 16)
  const payload = 16 + headerBytes.length
  tensors.forEach((tensor, i) => {
    const start = payload + entries[i].offset
    const values = tensor.values
    const little = new DataView(out.buffer, start, values.byteLength)
    if (values instanceof Float64Array)
      for (let j = 0; j < values.length; j++) little.setFloat64(j * 8, values[j], true)
    else for (let j = 0; j < values.length; j++) little.setFloat32(j * 4, values[j], true)
  })
  return out
}

/** Reads a container written by {@link encodeModelFile}; throws ValidationError('invalid-record') on bad bytes. */
export function decodeModelFile(
  bytes: Uint8Array,
  expectedFamily: string,
): { header: ModelFileHeader; tensors: Map<string, StoredTensor> } {
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Model file (${expectedFamily}): ${why}`)
  }
  if (bytes.length < 16) fail('too short')
  for (let i = 0; i < 8; i++)
    if (bytes[i] !== modelMagic.charCodeAt(i)) fail('not a Butterfly TF.js model (bad magic)')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint32(8, true)
  if (version !== modelFormatVersion) fail(`unsupported format version ${version}`)
  const headerLength = view.getUint32(12, true)
  if (16 + headerLength > bytes.length) fail('truncated header')
  const parsed = JSON.parse(
    new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)),
  ) as ModelFileHeader & {
    tensors: TensorEntry[]
  }
  if (parsed.family !== expectedFamily) fail(`holds a '${parsed.family}' model`)
  const payload = 16 + headerLength
  const tensors = new Map<string, StoredTensor>()
  for (const entry of parsed.tensors) {
    const width = entry.dtype === 'float64' ? 8 : 4
    const start = payload + entry.offset
    if (start + entry.length * width > bytes.length) fail(`tensor ${entry.name} is truncated`)
    const little = new DataView(bytes.buffer, bytes.byteOffset + start, entry.length * width)
    const values = entry.dtype === 'float64' ? new Float64Array(entry.length) : new Float32Array(entry.length)
    for (let j = 0; j < entry.length; j++)
      values[j] = width === 8 ? little.getFloat64(j * 8, true) : little.getFloat32(j * 4, true)
    tensors.set(entry.name, { name: entry.name, shape: entry.shape, values })
  }
  const { tensors: _entries, ...header } = parsed
  return { header: header as ModelFileHeader, tensors }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length
}

/** Row-major Float32 copy of `X` (n × d) for TF.js; NaN (should not reach models) becomes 0. */
export function toRowMajorFloat32(X: FeatureMatrix): Float32Array {
  return fillRowMajor(X, new Float32Array(X.nRows * X.columns.length))
}

/** Row-major Float64 copy of `X` (n × d) for arithmetic in plain arrays; NaN becomes 0 as for TF.js. */
export function toRowMajorFloat64(X: FeatureMatrix): Float64Array {
  return fillRowMajor(X, new Float64Array(X.nRows * X.columns.length))
}

function fillRowMajor<T extends Float32Array | Float64Array>(X: FeatureMatrix, out: T): T {
  const n = X.nRows
  const d = X.columns.length
  for (let j = 0; j < d; j++) {
    const column = X.columns[j]
    for (let i = 0; i < n; i++) {
      const v = column[i]
      out[i * d + j] = Number.isNaN(v) ? 0 : v
    }
  }
  return out
}

/** Throws when the feature names of `X` differ from those a model was trained on. */
export function assertSameFeatures(X: FeatureMatrix, featureNames: readonly string[], family: string): void {
  if (X.names.length !== featureNames.length || X.names.some((name, i) => name !== featureNames[i]))
    throw new ValidationError(
      'invalid-argument',
      `Model '${family}' was trained on ${featureNames.length} features [${featureNames.slice(0, 5).join(', ')}…] but got ${X.names.length} [${X.names.slice(0, 5).join(', ')}…]`,
    )
}

/** Throws WorkerError('cancelled') when the run was cancelled. */
export function throwIfCancelled(isCancelled: (() => boolean) | undefined, family: string): void {
  if (isCancelled?.()) throw new WorkerError('cancelled', `Run cancelled while fitting '${family}'`)
}

/** Runs `fn` over row chunks of a row-major matrix so predictions never build one huge tensor. */
export function predictInChunks(
  rows: Float32Array,
  nRows: number,
  nFeatures: number,
  outWidth: number,
  fn: (x: tf.Tensor2D) => tf.Tensor,
): Float64Array {
  const out = new Float64Array(nRows * outWidth)
  const chunk = 8192
  for (let start = 0; start < nRows; start += chunk) {
    const end = Math.min(nRows, start + chunk)
    const values = tf.tidy(() => {
      const x = tf.tensor2d(rows.subarray(start * nFeatures, end * nFeatures), [end - start, nFeatures])
      return fn(x)
    })
    out.set(values.dataSync(), start * outWidth)
    values.dispose()
  }
  return out
}

/** A number hyperparameter, checked: throws ValidationError naming the parameter. */
export function numberParam(
  hp: Hyperparameters,
  key: string,
  family: string,
  check: (v: number) => boolean,
  rule: string,
): number {
  const value = hp[key]
  if (typeof value !== 'number' || !check(value))
    throw new ValidationError(
      'invalid-argument',
      `Hyperparameter '${key}' of model '${family}' must be ${rule}, got ${String(value)}`,
    )
  return value
}
