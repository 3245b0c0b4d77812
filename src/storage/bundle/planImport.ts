/**
 * Turns a verified bundle into the records to add to a workspace, without touching storage, so the
 * app and the headless runner apply the same rules:
 * - the dataset is deduplicated by content hash: an existing dataset with the same hash is reused;
 * - the run keeps its original id. Record ids are global keys in IndexedDB, so when the run's id (or
 *   one of its models' or artifacts') is already stored, in any workspace, the import gets fresh ids
 *   for the run, its models and artifacts; the plan's notes name the original id. Nothing already
 *   stored is replaced or merged;
 * - the experiment is reused when it is in the target workspace, else added together with a draft
 *   pipeline and hooks rebuilt from the snapshot (fresh ids when any of theirs is taken), so the
 *   experiment opens and can be rerun;
 * - the run is marked `origin: { kind: 'imported', … }` and stays read-only (it is completed or failed).
 */
import type { Artifact } from '../../domain/artifact.ts'
import { artifactBlobPath } from '../../domain/artifact.ts'
import type { Dataset } from '../../domain/dataset.ts'
import { datasetBlobPath } from '../../domain/dataset.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { Hook } from '../../domain/hook.ts'
import type {
  ArtifactId,
  DatasetId,
  ExperimentId,
  HookId,
  ModelId,
  PipelineId,
  RandomBytes,
  RunId,
  WorkspaceId,
} from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import type { ModelRecord } from '../../domain/model.ts'
import type { Pipeline } from '../../domain/pipeline.ts'
import { deepFreeze, pipelineSchemaVersion } from '../../domain/pipeline.ts'
import type { Run } from '../../domain/run.ts'
import type { VerifiedBundle } from './readBundle.ts'

/** What the database already holds, as far as the plan needs to know. */
export interface ExistingRecords {
  /** A dataset of the target workspace whose hash equals the bundle's dataset hash. */
  datasetByHash?: Dataset
  /** Highest version among the target's datasets named like the bundle's dataset (0 or absent: none). */
  latestDatasetVersion?: number
  /** Experiment ids of the target workspace: an imported run joins its experiment when it is here. */
  experimentIds?: ReadonlySet<string>
  /** Runs already in the bundle's experiment, when that experiment is here (for the run number). */
  runsInExperiment?: number
  /**
   * True for an id any stored record already has, in any workspace (ids are global primary keys).
   * Such an id is never reused. Absent: no id is taken.
   */
  isIdTaken?: (id: string) => boolean
}

/** Where the import happens, for the run's origin. */
export interface ImportContext {
  /** File name of the bundle as the user picked it. */
  bundleName: string
  /** Epoch ms. */
  now: number
  /** Version of the importing app. */
  appVersion: string
  /** `navigator.userAgent`, or "node". */
  browser: string
  /** Random bytes for new ids (defaults to WebCrypto). */
  randomBytes?: RandomBytes
}

/** The records to add, in dependency order: dataset, experiment (+ pipeline, hooks), run, models, artifacts. */
export interface BundleImportPlan {
  workspaceId: WorkspaceId
  dataset: /** No dataset with this hash exists: add the record and write `blob` at `record.blobPath`. */
    | { action: 'add'; record: Dataset; blob: Blob }
    /** A dataset with the same hash exists: the run points to it; nothing is written. */
    | { action: 'reuse'; record: Dataset }
    /**
     * The bundle has no dataset file and the workspace has no dataset with its hash: the run is added
     * pointing at `metadata.id`, which does not exist here; it can be viewed but not rerun until a file
     * with the same hash is imported.
     */
    | { action: 'missing'; metadata: Dataset }
  experiment:
    | { action: 'add'; record: Experiment; pipeline: Pipeline; hooks: Hook[] }
    | { action: 'reuse'; id: ExperimentId }
  /** The run to add (frozen), with `origin.kind === 'imported'`. */
  run: Run
  models: ModelRecord[]
  /** Artifact records (paths in the target workspace) with the bytes to write at `record.path`. */
  artifacts: { record: Artifact; blob: Blob }[]
  /** True when the bundle's run id already existed and the run got a new id. */
  runIdChanged: boolean
  /** Human-readable notes on the decisions above, for the import dialog or the CLI. */
  notes: string[]
}

/** Plans the import of `bundle` into `targetWorkspaceId`. Pure: reads only its arguments. */
export function planBundleImport(
  bundle: VerifiedBundle,
  targetWorkspaceId: WorkspaceId,
  existing: ExistingRecords,
  context: ImportContext,
): BundleImportPlan {
  const notes: string[] = []
  const id = <K extends 'run' | 'model' | 'artifact' | 'dataset' | 'experiment' | 'pipeline' | 'hook'>(
    kind: K,
  ) => newId(kind, context.randomBytes)
  const taken = existing.isIdTaken ?? (() => false)

  // Dataset: reuse by hash, else add (keeping its id unless taken), else missing.
  let datasetPlan: BundleImportPlan['dataset']
  const source = bundle.dataset
  if (existing.datasetByHash && existing.datasetByHash.hash === source.hash) {
    datasetPlan = { action: 'reuse', record: existing.datasetByHash }
    notes.push(
      `The run uses the dataset “${existing.datasetByHash.name}” v${existing.datasetByHash.version}, already in this workspace.`,
    )
  } else if (bundle.datasetFile) {
    const datasetId: DatasetId = taken(source.id) ? id('dataset') : source.id
    const record: Dataset = {
      ...source,
      id: datasetId,
      workspaceId: targetWorkspaceId,
      version: (existing.latestDatasetVersion ?? 0) + 1,
      blobPath: datasetBlobPath(source.hash, source.sourceFormat),
      importedAt: context.now,
    }
    datasetPlan = { action: 'add', record, blob: bundle.datasetFile.blob }
    notes.push(`Dataset “${record.name}” added as version ${record.version}.`)
  } else {
    datasetPlan = { action: 'missing', metadata: source }
    notes.push(
      `The bundle holds no copy of the dataset “${source.name}”, and this workspace has none. The run can be viewed but not re-run.`,
    )
  }
  const datasetId = datasetPlan.action === 'missing' ? datasetPlan.metadata.id : datasetPlan.record.id

  // Run id: keep it unless it (or a model's or artifact's id) is taken; then every run-owned id is new.
  const runIdChanged = [
    bundle.run.id,
    ...bundle.models.map((m) => m.id),
    ...bundle.artifacts.map((a) => a.id),
  ].some(taken)
  const runId: RunId = runIdChanged ? id('run') : bundle.run.id
  if (runIdChanged)
    notes.push(
      'This run is already stored in this browser (maybe in another workspace), so the imported copy is kept apart from it.',
    )
  const modelIds = new Map<string, ModelId>(
    bundle.models.map((model) => [model.id, runIdChanged ? id('model') : model.id]),
  )
  const artifactIds = new Map<string, ArtifactId>(
    bundle.artifacts.map((artifact) => [artifact.id, runIdChanged ? id('artifact') : artifact.id]),
  )

  // Experiment: reuse, or add with a draft pipeline rebuilt from the snapshot.
  let experimentPlan: BundleImportPlan['experiment']
  let experimentId = bundle.experiment.id
  const experimentExists = existing.experimentIds?.has(experimentId) ?? false
  if (experimentExists) {
    experimentPlan = { action: 'reuse', id: experimentId }
    notes.push(`Run added to the experiment “${bundle.experiment.name}”.`)
  } else {
    const hookIds = bundle.snapshot.blocks.flatMap((block) => block.hooks.map((hook) => hook.id))
    const fresh = [experimentId, bundle.snapshot.pipelineId, ...hookIds].some(taken)
    if (fresh) experimentId = id('experiment')
    const { pipeline, hooks } = pipelineFromSnapshot(
      bundle,
      context.now,
      fresh ? { experimentId, id } : undefined,
    )
    experimentPlan = {
      action: 'add',
      record: {
        ...bundle.experiment,
        id: experimentId,
        workspaceId: targetWorkspaceId,
        datasetId,
        pipelineId: pipeline.id,
        task: bundle.snapshot.task,
        updatedAt: context.now,
      },
      pipeline,
      hooks,
    }
    notes.push(`Experiment “${bundle.experiment.name}” added.`)
  }

  const run: Run = deepFreeze({
    ...bundle.run,
    id: runId,
    workspaceId: targetWorkspaceId,
    // NOTE: snapshot.experimentId stays as exported (frozen); the run's own field points here.
    experimentId,
    // NOTE: the snapshot keeps the exporting workspace's dataset id: it is frozen and hash-checked.
    datasetId,
    number: experimentExists ? (existing.runsInExperiment ?? 0) + 1 : bundle.run.number,
    modelIds: bundle.run.modelIds.map((m) => modelIds.get(m) ?? m),
    artifactIds: bundle.run.artifactIds.map((a) => artifactIds.get(a) ?? a),
    origin: {
      kind: 'imported',
      bundleName: context.bundleName,
      importedAt: context.now,
      appVersion: context.appVersion,
      browser: context.browser,
    },
  })
  const models = bundle.models.map((model) => ({
    ...model,
    id: modelIds.get(model.id)!,
    runId,
    artifactIds: model.artifactIds.map((a) => artifactIds.get(a) ?? a),
  }))
  const artifacts = bundle.artifacts.map((artifact) => ({
    record: {
      ...artifact,
      id: artifactIds.get(artifact.id)!,
      runId,
      ...(artifact.modelId ? { modelId: modelIds.get(artifact.modelId) ?? artifact.modelId } : {}),
      path: artifactBlobPath(runId, artifact.fileName),
    },
    blob: bundle.artifactFiles.get(artifact.id)!,
  }))
  return {
    workspaceId: targetWorkspaceId,
    dataset: datasetPlan,
    experiment: experimentPlan,
    run,
    models,
    artifacts,
    runIdChanged,
    notes,
  }
}

/**
 * A draft pipeline and hook records equal in content to the snapshot (its version hash is the
 * snapshot's). With `fresh`, the pipeline and hooks get new ids and belong to `fresh.experimentId`.
 */
function pipelineFromSnapshot(
  bundle: VerifiedBundle,
  now: number,
  fresh?: { experimentId: ExperimentId; id: (kind: 'pipeline' | 'hook') => string },
): { pipeline: Pipeline; hooks: Hook[] } {
  const { snapshot } = bundle
  const pipelineId = (fresh ? fresh.id('pipeline') : snapshot.pipelineId) as PipelineId
  const hookIds = new Map(
    snapshot.blocks.flatMap((block) =>
      block.hooks.map((hook) => [hook.id, (fresh ? fresh.id('hook') : hook.id) as HookId] as const),
    ),
  )
  const hooks: Hook[] = snapshot.blocks.flatMap((block) =>
    block.hooks.map((hook) => ({
      schemaVersion: 1,
      id: hookIds.get(hook.id)!,
      pipelineId,
      blockId: block.id,
      kind: hook.kind,
      order: hook.order,
      name: hook.name,
      source:
        hook.sourceKind === 'file'
          ? { kind: 'file' as const, fileName: hook.fileName ?? hook.name, code: hook.code }
          : { kind: 'inline' as const, code: hook.code },
      codeHash: hook.codeHash,
      updatedAt: now,
    })),
  )
  const pipeline: Pipeline = {
    schemaVersion: pipelineSchemaVersion,
    id: pipelineId,
    experimentId: fresh ? fresh.experimentId : snapshot.experimentId,
    blocks: snapshot.blocks.map((block) => ({
      id: block.id,
      type: block.type,
      logicRef: block.logicRef,
      config: JSON.parse(JSON.stringify(block.config)),
      hookIds: block.hooks.map((hook) => hookIds.get(hook.id)!),
    })),
    globalConfig: { ...snapshot.globalConfig },
    versionHash: snapshot.hash,
    updatedAt: now,
  }
  return { pipeline, hooks }
}
