/**
 * The one run service: freezes a draft pipeline into a snapshot, executes it with the engine, builds
 * every output file ({@link outputBuilders}) and the Run, Model and Artifact records. The app's run
 * worker and the headless CLI are adapters around {@link executeRun}: they say where the table comes
 * from ({@link RunPorts.loadFrame}, or streamed by {@link RunPorts.openTable}), where artifact bytes go ({@link RunPorts.writeFile}) and store the
 * records it returns.
 */
import type { Artifact } from '../domain/artifact.ts'
import { createArtifact } from '../domain/artifact.ts'
import type { Dataset } from '../domain/dataset.ts'
import { newId } from '../domain/ids.ts'
import type { ModelRecord } from '../domain/model.ts'
import type { PipelineSnapshot } from '../domain/pipeline.ts'
import type { LogEntry, Run } from '../domain/run.ts'
import { completeRun } from '../domain/run.ts'
import { categoricalColumnsOf } from '../domain/task.ts'
import type { FrameColumnHint } from '../engine/arrowFrame.ts'
import type { ExecuteDeps, RunProgressEvent } from '../engine/pipeline/executor.ts'
import { outcomeTransferables } from '../engine/pipeline/executor.ts'
import { buildModelRecords } from '../outputs/runArtifacts.ts'
import type { TablePorts } from './fitRun.ts'
import { fitRun } from './fitRun.ts'
import type { OutputBuilder, OutputFile, PlainOutcome } from './outputBuilders.ts'
import { outputBuilders } from './outputBuilders.ts'

export interface RunRequest {
  /** The run record in status `running` (see {@link startRunRecord}); its snapshot is what executes. */
  run: Run
  /** The dataset record, for the notebook and the report (omitted: no notebook). */
  dataset?: Dataset
  /** Shown in the report; defaults to the dataset's name and version. */
  datasetName?: string
  experimentName?: string
  /** Explicit test rows (re-runs of imported runs, fixed splits). */
  testIndices?: readonly number[]
}

/** Where a run's table comes from, where its files go, and the engine's helpers. */
export interface RunPorts extends TablePorts {
  /** Stores one artifact's bytes at its path (the app: OPFS via the main thread; the CLI: in memory for the zip). */
  writeFile?(path: string, bytes: Uint8Array): Promise<void>
  engine?: Pick<
    ExecuteDeps,
    'hookRunner' | 'forestHelper' | 'foldFitter' | 'tfBackend' | 'isCancelled' | 'runnerNote'
  >
  onProgress?: (event: RunProgressEvent) => void
  onLog?: (entry: LogEntry) => void
  /** Wall clock in ms (default Date.now). */
  now?: () => number
  /** Replaces the standard output list (tests). */
  builders?: readonly OutputBuilder[]
}

/** A completed run: its records, every file with its bytes, and the plain outcome. */
export interface RunResult {
  run: Run
  models: ModelRecord[]
  artifacts: Artifact[]
  /** Bytes of each artifact, by artifact path. */
  files: { path: string; bytes: Uint8Array }[]
  outcome: PlainOutcome
}

/**
 * Columns to read as categories: a classification target (class labels are text) and every column the
 * person corrected to 'categorical' on the task (e.g. a class stored as numbers).
 */
export function targetHints(snapshot: PipelineSnapshot): Record<string, 'categorical'> {
  return Object.fromEntries(categoricalColumnsOf(snapshot.task).map((name) => [name, 'categorical' as const]))
}

/** {@link targetHints} as the Arrow reader's column hints. */
export function arrowHints(snapshot: PipelineSnapshot): Record<string, FrameColumnHint> {
  return Object.fromEntries(Object.keys(targetHints(snapshot)).map((name) => [name, { categorical: true }]))
}

/**
 * Executes a running run and builds everything it leaves behind. Throws what the engine throws
 * (HookError, WorkerError('cancelled'), ValidationError…); the adapter records the failure.
 */
export async function executeRun(request: RunRequest, ports: RunPorts): Promise<RunResult> {
  const now = ports.now ?? Date.now
  const { run } = request
  const { fitted, trainingColumns } = await fitRun(request, ports, arrowHints(run.snapshot))
  const { fittedModel, ...outcome } = fitted
  fittedModel?.dispose?.()
  ports.onProgress?.({ block: 'explainability', percent: 99, message: 'Writing the report' })

  const endedAt = now()
  const modelId = newId('model')
  const log = (entry: Omit<LogEntry, 't'>) => {
    const line: LogEntry = { t: outcome.timings.totalSeconds, ...entry }
    outcome.logs.push(line)
    ports.onLog?.(line)
  }
  const input = {
    run,
    snapshot: run.snapshot,
    outcome,
    trainingColumns,
    ...(request.dataset ? { dataset: request.dataset } : {}),
    datasetName:
      request.datasetName ??
      (request.dataset ? `${request.dataset.name} v${request.dataset.version}` : run.datasetId),
    experimentName: request.experimentName,
    generatedAt: new Date(endedAt).toISOString(),
    now: endedAt,
    log,
  }
  const made: OutputFile[] = []
  for (const builder of ports.builders ?? outputBuilders) made.push(...(await builder.build(input)))
  made.push({
    type: 'log',
    fileName: 'run.log',
    mediaType: 'application/x-ndjson',
    bytes: new TextEncoder().encode(outcome.logs.map((entry) => JSON.stringify(entry)).join('\n')),
  })

  const artifacts: Artifact[] = []
  const files: RunResult['files'] = []
  for (const file of made) {
    const artifact = await createArtifact({
      runId: run.id,
      ...(file.type === 'model' ? { modelId } : {}),
      type: file.type,
      fileName: file.fileName,
      mediaType: file.mediaType,
      bytes: file.bytes,
      metadata: file.metadata ?? {},
      now: endedAt,
    })
    await ports.writeFile?.(artifact.path, file.bytes)
    artifacts.push(artifact)
    files.push({ path: artifact.path, bytes: file.bytes })
  }
  const models = buildModelRecords({
    runId: run.id,
    outcome,
    chosenModelId: modelId,
    chosenArtifactIds: artifacts.filter((a) => a.type === 'model').map((a) => a.id),
    now: endedAt,
  })
  const completed = completeRun(run, {
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
    now: endedAt,
  })
  return { run: completed, models, artifacts, files, outcome }
}

/** The buffers of a result, for transferring it between threads without copies. */
export function resultTransferables(result: RunResult): ArrayBuffer[] {
  const buffers = new Set(outcomeTransferables(result.outcome))
  for (const { bytes } of result.files) if (bytes.buffer instanceof ArrayBuffer) buffers.add(bytes.buffer)
  return [...buffers]
}
