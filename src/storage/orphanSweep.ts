/**
 * Files of a workspace that no record points to, removed. Every writer stores a file before its
 * record (a temporary `.partial` name first, renamed into place when complete), so a crash at any
 * point leaves at most a `.partial` file or a complete file without a record, never a record without
 * its file. The sweep removes both kinds: under `datasets/`, files no dataset record of the workspace
 * names; under `runs/<id>/`, files no artifact record names (a run still marked running is left alone:
 * its files come before its records). It must run only while no import runs (see whenNoImportRuns).
 */
import type { WorkspaceId } from '../domain/ids.ts'
import type { BlobStore } from './blobStore.ts'
import type { ButterflyDb } from './db.ts'

/** What a sweep removed, for the notice that tells the person. */
export interface SweepResult {
  removed: { path: string; bytes: number }[]
  /** Sum of the removed files' sizes. */
  bytes: number
}

const isPartial = (name: string) => name.startsWith('.') && name.endsWith('.partial')

async function sizeOf(blobs: BlobStore, path: string): Promise<number> {
  try {
    return (await blobs.read(path)).size
  } catch {
    return 0
  }
}

/** Removes the workspace's orphan files and stale `.partial` files; resolves with what it removed. */
export async function sweepOrphanFiles(
  db: ButterflyDb,
  blobs: BlobStore,
  workspaceId: WorkspaceId,
): Promise<SweepResult> {
  const removed: SweepResult['removed'] = []
  const remove = async (path: string) => {
    const bytes = await sizeOf(blobs, path)
    await blobs.remove(path)
    removed.push({ path, bytes })
  }

  const datasetPaths = new Set(
    (await db.datasets.where('workspaceId').equals(workspaceId).toArray()).map((d) => d.blobPath),
  )
  for (const name of await blobs.list('datasets')) {
    const path = `datasets/${name}`
    if (isPartial(name) || !datasetPaths.has(path)) await remove(path)
  }

  for (const runId of await blobs.list('runs')) {
    const run = await db.runs.get(runId)
    if (run && run.workspaceId !== workspaceId) continue
    if (run?.status === 'running') continue
    const artifactPaths = new Set(
      run ? (await db.artifacts.where('runId').equals(runId).toArray()).map((a) => a.path) : [],
    )
    const names = await blobs.list(`runs/${runId}`)
    for (const name of names) {
      const path = `runs/${runId}/${name}`
      if (isPartial(name) || !artifactPaths.has(path)) await remove(path)
    }
    if (!run) await blobs.remove(`runs/${runId}`)
  }
  return { removed, bytes: removed.reduce((sum, file) => sum + file.bytes, 0) }
}
