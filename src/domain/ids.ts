/**
 * Branded ids for every entity. Ids are opaque strings with a readable prefix (`run_…`), created by an
 * injected factory so that domain code stays free of browser APIs and tests stay deterministic.
 */

export type WorkspaceId = string & { readonly __brand: 'WorkspaceId' }
export type DatasetId = string & { readonly __brand: 'DatasetId' }
export type ExperimentId = string & { readonly __brand: 'ExperimentId' }
export type PipelineId = string & { readonly __brand: 'PipelineId' }
export type BlockId = string & { readonly __brand: 'BlockId' }
export type RunId = string & { readonly __brand: 'RunId' }
export type ArtifactId = string & { readonly __brand: 'ArtifactId' }
export type ModelId = string & { readonly __brand: 'ModelId' }
export type HookId = string & { readonly __brand: 'HookId' }

export const idPrefixes = {
  workspace: 'ws',
  dataset: 'ds',
  experiment: 'exp',
  pipeline: 'pl',
  block: 'blk',
  run: 'run',
  artifact: 'art',
  model: 'mdl',
  hook: 'hk',
} as const

export type EntityKind = keyof typeof idPrefixes

interface IdOf {
  workspace: WorkspaceId
  dataset: DatasetId
  experiment: ExperimentId
  pipeline: PipelineId
  block: BlockId
  run: RunId
  artifact: ArtifactId
  model: ModelId
  hook: HookId
}

/** Source of random bits for ids: 16 bytes at a time. */
export type RandomBytes = (length: number) => Uint8Array

/** Makes a new id `<prefix>_<26 base32 chars>` from `randomBytes` (defaults to WebCrypto where present). */
export function newId<K extends EntityKind>(kind: K, randomBytes: RandomBytes = defaultRandomBytes): IdOf[K] {
  const bytes = randomBytes(16)
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31]
  return `${idPrefixes[kind]}_${out}` as IdOf[K]
}

/** True when `value` looks like an id of `kind`. */
export function isIdOf<K extends EntityKind>(kind: K, value: unknown): value is IdOf[K] {
  return typeof value === 'string' && new RegExp(`^${idPrefixes[kind]}_[0-9a-z]{4,64}$`).test(value)
}

interface CryptoLike {
  getRandomValues<T extends Uint8Array>(array: T): T
}

function defaultRandomBytes(length: number): Uint8Array {
  const cryptoObject = (globalThis as { crypto?: CryptoLike }).crypto
  if (!cryptoObject) throw new Error('No crypto.getRandomValues: pass a randomBytes function to newId')
  return cryptoObject.getRandomValues(new Uint8Array(length))
}
