/**
 * The run worker's API: task detection over a dataset's columns, and executing a frozen pipeline
 * snapshot with the engine. Data arrives as Arrow IPC bytes and leaves as plain data + typed arrays
 * (transferred, never copied per row). Cancelling a run terminates this worker: nothing here needs to
 * cooperate for Cancel to stop at once.
 */
import { tableFromIPC } from 'apache-arrow'
import type { PipelineSnapshot } from '../domain/pipeline.ts'
import type { LogEntry } from '../domain/run.ts'
import type { TaskDefinition } from '../domain/task.ts'
import type { FrameColumnHint } from '../engine/arrowFrame.ts'
import { frameFromArrow } from '../engine/arrowFrame.ts'
import '../engine/models/allModels.ts'
import { exportTfjsModelFiles } from '../engine/models/tfjsExport.ts'
import type { RunOutcome, RunProgressEvent } from '../engine/pipeline/executor.ts'
import { executePipeline, outcomeTransferables } from '../engine/pipeline/executor.ts'
import type { HookRunner } from '../engine/pipeline/hooks.ts'
import type { DetectTaskOptions } from '../engine/pipeline/taskDetection.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import type { BackendCalibrationCache } from '../engine/tfBackend.ts'
import type { ForestHelper } from '../engine/trees/forest.ts'
import { loadModelPackage, packageRunOutcome } from '../outputs/predict/modelPackage.ts'
import { predictionsToCsv, predictNewData } from '../outputs/predict/predictNewData.ts'
import type { RunArtifactContext, RunArtifactTexts } from '../outputs/runArtifacts.ts'
import { buildRunArtifactTexts } from '../outputs/runArtifacts.ts'

/** What a finished run sends back: the outcome without the live model object, and its artifact files. */
export type SerializedOutcome = Omit<RunOutcome, 'fittedModel'> & {
  files: RunArtifactTexts
  /** Standard TF.js model files of a neural model (`model.json` + weights), when the family has them. */
  tfjsModel?: { modelJson: string; weights: Uint8Array; weightsFileName: string }
}

export interface RunRequest {
  snapshot: PipelineSnapshot
  /** Names and facts for the report (the run record, dataset name, experiment name). */
  context: Omit<RunArtifactContext, 'generatedAt'>
  /** The dataset as an Arrow IPC stream. */
  data: Uint8Array
  /** Explicit test rows (re-runs of imported runs, predictions checks). */
  testIndices?: number[]
}

export interface PredictionProgress {
  rowsDone: number
  rowsTotal: number
}

export interface RunWorkerApi {
  /** Predictions on a new table (Arrow IPC) with a model package: CSV text with one line per row. */
  predict(
    modelPackage: Uint8Array,
    data: Uint8Array,
    onProgress?: (progress: PredictionProgress) => void,
  ): Promise<{ csv: string; rows: number }>
  detectTask(data: Uint8Array, options?: DetectTaskOptions): Promise<TaskDefinition>
  execute(
    request: RunRequest,
    onProgress?: (event: RunProgressEvent) => void,
    onLog?: (entry: LogEntry) => void,
  ): Promise<SerializedOutcome>
}

export interface RunApiDeps {
  wasmPaths?: Record<string, string>
  calibrationCache?: BackendCalibrationCache
  deviceKey?: string
  hookRunner?: () => HookRunner
  /** A second thread for forests (the browser starts a worker on first use). */
  forestHelper?: ForestHelper
  /** Marks transferable buffers of the result (Comlink.transfer in the worker). */
  transfer?: <T>(value: T, buffers: ArrayBuffer[]) => T
}

/** Class labels are text: a classification target is always read as categories. */
export function targetHints(snapshot: PipelineSnapshot): Record<string, FrameColumnHint> {
  return snapshot.task.taskType === 'regression' ? {} : { [snapshot.task.target]: { categorical: true } }
}

export class RunApi implements RunWorkerApi {
  constructor(private readonly deps: RunApiDeps = {}) {}

  async predict(
    modelPackage: Uint8Array,
    data: Uint8Array,
    onProgress?: (progress: PredictionProgress) => void,
  ): Promise<{ csv: string; rows: number }> {
    const pkg = await loadModelPackage(modelPackage)
    const predictions = await predictNewData(pkg, frameFromArrow(tableFromIPC(data)), { onProgress })
    return { csv: predictionsToCsv(predictions), rows: predictions.nRows }
  }

  async detectTask(data: Uint8Array, options: DetectTaskOptions = {}): Promise<TaskDefinition> {
    return detectTask(frameFromArrow(tableFromIPC(data)), options)
  }

  async execute(
    request: RunRequest,
    onProgress?: (event: RunProgressEvent) => void,
    onLog?: (entry: LogEntry) => void,
  ): Promise<SerializedOutcome> {
    const frame = frameFromArrow(tableFromIPC(request.data), targetHints(request.snapshot))
    const outcome = await executePipeline(request.snapshot, frame, {
      hookRunner: this.deps.hookRunner?.(),
      onProgress,
      onLog,
      testIndices: request.testIndices,
      forestHelper: this.deps.forestHelper,
      tfBackend: {
        wasmPaths: this.deps.wasmPaths,
        cache: this.deps.calibrationCache,
        deviceKey: this.deps.deviceKey,
      },
    })
    const { fittedModel, ...rest } = outcome
    fittedModel?.dispose?.()
    onProgress?.({ block: 'explainability', percent: 99, message: 'Writing the report' })
    // Plot data and the HTML report are built here, off the main thread.
    const files = buildRunArtifactTexts({ ...request.context, generatedAt: new Date().toISOString() }, rest)
    const modelPackage = packageRunOutcome(rest, frame.columns, request.snapshot, {
      runId: request.context.run.id,
    })
    if ('bytes' in modelPackage) files['model-package.json'] = new TextDecoder().decode(modelPackage.bytes)
    else onLog?.({ t: 0, level: 'info', message: `No model package: ${modelPackage.refused}` })
    const tfjsModel = rest.model ? await exportTfjsModelFiles(rest.model.family, rest.model.bytes) : undefined
    const serialized: SerializedOutcome = { ...rest, files, ...(tfjsModel ? { tfjsModel } : {}) }
    const buffers = outcomeTransferables(outcome)
    if (tfjsModel?.weights.buffer instanceof ArrayBuffer) buffers.push(tfjsModel.weights.buffer)
    return this.deps.transfer ? this.deps.transfer(serialized, buffers) : serialized
  }
}
