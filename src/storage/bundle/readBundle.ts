/**
 * Reads and verifies a run bundle before anything is stored. Order matters: first the archive's
 * structure (entry count, names, declared sizes, compression ratios) from the central directory without
 * inflating anything, then the manifest, then every listed file inflated under a byte cap with CRC-32
 * checks and compared with its SHA-256, and last the records themselves (domain parsers, snapshot
 * hash, hook code hashes, dataset hash, cross-references). Any failure is a StorageError
 * ('bundle-rejected') whose message names what failed.
 */
import type { Entry, FileEntry } from '@zip.js/zip.js'
import { BlobReader, configure, ZipReader } from '@zip.js/zip.js'
import type { Artifact } from '../../domain/artifact.ts'
import { parseArtifact } from '../../domain/artifact.ts'
import type { Dataset } from '../../domain/dataset.ts'
import { parseDataset } from '../../domain/dataset.ts'
import { errorMessage, StorageError } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import { parseExperiment } from '../../domain/experiment.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import { canonicalJson, createSha256Hasher, isSha256Hex, sha256 } from '../../domain/hash.ts'
import type { ModelRecord } from '../../domain/model.ts'
import { parseModelRecord } from '../../domain/model.ts'
import type { PipelineSnapshot } from '../../domain/pipeline.ts'
import { computeSnapshotHash, parseSnapshot } from '../../domain/pipeline.ts'
import type { Run } from '../../domain/run.ts'
import { parseRun } from '../../domain/run.ts'
import { checkManifestAgainstFiles } from './consistency.ts'
import type { BundleLimits } from './limits.ts'
import { defaultBundleLimits, entryNameProblem } from './limits.ts'
import type { BundleFileEntry, RunBundleManifest } from './manifest.ts'
import {
  bundlePaths,
  manifestPath,
  runBundleType,
  runBundleVersion,
  snapshotHookEntries,
} from './manifest.ts'

configure({ useWebWorkers: false })

/** A bundle that passed every check: its records and the bytes of each file, ready to store. */
export interface VerifiedBundle {
  manifest: RunBundleManifest
  run: Run
  experiment: Experiment
  snapshot: PipelineSnapshot
  /** The dataset record as it was in the exporting workspace. */
  dataset: Dataset
  /** The original dataset file, when the bundle includes it (its SHA-256 equals `dataset.hash`). */
  datasetFile: { name: string; blob: Blob } | undefined
  models: ModelRecord[]
  artifacts: Artifact[]
  /** Bytes of each artifact by artifact id (SHA-256 checked against the artifact record). */
  artifactFiles: Map<string, Blob>
  /**
   * Bytes of every listed file by archive path (manifest excluded). Blobs, not buffers, so a large
   * dataset never needs one contiguous copy (browsers may keep big Blobs on disk).
   */
  files: Map<string, Blob>
}

/** Options of {@link readRunBundle}. */
export interface ReadBundleOptions {
  /** Overrides of {@link defaultBundleLimits}. */
  limits?: Partial<BundleLimits>
  /** Inflated bytes so far over the declared total, for a progress bar. */
  onProgress?: (progress: { bytesDone: number; bytesTotal: number; path: string }) => void
}

const reject = (message: string): never => {
  throw new StorageError('bundle-rejected', message)
}

/**
 * Verifies `zip` completely and resolves with its contents; the caller should write nothing before it
 * resolves. Rejects with StorageError('bundle-rejected') naming the first failed check: unreadable or
 * truncated archive, "not a Butterfly run bundle", a newer bundle version, too many entries, an entry
 * over the size or ratio caps, an unsafe or duplicate name, a missing, unlisted or tampered file, a
 * snapshot whose content does not hash to its recorded hash, a hook whose code does not match its
 * hash, a dataset file that does not match the dataset hash, or records that fail the domain parsers.
 */
export async function readRunBundle(
  zip: Blob | Uint8Array,
  options: ReadBundleOptions = {},
): Promise<VerifiedBundle> {
  const limits: BundleLimits = { ...defaultBundleLimits, ...options.limits }
  const blob = zip instanceof Blob ? zip : new Blob([zip as Uint8Array<ArrayBuffer>])
  if (blob.size > limits.maxArchiveBytes)
    reject(`The bundle is ${blob.size} bytes, over the limit of ${limits.maxArchiveBytes}`)
  const reader = new ZipReader(new BlobReader(blob), {
    useWebWorkers: false,
    // Data before/after the archive or duplicate names could be read differently by other tools.
    strictness: 'strict',
    // Names are checked below with one rule and one message.
    filenameValidation: 'tolerant',
  })
  try {
    let entries: Entry[]
    try {
      entries = await reader.getEntries()
    } catch (error) {
      return reject(`The file is not a readable zip archive (truncated or corrupt?): ${errorMessage(error)}`)
    }
    const fileEntries = checkStructure(entries, limits)
    const manifestEntry = fileEntries.get(manifestPath)
    if (!manifestEntry) return reject(`This zip is not a Butterfly run bundle: it has no ${manifestPath}`)
    if (manifestEntry.uncompressedSize > limits.maxManifestBytes)
      reject(
        `${manifestPath} is ${manifestEntry.uncompressedSize} bytes, over the limit of ${limits.maxManifestBytes}`,
      )
    const manifest = parseManifestText(
      await (await inflate(manifestEntry, manifestEntry.uncompressedSize)).blob.text(),
    )

    // Every archive file is listed, every listed file is in the archive, with the declared size.
    const listed = new Map<string, BundleFileEntry>()
    for (const file of manifest.files) {
      const problem = entryNameProblem(file.path)
      if (problem) reject(`The manifest lists an unsafe path '${file.path}': ${problem}`)
      if (file.path === manifestPath) reject(`The manifest lists itself`)
      if (listed.has(file.path)) reject(`The manifest lists '${file.path}' twice`)
      listed.set(file.path, file)
    }
    for (const path of fileEntries.keys())
      if (path !== manifestPath && !listed.has(path))
        reject(`The bundle contains '${path}', which the manifest does not list`)
    for (const file of listed.values()) {
      const entry = fileEntries.get(file.path)
      if (!entry) return reject(`File '${file.path}' listed in the manifest is missing from the bundle`)
      if (entry.uncompressedSize !== file.size)
        reject(
          `File '${file.path}' is ${entry.uncompressedSize} bytes in the archive but ${file.size} in the manifest`,
        )
    }

    // The records are cheap to check: a tampered manifest fails before any large file is inflated.
    const records = await verifyRecords(manifest)

    const bytesTotal = manifest.files.reduce((sum, file) => sum + file.size, 0)
    let bytesDone = 0
    const files = new Map<string, Blob>()
    for (const file of manifest.files) {
      const before = bytesDone
      const inflated = await inflate(fileEntries.get(file.path)!, file.size, (size) => {
        bytesDone = before + size
        options.onProgress?.({ bytesDone, bytesTotal, path: file.path })
      })
      if (inflated.sha256 !== file.sha256 || inflated.size !== file.size)
        reject(`File '${file.path}' does not match its SHA-256 in the manifest (tampered or corrupt)`)
      files.set(file.path, inflated.blob)
      bytesDone = before + inflated.size
    }
    // The hashes prove the files; the manifest's own numbers must agree with those files.
    await checkManifestAgainstFiles({ ...records, files })
    const datasetBytes = records.datasetPath ? files.get(records.datasetPath)!.size : undefined
    if (datasetBytes !== undefined && datasetBytes !== records.dataset.byteSize)
      reject(
        `The manifest's dataset.metadata.byteSize is ${records.dataset.byteSize} but the dataset file '${records.datasetPath}' is ${datasetBytes} bytes`,
      )
    const artifactFiles = new Map(
      records.artifacts.map((artifact) => [artifact.id, files.get(bundlePaths.artifact(artifact.fileName))!]),
    )
    const datasetFile = records.datasetPath
      ? {
          name: records.datasetPath.slice(records.datasetPath.indexOf('/') + 1),
          blob: files.get(records.datasetPath)!,
        }
      : undefined
    const { datasetPath: _, ...rest } = records
    return { manifest, ...rest, datasetFile, artifactFiles, files }
  } finally {
    await reader.close()
  }
}

/** Entry count, names, duplicates, encryption, declared sizes and ratios; returns the files by name. */
function checkStructure(entries: Entry[], limits: BundleLimits): Map<string, FileEntry> {
  if (entries.length > limits.maxEntries)
    reject(`The bundle has ${entries.length} entries, over the limit of ${limits.maxEntries}`)
  const files = new Map<string, FileEntry>()
  const names = new Set<string>()
  let total = 0
  for (const entry of entries) {
    const problem = entryNameProblem(entry.filename)
    if (problem) reject(`Refused entry name '${entry.filename}': ${problem}`)
    if (names.has(entry.filename)) reject(`The bundle contains '${entry.filename}' twice`)
    names.add(entry.filename)
    if (entry.directory) continue
    if (entry.encrypted) reject(`Entry '${entry.filename}' is encrypted; bundles never are`)
    const size = entry.uncompressedSize
    if (size > limits.maxEntryBytes)
      reject(
        `Entry '${entry.filename}' is ${size} bytes uncompressed, over the limit of ${limits.maxEntryBytes}`,
      )
    total += size
    if (total > limits.maxTotalBytes)
      reject(`The bundle's files add up to more than the limit of ${limits.maxTotalBytes} bytes uncompressed`)
    if (
      size > limits.ratioFloorBytes &&
      size / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio
    )
      reject(
        `Entry '${entry.filename}' compresses ${Math.round(size / Math.max(entry.compressedSize, 1))}:1, over the limit of ${limits.maxCompressionRatio}:1 (zip bomb?)`,
      )
    files.set(entry.filename, entry as FileEntry)
  }
  return files
}

/**
 * Inflates one entry into a Blob while hashing it, refusing more than `cap` bytes whatever its header
 * declares (the counting sink errors, which aborts zip.js's pipe), with CRC-32 and overlap checks on.
 */
async function inflate(
  entry: FileEntry,
  cap: number,
  onBytes?: (size: number) => void,
): Promise<{ blob: Blob; sha256: Sha256Hex; size: number }> {
  const hasher = await createSha256Hasher()
  const parts: Blob[] = []
  let size = 0
  let overflow = false
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      size += chunk.byteLength
      if (size > cap) {
        overflow = true
        throw new Error(`more than ${cap} bytes`)
      }
      hasher.update(chunk)
      // A Blob copies the chunk now, so zip.js may reuse its buffer.
      parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]))
      onBytes?.(size)
    },
  })
  try {
    await entry.getData(sink, { checkSignature: true, checkOverlappingEntry: true, useWebWorkers: false })
  } catch (error) {
    if (overflow)
      reject(`Entry '${entry.filename}' inflates to more than its declared ${cap} bytes (zip bomb?)`)
    reject(`Entry '${entry.filename}' is corrupt: ${errorMessage(error)}`)
  }
  return { blob: new Blob(parts), sha256: hasher.digest(), size }
}

/** The manifest's envelope and `files` list; the records inside are checked by {@link verifyRecords}. */
function parseManifestText(text: string): RunBundleManifest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return reject(
      `This zip is not a Butterfly run bundle: ${manifestPath} is not JSON (${errorMessage(error)})`,
    )
  }
  const manifest = value as RunBundleManifest
  if (!manifest || typeof manifest !== 'object' || manifest.type !== runBundleType)
    reject(
      `This zip is not a Butterfly run bundle: ${manifestPath} has type ${JSON.stringify((manifest as { type?: unknown })?.type)}, expected "${runBundleType}"`,
    )
  if (!Number.isInteger(manifest.version) || manifest.version < 1)
    reject(`The bundle has an invalid version ${JSON.stringify(manifest.version)}`)
  if (manifest.version > runBundleVersion)
    reject(
      `The bundle was made by a newer Butterfly (bundle version ${manifest.version}; this app reads up to ${runBundleVersion})`,
    )
  if (!Array.isArray(manifest.files)) reject('The manifest has no files list')
  for (const file of manifest.files)
    if (
      !file ||
      typeof file.path !== 'string' ||
      !isSha256Hex(file.sha256) ||
      !Number.isInteger(file.size) ||
      file.size < 0
    )
      reject(`The manifest has a malformed file entry ${JSON.stringify(file)}`)
  return manifest
}

/** Domain parsers, cross-references and every hash the records carry. */
/** The parsed, cross-checked records; `datasetPath` is the dataset file's archive path when included. */
type CheckedRecords = Pick<
  VerifiedBundle,
  'run' | 'experiment' | 'snapshot' | 'dataset' | 'models' | 'artifacts'
> & {
  datasetPath: string | undefined
}

async function verifyRecords(manifest: RunBundleManifest): Promise<CheckedRecords> {
  // Each listed file was hashed against these while inflating; the records are checked against them.
  const listed = new Map(manifest.files.map((file) => [file.path, file]))
  const parse = <T>(what: string, parser: (value: unknown) => T, value: unknown): T => {
    try {
      return parser(value)
    } catch (error) {
      return reject(`The bundle's ${what} record is invalid: ${errorMessage(error)}`)
    }
  }
  const run = parse('run', parseRun, restoreMetrics(manifest.run))
  if (run.status === 'running') reject(`Run ${run.id} in the bundle is still marked running`)
  const experiment = parse('experiment', parseExperiment, manifest.experiment)
  const snapshot = parse('pipeline snapshot', parseSnapshot, manifest.pipelineSnapshot)
  if (!manifest.dataset || typeof manifest.dataset !== 'object') reject('The manifest has no dataset section')
  const dataset = parse('dataset', parseDataset, manifest.dataset.metadata)
  const models = (
    Array.isArray(manifest.models) ? manifest.models : reject('The manifest has no models list')
  ).map((model) => parse('model', parseModelRecord, model))
  const artifacts = (
    Array.isArray(manifest.artifacts) ? manifest.artifacts : reject('The manifest has no artifacts list')
  ).map((artifact) => parse('artifact', parseArtifact, artifact))

  if (canonicalJson(snapshot) !== canonicalJson(run.snapshot))
    reject("The manifest's pipelineSnapshot differs from the run's snapshot")
  const recomputed = await computeSnapshotHash(snapshot)
  if (recomputed !== snapshot.hash)
    reject(
      `The pipeline snapshot's hash does not match its content (recorded ${snapshot.hash.slice(0, 12)}…, content hashes to ${recomputed.slice(0, 12)}…)`,
    )
  if (manifest.seed !== run.seed || run.seed !== snapshot.globalConfig.seed)
    reject(`The bundle's seed ${manifest.seed} differs from the run's seed ${run.seed}`)
  if (experiment.id !== run.experimentId)
    reject(`The bundle's experiment ${experiment.id} is not the run's experiment ${run.experimentId}`)
  if (manifest.dataset.hash !== run.datasetHash || dataset.hash !== run.datasetHash)
    reject("The bundle's dataset hash differs from the run's dataset hash")
  if (snapshot.datasetHash !== run.datasetHash)
    reject("The manifest's pipelineSnapshot.datasetHash differs from the run's dataset hash")
  if (dataset.id !== run.datasetId || snapshot.datasetId !== run.datasetId)
    reject(`The manifest's dataset ${dataset.id} is not the run's dataset ${run.datasetId}`)

  // Hooks: the top-level list is the snapshot's hooks, and each hook's code hashes to its codeHash.
  const expectedHooks = snapshotHookEntries(snapshot)
  if (!Array.isArray(manifest.hooks) || canonicalJson(manifest.hooks) !== canonicalJson(expectedHooks))
    reject("The manifest's hooks differ from the hooks frozen in the run's snapshot")
  for (const hook of expectedHooks)
    if ((await sha256(hook.source)) !== hook.codeHash)
      reject(`Hook '${hook.name}' (${hook.kind}) does not match its code hash`)

  for (const model of models)
    if (model.runId !== run.id) reject(`Model ${model.id} belongs to run ${model.runId}, not ${run.id}`)
  for (const artifact of artifacts) {
    if (artifact.runId !== run.id)
      reject(`Artifact ${artifact.fileName} belongs to run ${artifact.runId}, not ${run.id}`)
    const path = bundlePaths.artifact(artifact.fileName)
    const file = listed.get(path) ?? reject(`Artifact ${artifact.fileName} has no file ${path} in the bundle`)
    if (file.sha256 !== artifact.sha256 || file.size !== artifact.byteSize)
      reject(`File '${path}' does not match the SHA-256 or size recorded for artifact ${artifact.fileName}`)
  }
  const artifactIds = new Set(artifacts.map((a) => a.id))
  for (const id of run.artifactIds)
    if (!artifactIds.has(id)) reject(`Artifact ${id} of run ${run.id} is missing from the bundle`)
  const modelIds = new Set(models.map((m) => m.id))
  for (const id of run.modelIds)
    if (!modelIds.has(id)) reject(`Model ${id} of run ${run.id} is missing from the bundle`)

  let datasetPath: string | undefined
  if (manifest.dataset.included) {
    const path = manifest.dataset.path
    const file =
      (typeof path === 'string' && path.startsWith('dataset/') ? listed.get(path) : undefined) ??
      reject(`The dataset is marked included but its file ${String(path)} is not in the bundle`)
    if (file.sha256 !== dataset.hash)
      reject(`The dataset file '${file.path}' does not match the dataset hash ${dataset.hash.slice(0, 12)}…`)
    datasetPath = file.path
  }
  return { run, experiment, snapshot, dataset, models, artifacts, datasetPath }
}

/** Metrics that were NaN (undefined ROC-AUC…) travel as null in JSON; they come back as NaN. */
function restoreMetrics(run: unknown): unknown {
  const record = run as Run | undefined
  if (!record || typeof record !== 'object') return run
  const restore = (map: unknown) =>
    map && typeof map === 'object'
      ? Object.fromEntries(
          Object.entries(map).map(([key, value]) => [key, value === null ? Number.NaN : value]),
        )
      : map
  return {
    ...record,
    ...(record.metrics ? { metrics: restore(record.metrics) } : {}),
    ...(record.hookMetrics ? { hookMetrics: restore(record.hookMetrics) } : {}),
  }
}

/** What a verified bundle holds, as plain JSON: for the import dialog's preview and `butterfly verify`. */
export interface BundleSummary {
  createdAt: number
  app: { name: string; version: string }
  environment: { tfBackend: string; userAgent: string }
  run: { id: string; number: number; status: string; seed: number; metrics: Record<string, number | null> }
  model: { family: string; hyperparameters: Record<string, unknown> } | null
  experiment: { id: string; name: string }
  task: { target: string; taskType: string; metric: string }
  dataset: { name: string; version: number; hash: string; rowCount: number; included: boolean }
  snapshotHash: string
  hooks: { kind: string; name: string; codeHash: string }[]
  artifacts: { fileName: string; type: string; byteSize: number }[]
  /** Files in the bundle (manifest excluded) and their total uncompressed size. */
  fileCount: number
  totalBytes: number
}

/** Summarises a verified bundle; NaN metrics become null so the result is valid JSON. */
export function summarizeBundle(bundle: VerifiedBundle): BundleSummary {
  const { manifest, run, dataset, snapshot } = bundle
  return {
    createdAt: manifest.createdAt,
    app: manifest.app,
    environment: manifest.environment,
    run: {
      id: run.id,
      number: run.number,
      status: run.status,
      seed: run.seed,
      metrics: Object.fromEntries(
        Object.entries(run.metrics ?? {}).map(([key, value]) => [key, Number.isFinite(value) ? value : null]),
      ),
    },
    model: run.model ?? null,
    experiment: { id: bundle.experiment.id, name: bundle.experiment.name },
    task: { target: snapshot.task.target, taskType: snapshot.task.taskType, metric: snapshot.task.metric },
    dataset: {
      name: dataset.name,
      version: dataset.version,
      hash: dataset.hash,
      rowCount: dataset.rowCount,
      included: bundle.datasetFile !== undefined,
    },
    snapshotHash: snapshot.hash,
    hooks: manifest.hooks.map((hook) => ({ kind: hook.kind, name: hook.name, codeHash: hook.codeHash })),
    artifacts: bundle.artifacts.map((a) => ({ fileName: a.fileName, type: a.type, byteSize: a.byteSize })),
    fileCount: manifest.files.length,
    totalBytes: manifest.files.reduce((sum, file) => sum + file.size, 0),
  }
}
