/**
 * Comlink keeps only name, message and stack of a thrown error; Butterfly errors also carry a `code`
 * and details the UI branches on. This replaces Comlink's "throw" transfer handler on both sides.
 */
import * as Comlink from 'comlink'
import type { SerializedError } from '../domain/errors.ts'
import { reviveError, serializeError } from '../domain/errors.ts'

let installed = false

export function installErrorTransfer(): void {
  if (installed) return
  installed = true
  // Comlink does not export its thrown-value marker; reuse its own test for it.
  const original = Comlink.transferHandlers.get('throw')
  if (!original) throw new Error('Comlink has no "throw" transfer handler to replace')
  Comlink.transferHandlers.set('throw', {
    canHandle: (value: unknown): value is { value: unknown } => original.canHandle(value),
    serialize: ({ value }: { value: unknown }) => [serializeError(value), []],
    deserialize: (data: SerializedError) => {
      throw reviveError(data)
    },
  } as Comlink.TransferHandler<{ value: unknown }, SerializedError>)
}
