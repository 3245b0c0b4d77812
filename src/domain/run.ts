/**
 * Run: one immutable execution of a frozen pipeline snapshot. Status goes running → completed | failed |
 * cancelled, once (cancelled: stopped by the person; it has no metrics to share, so no bundle). A completed run never changes: {@link assertRunEditable} guards every mutator, and storage
 * calls it on every write.
 */
import { InvariantError, ValidationError } from './errors.ts'
import type { Sha256Hex } from './hash.ts'
import { isSha256Hex, sameData } from './hash.ts'
import type { ArtifactId, DatasetId, ExperimentId, ModelId, RunId, WorkspaceId } from './ids.ts'
import { isIdOf } from './ids.ts'
import type { BlockType, PipelineSnapshot } from './pipeline.ts'
import { parseSnapshot } from './pipeline.ts'

export const runSchemaVersion = 1

export const runStatuses = ['running', 'completed', 'failed', 'cancelled'] as const
export type RunStatus = (typeof runStatuses)[number]

export type RunFailureReason = 'error' | 'cancelled' | 'interrupted' | 'hook'

export interface RunFailure {
  reason: RunFailureReason
  message: string
  /** The block that was running, when known. */
  block?: BlockType
}

export interface LogEntry {
  /** Milliseconds since the run started. */
  t: number
  level: 'debug' | 'info' | 'warn' | 'error'
  block?: BlockType
  message: string
  data?: Record<string, unknown>
}

export interface BlockTiming {
  block: BlockType
  startedAt: number
  endedAt: number
}

/** Where a run was made: here, or in a bundle imported from elsewhere. */
export type RunOrigin =
  | { kind: 'local' }
  | { kind: 'imported'; bundleName: string; importedAt: number; appVersion: string; browser: string }

export interface Run {
  schemaVersion: number
  id: RunId
  workspaceId: WorkspaceId
  experimentId: ExperimentId
  /** Sequence number within the experiment, for humans ("Run 3"). */
  number: number
  snapshot: PipelineSnapshot
  datasetId: DatasetId
  datasetHash: Sha256Hex
  seed: number
  status: RunStatus
  startedAt: number
  endedAt?: number
  failure?: RunFailure
  /** TF.js backend (or 'cpu' for pure TS models) the run used. */
  backend?: string
  /**
   * Test-split metrics, keyed as in scikit-learn: what the engine computed, or, when `evaluatedByHook`,
   * what an override_evaluation hook returned. No before_/after_ hook can change them.
   */
  metrics?: Record<string, number>
  /**
   * Custom metrics that before_/after_ hooks returned (issue 14.6), in their own namespace: never merged
   * into `metrics`, shown apart and labelled as hook metrics; in a bundle also as `hook-metrics.json`.
   * Absent when no hook returned any (records written before this field have none).
   */
  hookMetrics?: Record<string, number>
  /** True when an override_evaluation hook, not the engine, produced `metrics`; everything that shows them says so. */
  evaluatedByHook?: boolean
  /** Family and hyperparameters of the chosen model. */
  model?: { family: string; hyperparameters: Record<string, unknown> }
  blockTimings: BlockTiming[]
  logs: LogEntry[]
  modelIds: ModelId[]
  artifactIds: ArtifactId[]
  origin: RunOrigin
  /** When this run re-executes another one: that run's id. */
  rerunOf?: RunId
}

export function createRun(input: {
  id: RunId
  workspaceId: WorkspaceId
  number: number
  snapshot: PipelineSnapshot
  now: number
}): Run {
  const { snapshot } = input
  return {
    schemaVersion: runSchemaVersion,
    id: input.id,
    workspaceId: input.workspaceId,
    experimentId: snapshot.experimentId,
    number: input.number,
    snapshot,
    datasetId: snapshot.datasetId,
    datasetHash: snapshot.datasetHash,
    seed: snapshot.globalConfig.seed,
    status: 'running',
    startedAt: input.now,
    blockTimings: [],
    logs: [],
    modelIds: [],
    artifactIds: [],
    origin: { kind: 'local' },
  }
}

/** Throws unless the run may still change (it is running). */
export function assertRunEditable(run: Run): void {
  if (run.status !== 'running') {
    throw new InvariantError('run-completed', `Run ${run.id} is ${run.status} and can no longer change`)
  }
}

/** Ends a running run successfully. The result is frozen. */
export function completeRun(
  run: Run,
  result: Pick<
    Run,
    | 'metrics'
    | 'hookMetrics'
    | 'evaluatedByHook'
    | 'model'
    | 'blockTimings'
    | 'logs'
    | 'modelIds'
    | 'artifactIds'
    | 'backend'
  > & {
    now: number
  },
): Run {
  assertRunEditable(run)
  const { now, hookMetrics, evaluatedByHook, ...rest } = result
  return Object.freeze({
    ...run,
    ...rest,
    // Only when there is something to say, so runs without hooks keep their exact record shape.
    ...(hookMetrics && Object.keys(hookMetrics).length > 0 ? { hookMetrics } : {}),
    ...(evaluatedByHook ? { evaluatedByHook: true } : {}),
    status: 'completed' as const,
    endedAt: now,
  })
}

/** Ends a running run with a failure. The result is frozen. */
export function failRun(
  run: Run,
  failure: RunFailure,
  now: number,
  extra?: Partial<Pick<Run, 'logs' | 'blockTimings' | 'backend'>>,
): Run {
  assertRunEditable(run)
  return Object.freeze({ ...run, ...extra, status: 'failed' as const, failure, endedAt: now })
}

/** Ends a running run because the person cancelled it. The result is frozen. */
export function cancelRunRecord(
  run: Run,
  now: number,
  extra?: Partial<Pick<Run, 'logs' | 'blockTimings' | 'backend'>>,
): Run {
  assertRunEditable(run)
  return Object.freeze({ ...run, ...extra, status: 'cancelled' as const, endedAt: now })
}

/** Whether a run can be exported as a bundle: only a finished run that was not cancelled. */
export function isRunExportable(run: Pick<Run, 'status'>): boolean {
  return run.status === 'completed' || run.status === 'failed'
}

/**
 * Storage's write guard: a write over a stored run is allowed only while the stored run is running,
 * and it may never swap the snapshot. Identical rewrites of a finished run are allowed (idempotent).
 */
export function assertRunWriteAllowed(stored: Run, next: Run): void {
  if (stored.status !== 'running') {
    if (sameData(stored, next)) return
    throw new InvariantError('run-completed', `Run ${stored.id} is ${stored.status} and can no longer change`)
  }
  if (!sameData(stored.snapshot, next.snapshot))
    throw new InvariantError('snapshot-immutable', `The pipeline snapshot of run ${stored.id} cannot change`)
  if (stored.seed !== next.seed || stored.datasetHash !== next.datasetHash)
    throw new InvariantError(
      'run-completed',
      `The seed and dataset hash of run ${stored.id} are fixed at start`,
    )
}

export function parseRun(value: unknown): Run {
  const record = value as Run
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Run ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('run', record.id)) fail('bad id')
  if (!isIdOf('experiment', record.experimentId)) fail('bad experiment id')
  if (!runStatuses.includes(record.status)) fail(`unknown status ${record.status}`)
  if (!isSha256Hex(record.datasetHash)) fail('datasetHash must be SHA-256 hex')
  if (!Number.isInteger(record.seed)) fail('seed must be an integer')
  if (typeof record.startedAt !== 'number') fail('startedAt missing')
  if (record.status !== 'running' && typeof record.endedAt !== 'number') fail('a finished run needs endedAt')
  if (record.status === 'failed' && !record.failure) fail('a failed run needs a failure reason')
  checkMetricMap(record.metrics, 'metrics', fail)
  checkMetricMap(record.hookMetrics, 'hookMetrics', fail)
  if (record.evaluatedByHook !== undefined && typeof record.evaluatedByHook !== 'boolean')
    fail('evaluatedByHook must be true or false')
  parseSnapshot(record.snapshot)
  if (record.snapshot.datasetHash !== record.datasetHash)
    fail('snapshot and run disagree on the dataset hash')
  return record
}

/**
 * `metrics` and `hookMetrics` hold numbers by name (NaN allowed: roc_auc may be undefined), nothing
 * else; a name like `__proto__` is refused, so a stored record never changes an object's prototype.
 */
function checkMetricMap(value: unknown, field: string, fail: (why: string) => never): void {
  if (value === undefined) return
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(`${field} must be an object of numbers`)
  for (const [name, number] of Object.entries(value as Record<string, unknown>)) {
    if (name === '' || name === '__proto__' || name === 'constructor' || name === 'prototype')
      fail(`${field} has a forbidden name '${name}'`)
    if (typeof number !== 'number') fail(`${field}.${name} must be a number, got ${typeof number}`)
  }
}
