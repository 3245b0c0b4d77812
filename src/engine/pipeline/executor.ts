/**
 * The pipeline executor: runs a frozen snapshot's six blocks in order over a DataFrame, threading one
 * explicit {@link EngineContext} through them, calling hooks at before_/override_/after_ points, timing
 * and logging each block, reporting progress, and stopping quickly on cancellation. Inputs and outputs
 * are plain data and typed arrays so the run worker can post them (transfer the typed arrays' buffers);
 * the only non-plain member of the outcome is `fittedModel`, which stays in the thread that ran it.
 */
import './allBlocks.ts'
import '../models/allModels.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { BlockType, PipelineSnapshot } from '../../domain/pipeline.ts'
import { blockTypes } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import type { BlockTiming, LogEntry } from '../../domain/run.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { ModelExplanation } from '../explain/explainModel.ts'
import type { DataFrame, Target } from '../frame.ts'
import { getColumn, takeRows, targetRows } from '../frame.ts'
import type { HookRunner } from '../hooks/hookContract.ts'
import type { FittedModel, Hyperparameters, TrainingCurve } from '../models/model.ts'
import { getModelFamily } from '../models/model.ts'
import type { TfBackendOptions } from '../tfBackend.ts'
import type { ForestHelper } from '../trees/forest.ts'
import { getBlock } from './blockRegistry.ts'
import { recordEvaluation } from './blocks/evaluation.ts'
import type { ModelSelectionConfig } from './blocks/modelSelection.ts'
import { compareCodePoints } from './blocks/preprocessing.ts'
import type { BlockProgress, EngineContext, EvaluationReport, TestPredictions } from './engineContext.ts'
import type { FeatureRecipe } from './featureRecipe.ts'
import type { FoldFitter } from './foldLane.ts'
import type { OverrideState } from './hooks.ts'
import { assertHooksRunnable, runOverrideHooks, runPatchHooks } from './hooks.ts'
import { startRunBackend } from './runBackend.ts'
import { checkClasses, createRunLog, positiveClassIndexOf, validatedBlockConfigs } from './runChecks.ts'
import { explicitSplit, stratifiedHoldout } from './split.ts'
import { numericLabel } from './taskDetection.ts'

/** A progress event: overall percent plus what is happening inside the current block. */
export interface RunProgressEvent {
  block: BlockType
  /** 0..100 over the whole run. */
  percent: number
  /** Model family being fitted, when one is. */
  model?: string
  epoch?: number
  iteration?: number
  loss?: number
  validationLoss?: number
  message?: string
}

/** What the executor needs besides the snapshot and the data; every member is optional. */
export interface ExecuteDeps {
  /** The hook sandbox; required when the snapshot has hooks. */
  hookRunner?: HookRunner
  onProgress?: (event: RunProgressEvent) => void
  /** Streams each log entry as it is written (the outcome also carries them all). */
  onLog?: (entry: LogEntry) => void
  /** Polled between blocks, epochs and iterations; when true the run throws WorkerError('cancelled'). */
  isCancelled?: () => boolean
  /** Backend choice options (wasm paths, calibration cache); `requested` defaults to the snapshot's global backend. */
  tfBackend?: Partial<TfBackendOptions>
  /** Clock in ms (default `performance.now`). */
  now?: () => number
  /** Explicit test rows (0-based input data rows) instead of the seeded stratified split. */
  testIndices?: readonly number[]
  /** A second thread for growing forests (the browser's run worker starts one); results are identical. */
  forestHelper?: ForestHelper
  /** A second thread for model selection's tree fold fits (the same thread as the forest helper); results are identical. */
  foldFitter?: FoldFitter
  /** A line about what runs the run (the app: a run worker's first run, or a warm one reused), logged first. */
  runnerNote?: string
}

/** One row of the model-selection leaderboard. */
export interface LeaderboardEntry {
  family: string
  hyperparameters: Hyperparameters
  metric: string
  /** Mean validation score (NaN when not validated: a single candidate, or chosen by a hook). */
  validationScore: number
  foldScores: number[]
  fitSeconds: number
  /** Why the candidate was not fully evaluated (stopped by racing). */
  note?: string
  /** Its fold scores read its out-of-bag predictions of one fit on all training rows (a bootstrap forest). */
  outOfBag?: boolean
  /** Standard deviation of the fold scores, 95% interval of their mean, tie with the chosen one (2+ folds). */
  std?: number
  interval?: { low: number; high: number }
  tiedWithBest?: boolean
  chosen: boolean
}

/**
 * Everything a finished run produced. Plain data and typed arrays except `fittedModel`. Row numbers are
 * 0-based input data rows.
 */
export interface RunOutcome {
  task: TaskDefinition
  /** TF.js backend the run used. */
  backend: string
  /**
   * Test-split metrics, keyed as in scikit-learn (accuracy, balanced_accuracy, f1_macro, roc_auc, log_loss,
   * r2, rmse, mae…): what the engine computed, or, when `evaluatedByHook`, what an override_evaluation hook returned.
   */
  metrics: Record<string, number>
  /** Custom metrics returned by before_/after_ hooks, in their own namespace; never mixed into `metrics`. */
  hookMetrics: Record<string, number>
  /** True when an override_evaluation hook, not the engine, produced `metrics`. */
  evaluatedByHook: boolean
  /** The full classification or regression report (undefined when an override_evaluation hook replaced it). */
  report: EvaluationReport | undefined
  /** The chosen, trained model (undefined when an override_training hook predicted instead). */
  model:
    | {
        family: string
        framework: FittedModel['framework']
        hyperparameters: Hyperparameters
        trainingMetadata: Record<string, unknown>
        /** Versioned model bytes; `getModelFamily(family).load(bytes)` restores it. */
        bytes: Uint8Array
      }
    | undefined
  /** The live model (not transferable; drop it before posting the outcome). */
  fittedModel: FittedModel | undefined
  leaderboard: LeaderboardEntry[]
  split: { trainRows: Int32Array; testRows: Int32Array }
  predictions: TestPredictions | undefined
  featureNames: string[]
  /** How features are computed from the input columns (for inference on new rows); see `alteredByHook`. */
  featureRecipe: FeatureRecipe | undefined
  featuresAlteredByHook: boolean
  importances: Record<string, number> | undefined
  /** Permutation importance, SHAP (tree models) and partial dependence on test rows, when explainability ran. */
  explanation: ModelExplanation | undefined
  trainingCurve: TrainingCurve | undefined
  blockTimings: BlockTiming[]
  logs: LogEntry[]
  timings: { fitSeconds: number; predictSeconds: number; totalSeconds: number }
  /** Input rows left out because their target is missing. */
  droppedRows: number
}

/** Share of the overall progress bar per block, in block order. */
const blockWeights: Record<BlockType, number> = {
  preprocessing: 5,
  feature_engineering: 5,
  model_selection: 45,
  training: 35,
  evaluation: 8,
  explainability: 2,
}

/** The target of `task` over the rows where it is present; classes sorted by code point. */
export function buildTarget(frame: DataFrame, task: TaskDefinition): { target: Target; rows: Int32Array } {
  const column = getColumn(frame, task.target)
  const present: number[] = []
  if (task.taskType === 'regression') {
    if (column.type !== 'numeric')
      throw new ValidationError(
        'invalid-argument',
        `Target '${task.target}' must be numeric for a regression task`,
      )
    for (let i = 0; i < frame.nRows; i++) if (!Number.isNaN(column.values[i])) present.push(i)
    const rows = Int32Array.from(present)
    return { target: { kind: 'regression', values: Float64Array.from(rows, (r) => column.values[r]) }, rows }
  }
  const labels: string[] = new Array(frame.nRows)
  for (let i = 0; i < frame.nRows; i++) {
    if (column.type === 'categorical') {
      if (column.codes[i] >= 0) {
        labels[i] = column.levels[column.codes[i]]
        present.push(i)
      }
    } else if (!Number.isNaN(column.values[i])) {
      labels[i] = numericLabel(column.values[i])
      present.push(i)
    }
  }
  const rows = Int32Array.from(present)
  const classes = [...new Set(present.map((r) => labels[r]))].sort(compareCodePoints)
  const index = new Map(classes.map((label, k) => [label, k]))
  checkClasses(task, classes)
  return {
    target: { kind: 'classification', classes, codes: Int32Array.from(rows, (r) => index.get(labels[r])!) },
    rows,
  }
}

/**
 * Runs `snapshot` on `data` and resolves with the outcome. Rejects with WorkerError('cancelled') when
 * cancelled, ValidationError for bad configs, data or hook results, and HookError for failing hooks.
 */
export async function executePipeline(
  snapshot: PipelineSnapshot,
  data: DataFrame,
  deps: ExecuteDeps = {},
): Promise<RunOutcome> {
  const now = deps.now ?? (() => performance.now())
  let currentBlock: BlockType | undefined
  const { started, logs, log, checkCancelled } = createRunLog(now, deps, () => currentBlock)

  // Everything that can be checked before any work: block order, logic, configs, hooks.
  const configs = validatedBlockConfigs(snapshot)
  assertHooksRunnable(snapshot.blocks, deps.hookRunner !== undefined)
  const { task } = snapshot
  checkCancelled()

  const selectionAt = snapshot.blocks.findIndex((b) => b.type === 'model_selection')
  const backend = await startRunBackend(
    selectionAt >= 0 ? (configs[selectionAt] as ModelSelectionConfig) : undefined,
    task.taskType,
    { ...deps.tfBackend, requested: deps.tfBackend?.requested ?? snapshot.globalConfig.backend },
  )
  log(
    'info',
    `TF.js backend: ${backend.backend} (${backend.reason})`,
    backend.calibration ? { calibration: backend.calibration } : undefined,
  )

  // Target, rows and split.
  const { target, rows: usable } = buildTarget(data, task)
  const droppedRows = data.nRows - usable.length
  if (droppedRows > 0) log('warn', `${droppedRows} rows have no target value and are left out`)
  const frame = droppedRows > 0 ? takeRows(data, usable) : data
  const positiveClassIndex =
    target.kind === 'classification' ? positiveClassIndexOf(task, target.classes) : undefined
  const excluded = new Set(task.excludedColumns)
  const featureColumns = frame.columns
    .map((c) => c.name)
    .filter((name) => name !== task.target && !excluded.has(name))
  if (featureColumns.length === 0)
    throw new ValidationError('invalid-argument', 'No feature columns are left after excluding columns')
  const rng = createRng(snapshot.globalConfig.seed)
  let split: { train: Int32Array; test: Int32Array }
  if (deps.testIndices) {
    const full = explicitSplit(data.nRows, deps.testIndices)
    // Map input rows to frame rows (rows without a target are gone from both sides).
    const position = new Int32Array(data.nRows).fill(-1)
    usable.forEach((row, i) => {
      position[row] = i
    })
    const map = (rows: Int32Array) =>
      Int32Array.from(Array.from(rows, (r) => position[r]).filter((p) => p >= 0))
    split = { train: map(full.train), test: map(full.test) }
  } else {
    const all = Int32Array.from({ length: frame.nRows }, (_, i) => i)
    split = stratifiedHoldout(
      all,
      snapshot.globalConfig.testFraction,
      rng.fork('split'),
      target.kind === 'classification' ? target.codes : undefined,
    )
  }
  log(
    'info',
    `Split: ${split.train.length} training rows, ${split.test.length} test rows${deps.testIndices ? ' (given)' : ''}`,
  )
  if (target.kind === 'classification') {
    const trainClasses = new Set(Array.from(split.train, (r) => target.codes[r]))
    const missing = target.classes.filter((_, k) => !trainClasses.has(k))
    if (missing.length) log('warn', `Classes missing from the training rows: ${missing.join(', ')}`)
  }

  const progressBase = (type: BlockType) => {
    let sum = 0
    for (const t of blockTypes) {
      if (t === type) break
      sum += blockWeights[t]
    }
    return sum
  }
  const context: EngineContext = {
    forestHelper: deps.forestHelper,
    foldFitter: deps.foldFitter,
    dataset: { id: snapshot.datasetId, hash: snapshot.datasetHash },
    seed: snapshot.globalConfig.seed,
    data: { frame, sourceRows: usable, featureColumns, target, trainRows: split.train, testRows: split.test },
    features: undefined,
    models: { candidates: [], chosen: undefined },
    metrics: {},
    hookMetrics: {},
    evaluatedByHook: false,
    logs,
    task,
    positiveClassIndex,
    rng,
    backend: backend.backend,
    hookRunner: deps.hookRunner,
    currentBlock: undefined,
    evaluation: undefined,
    predictions: undefined,
    trainingCurve: undefined,
    importances: undefined,
    explanation: undefined,
    timings: { fitSeconds: 0, predictSeconds: 0 },
    log,
    progress: (p: BlockProgress) => {
      if (!currentBlock || !deps.onProgress) return
      const { fraction, model, epoch, iteration, loss, validationLoss, message } = p
      const percent =
        progressBase(currentBlock) + blockWeights[currentBlock] * Math.min(1, Math.max(0, fraction))
      deps.onProgress({
        block: currentBlock,
        percent,
        ...(model !== undefined ? { model } : {}),
        ...(epoch !== undefined ? { epoch } : {}),
        ...(iteration !== undefined ? { iteration } : {}),
        ...(loss !== undefined ? { loss } : {}),
        ...(validationLoss !== undefined ? { validationLoss } : {}),
        ...(message !== undefined ? { message } : {}),
      })
    },
    checkCancelled,
    isCancelled: deps.isCancelled,
    now,
  }

  const blockTimings: BlockTiming[] = []
  const overrides: OverrideState = {}
  for (const [i, block] of snapshot.blocks.entries()) {
    checkCancelled()
    currentBlock = block.type
    context.currentBlock = block.type
    const blockStarted = now()
    context.progress({ fraction: 0, message: 'started' })
    const byTiming = (timing: string) =>
      block.hooks.filter((h) => h.kind.startsWith(`${timing}_`)).sort((a, b) => a.order - b.order)
    try {
      await runPatchHooks(context, byTiming('before'), block.config)
      const override = byTiming('override')
      if (override.length > 0) {
        log('info', `Block ${block.type} replaced by ${override.length} override hook(s)`)
        await runOverrideHooks(context, override, block.config, overrides)
        if (block.type === 'model_selection' && context.models.chosen)
          getModelFamily(context.models.chosen.family)
      } else if (block.type === 'training' && overrides.predictions) {
        log('info', 'Training skipped: an override hook predicts instead')
      } else if (block.type === 'evaluation' && !context.models.chosen?.model && overrides.predictions) {
        const predictions = overrides.predictions
        const yTest = targetRows(context.data.target, context.data.testRows)
        recordEvaluation(
          context,
          yTest,
          predictions.kind === 'classification'
            ? { classCodes: predictions.codes }
            : { values: predictions.values },
          true,
        )
      } else {
        await getBlock(block.logicRef).run(context, configs[i])
      }
      await runPatchHooks(context, byTiming('after'), block.config)
    } catch (error) {
      log('error', `Block ${block.type} failed: ${error instanceof Error ? error.message : String(error)}`)
      throw error
    }
    context.progress({ fraction: 1, message: 'finished' })
    blockTimings.push({ block: block.type, startedAt: blockStarted, endedAt: now() })
  }
  currentBlock = undefined

  const chosen = context.models.chosen
  const fitted = chosen?.model
  const leaderboard: LeaderboardEntry[] = context.models.candidates.map((c) => ({
    family: c.family,
    hyperparameters: c.hyperparameters,
    metric: task.metric,
    validationScore: c.validationScore,
    foldScores: c.foldScores,
    fitSeconds: c.fitSeconds,
    ...(c.note ? { note: c.note } : {}),
    ...(c.outOfBag ? { outOfBag: true } : {}),
    ...(c.std !== undefined ? { std: c.std } : {}),
    ...(c.interval ? { interval: c.interval } : {}),
    ...(c.tiedWithBest !== undefined ? { tiedWithBest: c.tiedWithBest } : {}),
    // Training copies the chosen candidate with its own fields, but keeps its foldScores array.
    chosen: chosen !== undefined && c.foldScores === chosen.foldScores,
  }))
  const totalSeconds = (now() - started) / 1000
  log('info', `Run finished in ${totalSeconds.toFixed(2)} s`)
  return {
    task,
    backend: backend.backend,
    metrics: { ...context.metrics },
    hookMetrics: { ...context.hookMetrics },
    evaluatedByHook: context.evaluatedByHook,
    report: context.evaluation,
    model: fitted
      ? {
          family: fitted.family,
          framework: fitted.framework,
          hyperparameters: fitted.hyperparameters,
          trainingMetadata: fitted.trainingMetadata,
          bytes: await fitted.serialize(),
        }
      : undefined,
    fittedModel: fitted,
    leaderboard,
    split: {
      trainRows: Int32Array.from(context.data.trainRows, (r) => context.data.sourceRows[r]),
      testRows: Int32Array.from(context.data.testRows, (r) => context.data.sourceRows[r]),
    },
    predictions: context.predictions,
    featureNames: context.features?.train.names ?? [],
    featureRecipe: context.features?.recipe,
    featuresAlteredByHook: context.features?.alteredByHook ?? false,
    importances: context.importances,
    explanation: context.explanation,
    trainingCurve: context.trainingCurve,
    blockTimings,
    logs,
    timings: {
      fitSeconds: context.timings.fitSeconds,
      predictSeconds: context.timings.predictSeconds,
      totalSeconds,
    },
    droppedRows,
  }
}

/**
 * The buffers of an outcome's typed arrays, for `Comlink.transfer(outcome, outcomeTransferables(outcome))`
 * once `fittedModel` is dropped. Shared buffers are listed once.
 */
export function outcomeTransferables(
  outcome: Pick<RunOutcome, 'model' | 'split' | 'predictions'>,
): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  const add = (array: ArrayBufferView | undefined) => {
    if (array && array.buffer instanceof ArrayBuffer) buffers.add(array.buffer)
  }
  add(outcome.model?.bytes)
  add(outcome.split.trainRows)
  add(outcome.split.testRows)
  add(outcome.predictions?.rows)
  add(outcome.predictions?.yTrue)
  add(outcome.predictions?.yPred)
  add(outcome.predictions?.proba)
  return [...buffers]
}
