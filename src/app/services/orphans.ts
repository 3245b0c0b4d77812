/**
 * At start, each workspace's files that no record points to (left by a page closed during an import,
 * see src/storage/orphanSweep.ts) are removed, unless an import is running in another tab; the
 * person is told what was cleaned.
 */
import { createSignal } from 'solid-js'
import type { SweepResult } from '../../storage/orphanSweep.ts'
import { sweepOrphanFiles } from '../../storage/orphanSweep.ts'
import { workspaceBlobStore } from '../../storage/roots.ts'
import { whenNoImportRuns } from '../../storage/workspaceLock.ts'
import { listWorkspaces } from '../../storage/workspaces.ts'
import { formatBytes } from '../format.ts'
import { db } from './db.ts'

const [notice, setNotice] = createSignal<string>()

/** The sentence telling what the start-up sweep removed; undefined when it removed nothing. */
export const cleanupNotice = notice
export const dismissCleanupNotice = () => setNotice(undefined)

/** One sentence for what was removed, e.g. "…removed 2 files (162 MB) that no dataset or run used". */
export function describeSweep(result: Pick<SweepResult, 'removed' | 'bytes'>): string | undefined {
  const count = result.removed.length
  if (count === 0) return undefined
  const partial = result.removed.filter((f) => f.path.endsWith('.partial')).length
  return `Cleaned up after an interrupted import: removed ${count} ${count === 1 ? 'file' : 'files'} (${formatBytes(result.bytes)}) that no dataset or run used${partial ? `, ${partial} of them unfinished` : ''}.`
}

/** Sweeps every workspace that can be opened without asking; never throws (a failure is logged). */
export async function sweepOrphansAtStart(): Promise<void> {
  const total: SweepResult = { removed: [], bytes: 0 }
  for (const workspace of await listWorkspaces(db)) {
    try {
      const blobs = await workspaceBlobStore(db, workspace)
      // A page just reloaded may hold its import lock a moment longer: try a few times, a second apart.
      let result: SweepResult | undefined
      for (let attempt = 0; attempt < 5 && !result; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000))
        result = await whenNoImportRuns(workspace.id, () => sweepOrphanFiles(db, blobs, workspace.id))
      }
      if (!result) continue
      total.removed.push(...result.removed)
      total.bytes += result.bytes
    } catch (error) {
      // A folder workspace without permission now is swept on a later start.
      console.warn(`Could not check workspace “${workspace.name}” for leftover files`, error)
    }
  }
  setNotice(describeSweep(total))
}
