/**
 * Run bundles from the command line: `run --bundle` builds the same records the app stores for a
 * completed run (dataset, experiment, run, models, artifacts: model file, model package, metrics.json,
 * run.log, test-predictions.csv) in memory and writes them with the app's bundle writer; `verify`
 * checks a bundle with the app's reader and, with `--rerun`, executes its snapshot again on its data,
 * with its seed and test rows, and compares every metric exactly.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Artifact, ArtifactType } from '../domain/artifact.ts'
import { createArtifact } from '../domain/artifact.ts'
import type { ColumnProfile, Dataset } from '../domain/dataset.ts'
import { datasetBlobPath } from '../domain/dataset.ts'
import { errorMessage, ValidationError } from '../domain/errors.ts'
import type { Experiment } from '../domain/experiment.ts'
import type { Sha256Hex } from '../domain/hash.ts'
import { sha256 } from '../domain/hash.ts'
import type { DatasetId, ExperimentId, PipelineId, RunId, WorkspaceId } from '../domain/ids.ts'
import { newId } from '../domain/ids.ts'
import type { PipelineSnapshot } from '../domain/pipeline.ts'
import { completeRun, createRun } from '../domain/run.ts'
import type { Column, DataFrame } from '../engine/frame.ts'
import { HookSandbox } from '../engine/hooks/hookSandbox.ts'
import type { RunOutcome } from '../engine/pipeline/executor.ts'
import { executePipeline } from '../engine/pipeline/executor.ts'
import { modelPackageFileName, packageRunOutcome } from '../outputs/predict/modelPackage.ts'
import {
  buildMetricsJson,
  buildModelRecords,
  modelArtifactFile,
  predictionsCsv,
  toJson,
} from '../outputs/runArtifacts.ts'
import type { VerifiedBundle } from '../storage/bundle/readBundle.ts'
import { readRunBundle, summarizeBundle } from '../storage/bundle/readBundle.ts'
import { writeRunBundle } from '../storage/bundle/writeBundle.ts'
import type { LoadedTable } from './loadTable.ts'
import { formatOf, loadTableBytes } from './loadTable.ts'

/** Ids fixed before a headless run starts, so its snapshot and its records agree. */
export interface HeadlessIds {
  workspaceId: WorkspaceId
  datasetId: DatasetId
  experimentId: ExperimentId
  pipelineId: PipelineId
  runId: RunId
}

export function newHeadlessIds(): HeadlessIds {
  return {
    workspaceId: newId('workspace'),
    datasetId: newId('dataset'),
    experimentId: newId('experiment'),
    pipelineId: newId('pipeline'),
    runId: newId('run'),
  }
}

/** What a finished headless run hands to {@link writeHeadlessBundle}. */
export interface HeadlessBundleInput {
  ids: HeadlessIds
  snapshot: PipelineSnapshot
  outcome: RunOutcome
  /** The loaded data file and its path. */
  data: { path: string; table: LoadedTable; hash: Sha256Hex }
  startedAt: number
  endedAt: number
  includeData: boolean
  /** Warnings (e.g. why no model package could be made). */
  onMessage?: (line: string) => void
}

const encode = (text: string) => new TextEncoder().encode(text)

/** Missing and distinct counts, range, mean and spread (numbers) or the most frequent values (categories). */
function profileOf(column: Column): ColumnProfile {
  if (column.type === 'categorical') {
    const counts = new Float64Array(column.levels.length)
    let missing = 0
    for (const code of column.codes)
      if (code < 0) missing++
      else counts[code]++
    const top = Array.from(counts.keys())
      .sort((a, b) => counts[b] - counts[a] || a - b)
      .slice(0, 10)
    return {
      name: column.name,
      missing,
      distinct: column.levels.filter((_, k) => counts[k] > 0).length,
      topValues: top.map((k) => ({ value: column.levels[k], count: counts[k] })),
    }
  }
  const present = column.values.filter((v) => !Number.isNaN(v))
  const distinct = new Set(present).size
  if (present.length === 0) return { name: column.name, missing: column.values.length, distinct }
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  let sum = 0
  for (const v of present) {
    if (v < min) min = v
    if (v > max) max = v
    sum += v
  }
  const mean = sum / present.length
  let ss = 0
  for (const v of present) ss += (v - mean) ** 2
  return {
    name: column.name,
    missing: column.values.length - present.length,
    distinct,
    min,
    max,
    mean,
    std: present.length > 1 ? Math.sqrt(ss / (present.length - 1)) : 0,
  }
}

function datasetRecord(ids: HeadlessIds, data: HeadlessBundleInput['data'], now: number): Dataset {
  const { frame, bytes, format } = data.table
  return {
    schemaVersion: 1,
    id: ids.datasetId,
    workspaceId: ids.workspaceId,
    name: basename(data.path).replace(/\.(csv|tsv|tab|parquet)$/i, ''),
    version: 1,
    sourcePath: basename(data.path),
    sourceFormat: format,
    byteSize: bytes.byteLength,
    hash: data.hash,
    schema: frame.columns.map((c) => ({
      name: c.name,
      physicalType:
        c.type === 'categorical'
          ? 'VARCHAR'
          : c.kind === 'boolean'
            ? 'BOOLEAN'
            : c.kind === 'datetime'
              ? 'TIMESTAMP'
              : 'DOUBLE',
      kind: c.kind,
    })),
    rowCount: frame.nRows,
    // The app's dataset page shows one profile per schema column.
    profile: frame.columns.map(profileOf),
    blobPath: datasetBlobPath(data.hash, format),
    ...(format === 'csv'
      ? { delimiter: ',' as const }
      : format === 'tsv'
        ? { delimiter: '\t' as const }
        : {}),
    importedAt: now,
  }
}

/**
 * The records and files the app would store for this run, then the bundle bytes from the app's bundle
 * writer (dataset file included when asked).
 */
export async function writeHeadlessBundle(input: HeadlessBundleInput): Promise<Uint8Array> {
  const { ids, snapshot, outcome, data } = input
  const now = input.endedAt
  const dataset = datasetRecord(ids, data, input.startedAt)
  const experiment: Experiment = {
    schemaVersion: 1,
    id: ids.experimentId,
    workspaceId: ids.workspaceId,
    name: `${dataset.name} → ${snapshot.task.target}`,
    datasetId: ids.datasetId,
    pipelineId: ids.pipelineId,
    task: snapshot.task,
    createdAt: input.startedAt,
    updatedAt: input.startedAt,
  }
  const running = createRun({
    id: ids.runId,
    workspaceId: ids.workspaceId,
    number: 1,
    snapshot,
    now: input.startedAt,
  })
  const blobs = new Map<string, Uint8Array>()
  blobs.set(dataset.blobPath, data.table.bytes)
  const artifacts: Artifact[] = []
  const modelId = newId('model')
  const addArtifact = async (
    type: ArtifactType,
    fileName: string,
    mediaType: string,
    bytes: Uint8Array,
    metadata: Record<string, unknown> = {},
  ) => {
    const artifact = await createArtifact({
      runId: running.id,
      modelId,
      type,
      fileName,
      mediaType,
      bytes,
      metadata,
      now,
    })
    blobs.set(artifact.path, bytes)
    artifacts.push(artifact)
    return artifact
  }

  if (outcome.model) {
    const { fileName, mediaType } = modelArtifactFile(outcome.model)
    await addArtifact('model', fileName, mediaType, outcome.model.bytes, {
      family: outcome.model.family,
      framework: outcome.model.framework,
    })
    const packaged = packageRunOutcome(outcome, data.table.frame.columns, snapshot, {
      runId: running.id,
      now,
    })
    if ('bytes' in packaged)
      await addArtifact('model', modelPackageFileName, 'application/json', packaged.bytes, {
        format: 'butterfly/model-package',
        version: 1,
      })
    else input.onMessage?.(`no model package: ${packaged.refused}`)
  }
  const models = buildModelRecords({
    runId: running.id,
    outcome,
    chosenModelId: modelId,
    chosenArtifactIds: artifacts.filter((a) => a.type === 'model').map((a) => a.id),
    now,
  })
  // The same metrics.json and test-predictions.csv as the app writes (src/outputs/runArtifacts.ts).
  await addArtifact(
    'metrics-json',
    'metrics.json',
    'application/json',
    encode(toJson(buildMetricsJson(running, outcome), 1)),
  )
  await addArtifact(
    'log',
    'run.log',
    'application/x-ndjson',
    encode(outcome.logs.map((entry) => JSON.stringify(entry)).join('\n')),
  )
  if (outcome.predictions)
    await addArtifact('predictions', 'test-predictions.csv', 'text/csv', encode(predictionsCsv(outcome)))

  const run = completeRun(running, {
    metrics: outcome.metrics,
    hookMetrics: outcome.hookMetrics,
    evaluatedByHook: outcome.evaluatedByHook,
    model: outcome.model
      ? { family: outcome.model.family, hyperparameters: outcome.model.hyperparameters }
      : undefined,
    blockTimings: outcome.blockTimings,
    logs: outcome.logs,
    modelIds: models.filter((m) => m.role === 'chosen').map((m) => m.id),
    artifactIds: artifacts.map((a) => a.id),
    backend: outcome.backend,
    now,
  })
  const blob = await writeRunBundle({
    run,
    experiment,
    dataset,
    models,
    artifacts,
    includeDataset: input.includeData,
    app: { name: 'butterfly', version: await appVersion() },
    environment: { tfBackend: outcome.backend, userAgent: `node ${process.version}` },
    readFile: async (path) => {
      const bytes = blobs.get(path)
      if (!bytes) throw new Error(`No file ${path}`)
      return bytes
    },
    now,
  })
  return new Uint8Array(await blob.arrayBuffer())
}

async function appVersion(): Promise<string> {
  try {
    const json = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'))
    return String(json.version)
  } catch {
    return 'unknown'
  }
}

/** One metric of a rerun, compared exactly with the recorded value (NaN equals NaN). */
export interface MetricComparison {
  name: string
  recorded: number | undefined
  rerun: number | undefined
  match: boolean
}

/** The result of `verify`: exit code 0 when every check passed, with the report lines. */
export interface VerifyResult {
  exitCode: 0 | 1
  lines: string[]
  /** Per metric, when `--rerun` ran. */
  comparisons?: MetricComparison[]
}

export interface VerifyOptions {
  rerun?: boolean
  /** Data file to rerun on instead of the bundled dataset. */
  data?: string
  onMessage?: (line: string) => void
}

/** Input rows of the run's test split, from its test-predictions.csv (first column). */
async function testRowsOf(bundle: VerifiedBundle): Promise<number[] | undefined> {
  const artifact = bundle.artifacts.find(
    (a) => a.type === 'predictions' && a.fileName === 'test-predictions.csv',
  )
  const blob = artifact ? bundle.artifactFiles.get(artifact.id) : undefined
  if (!blob) return undefined
  const lines = (await blob.text()).split('\n').filter((l) => l !== '')
  return lines.slice(1).map((line) => Number(line.slice(0, line.indexOf(','))))
}

function formatMetric(value: number | undefined): string {
  return value === undefined ? '(none)' : String(value)
}

/**
 * Verifies a bundle file: every hash and record (the app's bundle reader), then with `rerun` executes
 * the snapshot again on the bundled dataset (or `data`), with the run's seed and test rows, and
 * compares every metric exactly. Never throws for expected failures; they become exit code 1 with
 * the reason in the last line.
 */
export async function verifyBundleFile(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const lines: string[] = []
  const say = (line: string) => {
    lines.push(line)
    options.onMessage?.(line)
  }
  let bundle: VerifiedBundle
  try {
    bundle = await readRunBundle(new Uint8Array(await readFile(path)))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    say(`REJECTED: ${code === 'ENOENT' ? `cannot read '${path}'` : errorMessage(error)}`)
    return { exitCode: 1, lines }
  }
  const summary = summarizeBundle(bundle)
  say(
    `verified ${basename(path)}: ${summary.fileCount} files (${summary.totalBytes} bytes), every SHA-256 matches; run ${summary.run.number} of '${summary.experiment.name}', ${summary.model?.family ?? 'no model'}, snapshot ${summary.snapshotHash.slice(0, 12)}…, dataset ${summary.dataset.hash.slice(0, 12)}…${summary.dataset.included ? ' (included)' : ' (not included)'}`,
  )
  if (!options.rerun) return { exitCode: 0, lines }
  try {
    const comparisons = await rerunBundle(bundle, options, say)
    const width = Math.max(...comparisons.map((c) => c.name.length))
    for (const c of comparisons)
      say(
        `${c.name.padEnd(width)}  ${c.match ? 'match   ' : 'MISMATCH'}  recorded ${formatMetric(c.recorded)}  rerun ${formatMetric(c.rerun)}`,
      )
    const mismatches = comparisons.filter((c) => !c.match).length
    say(
      mismatches === 0
        ? `rerun reproduces all ${comparisons.length} metrics exactly`
        : `rerun differs on ${mismatches} of ${comparisons.length} metrics`,
    )
    return { exitCode: mismatches === 0 ? 0 : 1, lines, comparisons }
  } catch (error) {
    say(`RERUN FAILED: ${errorMessage(error).split('\n')[0]}`)
    return { exitCode: 1, lines }
  }
}

async function rerunBundle(
  bundle: VerifiedBundle,
  options: VerifyOptions,
  say: (line: string) => void,
): Promise<MetricComparison[]> {
  const { snapshot, run } = bundle
  if (run.status !== 'completed')
    throw new ValidationError(
      'invalid-argument',
      `Run ${run.number} ${run.status}${run.failure ? ` (${run.failure.message})` : ''}; it has no metrics to compare`,
    )
  let table: LoadedTable
  const hints: Record<string, 'categorical'> =
    snapshot.task.taskType === 'regression' ? {} : { [snapshot.task.target]: 'categorical' }
  if (options.data) {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(options.data))
    } catch (error) {
      throw new ValidationError(
        'invalid-argument',
        `Cannot read data file '${options.data}': ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      )
    }
    if ((await sha256(bytes)) !== run.datasetHash)
      say(
        `warning: '${basename(options.data)}' is not the run's dataset (its SHA-256 differs); metrics may differ`,
      )
    table = await loadTableBytes(bytes, formatOf(options.data), options.data, hints)
  } else {
    if (!bundle.datasetFile)
      throw new ValidationError(
        'invalid-argument',
        'The bundle does not include its dataset; pass --data FILE (the run was made on dataset ' +
          `${run.datasetHash.slice(0, 12)}…)`,
      )
    const { name, blob } = bundle.datasetFile
    table = await loadTableBytes(new Uint8Array(await blob.arrayBuffer()), formatOf(name), name, hints)
  }
  const testIndices = await testRowsOf(bundle)
  say(
    `rerunning snapshot ${snapshot.hash.slice(0, 12)}… with seed ${snapshot.globalConfig.seed} on ${table.frame.nRows} rows${testIndices ? ` and the run's ${testIndices.length} test rows` : ''}`,
  )
  const hasHooks = snapshot.blocks.some((b) => b.hooks.length > 0)
  const outcome = await executePipeline(snapshot, table.frame as DataFrame, {
    ...(hasHooks ? { hookRunner: new HookSandbox() } : {}),
    ...(testIndices ? { testIndices } : {}),
  })
  if (run.backend && outcome.backend !== run.backend)
    say(`warning: the run used the ${run.backend} backend, this rerun ${outcome.backend}`)
  // Hook metrics are compared too, under their own "hook:" names (they are a namespace of their own).
  return [
    ...compareMetrics(run.metrics ?? {}, outcome.metrics, ''),
    ...compareMetrics(run.hookMetrics ?? {}, outcome.hookMetrics, 'hook:'),
  ]
}

function compareMetrics(
  recorded: Readonly<Record<string, number>>,
  rerun: Readonly<Record<string, number>>,
  prefix: string,
) {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(rerun)])]
  return names.map((name) => {
    const a = recorded[name]
    const b = rerun[name]
    return {
      name: `${prefix}${name}`,
      recorded: a,
      rerun: b,
      match: a !== undefined && b !== undefined && (a === b || (Number.isNaN(a) && Number.isNaN(b))),
    }
  })
}
