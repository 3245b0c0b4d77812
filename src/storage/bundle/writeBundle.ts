/**
 * Writes a run bundle (`.butterfly.zip`): every artifact, the run's metrics and logs, optionally the
 * dataset file, then `manifest.json` listing each file's SHA-256 and size. Files are streamed from a
 * `readFile` provider (the workspace blob store in the app, the file system in Node) through a hashing
 * step into zip.js, in one pass; the manifest goes last because it needs the hashes.
 */
import { BlobWriter, configure, TextReader, ZipWriter } from '@zip.js/zip.js'
import type { Artifact } from '../../domain/artifact.ts'
import type { Dataset } from '../../domain/dataset.ts'
import { StorageError } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import { createSha256Hasher } from '../../domain/hash.ts'
import type { ModelRecord } from '../../domain/model.ts'
import type { Run } from '../../domain/run.ts'
import { isRunExportable } from '../../domain/run.ts'
import { entryNameProblem } from './limits.ts'
import type { BundleFileEntry, RunBundleManifest } from './manifest.ts'
import {
  bundlePaths,
  manifestPath,
  runBundleType,
  runBundleVersion,
  snapshotHookEntries,
} from './manifest.ts'

// Our CSP has no blob: workers; zip.js otherwise tries one and logs a violation before falling back.
configure({ useWebWorkers: false })

/** Everything a bundle is made from: plain records plus a reader for the bytes they point at. */
export interface RunBundleInput {
  run: Run
  experiment: Experiment
  dataset: Dataset
  /** The run's models (chosen and candidates). */
  models: ModelRecord[]
  /** The run's artifacts; each one's bytes are read from `artifact.path`. */
  artifacts: Artifact[]
  /** Put the original dataset file (read from `dataset.blobPath`) in the bundle. */
  includeDataset: boolean
  app: { name: string; version: string }
  environment: { tfBackend: string; userAgent: string }
  /**
   * Reads the bytes stored at a workspace path (`artifact.path`, `dataset.blobPath`). Called once per
   * file, just before that file is written, so only one file is open at a time.
   */
  readFile: (path: string) => Promise<BundleFileSource>
  /** Export time, epoch ms (default `Date.now()`). */
  now?: number
}

/** Export progress: bytes streamed so far over the total to stream, and the file being written. */
export interface BundleProgress {
  bytesDone: number
  bytesTotal: number
  path: string
}

/** File bytes as the provider has them: a Blob or File (browser), a buffer, or a stream. */
export type BundleFileSource = Blob | Uint8Array | ReadableStream<Uint8Array>

interface PendingFile {
  path: string
  open: () => Promise<BundleFileSource>
  /** Size the records give (for the progress total before any file is opened). */
  size: number
  /** The hash the workspace recorded for these bytes, checked while streaming. */
  expectedSha256?: Sha256Hex
  what: string
}

function streamOf(source: BundleFileSource): ReadableStream<Uint8Array> {
  if (source instanceof Blob) return source.stream() as ReadableStream<Uint8Array>
  if (source instanceof Uint8Array)
    return new ReadableStream({
      start(controller) {
        controller.enqueue(source)
        controller.close()
      },
    })
  return source
}

/** The archive name of the dataset file: `dataset/<original file name>` (a safe fallback otherwise). */
export function bundledDatasetPath(dataset: Dataset): string {
  const original = dataset.sourcePath.split(/[\\/]/).pop() ?? ''
  const path = bundlePaths.dataset(original)
  return original && !entryNameProblem(path) ? path : bundlePaths.dataset(`dataset.${dataset.sourceFormat}`)
}

/**
 * Writes the bundle and resolves with the zip as a Blob (`new Uint8Array(await blob.arrayBuffer())`
 * in Node). Rejects with StorageError('write-failed') when a stored file no longer matches the hash its
 * record holds (the bundle would not verify), and with the provider's error when a file cannot be read.
 */
export async function writeRunBundle(
  input: RunBundleInput,
  onProgress?: (progress: BundleProgress) => void,
): Promise<Blob> {
  const { run, dataset } = input
  if (run.status === 'running')
    throw new StorageError('write-failed', `Run ${run.id} is still running and cannot be exported`)
  if (!isRunExportable(run))
    throw new StorageError('write-failed', `Run ${run.id} was cancelled and cannot be exported`)
  const pending: PendingFile[] = []
  const text = (path: string, content: string, what: string) => {
    const bytes = new TextEncoder().encode(content)
    pending.push({ path, open: async () => bytes, size: bytes.byteLength, what })
  }
  text(bundlePaths.metrics, `${JSON.stringify(run.metrics ?? {}, finiteOrNull, 1)}\n`, 'metrics')
  if (run.hookMetrics)
    text(bundlePaths.hookMetrics, `${JSON.stringify(run.hookMetrics, finiteOrNull, 1)}\n`, 'hook metrics')
  text(bundlePaths.logs, run.logs.map((entry) => `${JSON.stringify(entry)}\n`).join(''), 'logs')
  for (const artifact of input.artifacts)
    pending.push({
      path: bundlePaths.artifact(artifact.fileName),
      open: () => input.readFile(artifact.path),
      size: artifact.byteSize,
      expectedSha256: artifact.sha256,
      what: `artifact ${artifact.fileName}`,
    })
  const datasetPath = input.includeDataset ? bundledDatasetPath(dataset) : undefined
  if (datasetPath)
    pending.push({
      path: datasetPath,
      open: () => input.readFile(dataset.blobPath),
      size: dataset.byteSize,
      expectedSha256: dataset.hash,
      what: `dataset ${dataset.name}`,
    })
  const seen = new Set<string>()
  for (const file of pending) {
    if (seen.has(file.path))
      throw new StorageError(
        'write-failed',
        `Two files of run ${run.id} would both be stored as ${file.path}`,
      )
    seen.add(file.path)
  }

  // From the records, so the total is known before any file is opened (a stream has no size).
  const bytesTotal = pending.reduce((sum, file) => sum + file.size, 0)
  let bytesDone = 0
  const zip = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
  const files: BundleFileEntry[] = []
  try {
    for (const file of pending) {
      const hasher = await createSha256Hasher()
      let size = 0
      const hashing = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hasher.update(chunk)
          size += chunk.byteLength
          bytesDone += chunk.byteLength
          onProgress?.({ bytesDone, bytesTotal, path: file.path })
          controller.enqueue(chunk)
        },
      })
      onProgress?.({ bytesDone, bytesTotal, path: file.path })
      await zip.add(file.path, streamOf(await file.open()).pipeThrough(hashing), {
        lastModDate: new Date(input.now ?? Date.now()),
        // Parquet is compressed already: store it rather than spend time deflating it again.
        ...(file.path.toLowerCase().endsWith('.parquet') ? { level: 0 } : {}),
      })
      const digest = hasher.digest()
      if (file.expectedSha256 && digest !== file.expectedSha256)
        throw new StorageError(
          'write-failed',
          `The stored bytes of ${file.what} no longer match their recorded SHA-256; the bundle would not verify`,
        )
      files.push({ path: file.path, sha256: digest, size })
    }
    const manifest: RunBundleManifest = {
      type: runBundleType,
      version: runBundleVersion,
      createdAt: input.now ?? Date.now(),
      app: input.app,
      environment: input.environment,
      run,
      experiment: input.experiment,
      pipelineSnapshot: run.snapshot,
      dataset: {
        metadata: dataset,
        hash: dataset.hash,
        included: datasetPath !== undefined,
        ...(datasetPath ? { path: datasetPath } : {}),
      },
      seed: run.seed,
      hooks: snapshotHookEntries(run.snapshot),
      models: input.models,
      artifacts: input.artifacts,
      files,
    }
    // Canonical JSON rejects non-finite numbers; metrics such as roc_auc may be NaN, stored as null.
    const manifestText = JSON.stringify(JSON.parse(JSON.stringify(manifest, finiteOrNull)), null, 1)
    await zip.add(manifestPath, new TextReader(manifestText), {
      lastModDate: new Date(input.now ?? Date.now()),
    })
    return await zip.close()
  } catch (error) {
    // Release zip.js's internal streams before reporting; the partial archive is discarded.
    await zip.close().catch(() => undefined)
    throw error
  }
}

function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value
}
