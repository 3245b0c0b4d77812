/**
 * Run bundles from the command line: `run --bundle` builds the same records the app stores for a
 * completed run (dataset, experiment, run, models, artifacts: model file, model package, metrics.json,
 * run.log, test-predictions.csv) in memory and writes them with the app's bundle writer; `verify`
 * checks a bundle with the app's reader and, with `--rerun`, executes its snapshot again on its data,
 * with its seed and test rows, and compares every metric exactly.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Dataset } from '../domain/dataset.ts'
import { datasetBlobPath } from '../domain/dataset.ts'
import { errorMessage, ValidationError } from '../domain/errors.ts'
import type { Experiment } from '../domain/experiment.ts'
import type { Sha256Hex } from '../domain/hash.ts'
import { sha256 } from '../domain/hash.ts'
import type { DatasetId, ExperimentId, PipelineId, RunId, WorkspaceId } from '../domain/ids.ts'
import { newId } from '../domain/ids.ts'
import type { DataFrame } from '../engine/frame.ts'
import { HookSandbox } from '../engine/hooks/hookSandbox.ts'
import { startRunRecord } from '../runs/runRecord.ts'
import type { RunResult } from '../runs/runService.ts'
import { executeRun, targetHints } from '../runs/runService.ts'
import type { VerifiedBundle } from '../storage/bundle/readBundle.ts'
import { readRunBundle, summarizeBundle } from '../storage/bundle/readBundle.ts'
import { writeRunBundle } from '../storage/bundle/writeBundle.ts'
import { openIfLarge } from './largeTable.ts'
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

/** The Dataset record the app would store for this data file (the bundle's dataset and the notebook's input). */
export function datasetRecord(
  ids: HeadlessIds,
  data: {
    path: string
    table: Pick<LoadedTable, 'format' | 'schema' | 'profile' | 'rowCount' | 'delimiter'> & {
      bytes: { byteLength: number }
    }
    hash: Sha256Hex
  },
  now: number,
): Dataset {
  const { bytes, format } = data.table
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
    // The schema and profile the app's import computes, from the one loader (src/storage/tables/loadTableFile.ts).
    schema: data.table.schema,
    rowCount: data.table.rowCount,
    profile: data.table.profile,
    blobPath: datasetBlobPath(data.hash, format),
    ...(data.table.delimiter ? { delimiter: data.table.delimiter } : {}),
    importedAt: now,
  }
}

/**
 * A completed run (records and files from the run service) as a `.butterfly.zip`, written with the
 * app's bundle writer; the dataset file goes in when asked.
 */
export async function writeHeadlessBundle(input: {
  result: RunResult
  dataset: Dataset
  experiment: Experiment
  /** The data file's bytes (stored at the dataset's blob path). */
  dataBytes: Uint8Array
  includeData: boolean
}): Promise<Uint8Array> {
  const { result, dataset } = input
  const blobs = new Map<string, Uint8Array>(result.files.map((file) => [file.path, file.bytes]))
  blobs.set(dataset.blobPath, input.dataBytes)
  const blob = await writeRunBundle({
    run: result.run,
    experiment: input.experiment,
    dataset,
    models: result.models,
    artifacts: result.artifacts,
    includeDataset: input.includeData,
    app: { name: 'butterfly', version: await appVersion() },
    environment: { tfBackend: result.outcome.backend, userAgent: `node ${process.version}` },
    readFile: async (path) => {
      const bytes = blobs.get(path)
      if (!bytes) throw new Error(`No file ${path}`)
      return bytes
    },
    now: result.run.endedAt ?? Date.now(),
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
  /** Set when the values differ but are within this relative tolerance (see {@link gpuTolerance}). */
  tolerance?: number
}

/** Relative tolerance for reruns of TF.js models trained on webgl/webgpu, which Node does not have. */
export const gpuTolerance = 1e-6

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
        `${c.name.padEnd(width)}  ${c.tolerance ? 'close   ' : c.match ? 'match   ' : 'MISMATCH'}  recorded ${formatMetric(c.recorded)}  rerun ${formatMetric(c.rerun)}`,
      )
    const mismatches = comparisons.filter((c) => !c.match).length
    const close = comparisons.filter((c) => c.tolerance).map((c) => c.name)
    say(
      mismatches > 0
        ? `rerun differs on ${mismatches} of ${comparisons.length} metrics`
        : close.length > 0
          ? `rerun reproduces ${comparisons.length - close.length} metrics exactly and ${close.join(', ')} within relative tolerance ${gpuTolerance}`
          : `rerun reproduces all ${comparisons.length} metrics exactly`,
    )
    return { exitCode: mismatches === 0 ? 0 : 1, lines, comparisons }
  } catch (error) {
    say(`RERUN FAILED: ${errorMessage(error).split('\n')[0]}`)
    return { exitCode: 1, lines }
  }
}

/** The backend a rerun asks for: the recorded one where Node has it (cpu, wasm), else cpu. */
function rerunBackend(recorded: string | undefined): 'cpu' | 'wasm' | undefined {
  if (recorded === undefined) return undefined
  return recorded === 'wasm' ? 'wasm' : 'cpu'
}

/** A new running run record re-executing the bundle's run. */
function rerunRecord({ run, snapshot }: VerifiedBundle) {
  return startRunRecord({
    workspaceId: run.workspaceId,
    number: run.number,
    source: { snapshot },
    rerunOf: run.id,
    now: Date.now(),
  })
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
  const hints = targetHints(snapshot)
  // A run made on the large-table path re-runs on it: same per-row split, same seeded sample (issue 16).
  const largeRun = run.logs.find((entry) => entry.data?.largeTable !== undefined)
  if (largeRun && options.data) {
    const large = await openIfLarge(options.data, 1, hints)
    if (!large)
      throw new ValidationError('invalid-argument', `'${options.data}' cannot be streamed (Parquet?)`)
    if (large.hash !== run.datasetHash)
      say(
        `warning: '${basename(options.data)}' is not the run's dataset (its SHA-256 differs); metrics may differ`,
      )
    say(
      `rerunning snapshot ${snapshot.hash.slice(0, 12)}… with seed ${snapshot.globalConfig.seed} on ${large.table.rowCount} rows, streamed`,
    )
    const { outcome } = await executeRun(
      { run: await rerunRecord(bundle) },
      {
        loadFrame: async () => {
          throw new Error('A large table is streamed, never loaded whole')
        },
        openTable: async () => large.source,
        largeCells: 0,
        builders: [],
      },
    )
    return compareMetrics(run.metrics ?? {}, outcome.metrics, '', 0)
  }
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
  const rerun = await rerunRecord(bundle)
  // The run's own TF.js backend: cpu and wasm compute differently in the last float32 bits (wasm's
  // kernels sum and exponentiate in another order), so only the recorded one reproduces neural
  // models' probabilities exactly. webgl/webgpu do not exist in Node: those reruns use cpu.
  const backend = rerunBackend(run.backend)
  const { outcome } = await executeRun(
    { run: rerun, ...(testIndices ? { testIndices } : {}) },
    {
      loadFrame: async () => table.frame as DataFrame,
      engine: {
        ...(hasHooks ? { hookRunner: new HookSandbox() } : {}),
        ...(backend ? { tfBackend: { requested: backend } } : {}),
      },
      builders: [],
    },
  )
  say(`TF.js backend: recorded ${run.backend ?? '(none)'}, rerun ${outcome.backend}`)
  // Exact is the rule. The one exception: a TF.js model trained on a GPU backend (webgl, webgpu), which
  // Node does not have; its float32 arithmetic differs from cpu's in the last bits, so those metrics
  // are compared within a stated relative tolerance. Tree models and our own metric code stay exact.
  const chosen = bundle.models.find((m) => m.role === 'chosen')
  const tolerance =
    run.backend && run.backend !== outcome.backend && chosen?.framework === 'tfjs' ? gpuTolerance : 0
  if (tolerance > 0)
    say(
      `the run used ${run.backend}, which Node does not have: metrics are compared within relative tolerance ${tolerance} (GPU float32 kernels round differently from cpu)`,
    )
  // Hook metrics are compared too, under their own "hook:" names (they are a namespace of their own).
  return [
    ...compareMetrics(run.metrics ?? {}, outcome.metrics, '', tolerance),
    ...compareMetrics(run.hookMetrics ?? {}, outcome.hookMetrics ?? {}, 'hook:', tolerance),
  ]
}

function compareMetrics(
  recorded: Readonly<Record<string, number>>,
  rerun: Readonly<Record<string, number>>,
  prefix: string,
  tolerance: number,
): MetricComparison[] {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(rerun)])]
  return names.map((name) => {
    const a = recorded[name]
    const b = rerun[name]
    const exact = a !== undefined && b !== undefined && (a === b || (Number.isNaN(a) && Number.isNaN(b)))
    const close =
      !exact &&
      tolerance > 0 &&
      a !== undefined &&
      b !== undefined &&
      Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a))
    return {
      name: `${prefix}${name}`,
      recorded: a,
      rerun: b,
      match: exact || close,
      ...(close ? { tolerance } : {}),
    }
  })
}
