/**
 * Runs from the app: freeze the experiment's pipeline into a snapshot, record the run as running,
 * execute it in a fresh run worker, then store its artifacts and complete it — or fail it with the
 * reason. Cancel terminates the worker at once. Each live run holds a Web Lock, so at start-up a run
 * still marked running without its lock was left by a closed page and is marked failed ("interrupted").
 */
import * as Comlink from 'comlink'
import { createStore, produce, reconcile } from 'solid-js/store'
import type { Artifact, ArtifactType } from '../../domain/artifact.ts'
import { createArtifact } from '../../domain/artifact.ts'
import { errorMessage, HookError, WorkerError } from '../../domain/errors.ts'
import type { ExperimentId, RunId } from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import type { PipelineSnapshot } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import type { LogEntry, Run, RunFailure } from '../../domain/run.ts'
import { cancelRunRecord, completeRun, createRun, failRun } from '../../domain/run.ts'
import type { RunProgressEvent } from '../../engine/pipeline/executor.ts'
import { buildModelRecords, modelArtifactFile } from '../../outputs/runArtifacts.ts'
import { workspaceBlobStore } from '../../storage/roots.ts'
import { syncWorkspaceManifest } from '../../storage/workspaces.ts'
import { installErrorTransfer } from '../../workers/errorTransfer.ts'
import type { RunWorkerApi, SerializedOutcome } from '../../workers/runApi.ts'
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
  let snapshot = options.snapshot
  if (!snapshot) {
    const pipeline = await db.pipelines.get(experiment.pipelineId)
    if (!pipeline) throw new Error(`The pipeline of experiment “${experiment.name}” is missing`)
    const hooks = await db.hooks.where('pipelineId').equals(pipeline.id).toArray()
    snapshot = await createSnapshot({
      pipeline,
      hooks,
      task: experiment.task,
      datasetId: dataset.id,
      datasetHash: dataset.hash,
      seed: options.seed,
    })
  }
  if (snapshot.datasetHash !== dataset.hash)
    throw new Error(
      `The dataset of experiment “${experiment.name}” is not the data this run was made on (its contents differ)`,
    )
  const number = (await db.runs.where('experimentId').equals(experimentId).count()) + 1
  const run: Run = {
    ...createRun({
      id: newId('run'),
      workspaceId: experiment.workspaceId,
      number,
      snapshot,
      now: Date.now(),
    }),
    // A re-run belongs to the experiment (and so the workspace) it is started from; an imported
    // snapshot still names its origin experiment, which stays in the snapshot as lineage.
    experimentId: experiment.id,
    datasetId: dataset.id,
    ...(options.rerunOf ? { rerunOf: options.rerunOf } : {}),
  }
  await db.runs.add(run)
  setLiveRuns(run.id, { losses: [], logs: [] })
  void executeRun(run)
  return run.id
}

/** Stops a running run at once: its worker is terminated and the run ends with status "cancelled". */
export function cancelRun(runId: string): void {
  workers.get(runId)?.cancel()
}

async function executeRun(run: Run): Promise<void> {
  const { worker, api } = createRunWorker()
  let cancelled!: () => void
  const cancelledPromise = new Promise<never>((_, reject) => {
    cancelled = () => reject(new WorkerError('cancelled', 'cancelled'))
  })
  workers.set(run.id, {
    worker,
    cancel: () => {
      worker.terminate()
      cancelled()
    },
  })
  const logs: LogEntry[] = []
  const work = async () => {
    const data = await dataWorker().datasetArrow(run.datasetId)
    return api.execute(
      Comlink.transfer({ snapshot: run.snapshot, data, context: await reportContext(run) }, [
        data.buffer as ArrayBuffer,
      ]),
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
    const outcome = (await run_()) as SerializedOutcome
    await persistCompletedRun(run, outcome)
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
    worker.terminate()
    workers.delete(run.id)
    await syncWorkspaceManifest(db, run.workspaceId).catch(() => undefined)
  }
}

async function reportContext(run: Run) {
  const dataset = await db.datasets.get(run.datasetId)
  const experiment = await db.experiments.get(run.experimentId)
  return {
    run,
    dataset,
    datasetName: dataset ? `${dataset.name} v${dataset.version}` : run.datasetId,
    datasetRows: dataset?.rowCount,
    datasetColumns: dataset?.schema.length,
    experimentName: experiment?.name,
  }
}

async function persistCompletedRun(run: Run, outcome: SerializedOutcome): Promise<void> {
  const workspace = await db.workspaces.get(run.workspaceId)
  if (!workspace) throw new Error('The workspace of this run is gone')
  const blobs = await workspaceBlobStore(db, workspace)
  const artifacts: Artifact[] = []
  const modelId = newId('model')
  const addArtifact = async (
    type: ArtifactType,
    fileName: string,
    mediaType: string,
    bytes: Uint8Array<ArrayBuffer>,
    metadata: Record<string, unknown> = {},
  ) => {
    const artifact = await createArtifact({
      runId: run.id,
      modelId,
      type,
      fileName,
      mediaType,
      bytes,
      metadata,
      now: Date.now(),
    })
    await blobs.write(artifact.path, bytes, { overwrite: true })
    artifacts.push(artifact)
    return artifact
  }
  const encode = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>

  if (outcome.model) {
    const bytes = new Uint8Array(outcome.model.bytes) as Uint8Array<ArrayBuffer>
    const { fileName, mediaType } = modelArtifactFile({ family: outcome.model.family, bytes })
    await addArtifact('model', fileName, mediaType, bytes, {
      family: outcome.model.family,
      framework: outcome.model.framework,
    })
  }
  const { files } = outcome
  await addArtifact('metrics-json', 'metrics.json', 'application/json', encode(files['metrics.json']))
  await addArtifact('metrics-report', 'report.html', 'text/html', encode(files['report.html']))
  await addArtifact('plot', 'report-data.json', 'application/json', encode(files['report-data.json']), {
    what: 'data behind every plot',
  })
  await addArtifact('log', 'run.log', 'application/x-ndjson', encode(files['run.log']))
  const predictions = files['test-predictions.csv']
  if (predictions) await addArtifact('predictions', 'test-predictions.csv', 'text/csv', encode(predictions))
  if (outcome.tfjsModel) {
    // Standard TF.js layers-model files: loadable with tf.loadLayersModel, next to Butterfly's own model file.
    await addArtifact('model', 'tfjs-model.json', 'application/json', encode(outcome.tfjsModel.modelJson), {
      format: 'tfjs layers-model',
    })
    await addArtifact(
      'model',
      outcome.tfjsModel.weightsFileName,
      'application/octet-stream',
      new Uint8Array(outcome.tfjsModel.weights) as Uint8Array<ArrayBuffer>,
      {
        format: 'tfjs weights',
      },
    )
  }
  const modelPackage = files['model-package.json']
  if (modelPackage)
    await addArtifact('model', 'model-package.json', 'application/json', encode(modelPackage), {
      what: 'model with its preprocessing',
    })
  const notebook = files['notebook.ipynb']
  if (notebook) await addArtifact('notebook', 'notebook.ipynb', 'application/x-ipynb+json', encode(notebook))

  const models = buildModelRecords({
    runId: run.id,
    outcome,
    chosenModelId: modelId,
    chosenArtifactIds: artifacts.filter((a) => a.type === 'model').map((a) => a.id),
    now: Date.now(),
  })
  await db.transaction('rw', db.runs, db.artifacts, db.models, async () => {
    const stored = await db.runs.get(run.id)
    if (stored?.status !== 'running') return
    await db.artifacts.bulkAdd(artifacts)
    await db.models.bulkAdd(models)
    await db.runs.put(
      completeRun(stored, {
        metrics: outcome.metrics,
        model: outcome.model
          ? { family: outcome.model.family, hyperparameters: outcome.model.hyperparameters }
          : undefined,
        blockTimings: outcome.blockTimings,
        logs: outcome.logs,
        modelIds: models.filter((m) => m.role === 'chosen').map((m) => m.id),
        artifactIds: artifacts.map((a) => a.id),
        backend: outcome.backend,
        now: Date.now(),
      }),
    )
  })
}
