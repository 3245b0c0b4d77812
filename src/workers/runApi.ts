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
import type { RunOutcome, RunProgressEvent } from '../engine/pipeline/executor.ts'
import { executePipeline } from '../engine/pipeline/executor.ts'
import type { HookRunner } from '../engine/pipeline/hooks.ts'
import type { DetectTaskOptions } from '../engine/pipeline/taskDetection.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import type { BackendCalibrationCache } from '../engine/tfBackend.ts'

/** What a finished run sends back: the outcome without the live model object. */
export type SerializedOutcome = Omit<RunOutcome, 'fittedModel'>

export interface RunRequest {
  snapshot: PipelineSnapshot
  /** The dataset as an Arrow IPC stream. */
  data: Uint8Array
  /** Explicit test rows (re-runs of imported runs, predictions checks). */
  testIndices?: number[]
}

export interface RunWorkerApi {
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
  /** Marks transferable buffers of the result (Comlink.transfer in the worker). */
  transfer?: <T>(value: T, buffers: ArrayBuffer[]) => T
}

/** Class labels are text: a classification target is always read as categories. */
export function targetHints(snapshot: PipelineSnapshot): Record<string, FrameColumnHint> {
  return snapshot.task.taskType === 'regression' ? {} : { [snapshot.task.target]: { categorical: true } }
}

export class RunApi implements RunWorkerApi {
  constructor(private readonly deps: RunApiDeps = {}) {}

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
      tfBackend: {
        wasmPaths: this.deps.wasmPaths,
        cache: this.deps.calibrationCache,
        deviceKey: this.deps.deviceKey,
      },
    })
    const { fittedModel, ...serialized } = outcome
    fittedModel?.dispose?.()
    const buffers = [
      serialized.model?.bytes.buffer,
      serialized.split.trainRows.buffer,
      serialized.split.testRows.buffer,
      serialized.predictions?.rows.buffer,
      serialized.predictions?.yTrue.buffer,
      serialized.predictions?.yPred.buffer,
      serialized.predictions?.proba?.buffer,
    ].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
    return this.deps.transfer ? this.deps.transfer(serialized, [...new Set(buffers)]) : serialized
  }
}
