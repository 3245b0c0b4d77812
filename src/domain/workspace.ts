/** Workspace: the top-level container that owns datasets, experiments and runs and says where bytes live. */
import { ValidationError } from './errors.ts'
import type { WorkspaceId } from './ids.ts'
import { isIdOf } from './ids.ts'

export const workspaceSchemaVersion = 1

/** Where a workspace keeps its file bytes. */
export type WorkspaceStorage =
  /** The Origin Private File System: the zero set-up default. */
  | { kind: 'opfs' }
  /** A folder the user picked with the File System Access API; its handle is kept in IndexedDB under `handleKey`. */
  | { kind: 'folder'; folderName: string; handleKey: string }

export interface Workspace {
  schemaVersion: number
  id: WorkspaceId
  name: string
  /** Root path of its files: `opfs:/workspaces/<id>` or `folder:<folder name>`. */
  rootPath: string
  storage: WorkspaceStorage
  /** Epoch milliseconds. */
  createdAt: number
}

export function workspaceRootPath(id: WorkspaceId, storage: WorkspaceStorage): string {
  return storage.kind === 'opfs' ? `opfs:/workspaces/${id}` : `folder:${storage.folderName}`
}

export function createWorkspace(input: {
  id: WorkspaceId
  name: string
  storage?: WorkspaceStorage
  now: number
}): Workspace {
  const storage = input.storage ?? { kind: 'opfs' }
  return parseWorkspace({
    schemaVersion: workspaceSchemaVersion,
    id: input.id,
    name: input.name.trim(),
    rootPath: workspaceRootPath(input.id, storage),
    storage,
    createdAt: input.now,
  })
}

export function validateWorkspaceName(name: string): string {
  const trimmed = name.trim()
  if (!trimmed) throw new ValidationError('invalid-argument', 'A workspace needs a name')
  if (trimmed.length > 120)
    throw new ValidationError('invalid-argument', 'A workspace name is at most 120 characters')
  return trimmed
}

export function parseWorkspace(value: unknown): Workspace {
  const record = value as Workspace
  if (!record || typeof record !== 'object')
    throw new ValidationError('invalid-record', 'Workspace: not an object')
  if (!isIdOf('workspace', record.id))
    throw new ValidationError('invalid-record', `Workspace: bad id ${String(record.id)}`)
  validateWorkspaceName(record.name ?? '')
  if (typeof record.createdAt !== 'number')
    throw new ValidationError('invalid-record', 'Workspace: createdAt must be a number')
  if (!record.storage || (record.storage.kind !== 'opfs' && record.storage.kind !== 'folder'))
    throw new ValidationError('invalid-record', 'Workspace: storage must be opfs or folder')
  if (typeof record.rootPath !== 'string')
    throw new ValidationError('invalid-record', 'Workspace: rootPath missing')
  return record
}
