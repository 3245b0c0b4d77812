/**
 * Runs from the app: freeze the experiment's pipeline into a snapshot, record the run as running,
 * execute it in a run worker, then store its artifacts and complete it — or fail it with the reason.
 * Cancel terminates the worker at once. Each live run holds a Web Lock, so at start-up a run still marked
 * running without its lock was left by a closed page and is marked failed ("interrupted").
 *
 * One run worker is kept warm: started ahead when an experiment page opens ({@link prewarmRunWorker}),
 * and kept after a run on a table held whole, so the next run skips the worker's start and the engine's
 * JIT warm-up (breast_cancer: about 3 s from click to completed with a fresh worker). A cancelled or
 * crashed worker, or one whose run streamed a large table, is terminated instead.
 */
import * as Comlink from 'comlink'
import { createSignal } from 'solid-js'
import { createStore, produce, reconcile } from 'solid-js/store'
import { errorMessage, HookError, WorkerError } from '../../domain/errors.ts'
import type { ExperimentId, RunId } from '../../domain/ids.ts'
import type { PipelineSnapshot } from '../../domain/pipeline.ts'
import type { LogEntry, Run, RunFailure } from '../../domain/run.ts'
import { cancelRunRecord, failRun } from '../../domain/run.ts'
import type { RunProgressEvent } from '../../engine/pipeline/executor.ts'
import { startRunRecord } from '../../runs/runRecord.ts'
import type { RunResult } from '../../runs/runService.ts'
import { workspaceBlobStore } from '../../storage/roots.ts'
import { addRunWithNextNumber } from '../../storage/runNumbers.ts'
import { syncWorkspaceManifest } from '../../storage/workspaces.ts'
import { installErrorTransfer } from '../../workers/errorTransfer.ts'
import { browserMemory } from '../../workers/memoryBudget.ts'
import type { RunWorkerApi } from '../../workers/protocol.ts'
import { readCountSetting, writeCountSetting } from './countSetting.ts'
import { dataWorker } from './dataClient.ts'
import { db } from './db.ts'

export interface LiveRun {
  progress?: RunProgressEvent
  /** Loss per epoch/iteration of the model being fitted, for the live curve. */
  losses: number[]
  logs: LogEntry[]
}

const [liveRuns, setLiveRuns] = createStore<Record<string, LiveRun>>({})

export { liveRuns }

const workers = new Map<string, { worker: Worker; cancel: () => void }>()

type RunWorker = ReturnType<typeof createRunWorker>

/** The run worker waiting for the next run, started ahead or kept from the last one. */
let idleWorker: RunWorker | undefined

/** Whether the waiting run worker is warm (its practice run done, or kept from a run). */
const [idleWorkerWarm, setIdleWorkerWarm] = createSignal(false)

export { idleWorkerWarm }

/**
 * Starts a run worker ahead of the next run, unless one is waiting already, and has it warm up with a
 * practice run (about a second of one core, while the person reads the page).
 */
export function prewarmRunWorker(): void {
  if (idleWorker) return
  const started = createRunWorker()
  idleWorker = started
  started.api
    .warmUp()
    .then((warm) => setIdleWorkerWarm(warm && idleWorker === started))
    .catch(() => undefined)
}

/** The waiting run worker, or a new one. */
function takeRunWorker(): RunWorker {
  const taken = idleWorker ?? createRunWorker()
  idleWorker = undefined
  setIdleWorkerWarm(false)
  return taken
}

/** After a run: keeps its worker for the next run when it says it may run one, else terminates it. */
async function releaseRunWorker(runWorker: RunWorker, healthy: boolean): Promise<void> {
  const keep = healthy && (await runWorker.api.reusable().catch(() => false))
  if (keep && !idleWorker) {
    idleWorker = runWorker
    setIdleWorkerWarm(true)
  } else runWorker.worker.terminate()
}

export function createRunWorker(): { worker: Worker; api: Comlink.Remote<RunWorkerApi> } {
  installErrorTransfer()
  const worker = new Worker(new URL('../../workers/run.worker.ts', import.meta.url), {
    type: 'module',
    name: 'butterfly-run',
  })
  return { worker, api: Comlink.wrap<RunWorkerApi>(worker) }
}

const lockName = (runId: string) => `butterfly-run:${runId}`

/** Marks runs left running by a closed page as failed ("interrupted"). */
export async function startupRecovery(): Promise<void> {
  const running = await db.runs.where('status').equals('running').toArray()
  if (running.length === 0) return
  const held = new Set(((await navigator.locks?.query())?.held ?? []).map((lock) => lock.name))
  for (const run of running) {
    if (held.has(lockName(run.id)) || workers.has(run.id)) continue
    await db.runs.put(
      failRun(
        run,
        { reason: 'interrupted', message: 'interrupted: the page was closed while the run was running' },
        Date.now(),
      ),
    )
  }
}

/** Freezes the experiment's draft and starts a run; resolves with its id once it is recorded. */
export async function startRun(
  experimentId: ExperimentId,
  options: { seed?: number; snapshot?: PipelineSnapshot; rerunOf?: RunId } = {},
): Promise<RunId> {
  const experiment = await db.experiments.get(experimentId)
  if (!experiment) throw new Error(`No experiment ${experimentId}`)
  const dataset = await db.datasets.get(experiment.datasetId)
  if (!dataset) throw new Error(`The dataset of experiment “${experiment.name}” is missing`)
  let source: Parameters<typeof startRunRecord>[0]['source']
  if (options.snapshot) source = { snapshot: options.snapshot }
  else {
    const pipeline = await db.pipelines.get(experiment.pipelineId)
    if (!pipeline) throw new Error(`The pipeline of experiment “${experiment.name}” is missing`)
    const hooks = await db.hooks.where('pipelineId').equals(pipeline.id).toArray()
    source = {
      draft: {
        pipeline,
        hooks,
        task: experiment.task,
        datasetId: dataset.id,
        datasetHash: dataset.hash,
        seed: options.seed,
      },
    }
  }
  if ('snapshot' in source && source.snapshot.datasetHash !== dataset.hash)
    throw new Error(
      `The dataset of experiment “${experiment.name}” is not the data this run was made on (its contents differ)`,
    )
  const record = await startRunRecord({
    workspaceId: experiment.workspaceId,
    number: 0,
    source,
    ...(options.rerunOf ? { rerunOf: options.rerunOf } : {}),
    now: Date.now(),
  })
  // The number is given where the run is stored (one transaction, under the workspace's lock). A re-run
  // belongs to the experiment (and so the workspace) it is started from; an imported snapshot still
  // names its origin experiment, which stays in the snapshot as lineage.
  const run: Run = await addRunWithNextNumber(db, {
    ...record,
    experimentId: experiment.id,
    datasetId: dataset.id,
  })
  setLiveRuns(run.id, { losses: [], logs: [] })
  void executeRun(run)
  return run.id
}

/** Stops a running run at once: its worker is terminated and the run ends with status "cancelled". */
export function cancelRun(runId: string): void {
  workers.get(runId)?.cancel()
}

async function executeRun(run: Run): Promise<void> {
  const runWorker = takeRunWorker()
  const { worker, api } = runWorker
  // Only a worker whose run ended by itself (completed, or failed with the engine's error) is kept.
  let healthy = true
  let cancelled!: () => void
  let crashed!: (event: ErrorEvent) => void
  const cancelledPromise = new Promise<never>((_, reject) => {
    cancelled = () => reject(new WorkerError('cancelled', 'cancelled'))
    // An error nothing in the run worker caught leaves it in an unknown state: the run fails at once
    // (it would otherwise wait for an answer that may never come, "running" until the page closes).
    crashed = (event) => {
      event.preventDefault()
      healthy = false
      reject(
        new WorkerError(
          'crashed',
          `The run's worker crashed (${event.message || 'no message'}): the run was stopped; start it again`,
        ),
      )
    }
    worker.addEventListener('error', crashed)
  })
  workers.set(run.id, {
    worker,
    cancel: () => {
      healthy = false
      worker.terminate()
      cancelled()
    },
  })
  const logs: LogEntry[] = []
  const work = async () => {
    // The run worker reads the table straight from the data worker, over a channel of their own: whole
    // when it is small, in chunks when it is large (issue 16); no row passes through this thread.
    const channel = new MessageChannel()
    await dataWorker().serveTable(
      { runId: run.id, datasetId: run.datasetId },
      Comlink.transfer(channel.port1, [channel.port1]),
    )
    const largeCells = largeCellsSetting()
    return api.execute(
      Comlink.transfer(
        {
          run,
          table: channel.port2,
          memory: browserMemory(),
          ...(largeCells === undefined ? {} : { largeCells }),
          ...(await reportContext(run)),
        },
        [channel.port2],
      ),
      Comlink.proxy((event: RunProgressEvent) => {
        // Replace, not merge: a store merge kept the last block's model and epoch on the next block's
        // events ("Explainability · fitting Multilayer perceptron · epoch 25").
        setLiveRuns(run.id, 'progress', reconcile(event))
        if (event.loss !== undefined)
          setLiveRuns(
            run.id,
            produce((live) => live.losses.push(event.loss as number)),
          )
      }),
      Comlink.proxy((entry: LogEntry) => {
        logs.push(entry)
        setLiveRuns(
          run.id,
          produce((live) => live.logs.push(entry)),
        )
      }),
    )
  }
  const run_ = () =>
    navigator.locks
      ? navigator.locks.request(lockName(run.id), () => Promise.race([work(), cancelledPromise]))
      : Promise.race([work(), cancelledPromise])
  try {
    await persistCompletedRun((await run_()) as RunResult)
  } catch (error) {
    const failure: RunFailure = {
      reason:
        error instanceof WorkerError && error.code === 'cancelled'
          ? 'cancelled'
          : error instanceof HookError
            ? 'hook'
            : 'error',
      message: error instanceof WorkerError && error.code === 'cancelled' ? 'cancelled' : errorMessage(error),
    }
    const stored = (await db.runs.get(run.id)) ?? run
    const extra = { logs: logs.length ? logs : stored.logs }
    if (stored.status === 'running')
      await db.runs.put(
        failure.reason === 'cancelled'
          ? cancelRunRecord(stored, Date.now(), extra)
          : failRun(stored, failure, Date.now(), extra),
      )
  } finally {
    worker.removeEventListener('error', crashed)
    workers.delete(run.id)
    await releaseRunWorker(runWorker, healthy)
    await dataWorker()
      .releaseTable(run.id)
      .catch(() => undefined)
    await syncWorkspaceManifest(db, run.workspaceId).catch(() => undefined)
  }
}

const largeCellsKey = 'butterfly.largeCells'

/**
 * The run setting "Stream tables larger than N cells" (this browser's, like the import's large-table
 * rows): unset, runs take the engine's default (12,000,000 cells). Recorded in a large run's log.
 */
export function largeCellsSetting(): number | undefined {
  return readCountSetting(largeCellsKey)
}

/** Sets (a whole number of cells) or clears (undefined) the streaming threshold of later runs. */
export function setLargeCellsSetting(cells: number | undefined): void {
  writeCountSetting(largeCellsKey, cells)
}

async function reportContext(run: Run) {
  const dataset = await db.datasets.get(run.datasetId)
  const experiment = await db.experiments.get(run.experimentId)
  return { ...(dataset ? { dataset } : {}), ...(experiment ? { experimentName: experiment.name } : {}) }
}

/** Stores what the run service built: every file in the workspace's blob store, then the records at once. */
async function persistCompletedRun(result: RunResult): Promise<void> {
  const workspace = await db.workspaces.get(result.run.workspaceId)
  if (!workspace) throw new Error('The workspace of this run is gone')
  const blobs = await workspaceBlobStore(db, workspace)
  for (const file of result.files)
    await blobs.write(file.path, file.bytes as Uint8Array<ArrayBuffer>, { overwrite: true })
  await db.transaction('rw', db.runs, db.artifacts, db.models, async () => {
    const stored = await db.runs.get(result.run.id)
    if (stored?.status !== 'running') return
    await db.artifacts.bulkAdd(result.artifacts)
    await db.models.bulkAdd(result.models)
    await db.runs.put({ ...stored, ...result.run })
  })
}
