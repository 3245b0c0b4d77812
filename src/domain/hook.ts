/** Hook: user code attached to a block, run sandboxed before, after or instead of the block's logic. */
import type { BlockType } from './blockType.ts'
import { blockTypes } from './blockType.ts'
import { ValidationError } from './errors.ts'
import type { Sha256Hex } from './hash.ts'
import { isSha256Hex, sha256 } from './hash.ts'
import type { BlockId, HookId, PipelineId } from './ids.ts'
import { isIdOf } from './ids.ts'

export const hookSchemaVersion = 1

export const hookTimings = ['before', 'after', 'override'] as const
export type HookTiming = (typeof hookTimings)[number]
export type HookKind = `${HookTiming}_${BlockType}`

export const hookKinds: readonly HookKind[] = hookTimings.flatMap((timing) =>
  blockTypes.map((type) => `${timing}_${type}` as HookKind),
)

export type HookSource =
  | { kind: 'inline'; code: string }
  /** Read from a user-picked file; the stored code only changes when the user reloads the file. */
  | { kind: 'file'; fileName: string; code: string }

export interface Hook {
  schemaVersion: number
  id: HookId
  pipelineId: PipelineId
  blockId: BlockId
  kind: HookKind
  /** Position among the hooks of the same block (ascending). */
  order: number
  name: string
  source: HookSource
  /** SHA-256 of `source.code`, the hook's version. */
  codeHash: Sha256Hex
  updatedAt: number
}

export function parseHookKind(value: string): HookKind {
  if (!(hookKinds as readonly string[]).includes(value))
    throw new ValidationError(
      'invalid-argument',
      `Unknown hook kind '${value}': expected before_|after_|override_ + one of ${blockTypes.join(', ')}`,
    )
  return value as HookKind
}

export function hookBlockType(kind: HookKind): BlockType {
  return kind.slice(kind.indexOf('_') + 1) as BlockType
}

export function hookTiming(kind: HookKind): HookTiming {
  return kind.slice(0, kind.indexOf('_')) as HookTiming
}

export function hookCodeHash(code: string): Promise<Sha256Hex> {
  return sha256(code)
}

export function parseHook(value: unknown): Hook {
  const record = value as Hook
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Hook ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('hook', record.id)) fail('bad id')
  if (!isIdOf('pipeline', record.pipelineId)) fail('bad pipeline id')
  if (!isIdOf('block', record.blockId)) fail('bad block id')
  if (!(hookKinds as readonly string[]).includes(record.kind)) fail(`unknown kind ${record.kind}`)
  if (!record.source || typeof record.source.code !== 'string') fail('source code missing')
  if (!isSha256Hex(record.codeHash)) fail('codeHash must be SHA-256 hex')
  return record
}
