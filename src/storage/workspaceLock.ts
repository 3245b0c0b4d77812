/**
 * One writer at a time per workspace, across tabs: a Web Lock named after the workspace, held around
 * the short check-then-write steps that would otherwise race between two tabs (a dataset's "is this
 * hash here already?" and its insert; a run's number and its insert). Where the Web Locks API is
 * missing (Node: the CLI and unit tests) an in-process queue gives the same order within the process;
 * the IndexedDB transaction inside each step stays the guarantee of atomicity.
 */
import type { WorkspaceId } from '../domain/ids.ts'

/** The lock's name; one per workspace, so imports in two workspaces never wait on each other. */
export function workspaceLockName(workspaceId: WorkspaceId): string {
  return `butterfly:workspace:${workspaceId}`
}

interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T>
}

const queues = new Map<string, Promise<unknown>>()

/** Runs `fn` while holding the workspace's exclusive lock, and resolves with its result. */
export async function withWorkspaceLock<T>(workspaceId: WorkspaceId, fn: () => Promise<T>): Promise<T> {
  const name = workspaceLockName(workspaceId)
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks
  if (locks) return locks.request(name, { mode: 'exclusive' }, fn)
  const previous = queues.get(name) ?? Promise.resolve()
  const result = previous.then(fn, fn)
  const settled = result.catch(() => undefined)
  queues.set(name, settled)
  void settled.then(() => {
    if (queues.get(name) === settled) queues.delete(name)
  })
  return result
}

/** Name of the lock every import of the workspace holds (shared) while it may have unrecorded files. */
export function workspaceImportLockName(workspaceId: WorkspaceId): string {
  return `butterfly:workspace-import:${workspaceId}`
}

interface SharedLockManager {
  request<T>(
    name: string,
    options: { mode: 'shared' | 'exclusive'; ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>
}

const importsInProcess = new Map<string, number>()

function lockManager(): SharedLockManager | undefined {
  return (globalThis as { navigator?: { locks?: SharedLockManager } }).navigator?.locks
}

/**
 * Runs an import (dataset or bundle) holding the workspace's import lock in shared mode: many imports
 * may run at once, in any tab, and the orphan sweep ({@link whenNoImportRuns}) waits for none of them.
 */
export async function duringImport<T>(workspaceId: WorkspaceId, fn: () => Promise<T>): Promise<T> {
  const name = workspaceImportLockName(workspaceId)
  const locks = lockManager()
  if (locks) return locks.request(name, { mode: 'shared' }, fn)
  importsInProcess.set(name, (importsInProcess.get(name) ?? 0) + 1)
  try {
    return await fn()
  } finally {
    importsInProcess.set(name, (importsInProcess.get(name) ?? 1) - 1)
  }
}

/**
 * Runs `fn` only if no import of the workspace is running in any tab (holding the import lock
 * exclusively meanwhile, so none starts); resolves with undefined without running it otherwise.
 */
export async function whenNoImportRuns<T>(
  workspaceId: WorkspaceId,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const name = workspaceImportLockName(workspaceId)
  const locks = lockManager()
  if (locks)
    return locks.request(name, { mode: 'exclusive', ifAvailable: true }, async (lock) =>
      lock ? fn() : undefined,
    )
  return (importsInProcess.get(name) ?? 0) > 0 ? undefined : fn()
}
