/** Reading and downloading a run's artifacts from its workspace's blob store. */
import type { Artifact } from '../../domain/artifact.ts'
import { StorageError } from '../../domain/errors.ts'
import { workspaceBlobStore } from '../../storage/roots.ts'
import { db } from './db.ts'

export async function readArtifact(artifact: Artifact): Promise<File> {
  const run = await db.runs.get(artifact.runId)
  const workspace = run ? await db.workspaces.get(run.workspaceId) : undefined
  if (!workspace)
    throw new StorageError('not-found', `The workspace of artifact ${artifact.fileName} is gone`)
  return (await workspaceBlobStore(db, workspace)).read(artifact.path)
}

export async function readArtifactJson<T>(artifact: Artifact): Promise<T> {
  return JSON.parse(await (await readArtifact(artifact)).text()) as T
}

/** Saves bytes as a file through a temporary object URL. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export async function downloadArtifact(artifact: Artifact): Promise<void> {
  const file = await readArtifact(artifact)
  downloadBlob(new Blob([file], { type: artifact.mediaType }), artifact.fileName)
}
