/**
 * The out-of-core run (issue 16): a pipeline on a table too large for a float frame of all rows. Rows
 * stream from a {@link TableChunkSource} in passes and never exist as floats all at once:
 *
 * 1. target pass: every row's target (8 bytes a row) and a seeded sample of rows (row-hash selected, so
 *    it does not depend on chunking); the split is the seeded per-row split of {@link isTestRow};
 * 2. the preprocessing and feature-engineering blocks run on the sample (their recipe is fitted on the
 *    sample's training rows); model selection compares the candidates on a seeded subsample of the
 *    sample's training rows ({@link selectOnSubsample}); the winner is refitted on every training row
 *    ({@link refitLarge}): gbdt and rf from one Uint8 matrix the chunks are binned into, linear and
 *    logistic from sums over streamed passes, the MLP on the rows it was compared on (said in the log);
 * 3. evaluation pass: the test rows are predicted chunk by chunk; explanations use the sample's test rows.
 *
 * When the whole table fits in the sample and gbdt is the only candidate, the run is the in-memory run
 * with the same test rows: same recipe, same bin edges, same trees, same metrics (largePipeline.test.ts
 * holds it to that).
 */
import '../pipeline/allBlocks.ts'
import '../models/allModels.ts'
import { ValidationError } from '../../domain/errors.ts'
import { type BlockType, blockTypes, type PipelineSnapshot } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import type { BlockTiming } from '../../domain/run.ts'
import type { FrameColumnHint } from '../arrowFrame.ts'
import { explainBudgetWithRowLimit, explainRun } from '../explain/explainRun.ts'
import type { Column, DataFrame, Target } from '../frame.ts'
import { takeRows } from '../frame.ts'
import { formatBytes } from '../hooks/limits.ts'
import { getBlock } from '../pipeline/blockRegistry.ts'
import { recordEvaluation } from '../pipeline/blocks/evaluation.ts'
import type { ExplainabilityConfig } from '../pipeline/blocks/explainability.ts'
import { expandCandidates, type ModelSelectionConfig } from '../pipeline/blocks/modelSelection.ts'
import { compareCodePoints, type PreprocessingConfig } from '../pipeline/blocks/preprocessing.ts'
import type { TrainingConfig } from '../pipeline/blocks/training.ts'
import type { EngineContext } from '../pipeline/engineContext.ts'
import type { ExecuteDeps, RunOutcome } from '../pipeline/executor.ts'
import { applyFeatureRecipe } from '../pipeline/featureRecipe.ts'
import { startRunBackend } from '../pipeline/runBackend.ts'
import {
  checkClasses,
  createRunLog,
  positiveClassIndexOf,
  validatedBlockConfigs,
} from '../pipeline/runChecks.ts'
import { numericLabel } from '../pipeline/taskDetection.ts'
import type { TableChunkSource } from './chunkSource.ts'
import { concatFrames, releaseArrays, releaseChunk } from './chunkSource.ts'
import { refitLarge } from './largeRefit.ts'
import { largeLeaderboard, selectionRowsFor, selectOnSubsample } from './largeSelection.ts'
import { isTestRow, rowHash } from './rowSplit.ts'

export { defaultLargeCells } from './threshold.ts'

/** Families whose trees split categorical codes natively (no one-hot needed). */
const treeFamilies = new Set(['gbdt', 'rf'])
/** Rows of the seeded sample the recipe, the bin edges and the explanations are fitted on. */
export const defaultSampleRows = 200_000
/** Rows per streamed chunk. */
export const defaultChunkRows = 65_536
/** What a large run may hold (a browser tab's run worker; the CLI passes its own). */
export const defaultLargeMemoryBytes = 2 * 1024 ** 3

export interface LargeRunOptions {
  sampleRows?: number
  chunkRows?: number
  memoryLimitBytes?: number
  /** Where the memory limit comes from, for the log and the refusal ("the browser's JS heap limit"). */
  memoryLimitBasis?: string
  /** The cell threshold that sent the table here (for the log). */
  largeCells?: number
  /** Rows model selection compares candidates on (default: {@link selectionRowsFor}). */
  selectionRows?: number
  /** Columns read as categories (see runs' targetHints). */
  hints?: Record<string, FrameColumnHint>
}

/** The outcome of a large run, plus the sample's columns (the model package's input schema). */
export type LargeRunOutcome = RunOutcome & { trainingColumns: Column[] }

/**
 * Bytes the large path holds at its peak (training): one byte per cell of the binned training rows,
 * labels, raw scores, gradients and hessians, the per-row target and split of the whole table, the
 * test predictions and the sample.
 */
export function estimateLargeRunBytes(input: {
  rowCount: number
  trainRows: number
  testRows: number
  features: number
  outputs: number
  sampleCells: number
}): number {
  const { rowCount, trainRows, testRows, features, outputs, sampleCells } = input
  return (
    trainRows * features + // Uint8 bins
    trainRows * (8 + 4 + 4 + 4) + // labels, row index, learner rows, validation order
    trainRows * outputs * (8 + 4 + 4) + // raw scores, Float32 gradients and hessians
    rowCount * (8 + 1) + // every row's target and side
    testRows * (8 + 8 + 4 + 8 * Math.max(1, outputs)) + // predictions and their rows
    sampleCells * 8 * 3 // the sample frame and its feature matrices
  )
}

function tooLarge(bytes: number, limit: number, what: string, basis?: string): ValidationError {
  return new ValidationError(
    'invalid-argument',
    `This run would need about ${size(bytes)} of memory (${what}), more than the ${size(limit)} it may use${basis ? ` (${basis})` : ''}: train on fewer rows or columns (a filtered or sampled copy of the table)`,
  )
}

/** Bytes for messages: GiB past one, else {@link formatBytes}. */
function size(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : formatBytes(Math.round(bytes))
}

/** Sample membership: a row's hash under the sample seed, independent of chunking. */
function inSample(row: number, seed: number, rate: number): boolean {
  return rate >= 1 || rowHash(row, seed) / 0x100000000 < rate
}

/**
 * Runs `snapshot` over the rows `source` streams. Rejects like {@link executePipeline} (ValidationError
 * with a sentence for what this path cannot do, WorkerError('cancelled')).
 */
export async function executeLargePipeline(
  snapshot: PipelineSnapshot,
  source: TableChunkSource,
  deps: ExecuteDeps & LargeRunOptions = {},
): Promise<LargeRunOutcome> {
  const now = deps.now ?? (() => performance.now())
  let currentBlock: BlockType | undefined
  const { started, logs, log, checkCancelled } = createRunLog(now, deps, () => currentBlock)
  const progress = (block: BlockType, percent: number, message?: string) =>
    deps.onProgress?.({ block, percent, ...(message ? { message } : {}) })
  const blockTimings: BlockTiming[] = []
  const phases: Record<string, number> = {}
  let blockStarted = started
  const enter = (block: BlockType) => {
    currentBlock = block
    blockStarted = now()
    progress(block, blockPercent[block], 'started')
  }
  const leave = () => {
    if (currentBlock) blockTimings.push({ block: currentBlock, startedAt: blockStarted, endedAt: now() })
  }

  // Everything that can be refused before reading a row.
  const configs = validatedBlockConfigs(snapshot)
  const configOf = <C>(type: BlockType) => configs[blockTypes.indexOf(type)] as C
  if (snapshot.blocks.some((b) => b.hooks.length > 0))
    throw new ValidationError(
      'invalid-argument',
      'Hooks do not run on tables this large yet (they would need every row in memory): remove the hooks, or run on a sample of the table',
    )
  if (deps.testIndices)
    throw new ValidationError(
      'invalid-argument',
      'A given list of test rows does not apply to tables this large: their split is chosen per row from the seed',
    )
  const { task } = snapshot
  const { seed, testFraction } = snapshot.globalConfig
  const selection = configOf<ModelSelectionConfig>('model_selection')
  // Refused before reading a row: unknown families, families that do not fit the task.
  expandCandidates(selection, task.taskType)
  const overrides = configOf<TrainingConfig>('training').overrides
  if (!source.columnNames.includes(task.target))
    throw new ValidationError('invalid-argument', `The table has no column '${task.target}' (the target)`)
  const excluded = new Set(task.excludedColumns)
  const featureColumns = source.columnNames.filter((name) => name !== task.target && !excluded.has(name))
  if (featureColumns.length === 0)
    throw new ValidationError('invalid-argument', 'No feature columns are left after excluding columns')
  const limit = deps.memoryLimitBytes ?? defaultLargeMemoryBytes
  const sampleRows = Math.max(1, Math.floor(deps.sampleRows ?? defaultSampleRows))
  const chunkRows = Math.max(1, Math.floor(deps.chunkRows ?? defaultChunkRows))
  const rowCount = source.rowCount
  const rate = Math.min(1, sampleRows / Math.max(1, rowCount))
  const rng = createRng(seed)
  const sampleSeed = rng.fork('large-sample').nextUint32()
  const classification = task.taskType !== 'regression'
  const outputsAtLeast = task.taskType === 'multiclass' ? 3 : 1
  // A first bound before reading anything: one feature per column at least.
  const lowerBound = estimateLargeRunBytes({
    rowCount,
    trainRows: Math.round(rowCount * (1 - testFraction)),
    testRows: Math.round(rowCount * testFraction),
    features: featureColumns.length,
    outputs: outputsAtLeast,
    sampleCells: Math.min(rowCount, sampleRows) * (featureColumns.length + 1),
  })
  if (lowerBound > limit)
    throw tooLarge(
      lowerBound,
      limit,
      `${rowCount} rows × at least ${featureColumns.length} features`,
      deps.memoryLimitBasis,
    )
  log(
    'info',
    `Large table: ${rowCount} rows × ${source.columnNames.length} columns${deps.largeCells !== undefined ? `, more than the ${deps.largeCells} cells a run loads whole` : ''}, streamed in chunks of ${chunkRows} rows; candidates are compared on a seeded subsample and the winner is refitted on all training rows`,
    {
      largeTable: {
        rowCount,
        chunkRows,
        sampleRows,
        sampleRate: rate,
        sampleSeed,
        seed,
        memoryLimitBytes: limit,
      },
    },
  )
  // The TF.js backend as the in-memory run chooses it (logistic regression, the MLP and ridge predict with it).
  const backend = await startRunBackend(selection, task.taskType, {
    ...deps.tfBackend,
    requested: deps.tfBackend?.requested ?? snapshot.globalConfig.backend,
  })
  log('info', `TF.js backend: ${backend.backend} (${backend.reason})`)
  const hints = deps.hints ?? {}
  const readColumns = [...featureColumns, task.target]

  // Pass 1: every row's target, the sample.
  enter('preprocessing')
  const passStarted = now()
  // Every row's target, until the split and the sample have theirs (released below).
  let targetCode = classification ? new Int32Array(rowCount).fill(-1) : undefined
  let targetValue = classification ? undefined : new Float64Array(rowCount)
  const labelIndex = new Map<string, number>()
  const labels: string[] = []
  const sampleChunks: DataFrame[] = []
  const sampleSource: number[] = []
  let start = 0
  for await (const chunk of source.chunks(readColumns, { chunkRows, hints })) {
    checkCancelled()
    const column = chunk.columns[chunk.columns.length - 1]
    if (start + chunk.nRows > rowCount) throw new Error('The table streamed more rows than it counted')
    for (let i = 0; i < chunk.nRows; i++) {
      if (targetCode) {
        let label: string | undefined
        if (column.type === 'categorical')
          label = column.codes[i] >= 0 ? column.levels[column.codes[i]] : undefined
        else if (!Number.isNaN(column.values[i])) label = numericLabel(column.values[i])
        if (label === undefined) continue
        let code = labelIndex.get(label)
        if (code === undefined) {
          code = labels.length
          labels.push(label)
          labelIndex.set(label, code)
        }
        targetCode[start + i] = code
      } else {
        if (column.type !== 'numeric')
          throw new ValidationError(
            'invalid-argument',
            `Target '${task.target}' must be numeric for a regression task`,
          )
        targetValue![start + i] = column.values[i]
      }
    }
    const picked: number[] = []
    for (let i = 0; i < chunk.nRows; i++) {
      const row = start + i
      const present = targetCode ? targetCode[row] >= 0 : !Number.isNaN(targetValue![row])
      if (present && inSample(row, sampleSeed, rate)) picked.push(i)
    }
    if (picked.length > 0) {
      sampleChunks.push(takeRows(chunk, Int32Array.from(picked)))
      for (const i of picked) sampleSource.push(start + i)
    }
    // The target and the sample's rows are copied out: the chunk is freed now, not at a collection.
    releaseChunk(source, chunk)
    start += chunk.nRows
    progress(
      'preprocessing',
      (start / Math.max(1, rowCount)) * blockWeight.preprocessing * 0.8,
      'reading rows',
    )
  }
  if (start !== rowCount) throw new Error(`The table streamed ${start} rows but counted ${rowCount}`)
  phases.read_s = (now() - passStarted) / 1000

  // Classes, split and the training labels.
  const classes = [...labels].sort(compareCodePoints)
  const remap = Int32Array.from(labels, (label) => classes.indexOf(label))
  if (targetCode)
    for (let r = 0; r < rowCount; r++) if (targetCode[r] >= 0) targetCode[r] = remap[targetCode[r]]
  if (classification) checkClasses(task, classes)
  const positiveClassIndex = classification ? positiveClassIndexOf(task, classes) : undefined
  const isTest = new Uint8Array(rowCount)
  let nTrain = 0
  let nTest = 0
  for (let r = 0; r < rowCount; r++) {
    const present = targetCode ? targetCode[r] >= 0 : !Number.isNaN(targetValue![r])
    if (!present) {
      isTest[r] = 2
      continue
    }
    if (isTestRow(r, seed, testFraction)) {
      isTest[r] = 1
      nTest++
    } else nTrain++
  }
  const droppedRows = rowCount - nTrain - nTest
  if (droppedRows > 0) log('warn', `${droppedRows} rows have no target value and are left out`)
  if (nTrain === 0 || nTest === 0)
    throw new ValidationError(
      'invalid-argument',
      `The split left ${nTrain} training and ${nTest} test rows: a run needs both (test fraction ${testFraction})`,
    )
  const trainSource = new Int32Array(nTrain)
  const testSource = new Int32Array(nTest)
  const yTrain = new Float64Array(nTrain)
  const yTestValues = new Float64Array(nTest)
  {
    let a = 0
    let b = 0
    for (let r = 0; r < rowCount; r++) {
      if (isTest[r] === 2) continue
      const y = targetCode ? targetCode[r] : targetValue![r]
      if (isTest[r] === 1) {
        testSource[b] = r
        yTestValues[b++] = y
      } else {
        trainSource[a] = r
        yTrain[a++] = y
      }
    }
  }
  log(
    'info',
    `Split: ${nTrain} training rows, ${nTest} test rows (per row from seed ${seed}, test fraction ${testFraction})`,
  )
  const targetOf = (values: Float64Array): Target =>
    classification
      ? { kind: 'classification', classes, codes: Int32Array.from(values) }
      : { kind: 'regression', values }

  // The sample: preprocessing and feature engineering fitted on its training rows.
  const sampleFrame = concatFrames(sampleChunks.length > 0 ? sampleChunks : [emptyLike(readColumns)])
  sampleChunks.length = 0
  const sampleTrain: number[] = []
  const sampleTest: number[] = []
  for (const [i, row] of sampleSource.entries()) (isTest[row] === 1 ? sampleTest : sampleTrain).push(i)
  const sampleY = Float64Array.from(sampleSource, (row) => (targetCode ? targetCode[row] : targetValue![row]))
  // The training, test and sample rows have their targets now. A closure captured these, so they would
  // live as long as the run's scope does (10M rows: 40 MB of codes or 80 MB of values).
  targetCode = undefined
  targetValue = undefined
  log(
    'info',
    `Preprocessing, feature engineering, bin edges and explanations are fitted on a seeded sample of ${sampleSource.length} rows (${sampleTrain.length} training, ${sampleTest.length} test; sample seed ${sampleSeed}, rate ${rate.toPrecision(6)}): a re-run with the same seed draws the same rows`,
    { sample: { rows: sampleSource.length, seed: sampleSeed, rate, trainRows: sampleTrain.length } },
  )
  const context = sampleContext({
    snapshot,
    frame: sampleFrame,
    sourceRows: Int32Array.from(sampleSource),
    featureColumns,
    target: targetOf(sampleY),
    trainRows: Int32Array.from(sampleTrain),
    testRows: Int32Array.from(sampleTest),
    positiveClassIndex,
    log,
    checkCancelled,
    isCancelled: deps.isCancelled,
    now,
    backend: backend.backend,
  })
  // When every candidate is a tree model (they split categories natively), one-hot columns would only
  // slow the fit (synthetic 1M rows, gbdt: 51 columns instead of 23, fit 20.7 s → 10.4 s, accuracy
  // 0.9396 → 0.9436); linear models and the MLP keep the pipeline's one-hot encoding.
  const preprocessing = configs[0] as PreprocessingConfig
  const treesOnly = expandCandidates(selection, task.taskType).every((c) => treeFamilies.has(c.family))
  const ordinal = treesOnly && preprocessing.encoding === 'onehot'
  if (ordinal)
    log(
      'info',
      'Categorical columns are encoded as ordinal codes that the trees split natively (every candidate is a tree model; one-hot would only slow the large-table fit)',
    )
  await getBlock(snapshot.blocks[0].logicRef).run(
    context,
    ordinal ? { ...preprocessing, encoding: 'ordinal' } : preprocessing,
  )
  leave()
  enter('feature_engineering')
  await getBlock(snapshot.blocks[1].logicRef).run(context, configs[1])
  const features = context.features!
  const { recipe } = features
  const nFeatures = features.train.names.length
  leave()

  enter('model_selection')
  const nOutputs = task.taskType === 'multiclass' ? classes.length : 1
  const estimate = estimateLargeRunBytes({
    rowCount,
    trainRows: nTrain,
    testRows: nTest,
    features: nFeatures,
    outputs: nOutputs,
    sampleCells: sampleSource.length * (readColumns.length + nFeatures),
  })
  log(
    'info',
    `Memory estimate: ${size(estimate)} of ${size(limit)} allowed${deps.memoryLimitBasis ? ` (${deps.memoryLimitBasis})` : ''}`,
    {
      estimateBytes: estimate,
      limitBytes: limit,
    },
  )
  if (estimate > limit)
    throw tooLarge(estimate, limit, `${nTrain} training rows × ${nFeatures} features`, deps.memoryLimitBasis)
  const sampleTrainIndex = Int32Array.from(sampleTrain, (i) => lowerBoundOf(trainSource, sampleSource[i]))
  const { rows: selectionRows, why } = selectionRowsFor(nFeatures, sampleTrain.length, deps.selectionRows)
  log(
    'info',
    `Model selection compares the candidates on a seeded subsample of ${selectionRows} of the sample's ${sampleTrain.length} training rows (${why}); the winner is then refitted on all ${nTrain} training rows`,
    { selectionSubsample: { rows: selectionRows, of: sampleTrain.length, trainRows: nTrain } },
  )
  const selected = await selectOnSubsample({
    context,
    config: selection,
    rows: selectionRows,
    forestHelper: deps.forestHelper,
    foldFitter: deps.foldFitter,
    progress: (p) =>
      deps.onProgress?.({
        block: 'model_selection',
        percent:
          blockPercent.model_selection + blockWeight.model_selection * Math.min(1, Math.max(0, p.fraction)),
        ...(p.model !== undefined ? { model: p.model } : {}),
        ...(p.message !== undefined ? { message: p.message } : {}),
      }),
  })
  const chosenFamily = selected.chosen.family
  leave()

  // Pass 2: the winner refitted on every training row (streamed, binned where it is a tree model).
  enter('training')
  const fitStarted = now()
  const refit = await refitLarge(
    chosenFamily,
    { ...selected.chosen.hyperparameters, ...overrides },
    {
      source,
      featureColumns,
      chunkRows,
      hints,
      recipe,
      isTest,
      yTrain,
      classes,
      task: task.taskType,
      sampleTrain: features.train,
      sampleTarget: targetOf(Float64Array.from(sampleTrain, (i) => sampleY[i])),
      sampleTrainIndex,
      selectionRows,
      selectionPositions: selected.positions,
      rng: rng.fork('training'),
      isCancelled: deps.isCancelled,
      checkCancelled,
      log,
      forestHelper: deps.forestHelper,
      onPass: (fraction, message) =>
        progress('training', blockPercent.training + blockWeight.training * 0.3 * fraction, message),
      onFit: (p) =>
        deps.onProgress?.({
          block: 'training',
          percent: blockPercent.training + blockWeight.training * (0.3 + 0.7 * p.fraction),
          model: chosenFamily,
          ...(p.iteration !== undefined ? { iteration: p.iteration } : {}),
          ...(p.epoch !== undefined ? { epoch: p.epoch } : {}),
          ...(p.loss !== undefined ? { loss: p.loss } : {}),
          ...(p.validationLoss !== undefined ? { validationLoss: p.validationLoss } : {}),
          ...(p.message !== undefined ? { message: p.message } : {}),
        }),
    },
    now,
  )
  const { model, hyperparameters } = refit
  phases.bin_s = refit.streamSeconds
  const fitSeconds = (now() - fitStarted) / 1000
  phases.fit_s = fitSeconds - refit.streamSeconds
  log('info', `Trained ${chosenFamily} on ${refit.rows} rows: ${refit.how}`, { ...model.trainingMetadata })
  leave()

  // Pass 3: predict the test rows chunk by chunk.
  enter('evaluation')
  const evaluateStarted = now()
  const k = classes.length
  const proba = classification ? new Float64Array(nTest * k) : undefined
  const values = classification ? undefined : new Float64Array(nTest)
  {
    let row = 0
    let testAt = 0
    for await (const chunk of source.chunks(featureColumns, { chunkRows, hints })) {
      checkCancelled()
      const rows: number[] = []
      for (let i = 0; i < chunk.nRows; i++) if (isTest[row + i] === 1) rows.push(i)
      if (rows.length > 0) {
        const X = applyFeatureRecipe(recipe, chunk, Int32Array.from(rows))
        if (proba) proba.set(await model.predictProba(X), testAt * k)
        else values!.set(await model.predict(X), testAt)
        releaseArrays(X.columns)
        testAt += rows.length
      }
      row += chunk.nRows
      releaseChunk(source, chunk)
      progress(
        'evaluation',
        blockPercent.evaluation + blockWeight.evaluation * (row / rowCount),
        'predicting test rows',
      )
    }
  }
  const predictSeconds = (now() - evaluateStarted) / 1000
  phases.evaluate_s = predictSeconds
  const evaluation = sampleContext({
    snapshot,
    frame: sampleFrame,
    sourceRows: testSource,
    featureColumns,
    target: targetOf(yTestValues),
    trainRows: new Int32Array(0),
    testRows: Int32Array.from({ length: nTest }, (_, i) => i),
    positiveClassIndex,
    log,
    checkCancelled,
    isCancelled: deps.isCancelled,
    now,
    backend: backend.backend,
  })
  const storePredictions = configOf<{ storePredictions: boolean }>('evaluation').storePredictions
  recordEvaluation(
    evaluation,
    targetOf(yTestValues),
    proba ? { proba } : { values: values! },
    storePredictions,
  )
  log('info', `Evaluated on ${nTest} test rows, in chunks`, { ...evaluation.metrics })
  leave()

  // Explanations on the sample's test rows.
  enter('explainability')
  const explainStarted = now()
  const explainConfig = configOf<ExplainabilityConfig>('explainability')
  let explanation: RunOutcome['explanation']
  const chosen = { ...selected.chosen, hyperparameters, model }
  if (!explainConfig.enabled) log('info', 'Explainability disabled')
  else {
    context.models = { candidates: [chosen], chosen }
    explanation = await explainRun(context, {
      budget: explainBudgetWithRowLimit(explainConfig.budget),
      metric: task.metric,
    })
  }
  phases.explain_s = (now() - explainStarted) / 1000
  leave()
  currentBlock = undefined
  const totalSeconds = (now() - started) / 1000
  log(
    'info',
    `Large-table phases: read and sample ${phases.read_s.toFixed(1)} s, bin ${phases.bin_s.toFixed(1)} s, fit ${phases.fit_s.toFixed(1)} s, evaluate ${phases.evaluate_s.toFixed(1)} s, explain ${phases.explain_s.toFixed(1)} s`,
    { largeTablePhases: phases },
  )
  log('info', `Run finished in ${totalSeconds.toFixed(2)} s`)
  return {
    task,
    backend: backend.backend,
    metrics: { ...evaluation.metrics },
    hookMetrics: {},
    evaluatedByHook: false,
    report: evaluation.evaluation,
    model: {
      family: model.family,
      framework: model.framework,
      hyperparameters: model.hyperparameters,
      trainingMetadata: model.trainingMetadata,
      bytes: await model.serialize(),
    },
    fittedModel: model,
    leaderboard: largeLeaderboard(
      selected.candidates,
      selected.chosen,
      task.metric,
      `compared on a seeded subsample of ${selectionRows.toLocaleString('en-US')} training rows (${why}); ${refit.how}`,
    ),
    split: { trainRows: trainSource, testRows: testSource },
    predictions: evaluation.predictions,
    featureNames: features.train.names,
    featureRecipe: recipe,
    featuresAlteredByHook: false,
    importances: context.importances,
    explanation,
    trainingCurve: model.trainingCurve?.(),
    blockTimings,
    logs,
    timings: { fitSeconds, predictSeconds, totalSeconds },
    droppedRows,
    trainingColumns: sampleFrame.columns,
  }
}

/** Share of the progress bar per block and where each starts. */
const blockWeight: Record<BlockType, number> = {
  preprocessing: 15,
  feature_engineering: 2,
  model_selection: 20,
  training: 46,
  evaluation: 15,
  explainability: 2,
}
const blockPercent = Object.fromEntries(
  blockTypes.map((type, i) => [type, blockTypes.slice(0, i).reduce((sum, t) => sum + blockWeight[t], 0)]),
) as Record<BlockType, number>

/** First index of `sorted` holding `value` (it is there). */
function lowerBoundOf(sorted: Int32Array, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

function emptyLike(columns: readonly string[]): DataFrame {
  return {
    nRows: 0,
    columns: columns.map((name) => ({ name, type: 'numeric', kind: 'numeric', values: new Float64Array(0) })),
  }
}

/** An engine context over the sample, for the blocks that run on it unchanged. */
function sampleContext(input: {
  snapshot: PipelineSnapshot
  frame: DataFrame
  sourceRows: Int32Array
  featureColumns: string[]
  target: Target
  trainRows: Int32Array
  testRows: Int32Array
  positiveClassIndex: number | undefined
  log: EngineContext['log']
  checkCancelled: () => void
  isCancelled: (() => boolean) | undefined
  now: () => number
  backend: string
}): EngineContext {
  const { snapshot } = input
  return {
    dataset: { id: snapshot.datasetId, hash: snapshot.datasetHash },
    seed: snapshot.globalConfig.seed,
    data: {
      frame: input.frame,
      sourceRows: input.sourceRows,
      featureColumns: input.featureColumns,
      target: input.target,
      trainRows: input.trainRows,
      testRows: input.testRows,
    },
    features: undefined,
    models: { candidates: [], chosen: undefined },
    metrics: {},
    hookMetrics: {},
    evaluatedByHook: false,
    logs: [],
    task: snapshot.task,
    positiveClassIndex: input.positiveClassIndex,
    rng: createRng(snapshot.globalConfig.seed),
    backend: input.backend,
    hookRunner: undefined,
    currentBlock: undefined,
    evaluation: undefined,
    predictions: undefined,
    trainingCurve: undefined,
    importances: undefined,
    explanation: undefined,
    timings: { fitSeconds: 0, predictSeconds: 0 },
    log: input.log,
    progress: () => {},
    checkCancelled: input.checkCancelled,
    isCancelled: input.isCancelled,
    now: input.now,
  }
}
