import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { hashB, makeDataset, makeRun } from '../../tests/helpers/builders.ts'
import { asDirectoryHandle, MemoryDirectoryHandle } from '../../tests/helpers/memoryFs.ts'
import { newId } from '../domain/ids.ts'
import { completeRun, failRun } from '../domain/run.ts'
import { arraySliceBytes, BlobStore } from './blobStore.ts'
import { ButterflyDb } from './db.ts'
import { setOpfsRootProvider, workspaceBlobStore } from './roots.ts'
import {
  addWorkspace,
  deleteWorkspace,
  ensureDefaultWorkspace,
  getCurrentWorkspaceId,
  listWorkspaces,
  openFolderWorkspace,
  renameWorkspace,
  switchWorkspace,
} from './workspaces.ts'

let db: ButterflyDb
let opfs: MemoryDirectoryHandle

beforeEach(async () => {
  db = new ButterflyDb(`test-${Math.random()}`)
  opfs = new MemoryDirectoryHandle('opfs')
  setOpfsRootProvider(async () => asDirectoryHandle(opfs))
})

describe('storage refuses to break invariants, whatever the caller', () => {
  it('an imported dataset cannot be changed through put, update or modify', async () => {
    const workspace = await ensureDefaultWorkspace(db)
    const dataset = makeDataset({ workspaceId: workspace.id })
    await db.datasets.add(dataset)
    await expect(db.datasets.put({ ...dataset, rowCount: 1 })).rejects.toMatchObject({
      code: 'dataset-immutable',
    })
    await expect(db.datasets.update(dataset.id, { name: 'renamed' })).rejects.toMatchObject({
      code: 'dataset-immutable',
    })
    await expect(db.datasets.toCollection().modify({ rowCount: 2 })).rejects.toThrow(/immutable/)
    await expect(db.datasets.delete(dataset.id)).rejects.toMatchObject({ code: 'dataset-immutable' })
    expect(await db.datasets.get(dataset.id)).toEqual(dataset)
  })

  it('a completed run cannot be changed or deleted; a running one can progress', async () => {
    const run = await makeRun()
    await db.runs.add(run)
    await db.runs.put({ ...run, logs: [{ t: 1, level: 'info', message: 'started' }] })
    const stored = (await db.runs.get(run.id))!
    const done = completeRun(stored, {
      metrics: { accuracy: 0.9 },
      blockTimings: [],
      logs: stored.logs,
      modelIds: [],
      artifactIds: [],
      backend: 'cpu',
      model: undefined,
      now: 5,
    })
    await db.runs.put(done)
    await expect(db.runs.put({ ...done, metrics: { accuracy: 1 } })).rejects.toMatchObject({
      code: 'run-completed',
    })
    await expect(db.runs.update(run.id, { status: 'running' })).rejects.toMatchObject({
      code: 'run-completed',
    })
    await expect(db.runs.delete(run.id)).rejects.toMatchObject({ code: 'run-completed' })
    expect((await db.runs.get(run.id))?.metrics).toEqual({ accuracy: 0.9 })
  })

  it('a running run cannot swap its snapshot', async () => {
    const run = await makeRun()
    await db.runs.add(run)
    const other = await makeRun()
    await expect(
      db.runs.put({ ...run, snapshot: { ...other.snapshot, datasetHash: run.datasetHash } }),
    ).rejects.toMatchObject({
      code: 'snapshot-immutable',
    })
  })

  it('a failed run is final too', async () => {
    const run = await makeRun()
    await db.runs.add(failRun(run, { reason: 'interrupted', message: 'interrupted' }, 9))
    await expect(db.runs.update(run.id, { status: 'completed' })).rejects.toMatchObject({
      code: 'run-completed',
    })
  })

  it('artifacts are read-only', async () => {
    const artifact = {
      schemaVersion: 1,
      id: newId('artifact'),
      runId: newId('run'),
      type: 'log' as const,
      fileName: 'run.log',
      path: 'runs/x/run.log',
      mediaType: 'text/plain',
      byteSize: 3,
      sha256: hashB,
      metadata: {},
      createdAt: 1,
    }
    await db.artifacts.add(artifact)
    await expect(db.artifacts.put({ ...artifact, byteSize: 4 })).rejects.toMatchObject({
      code: 'artifact-read-only',
    })
  })

  it('invalid records are refused with the reason', async () => {
    await expect(db.datasets.add({ ...makeDataset(), rowCount: -1 })).rejects.toThrow(
      /rowCount must be a non-negative integer/,
    )
  })
})

describe('workspaces', () => {
  it('a default workspace exists on first start and stays current', async () => {
    const first = await ensureDefaultWorkspace(db)
    expect(first.name).toBe('My workspace')
    expect((await ensureDefaultWorkspace(db)).id).toBe(first.id)
    expect(await listWorkspaces(db)).toHaveLength(1)
  })

  it('can be created, renamed, switched and deleted with their records and files', async () => {
    const first = await ensureDefaultWorkspace(db)
    const second = await addWorkspace(db, 'Second')
    await expect(addWorkspace(db, ' Second ')).rejects.toThrow(/already exists/)
    await expect(renameWorkspace(db, second.id, '  ')).rejects.toThrow(/needs a name/)
    expect((await renameWorkspace(db, second.id, 'Renamed')).name).toBe('Renamed')
    await switchWorkspace(db, second.id)
    expect(await getCurrentWorkspaceId(db)).toBe(second.id)

    const store = await workspaceBlobStore(db, { ...second })
    await store.write('datasets/x.csv', new TextEncoder().encode('a\n1\n'))
    const dataset = makeDataset({ workspaceId: second.id })
    await db.datasets.add(dataset)
    const run = await makeRun({ workspaceId: second.id, datasetId: dataset.id })
    await db.runs.add(
      completeRun(run, {
        metrics: {},
        blockTimings: [],
        logs: [],
        modelIds: [],
        artifactIds: [],
        backend: 'cpu',
        model: undefined,
        now: 2,
      }),
    )
    expect(opfs.paths()).toContain(`workspaces/${second.id}/datasets/x.csv`)

    const current = await deleteWorkspace(db, second.id)
    expect(current.id).toBe(first.id)
    expect(await db.workspaces.get(second.id)).toBeUndefined()
    expect(await db.datasets.count()).toBe(0)
    expect(await db.runs.count()).toBe(0)
    expect(opfs.paths().some((p) => p.includes(second.id))).toBe(false)
  })

  it('deleting the last workspace leaves a fresh default one', async () => {
    const only = await ensureDefaultWorkspace(db)
    const next = await deleteWorkspace(db, only.id)
    expect(next.id).not.toBe(only.id)
    expect(await listWorkspaces(db)).toHaveLength(1)
  })

  it('a picked folder holds workspace.json and its files, and reopens in another profile', async () => {
    await ensureDefaultWorkspace(db)
    const folder = new MemoryDirectoryHandle('My data')
    const workspace = await openFolderWorkspace(db, asDirectoryHandle(folder))
    expect(workspace.storage.kind).toBe('folder')
    const store = await workspaceBlobStore(db, workspace)
    await store.write(`datasets/${hashB}.csv`, new TextEncoder().encode('a\n1\n'))
    const dataset = makeDataset({ workspaceId: workspace.id, hash: hashB, blobPath: `datasets/${hashB}.csv` })
    await db.datasets.add(dataset)
    const { syncWorkspaceManifest } = await import('./workspaces.ts')
    await syncWorkspaceManifest(db, workspace.id)
    expect(folder.paths()).toEqual([`datasets/${hashB}.csv`, 'workspace.json'])

    const otherProfile = new ButterflyDb(`other-${Math.random()}`)
    await ensureDefaultWorkspace(otherProfile)
    const reopened = await openFolderWorkspace(otherProfile, asDirectoryHandle(folder))
    expect(reopened.id).toBe(workspace.id)
    expect(await otherProfile.datasets.get(dataset.id)).toEqual(dataset)
    expect(
      await (await (await workspaceBlobStore(otherProfile, reopened)).read(dataset.blobPath)).text(),
    ).toBe('a\n1\n')
  })
})

describe('blob store', () => {
  it('writes atomically, reads back, refuses to overwrite and unsafe paths, removes recursively', async () => {
    const root = new MemoryDirectoryHandle()
    const store = new BlobStore(asDirectoryHandle(root))
    const seen: number[] = []
    await store.write('a/b/c.bin', new Blob([new Uint8Array([1, 2, 3])]), { onBytes: (n) => seen.push(n) })
    expect([...(await store.readBytes('a/b/c.bin'))]).toEqual([1, 2, 3])
    expect(seen.at(-1)).toBe(3)
    expect(root.paths()).toEqual(['a/b/c.bin'])
    await expect(store.write('a/b/c.bin', new Uint8Array([9]))).rejects.toThrow(/already exists/)
    await expect(store.write('../escape', new Uint8Array([9]))).rejects.toThrow(/Unsafe blob path/)
    await expect(store.read('missing.csv')).rejects.toMatchObject({ code: 'not-found' })
    await store.remove('a')
    expect(root.paths()).toEqual([])
    expect(await store.list()).toEqual([])
  })

  it('writes a large byte array in slices (the browser copies each write on the calling thread)', async () => {
    const root = new MemoryDirectoryHandle()
    const store = new BlobStore(asDirectoryHandle(root))
    const bytes = Uint8Array.from({ length: 2 * arraySliceBytes + 5 }, (_, i) => (i * 31) & 255)
    const seen: number[] = []
    await store.write('artifacts/big.csv', bytes, { onBytes: (n) => seen.push(n) })
    expect(seen).toEqual([arraySliceBytes, 2 * arraySliceBytes, 2 * arraySliceBytes + 5])
    expect(await store.readBytes('artifacts/big.csv')).toEqual(bytes)
    // An empty file is still one write, and exists.
    await store.write('artifacts/empty.csv', new Uint8Array(0))
    expect((await store.readBytes('artifacts/empty.csv')).byteLength).toBe(0)
  })

  it('writeOnce: two writers of one content-addressed path at the same millisecond both succeed, one file stays', async () => {
    const root = new MemoryDirectoryHandle()
    const store = new BlobStore(asDirectoryHandle(root))
    const tempNames: string[] = []
    const dir = await root.getDirectoryHandle('datasets', { create: true })
    const getFileHandle = dir.getFileHandle.bind(dir)
    dir.getFileHandle = async (name, options) => {
      if (name.endsWith('.partial')) tempNames.push(name)
      return getFileHandle(name, options)
    }
    const bytes = new TextEncoder().encode('a\n1\n')
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000)
    try {
      const placed = await Promise.all([
        store.writeOnce('datasets/h.csv', new Blob([bytes])),
        store.writeOnce('datasets/h.csv', new Blob([bytes])),
      ])
      expect(placed).toContain(true)
    } finally {
      now.mockRestore()
    }
    expect(new Set(tempNames).size).toBe(2)
    expect(root.paths()).toEqual(['datasets/h.csv'])
    expect(await (await store.read('datasets/h.csv')).text()).toBe('a\n1\n')
    // Already there: nothing is written, and the caller hears it was not this call's file.
    expect(await store.writeOnce('datasets/h.csv', new Uint8Array([9]))).toBe(false)
    expect(await (await store.read('datasets/h.csv')).text()).toBe('a\n1\n')
  })

  it('writeOnce: a file that lands while this copy is being written is kept, and this copy is dropped', async () => {
    const root = new MemoryDirectoryHandle()
    const store = new BlobStore(asDirectoryHandle(root))
    const dir = await root.getDirectoryHandle('datasets', { create: true })
    const placed = await store.writeOnce('datasets/h.csv', new Uint8Array([1, 2]), {
      onBytes: () => dir.putFile('h.csv', new Uint8Array([1, 2])),
    })
    expect(placed).toBe(false)
    expect(root.paths()).toEqual(['datasets/h.csv'])
    expect([...(await store.readBytes('datasets/h.csv'))]).toEqual([1, 2])
  })
})
