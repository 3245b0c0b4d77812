/**
 * Where each workspace's blob store lives: `workspaces/<id>/` in the Origin Private File System, or the
 * folder the user picked. The OPFS root is injectable so Node tests run the same code on an in-memory fake.
 */
import { StorageError } from '../domain/errors.ts'
import type { Workspace } from '../domain/workspace.ts'
import type { DirectoryHandle } from './blobStore.ts'
import { BlobStore } from './blobStore.ts'
import type { ButterflyDb } from './db.ts'

/**
 * Folder handles by key, filled whenever a handle is stored or loaded. Real handles survive IndexedDB's
 * structured clone; this cache saves the read and lets tests use in-memory fakes that would not.
 */
const folderHandles = new Map<string, DirectoryHandle>()

export async function rememberFolderHandle(
  db: ButterflyDb,
  key: string,
  handle: DirectoryHandle,
): Promise<void> {
  folderHandles.set(key, handle)
  await db.handles.put({ key, handle })
}

export function forgetFolderHandle(key: string): void {
  folderHandles.delete(key)
}

type RootProvider = () => Promise<DirectoryHandle>

let opfsRootProvider: RootProvider = async () => {
  if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory)
    throw new StorageError('permission-denied', 'This browser has no Origin Private File System')
  return navigator.storage.getDirectory()
}

/** Replaces the OPFS root (tests). */
export function setOpfsRootProvider(provider: RootProvider): void {
  opfsRootProvider = provider
}

/** The Origin Private File System's root (or the tests' replacement). */
export function opfsRoot(): Promise<DirectoryHandle> {
  return opfsRootProvider()
}

export async function opfsWorkspacesDir(): Promise<DirectoryHandle> {
  return (await opfsRootProvider()).getDirectoryHandle('workspaces', { create: true })
}

interface PermissionHandle {
  queryPermission?(options: { mode: 'readwrite' }): Promise<PermissionState>
  requestPermission?(options: { mode: 'readwrite' }): Promise<PermissionState>
}

/** The directory holding `workspace`'s files. A folder workspace needs read/write permission. */
export async function workspaceRootHandle(db: ButterflyDb, workspace: Workspace): Promise<DirectoryHandle> {
  if (workspace.storage.kind === 'opfs') {
    return (await opfsWorkspacesDir()).getDirectoryHandle(workspace.id, { create: true })
  }
  const known =
    folderHandles.get(workspace.storage.handleKey) ??
    (await db.handles.get(workspace.storage.handleKey))?.handle
  if (!known)
    throw new StorageError('not-found', `The folder of workspace “${workspace.name}” is no longer known`)
  folderHandles.set(workspace.storage.handleKey, known)
  const handle = known as DirectoryHandle & PermissionHandle
  const state = (await handle.queryPermission?.({ mode: 'readwrite' })) ?? 'granted'
  if (state !== 'granted') {
    throw new StorageError(
      'permission-denied',
      `Butterfly needs permission to use the folder “${workspace.storage.folderName}”: reopen it from the workspace menu`,
    )
  }
  return handle
}

export async function workspaceBlobStore(db: ButterflyDb, workspace: Workspace): Promise<BlobStore> {
  return new BlobStore(await workspaceRootHandle(db, workspace))
}
