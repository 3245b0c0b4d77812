/**
 * Exports a stored run as a bundle: gathers the run, its experiment, dataset, models and artifacts
 * from the database and streams their files from the workspace's blob store into writeRunBundle.
 */
import { StorageError } from '../../domain/errors.ts'
import type { RunId } from '../../domain/ids.ts'
import type { BlobStore } from '../blobStore.ts'
import type { ButterflyDb } from '../db.ts'
import { runBundleFileName } from './manifest.ts'
import type { BundleProgress, RunBundleInput } from './writeBundle.ts'
import { writeRunBundle } from './writeBundle.ts'

/** Export settings chosen in the export dialog (or by the CLI). */
export interface ExportOptions {
  includeDataset: boolean
  app: RunBundleInput['app']
  environment: RunBundleInput['environment']
  now?: number
}

/**
 * The bundle of stored run `runId` and its download name. Rejects with StorageError('not-found') when
 * the run, its experiment or its dataset record is missing, and as writeRunBundle does otherwise.
 */
export async function exportRunBundle(
  db: ButterflyDb,
  blobs: BlobStore,
  runId: RunId,
  options: ExportOptions,
  onProgress?: (progress: BundleProgress) => void,
): Promise<{ blob: Blob; fileName: string }> {
  const run = await db.runs.get(runId)
  if (!run) throw new StorageError('not-found', `No run ${runId}`)
  const experiment = await db.experiments.get(run.experimentId)
  if (!experiment) throw new StorageError('not-found', `The experiment of run ${runId} is missing`)
  const dataset = await db.datasets.get(run.datasetId)
  if (!dataset)
    throw new StorageError(
      'not-found',
      `The dataset of run ${runId} is not in this workspace (hash ${run.datasetHash.slice(0, 12)}…)`,
    )
  const models = await db.models.where('runId').equals(runId).toArray()
  const artifacts = await db.artifacts.where('runId').equals(runId).toArray()
  // Artifacts in the run's own order, so the same run always gives the same manifest.
  const order = new Map(run.artifactIds.map((id, i) => [id, i]))
  artifacts.sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity))
  const blob = await writeRunBundle(
    {
      run,
      experiment,
      dataset,
      models,
      artifacts,
      includeDataset: options.includeDataset,
      app: options.app,
      environment: options.environment,
      readFile: (path) => blobs.read(path),
      ...(options.now !== undefined ? { now: options.now } : {}),
    },
    onProgress,
  )
  return { blob, fileName: runBundleFileName(experiment.name, run.number) }
}
