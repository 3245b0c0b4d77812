/** Artifact: a read-only output file of a run (model, metrics report, log, plot, explanation, notebook). */
import { InvariantError, ValidationError } from './errors.ts'
import type { Sha256Hex } from './hash.ts'
import { isSha256Hex, sha256 } from './hash.ts'
import type { ArtifactId, ModelId, RunId } from './ids.ts'
import { isIdOf, newId } from './ids.ts'

export const artifactSchemaVersion = 1

export const artifactTypes = [
  'model',
  'metrics-report',
  'metrics-json',
  'log',
  'plot',
  'explanation',
  'notebook',
  'predictions',
] as const
export type ArtifactType = (typeof artifactTypes)[number]

export interface Artifact {
  schemaVersion: number
  id: ArtifactId
  runId: RunId
  /** The model this file belongs to, for model files. */
  modelId?: ModelId
  type: ArtifactType
  /** File name shown to the user and used on download. */
  fileName: string
  /** Path of the bytes inside the workspace blob store. */
  path: string
  mediaType: string
  byteSize: number
  sha256: Sha256Hex
  metadata: Record<string, unknown>
  createdAt: number
}

export function artifactBlobPath(runId: RunId, fileName: string): string {
  return `runs/${runId}/${fileName}`
}

/**
 * The record of a new artifact file of a run: its path in the run's folder, size and SHA-256 follow
 * from the bytes. `modelId` is kept on model files only. The caller stores the bytes at `path`.
 */
export async function createArtifact(input: {
  runId: RunId
  modelId?: ModelId
  type: ArtifactType
  fileName: string
  mediaType: string
  bytes: Uint8Array
  metadata?: Record<string, unknown>
  now: number
}): Promise<Artifact> {
  return {
    schemaVersion: artifactSchemaVersion,
    id: newId('artifact'),
    runId: input.runId,
    ...(input.type === 'model' && input.modelId ? { modelId: input.modelId } : {}),
    type: input.type,
    fileName: input.fileName,
    path: artifactBlobPath(input.runId, input.fileName),
    mediaType: input.mediaType,
    byteSize: input.bytes.byteLength,
    sha256: await sha256(input.bytes),
    metadata: input.metadata ?? {},
    createdAt: input.now,
  }
}

export function parseArtifact(value: unknown): Artifact {
  const record = value as Artifact
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Artifact ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('artifact', record.id)) fail('bad id')
  if (!isIdOf('run', record.runId)) fail('bad run id')
  if (!artifactTypes.includes(record.type)) fail(`unknown type ${record.type}`)
  if (!isSha256Hex(record.sha256)) fail('sha256 must be SHA-256 hex')
  if (!record.fileName || /[\\/]|^\.\.?$/.test(record.fileName)) fail(`bad file name ${record.fileName}`)
  return record
}

/** Artifacts are read-only: any write over a stored artifact is refused. */
export function assertArtifactWriteAllowed(stored: Artifact): never {
  throw new InvariantError(
    'artifact-read-only',
    `Artifact ${stored.fileName} of run ${stored.runId} is read-only`,
  )
}
