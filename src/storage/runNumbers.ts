/**
 * A run's number within its experiment, given where it is stored: the highest number the experiment
 * has plus one, read and written in one IndexedDB transaction under the workspace's lock, so two tabs
 * starting runs at once get #n and #n+1 (never two #n), and a deleted run's number is not reused.
 */
import type { ExperimentId } from '../domain/ids.ts'
import type { Run } from '../domain/run.ts'
import type { ButterflyDb } from './db.ts'
import { withWorkspaceLock } from './workspaceLock.ts'

/** Stores `run` with the next number of its experiment (its own `number` is replaced); resolves with it. */
export async function addRunWithNextNumber(db: ButterflyDb, run: Run): Promise<Run> {
  return withWorkspaceLock(run.workspaceId, () =>
    db.transaction('rw', db.runs, async () => {
      const numbered: Run = { ...run, number: await nextRunNumber(db, run.experimentId) }
      await db.runs.add(numbered)
      return numbered
    }),
  )
}

/**
 * The highest run number of `experimentId` plus one. Call it inside the read-write transaction that
 * adds the run (as both `addRunWithNextNumber` and the bundle import do), so no other insert can
 * come between the read and the write.
 */
export async function nextRunNumber(db: ButterflyDb, experimentId: ExperimentId): Promise<number> {
  let highest = 0
  await db.runs
    .where('experimentId')
    .equals(experimentId)
    .each((other) => {
      highest = Math.max(highest, other.number)
    })
  return highest + 1
}
