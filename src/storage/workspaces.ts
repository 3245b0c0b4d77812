/**
 * Workspace management: the default workspace on first start, create / rename / switch / delete, and
 * folder workspaces whose `workspace.json` lets the folder be reopened later or in another profile.
 */

import type { Artifact } from '../domain/artifact.ts'
import type { Dataset } from '../domain/dataset.ts'
import { StorageError, ValidationError } from '../domain/errors.ts'
import type { Experiment } from '../domain/experiment.ts'
import type { Hook } from '../domain/hook.ts'
import type { WorkspaceId } from '../domain/ids.ts'
import { newId } from '../domain/ids.ts'
import type { ModelRecord } from '../domain/model.ts'
import type { Pipeline } from '../domain/pipeline.ts'
import type { Run } from '../domain/run.ts'
import type { Workspace } from '../domain/workspace.ts'
import { createWorkspace, validateWorkspaceName } from '../domain/workspace.ts'
import type { DirectoryHandle } from './blobStore.ts'
import { BlobStore } from './blobStore.ts'
import type { ButterflyDb } from './db.ts'
import { allowWorkspaceDeletion } from './guards.ts'
import {
  forgetFolderHandle,
  opfsWorkspacesDir,
  rememberFolderHandle,
  workspaceBlobStore,
  workspaceRootHandle,
} from './roots.ts'

const currentWorkspaceKey = 'currentWorkspaceId'
export const defaultWorkspaceName = 'My workspace'
/** File name of the metadata manifest kept in folder workspaces. DO NOT CHANGE WITHOUT A MIGRATION. */
export const workspaceManifestName = 'workspace.json'

export async function listWorkspaces(db: ButterflyDb): Promise<Workspace[]> {
  return db.workspaces.orderBy('createdAt').toArray()
}

/** Makes sure at least one workspace exists and one is current; returns the current one. */
export async function ensureDefaultWorkspace(db: ButterflyDb, now = Date.now()): Promise<Workspace> {
  return db.transaction('rw', db.workspaces, db.settings, async () => {
    const current = (await db.settings.get(currentWorkspaceKey))?.value as string | undefined
    const found = current ? await db.workspaces.get(current) : undefined
    if (found) return found
    const first = await db.workspaces.orderBy('createdAt').first()
    const workspace = first ?? createWorkspace({ id: newId('workspace'), name: defaultWorkspaceName, now })
    if (!first) await db.workspaces.add(workspace)
    await db.settings.put({ key: currentWorkspaceKey, value: workspace.id })
    return workspace
  })
}

export async function getCurrentWorkspaceId(db: ButterflyDb): Promise<WorkspaceId | undefined> {
  return (await db.settings.get(currentWorkspaceKey))?.value as WorkspaceId | undefined
}

export async function switchWorkspace(db: ButterflyDb, id: WorkspaceId): Promise<Workspace> {
  const workspace = await db.workspaces.get(id)
  if (!workspace) throw new StorageError('not-found', `No workspace ${id}`)
  await db.settings.put({ key: currentWorkspaceKey, value: id })
  return workspace
}

export async function addWorkspace(db: ButterflyDb, name: string, now = Date.now()): Promise<Workspace> {
  const trimmed = validateWorkspaceName(name)
  const existing = await db.workspaces.where('name').equals(trimmed).count()
  if (existing > 0)
    throw new ValidationError('invalid-argument', `A workspace named “${trimmed}” already exists`)
  const workspace = createWorkspace({ id: newId('workspace'), name: trimmed, now })
  await db.workspaces.add(workspace)
  return workspace
}

export async function renameWorkspace(db: ButterflyDb, id: WorkspaceId, name: string): Promise<Workspace> {
  const trimmed = validateWorkspaceName(name)
  return db.transaction('rw', db.workspaces, async () => {
    const workspace = await db.workspaces.get(id)
    if (!workspace) throw new StorageError('not-found', `No workspace ${id}`)
    const clash = await db.workspaces
      .where('name')
      .equals(trimmed)
      .filter((w) => w.id !== id)
      .count()
    if (clash > 0)
      throw new ValidationError('invalid-argument', `A workspace named “${trimmed}” already exists`)
    const renamed = { ...workspace, name: trimmed }
    await db.workspaces.put(renamed)
    return renamed
  })
}

/**
 * Deletes a workspace, every record it owns and its files. When it was the current one, another
 * workspace (or a fresh default) becomes current. Returns the new current workspace.
 */
export async function deleteWorkspace(db: ButterflyDb, id: WorkspaceId): Promise<Workspace> {
  const workspace = await db.workspaces.get(id)
  if (!workspace) throw new StorageError('not-found', `No workspace ${id}`)
  // Resolve the folder before its handle record goes; remove files only once the records are gone.
  const root = await workspaceRootHandle(db, workspace).catch(() => undefined)
  await allowWorkspaceDeletion(() =>
    db.transaction(
      'rw',
      [
        db.workspaces,
        db.datasets,
        db.experiments,
        db.pipelines,
        db.hooks,
        db.runs,
        db.artifacts,
        db.models,
        db.settings,
        db.handles,
      ],
      async () => {
        const experiments = await db.experiments.where('workspaceId').equals(id).toArray()
        const pipelineIds = experiments.map((e) => e.pipelineId)
        const runIds = await db.runs.where('workspaceId').equals(id).primaryKeys()
        await db.artifacts.where('runId').anyOf(runIds).delete()
        await db.models.where('runId').anyOf(runIds).delete()
        await db.runs.bulkDelete(runIds)
        await db.hooks.where('pipelineId').anyOf(pipelineIds).delete()
        await db.pipelines.bulkDelete(pipelineIds)
        await db.experiments.where('workspaceId').equals(id).delete()
        await db.datasets.where('workspaceId').equals(id).delete()
        await db.workspaces.delete(id)
        if (workspace.storage.kind === 'folder') await db.handles.delete(workspace.storage.handleKey)
        if ((await getCurrentWorkspaceId(db)) === id) await db.settings.delete(currentWorkspaceKey)
      },
    ),
  )
  await removeWorkspaceFiles(workspace, root)
  return ensureDefaultWorkspace(db)
}

async function removeWorkspaceFiles(workspace: Workspace, root: DirectoryHandle | undefined): Promise<void> {
  if (workspace.storage.kind === 'opfs') {
    const dir = await opfsWorkspacesDir()
    await dir.removeEntry(workspace.id, { recursive: true }).catch((error: unknown) => {
      if (!(error instanceof Error && error.name === 'NotFoundError')) throw error
    })
    return
  }
  // A picked folder may hold the user's own files too: remove only what Butterfly wrote there.
  forgetFolderHandle(workspace.storage.handleKey)
  if (!root) return
  const store = new BlobStore(root)
  for (const name of ['datasets', 'runs', workspaceManifestName]) await store.remove(name)
}

/** The serialized metadata of a workspace: what `workspace.json` holds. */
export interface WorkspaceManifest {
  type: 'butterfly/workspace'
  version: 1
  workspace: Workspace
  datasets: Dataset[]
  experiments: Experiment[]
  pipelines: Pipeline[]
  hooks: Hook[]
  runs: Run[]
  models: ModelRecord[]
  artifacts: Artifact[]
}

export async function buildWorkspaceManifest(db: ButterflyDb, id: WorkspaceId): Promise<WorkspaceManifest> {
  const workspace = await db.workspaces.get(id)
  if (!workspace) throw new StorageError('not-found', `No workspace ${id}`)
  const experiments = await db.experiments.where('workspaceId').equals(id).toArray()
  const runs = await db.runs.where('workspaceId').equals(id).toArray()
  const runIds = runs.map((r) => r.id)
  return {
    type: 'butterfly/workspace',
    version: 1,
    workspace,
    datasets: await db.datasets.where('workspaceId').equals(id).toArray(),
    experiments,
    pipelines: await db.pipelines
      .bulkGet(experiments.map((e) => e.pipelineId))
      .then((p) => p.filter((x) => !!x)),
    hooks: await db.hooks
      .where('pipelineId')
      .anyOf(experiments.map((e) => e.pipelineId))
      .toArray(),
    runs,
    models: await db.models.where('runId').anyOf(runIds).toArray(),
    artifacts: await db.artifacts.where('runId').anyOf(runIds).toArray(),
  }
}

/** For folder workspaces: rewrites `workspace.json` so the folder can be reopened elsewhere. */
export async function syncWorkspaceManifest(db: ButterflyDb, id: WorkspaceId): Promise<void> {
  const workspace = await db.workspaces.get(id)
  if (workspace?.storage.kind !== 'folder') return
  const manifest = await buildWorkspaceManifest(db, id)
  const store = await workspaceBlobStore(db, workspace)
  const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1))
  await store.write(workspaceManifestName, bytes, { overwrite: true })
}

/**
 * Opens a folder the user picked: a folder with a `workspace.json` is restored as that workspace (its
 * records validated on the way in); an empty or foreign folder becomes a new folder workspace.
 */
export async function openFolderWorkspace(
  db: ButterflyDb,
  handle: DirectoryHandle,
  now = Date.now(),
): Promise<Workspace> {
  const store = new BlobStore(handle)
  const handleKey = `folder:${newId('workspace')}`
  if (await store.exists(workspaceManifestName)) {
    let manifest: WorkspaceManifest
    try {
      manifest = JSON.parse(await (await store.read(workspaceManifestName)).text()) as WorkspaceManifest
    } catch (error) {
      throw new ValidationError(
        'invalid-record',
        `The folder's workspace.json is not valid JSON: ${String(error)}`,
      )
    }
    if (manifest.type !== 'butterfly/workspace')
      throw new ValidationError(
        'invalid-record',
        'The folder holds a workspace.json that is not a Butterfly workspace',
      )
    const existing = await db.workspaces.get(manifest.workspace.id)
    if (existing) {
      await rememberFolderHandle(
        db,
        existing.storage.kind === 'folder' ? existing.storage.handleKey : handleKey,
        handle,
      )
      return switchWorkspace(db, existing.id)
    }
    const workspace: Workspace = {
      ...manifest.workspace,
      storage: { kind: 'folder', folderName: handle.name, handleKey },
      rootPath: `folder:${handle.name}`,
    }
    await db.transaction(
      'rw',
      [
        db.workspaces,
        db.datasets,
        db.experiments,
        db.pipelines,
        db.hooks,
        db.runs,
        db.models,
        db.artifacts,
        db.handles,
      ],
      async () => {
        await rememberFolderHandle(db, handleKey, handle)
        await db.workspaces.add(workspace)
        await db.datasets.bulkAdd(manifest.datasets ?? [])
        await db.experiments.bulkAdd(manifest.experiments ?? [])
        await db.pipelines.bulkAdd(manifest.pipelines ?? [])
        await db.hooks.bulkAdd(manifest.hooks ?? [])
        // A run that was running when the folder was last written can never finish now.
        await db.runs.bulkAdd(
          (manifest.runs ?? []).map((run) =>
            run.status === 'running'
              ? {
                  ...run,
                  status: 'failed' as const,
                  endedAt: now,
                  failure: { reason: 'interrupted' as const, message: 'interrupted' },
                }
              : run,
          ),
        )
        await db.models.bulkAdd(manifest.models ?? [])
        await db.artifacts.bulkAdd(manifest.artifacts ?? [])
      },
    )
    return switchWorkspace(db, workspace.id)
  }
  const workspace = createWorkspace({
    id: newId('workspace'),
    name: uniqueName(
      handle.name,
      (await listWorkspaces(db)).map((w) => w.name),
    ),
    storage: { kind: 'folder', folderName: handle.name, handleKey },
    now,
  })
  await db.transaction('rw', db.workspaces, db.handles, async () => {
    await rememberFolderHandle(db, handleKey, handle)
    await db.workspaces.add(workspace)
  })
  await syncWorkspaceManifest(db, workspace.id)
  return switchWorkspace(db, workspace.id)
}

function uniqueName(base: string, taken: string[]): string {
  const name = base.trim() || 'Folder workspace'
  if (!taken.includes(name)) return name
  for (let i = 2; ; i++) if (!taken.includes(`${name} (${i})`)) return `${name} (${i})`
}
