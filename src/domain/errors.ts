/**
 * The few exceptional failure classes of Butterfly. Each carries a `code` from a string-literal union
 * so callers (and tests) branch on codes, not on message text. They cross worker boundaries as plain
 * data ({@link SerializedError}) and are rebuilt on the other side with {@link reviveError}.
 */

export type ValidationErrorCode =
  | 'invalid-argument'
  | 'invalid-record'
  | 'empty-file'
  | 'header-only'
  | 'ragged-rows'
  | 'not-text'
  | 'corrupt-parquet'
  | 'duplicate-column'
  | 'empty-column-name'
  | 'unsupported-extension'
  | 'unsupported-type'
  | 'bad-data'
  | 'too-large'
  | 'bad-hook-result'

export type InvariantErrorCode =
  | 'run-completed'
  | 'dataset-immutable'
  | 'snapshot-immutable'
  | 'artifact-read-only'

export type StorageErrorCode =
  | 'quota-exceeded'
  | 'version-conflict'
  | 'not-found'
  | 'write-failed'
  | 'permission-denied'
  | 'bundle-rejected'

export type WorkerErrorCode = 'cancelled' | 'interrupted' | 'crashed' | 'backend-unavailable'

export type HookErrorCode =
  | 'cpu-time'
  | 'memory'
  | 'stack'
  | 'output-size'
  | 'syntax'
  | 'runtime'
  | 'bad-result'

abstract class ButterflyError<C extends string> extends Error {
  readonly code: C
  readonly details: Record<string, unknown> | undefined
  constructor(code: C, message: string, details?: Record<string, unknown>) {
    super(message)
    this.code = code
    this.details = details
  }
}

/** Input that does not satisfy a contract: a bad file, a bad argument, a bad stored record. */
export class ValidationError extends ButterflyError<ValidationErrorCode> {
  override readonly name = 'ValidationError'
}

/** An attempt to break a domain invariant (changing a completed run, an imported dataset, a snapshot). */
export class InvariantError extends ButterflyError<InvariantErrorCode> {
  override readonly name = 'InvariantError'
}

/** A failure of the workspace storage (quota, missing file, schema conflict, rejected bundle). */
export class StorageError extends ButterflyError<StorageErrorCode> {
  override readonly name = 'StorageError'
}

/** A failure of a worker: cancelled by the user, interrupted by a page close, or crashed. */
export class WorkerError extends ButterflyError<WorkerErrorCode> {
  override readonly name = 'WorkerError'
}

/** A user hook that failed or broke a sandbox limit. The message names the hook, the limit and the line. */
export class HookError extends ButterflyError<HookErrorCode> {
  override readonly name = 'HookError'
}

export type ButterflyErrorName =
  | 'ValidationError'
  | 'InvariantError'
  | 'StorageError'
  | 'WorkerError'
  | 'HookError'

/** Plain-data form of an error, safe for postMessage and JSON. */
export interface SerializedError {
  name: string
  code?: string
  message: string
  stack?: string
  details?: Record<string, unknown>
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ButterflyError) {
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      stack: error.stack,
      details: error.details,
    }
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack }
  return { name: 'Error', message: String(error) }
}

const errorClasses = {
  ValidationError,
  InvariantError,
  StorageError,
  WorkerError,
  HookError,
} as const

/** Rebuild a Butterfly error from its plain form; unknown names become a plain Error. */
export function reviveError(data: SerializedError): Error {
  const ErrorClass = errorClasses[data.name as ButterflyErrorName]
  // The code union differs per class; the code came from the same class when it was serialized.
  const AnyErrorClass = ErrorClass as unknown as
    | (new (
        code: string,
        message: string,
        details?: Record<string, unknown>,
      ) => Error)
    | undefined
  const error = AnyErrorClass
    ? new AnyErrorClass(data.code ?? 'unknown', data.message, data.details)
    : Object.assign(new Error(data.message), { name: data.name })
  if (data.stack) error.stack = data.stack
  return error
}

/** Message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** For `switch` statements that must cover every case. */
export function exhaustiveSwitchError(value: never): never {
  throw new Error(`Unknown case: ${JSON.stringify(value)}`)
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Assertion failed: ${message}`)
}
