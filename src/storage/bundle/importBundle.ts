/**
 * Stores a run bundle in a workspace, all or nothing: verify the whole bundle (readRunBundle), look up
 * what the database already holds, plan (planBundleImport), write the files into the workspace's blob
 * store, then add every record in one IndexedDB transaction. If anything fails after the first file
 * was written, the files this import wrote are removed again, so a failed import leaves no trace.
 */
import type { Dataset } from '../../domain/dataset.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import type { Run } from '../../domain/run.ts'
import type { BlobStore } from '../blobStore.ts'
import type { ButterflyDb } from '../db.ts'
import { nextRunNumber } from '../runNumbers.ts'
import { duringImport } from '../workspaceLock.ts'
import type { BundleImportPlan, ExistingRecords, ImportContext } from './planImport.ts'
import { planBundleImport } from './planImport.ts'
import type { ReadBundleOptions, VerifiedBundle } from './readBundle.ts'
import { readRunBundle } from './readBundle.ts'

/** What an import added, for the UI to navigate to and the CLI to print. */
export interface BundleImportResult {
  plan: BundleImportPlan
  /** False when the dataset was already in the workspace (same hash) or missing from the bundle. */
  datasetWritten: boolean
}

/** Everything `planBundleImport` needs to know about the database, read for one bundle. */
export async function lookUpExistingRecords(
  db: ButterflyDb,
  workspaceId: WorkspaceId,
  bundle: VerifiedBundle,
): Promise<ExistingRecords> {
  const datasetByHash: Dataset | undefined = await db.datasets
    .where('[workspaceId+hash]')
    .equals([workspaceId, bundle.dataset.hash])
    .first()
  const sameName = await db.datasets
    .where('[workspaceId+name]')
    .equals([workspaceId, bundle.dataset.name])
    .toArray()
  const experiment = await db.experiments.get(bundle.experiment.id)
  const experimentHere = experiment?.workspaceId === workspaceId
  const candidates: [{ get(id: string): Promise<unknown> }, string[]][] = [
    [db.runs, [bundle.run.id]],
    [db.models, bundle.models.map((m) => m.id)],
    [db.artifacts, bundle.artifacts.map((a) => a.id)],
    [db.experiments, [bundle.experiment.id]],
    [db.pipelines, [bundle.snapshot.pipelineId]],
    [db.hooks, bundle.snapshot.blocks.flatMap((b) => b.hooks.map((h) => h.id))],
    [db.datasets, [bundle.dataset.id]],
  ]
  const taken = new Set<string>()
  for (const [table, ids] of candidates)
    for (const id of ids) if ((await table.get(id)) !== undefined) taken.add(id)
  return {
    ...(datasetByHash ? { datasetByHash } : {}),
    latestDatasetVersion: sameName.reduce((max, d) => Math.max(max, d.version), 0),
    experimentIds: new Set(experimentHere ? [bundle.experiment.id] : []),
    runsInExperiment: experimentHere
      ? await db.runs.where('experimentId').equals(bundle.experiment.id).count()
      : 0,
    isIdTaken: (id) => taken.has(id),
  }
}

/**
 * Writes `plan` into the database and the workspace's blob store. Files first (an existing
 * content-addressed dataset file is kept, not rewritten), then the records in one transaction; on
 * failure the files written here are removed and the error is rethrown (the storage guards' errors
 * and StorageError from the blob store pass through unchanged).
 */
export async function applyBundleImport(
  db: ButterflyDb,
  blobs: BlobStore,
  plan: BundleImportPlan,
): Promise<BundleImportResult> {
  const written: string[] = []
  let datasetWritten = false
  let numbered: Run = plan.run
  try {
    if (
      plan.dataset.action === 'add' &&
      (await blobs.writeOnce(plan.dataset.record.blobPath, plan.dataset.blob))
    ) {
      written.push(plan.dataset.record.blobPath)
      datasetWritten = true
    }
    for (const artifact of plan.artifacts) {
      // The run's id is new to the database, so a file already at its path is a leftover of a crash.
      await blobs.write(artifact.record.path, artifact.blob, { overwrite: true })
      written.push(artifact.record.path)
    }
    await db.transaction(
      'rw',
      [db.datasets, db.experiments, db.pipelines, db.hooks, db.runs, db.models, db.artifacts],
      async () => {
        if (plan.dataset.action === 'add') await db.datasets.add(plan.dataset.record)
        if (plan.experiment.action === 'add') {
          await db.pipelines.add(plan.experiment.pipeline)
          if (plan.experiment.hooks.length) await db.hooks.bulkAdd(plan.experiment.hooks)
          await db.experiments.add(plan.experiment.record)
        }
        // Into an experiment already here: numbered after its highest run, read in this transaction
        // (another tab may have started a run since the plan was made).
        if (plan.experiment.action === 'reuse')
          numbered = { ...plan.run, number: await nextRunNumber(db, plan.run.experimentId) }
        await db.runs.add(numbered)
        if (plan.models.length) await db.models.bulkAdd(plan.models)
        if (plan.artifacts.length) await db.artifacts.bulkAdd(plan.artifacts.map((a) => a.record))
      },
    )
    return { plan: numbered === plan.run ? plan : { ...plan, run: numbered }, datasetWritten }
  } catch (error) {
    for (const path of written) await blobs.remove(path).catch(() => undefined)
    throw error
  }
}

/**
 * Verifies `zip`, plans and stores it in `workspaceId`: the one call behind drag-and-drop, the file
 * picker and `butterfly import`. Rejects with StorageError('bundle-rejected') before writing anything
 * when the bundle fails a check.
 */
export async function importRunBundle(
  db: ButterflyDb,
  blobs: BlobStore,
  workspaceId: WorkspaceId,
  zip: Blob | Uint8Array,
  context: ImportContext,
  options: ReadBundleOptions = {},
): Promise<BundleImportResult> {
  const bundle = await readRunBundle(zip, options)
  const plan = planBundleImport(
    bundle,
    workspaceId,
    await lookUpExistingRecords(db, workspaceId, bundle),
    context,
  )
  // Its files exist before its records: the orphan sweep must not run meanwhile, in any tab.
  return duringImport(workspaceId, () => applyBundleImport(db, blobs, plan))
}
