/**
 * The winner of model selection refitted on every training row of a table too large to load (issue 16):
 * gradient boosting and random forests from one byte per cell (rows streamed and binned chunk by chunk),
 * ridge regression from normal equations summed over the streamed rows, logistic regression starting
 * from the sample's fit and Newton steps each summed over one streamed pass, the MLP starting from its fit
 * on the rows it was compared on and a few epochs of Adam steps over the streamed rows (streamedMlp.ts).
 */
import type { Rng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FrameColumnHint } from '../arrowFrame.ts'
import type { DataFrame, FeatureMatrix, Target } from '../frame.ts'
import { featureMatrixRows, targetRows } from '../frame.ts'
import {
  EnsembleFittedModel,
  type EnsembleMember,
  type EnsembleMemberSpec,
  ensembleFamilyKey,
  ensembleHyperparameters,
  parseEnsembleMembers,
} from '../models/ensemble.ts'
import { boostingParamsFrom } from '../models/gbdt.ts'
import { createFittedLogistic } from '../models/logistic.ts'
import { createFittedMlp, MlpTrainer, mlpLayers, readMlpFile, readMlpHyperparameters } from '../models/mlp.ts'
import type { FitOptions, FittedModel, Hyperparameters, TrainingProgress } from '../models/model.ts'
import { getModelFamily } from '../models/model.ts'
import { forestParamsFrom } from '../models/rf.ts'
import { decodeModelFile, numberParam } from '../models/tfjsCommon.ts'
import type { FeatureRecipe } from '../pipeline/featureRecipe.ts'
import { applyFeatureRecipe } from '../pipeline/featureRecipe.ts'
import { type BinMapper, fitBinMapper } from '../trees/binning.ts'
import { fitGradientBoostingFromBinned, splitValidation } from '../trees/boosting.ts'
import { TreeFittedModel } from '../trees/fittedTreeModel.ts'
import { fitForestFromBinned } from '../trees/forest.ts'
import { BinnedMatrixBuilder } from './binnedBuilder.ts'
import { releaseArrays, releaseChunk, type TableChunkSource } from './chunkSource.ts'
import { columnMeans, StreamedRidge } from './streamedLinear.ts'
import { LogisticNewtonPass } from './streamedLogistic.ts'
import { mlpStreamBlockRows, mlpStreamValidation, StreamedMlp, streamedMlpEpochs } from './streamedMlp.ts'

/** What a refit reads: the stream, the split, the recipe and the sample's training features. */
export interface RefitInput {
  source: TableChunkSource
  featureColumns: string[]
  chunkRows: number
  hints: Record<string, FrameColumnHint>
  recipe: FeatureRecipe
  /** Per table row: 0 training, 1 test, 2 left out (no target). */
  isTest: Uint8Array
  /** Training targets (class codes or values), in table order. */
  yTrain: Float64Array
  classes: string[]
  task: TaskType
  /** The sample's training rows' features (the recipe's own training rows) and their target. */
  sampleTrain: FeatureMatrix
  sampleTarget: Target
  /** Each sample training row's index among all training rows (ascending). */
  sampleTrainIndex: Int32Array
  /** Rows the winner was compared on (for the forest's leaf size). */
  selectionRows: number
  /** Those rows' positions in `sampleTrain` (a family that cannot stream is fitted on them). */
  selectionPositions: Int32Array
  rng: Rng
  isCancelled?: () => boolean
  checkCancelled: () => void
  /** Streaming progress, 0..1 of the pass. */
  onPass: (fraction: number, message: string) => void
  /** Fitting progress. */
  onFit: (progress: TrainingProgress) => void
  log: (level: 'info' | 'warn', message: string, data?: Record<string, unknown>) => void
  forestHelper?: FitOptions['forestHelper']
}

export interface Refit {
  model: FittedModel
  hyperparameters: Hyperparameters
  /** Rows the model was fitted on. */
  rows: number
  /** How, for the leaderboard note: "on all 800,000 training rows from the binned matrix". */
  how: string
  streamSeconds: number
}

/** Refits `family` with `hyperparameters` (the chosen candidate's, training overrides applied). */
export async function refitLarge(
  family: string,
  hyperparameters: Hyperparameters,
  input: RefitInput,
  now: () => number,
): Promise<Refit> {
  if (family === ensembleFamilyKey) return refitEnsemble(hyperparameters, input, now)
  if (family === 'gbdt') return refitBoosting(hyperparameters, input, now)
  if (family === 'rf') return refitForest(hyperparameters, input, now)
  if (family === 'linear') return refitRidge(hyperparameters, input, now)
  if (family === 'mlp') return refitMlp(hyperparameters, input, now)
  const newtonWork = logisticPassWork(input)
  if (family === 'logistic' && newtonWork <= maxNewtonPassWork)
    return refitLogistic(hyperparameters, input, now)
  // Fitted on the rows it was compared on: its cost there is known to fit in the selection's budget.
  const positions = input.selectionPositions
  const rows = positions.length
  const where = `the ${rows} training rows model selection compared it on (a seeded subsample), not on all ${input.yTrain.length}`
  input.log(
    'warn',
    family === 'logistic'
      ? `logistic is fitted on ${where}: a Newton pass over every row would take about ${newtonWork.toExponential(1)} multiply-adds (its Hessian has (features + 1) × classes squared entries per row), past the ${maxNewtonPassWork.toExponential(0)} a pass may take`
      : `${family} is fitted on ${where}: its optimiser goes over every row's floats many times, which a table this large cannot hold, and its cost on these rows is known to fit the selection's time budget (gbdt, rf, linear, logistic and mlp refit on all rows)`,
  )
  const model = await fitOnSelection(family, hyperparameters, input, input.onFit)
  return {
    model,
    hyperparameters,
    rows,
    how: `fitted on the ${rows.toLocaleString('en-US')} training rows it was compared on (${family} does not stream)`,
    streamSeconds: 0,
  }
}

/** `family` fitted on the rows model selection compared it on (with the refit's generator). */
function fitOnSelection(
  family: string,
  hyperparameters: Hyperparameters,
  input: RefitInput,
  onProgress: (progress: TrainingProgress) => void,
): Promise<FittedModel> {
  const positions = input.selectionPositions
  return getModelFamily(family).fit(
    featureMatrixRows(input.sampleTrain, positions),
    targetRows(input.sampleTarget, positions),
    hyperparameters,
    {
      task: input.task,
      rng: input.rng,
      isCancelled: input.isCancelled,
      forestHelper: input.forestHelper,
      onProgress,
    },
  )
}

/** Every training row of every chunk, in table order: `visit(chunk, rows in the chunk, first training index)`. */
async function streamTrainingRows(
  input: RefitInput,
  message: string,
  visit: (chunk: DataFrame, rows: number[], firstTrainIndex: number) => void,
): Promise<void> {
  const { source, isTest } = input
  let row = 0
  let trainAt = 0
  for await (const chunk of source.chunks(input.featureColumns, {
    chunkRows: input.chunkRows,
    hints: input.hints,
  })) {
    input.checkCancelled()
    const rows: number[] = []
    for (let i = 0; i < chunk.nRows; i++) if (isTest[row + i] === 0) rows.push(i)
    visit(chunk, rows, trainAt)
    trainAt += rows.length
    row += chunk.nRows
    input.onPass(row / Math.max(1, source.rowCount), message)
  }
}

/**
 * Training rows binned into one matrix (and a validation matrix of the rows `isValidation` marks).
 * `inWasm`: the fit's matrix is built where the boosting kernels will read it (BinnedMatrix.memory); the
 * forest reads its matrix from several places, so it keeps a JS buffer.
 */
async function binTrainingRows(
  input: RefitInput,
  mapper: BinMapper,
  isValidation: Uint8Array | undefined,
  nValidation: number,
  inWasm: boolean,
) {
  const nTrain = input.yTrain.length
  const nFit = nTrain - nValidation
  const fitBuilder = new BinnedMatrixBuilder(mapper, nFit, { inWasm })
  const validationBuilder = isValidation ? new BinnedMatrixBuilder(mapper, nValidation) : undefined
  const yFit = new Float64Array(nFit)
  const yValidation = new Float64Array(nValidation)
  let fitAt = 0
  let validationAt = 0
  await streamTrainingRows(input, 'binning rows', (chunk, rows, first) => {
    const fitRows: number[] = []
    const validationRows: number[] = []
    for (const [r, i] of rows.entries()) {
      const trainAt = first + r
      if (isValidation?.[trainAt]) {
        validationRows.push(i)
        yValidation[validationAt++] = input.yTrain[trainAt]
      } else {
        fitRows.push(i)
        yFit[fitAt++] = input.yTrain[trainAt]
      }
    }
    const X = applyFeatureRecipe(input.recipe, chunk)
    if (fitRows.length) fitBuilder.append(X, Uint32Array.from(fitRows))
    if (validationRows.length) validationBuilder!.append(X, Uint32Array.from(validationRows))
    // The chunk's rows are bytes in the builders now: its floats and their features are freed at once.
    releaseChunk(input.source, chunk)
    releaseArrays(X.columns)
  })
  return {
    fit: fitBuilder.finish(),
    yFit,
    validation: validationBuilder ? { binned: validationBuilder.finish(), y: yValidation } : null,
  }
}

function targetOf(input: RefitInput, y: Float64Array): Target {
  return input.task === 'regression'
    ? { kind: 'regression', values: y }
    : { kind: 'classification', classes: input.classes, codes: Int32Array.from(y) }
}

/** The model's target shape without rows (the fitted tree model reads only its classes). */
function emptyTarget(input: RefitInput): Target {
  return targetOf(input, new Float64Array(0))
}

async function refitBoosting(hyperparameters: Hyperparameters, input: RefitInput, now: () => number) {
  // Quantised gradients (8-bit integers by seeded stochastic rounding, integer histograms): at 10M rows
  // the fit takes about a fifth less time, and the accuracy stays within noise (see TreeLearner.quantizeInHalves).
  const params = { ...boostingParamsFrom(hyperparameters), quantizedGradients: true }
  const nTrain = input.yTrain.length
  const earlyStopping = params.earlyStopping === 'auto' ? nTrain > 10_000 : params.earlyStopping
  // The validation slice exactly as the in-memory fit draws it, from the training labels alone.
  let isValidation: Uint8Array | undefined
  let nValidation = 0
  if (earlyStopping) {
    const split = splitValidation(
      input.yTrain,
      input.classes.length,
      params.validationFraction,
      input.rng.fork('validation'),
    )
    isValidation = new Uint8Array(nTrain)
    for (const i of split.validation) isValidation[i] = 1
    nValidation = split.validation.length
  }
  const mapper = fitBinMapper(
    input.sampleTrain,
    input.rng.fork('binning'),
    params.maxBins,
    200_000,
    isValidation ? sampleFitRows(input, isValidation) : null,
  )
  const started = now()
  const data = await binTrainingRows(input, mapper, isValidation, nValidation, true)
  const streamSeconds = (now() - started) / 1000
  const result = fitGradientBoostingFromBinned(
    {
      binned: data.fit,
      mapper,
      y: data.yFit,
      categoricalLevels: input.sampleTrain.categoricalLevels,
      validation: data.validation,
      earlyStopping,
    },
    emptyTarget(input),
    params,
    { task: input.task, rng: input.rng, isCancelled: input.isCancelled, onProgress: input.onFit },
  )
  const model = TreeFittedModel.fromFit(
    'gbdt',
    input.sampleTrain,
    emptyTarget(input),
    hyperparameters,
    result,
  )
  return {
    model,
    hyperparameters,
    rows: nTrain,
    how: `refitted on all ${nTrain.toLocaleString('en-US')} training rows from the binned matrix (one byte per cell)${result.metadata.quantizedGradients ? ', gradients and hessians quantised to 8-bit integers by seeded stochastic rounding' : ''}`,
    streamSeconds,
  }
}

/**
 * The sample's training rows outside the validation slice (positions in `sampleTrain`): the bin edges
 * come from the rows the fit uses, as in memory. The sample's training rows are, in order, a subset of
 * the table's training rows.
 */
function sampleFitRows(input: RefitInput, isValidation: Uint8Array): Uint32Array {
  const out: number[] = []
  const { sampleTrainIndex } = input
  for (let j = 0; j < sampleTrainIndex.length; j++) if (!isValidation[sampleTrainIndex[j]]) out.push(j)
  return Uint32Array.from(out)
}

async function refitForest(hyperparameters: Hyperparameters, input: RefitInput, now: () => number) {
  const nTrain = input.yTrain.length
  const params = forestParamsFrom(hyperparameters, input.sampleTrain, input.task, 'rf', {
    nEstimators: 100,
    bootstrap: true,
    maxFeatures: 'auto',
  })
  // Trees grown to purity on every row would hold about one leaf per row each (gigabytes at millions of
  // rows); the leaf size grows with the rows so the trees keep the size they had when they won.
  const scale = Math.floor(nTrain / Math.max(1, input.selectionRows))
  let used = hyperparameters
  if (scale > 1) {
    const minSamplesLeaf = params.minSamplesLeaf * scale
    input.log(
      'info',
      `Random forest on all ${nTrain} training rows: min_samples_leaf ${params.minSamplesLeaf} → ${minSamplesLeaf} (${scale}× the ${input.selectionRows} rows it was compared on), so each tree keeps about the number of leaves it had there instead of one leaf per row`,
    )
    params.minSamplesLeaf = minSamplesLeaf
    params.minSamplesSplit = Math.max(params.minSamplesSplit, 2 * minSamplesLeaf)
    used = { ...hyperparameters, min_samples_leaf: minSamplesLeaf, min_samples_split: params.minSamplesSplit }
  }
  const mapper = fitBinMapper(input.sampleTrain, input.rng.fork('binning'), params.maxBins)
  const started = now()
  const data = await binTrainingRows(input, mapper, undefined, 0, false)
  const streamSeconds = (now() - started) / 1000
  const y = targetOf(input, data.yFit)
  const result = fitForestFromBinned(
    { binned: data.fit, mapper, categoricalLevels: input.sampleTrain.categoricalLevels },
    y,
    params,
    { task: input.task, rng: input.rng, isCancelled: input.isCancelled, onProgress: input.onFit },
  )
  const model = TreeFittedModel.fromFit('rf', input.sampleTrain, y, used, {
    ...result,
    metadata: { ...result.metadata, bootstrap: params.bootstrap ? 'per-row seeded counts' : 'none' },
  })
  return {
    model,
    hyperparameters: used,
    rows: nTrain,
    how: `refitted on all ${nTrain.toLocaleString('en-US')} training rows from the binned matrix (one byte per cell; bootstrap by per-row counts)`,
    streamSeconds,
  }
}

async function refitRidge(hyperparameters: Hyperparameters, input: RefitInput, now: () => number) {
  const nTrain = input.yTrain.length
  const ridge = new StreamedRidge(input.sampleTrain.names, columnMeans(input.sampleTrain))
  const started = now()
  await streamTrainingRows(input, 'summing the normal equations', (chunk, rows, first) => {
    if (rows.length === 0) return
    const X = applyFeatureRecipe(input.recipe, chunk, Int32Array.from(rows))
    ridge.add(X, input.yTrain.subarray(first, first + rows.length))
  })
  const streamSeconds = (now() - started) / 1000
  const model = ridge.finish(hyperparameters, { passes: 1 })
  input.onFit({ fraction: 1 })
  return {
    model,
    hyperparameters,
    rows: nTrain,
    how: `refitted on all ${nTrain.toLocaleString('en-US')} training rows: normal equations summed over one streamed pass, solved exactly`,
    streamSeconds,
  }
}

/** Streamed Newton passes of logistic regression, from its fit on the sample's training rows. */
export const logisticNewtonPasses = 2
/** Multiply-adds one Newton pass may take (about a minute of this machine's single thread). */
export const maxNewtonPassWork = 5e10

/** Multiply-adds of one Newton pass: the upper half of the Hessian per training row. */
function logisticPassWork(input: RefitInput): number {
  const k = input.classes.length === 2 ? 1 : input.classes.length
  const p = (input.sampleTrain.names.length + 1) * k
  return (input.yTrain.length * p * (p + 1)) / 2
}

async function refitLogistic(hyperparameters: Hyperparameters, input: RefitInput, now: () => number) {
  const nTrain = input.yTrain.length
  const start = await getModelFamily('logistic').fit(input.sampleTrain, input.sampleTarget, hyperparameters, {
    task: input.task,
    rng: input.rng,
    isCancelled: input.isCancelled,
    onProgress: (p) => input.onFit({ ...p, fraction: p.fraction * 0.2 }),
  })
  const { tensors } = decodeModelFile(await start.serialize(), 'logistic')
  const d = input.sampleTrain.names.length
  const nClasses = input.classes.length
  const k = nClasses === 2 ? 1 : nClasses
  const C = Number(hyperparameters.C)
  const points: Float64Array[] = [
    Float64Array.from([...tensors.get('weights')!.values, ...tensors.get('intercept')!.values]),
  ]
  const objectives: number[] = []
  const started = now()
  for (let pass = 0; pass < logisticNewtonPasses; pass++) {
    const newton = new LogisticNewtonPass(d, k, points[pass])
    await streamTrainingRows(
      input,
      `Newton pass ${pass + 1} of ${logisticNewtonPasses}`,
      (chunk, rows, first) => {
        if (rows.length === 0) return
        const X = applyFeatureRecipe(input.recipe, chunk, Int32Array.from(rows))
        newton.add(X, input.yTrain.subarray(first, first + rows.length))
      },
    )
    objectives.push(newton.objective(C))
    points.push(newton.step(C))
    input.onFit({
      fraction: 0.2 + (0.8 * (pass + 1)) / logisticNewtonPasses,
      iteration: pass + 1,
      loss: objectives[pass],
    })
  }
  const streamSeconds = (now() - started) / 1000
  // Newton steps from a near-optimal start lower the objective; should one not have, its start is kept.
  let final = points[logisticNewtonPasses]
  for (let pass = 1; pass < logisticNewtonPasses; pass++)
    if (objectives[pass] > objectives[pass - 1]) {
      final = points[pass - 1]
      input.log(
        'warn',
        `Newton pass ${pass} raised the objective (${objectives[pass - 1]} → ${objectives[pass]}): the parameters before it are kept`,
      )
      break
    }
  const model = createFittedLogistic(
    { weights: final.slice(0, d * k), intercept: final.slice(d * k), k },
    input.sampleTrain.names.slice(),
    nClasses,
    { C, maxIter: Number(hyperparameters.maxIter), tol: Number(hyperparameters.tol) },
    {
      rows: nTrain,
      start: `L-BFGS on the sample's ${input.sampleTrain.nRows} training rows`,
      startMetadata: start.trainingMetadata,
      newtonPasses: logisticNewtonPasses,
      objectiveByPass: objectives,
    },
    undefined,
  )
  start.dispose?.()
  return {
    model,
    hyperparameters,
    rows: nTrain,
    how: `refitted on all ${nTrain.toLocaleString('en-US')} training rows: fitted on the sample's ${input.sampleTrain.nRows.toLocaleString('en-US')} training rows, then ${logisticNewtonPasses} Newton steps, each one streamed pass over every training row`,
    streamSeconds,
  }
}

/** "1 min 05 s" / "42 s": a duration for a progress line. */
function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}

/**
 * The MLP on every training row: its fit on the rows it was compared on, then up to
 * {@link streamedMlpEpochs} epochs of Adam steps over the streamed training rows (see streamedMlp.ts),
 * keeping the weights with the lowest loss on a seeded held-out slice of the training rows.
 */
async function refitMlp(hyperparameters: Hyperparameters, input: RefitInput, now: () => number) {
  const params = readMlpHyperparameters(hyperparameters)
  const positions = input.selectionPositions
  const nTrain = input.yTrain.length
  // Epochs over all rows: set by the `streamedEpochs` hyperparameter (a training override), else from the
  // number of training rows; the model's hyperparameters record it, so a re-run is exact.
  const epochs =
    hyperparameters.streamedEpochs === undefined
      ? streamedMlpEpochs(nTrain)
      : numberParam(
          hyperparameters,
          'streamedEpochs',
          'mlp',
          (v) => Number.isInteger(v) && v >= 1 && v <= 20,
          'an integer from 1 to 20',
        )
  const startShare = 0.1
  const start = await fitOnSelection('mlp', hyperparameters, input, (p) =>
    input.onFit({ ...p, fraction: p.fraction * startShare }),
  )
  const { state, header } = readMlpFile(await start.serialize())
  start.dispose?.()
  const nClasses = input.classes.length > 0 && input.task !== 'regression' ? input.classes.length : 0
  const sizes = [state.layers[0].inputs, ...state.layers.map((layer) => layer.outputs)]
  const startWeights = state.layers.flatMap((layer) => [layer.weights, layer.biases])
  const batchSize = Number(header.trainingMetadata.batchSize)
  const { isValidation, count: nValidation } = mlpStreamValidation(
    nTrain,
    params.validationFraction,
    input.rng.fork('mlp-stream-validation'),
  )
  const nFit = nTrain - nValidation
  input.log(
    'info',
    `mlp on all ${nTrain} training rows: from its fit on the ${positions.length} rows it was compared on, ${epochs} epoch${epochs === 1 ? '' : 's'} of Adam steps over the streamed training rows (at most), in blocks of ${mlpStreamBlockRows} rows shuffled with the run's generator, batches of ${batchSize} rows${nValidation > 0 ? `; ${nValidation} training rows held out for early stopping` : ''}`,
    { mlpStream: { epochs, blockRows: mlpStreamBlockRows, batchSize, validationRows: nValidation } },
  )
  const trainer = new MlpTrainer(sizes, startWeights, params, nClasses)
  const started = now()
  let lastReport = started
  let epoch = 1
  const report = (
    epoch: number,
    fraction: number,
    message?: string,
    losses?: { loss: number; validationLoss?: number },
  ) =>
    input.onFit({
      fraction: startShare + ((1 - startShare) * (epoch - 1 + fraction)) / epochs,
      epoch,
      ...(losses ?? {}),
      ...(message ? { message } : {}),
    })
  try {
    const mlp = new StreamedMlp(trainer, {
      batchSize,
      blockRows: mlpStreamBlockRows,
      nClasses,
      targetMean: state.targetMean,
      targetScale: state.targetScale,
      isValidation,
      nValidation,
      rng: input.rng.fork('mlp-stream-batches'),
      checkCancelled: input.checkCancelled,
      onBatch: (rows) => {
        const at = now()
        if (at - lastReport < 250) return
        lastReport = at
        const fraction = Math.min(1, rows / Math.max(1, nFit))
        const done = (epoch - 1 + fraction) / epochs
        const eta = ((at - started) / 1000) * ((1 - done) / done)
        report(
          epoch,
          fraction,
          `epoch ${epoch} of ${epochs} over the streamed training rows: ${Math.round(fraction * 100)}%${done > 0.01 ? `, about ${formatSeconds(eta)} left` : ''}`,
        )
      },
    })
    const train: number[] = []
    const validation: number[] = []
    let best = { epoch: 0, loss: Number.POSITIVE_INFINITY, weights: startWeights as readonly Float32Array[] }
    let epochsRun = 0
    for (; epoch <= epochs; epoch++) {
      await streamTrainingRows(
        { ...input, onPass: () => {} },
        `epoch ${epoch} of ${epochs}`,
        (chunk, rows, first) => {
          if (rows.length === 0) return
          const X = applyFeatureRecipe(input.recipe, chunk, Int32Array.from(rows))
          mlp.add(X, input.yTrain.subarray(first, first + rows.length), first)
        },
      )
      const loss = mlp.endEpoch()
      train.push(loss)
      epochsRun = epoch
      if (nValidation === 0) {
        best = { epoch, loss: Number.NaN, weights: trainer.weights() }
        report(epoch, 1, undefined, { loss })
        continue
      }
      if (epoch === 1) {
        const startLoss = mlp.validationLoss(startWeights)
        validation.push(startLoss)
        best = { epoch: 0, loss: startLoss, weights: startWeights }
      }
      const validationLoss = mlp.validationLoss()
      validation.push(validationLoss)
      report(epoch, 1, undefined, { loss, validationLoss })
      if (validationLoss < best.loss - 1e-4)
        best = { epoch, loss: validationLoss, weights: trainer.weights() }
      else break
    }
    const streamSeconds = (now() - started) / 1000
    const kept =
      best.epoch === 0
        ? 'the starting fit (no streamed epoch lowered the held-out loss)'
        : `the weights after epoch ${best.epoch}`
    input.log(
      'info',
      `mlp: ${epochsRun} streamed epoch${epochsRun === 1 ? '' : 's'} in ${streamSeconds.toFixed(1)} s; training loss by epoch ${train.map((v) => v.toPrecision(4)).join(', ')}${validation.length ? `; held-out loss ${validation.map((v) => v.toPrecision(4)).join(' → ')} (start first)` : ''}; kept ${kept}`,
    )
    const model = createFittedMlp(
      {
        layers: mlpLayers(sizes, best.weights),
        targetMean: state.targetMean,
        targetScale: state.targetScale,
      },
      input.sampleTrain.names.slice(),
      nClasses,
      params,
      {
        rows: nFit,
        validationRows: nValidation,
        batchSize,
        start: { ...header.trainingMetadata, comparedOnRows: positions.length },
        streamedEpochs: epochs,
        epochs: epochsRun,
        bestEpoch: best.epoch,
        blockRows: mlpStreamBlockRows,
      },
      {
        unit: 'epoch',
        train,
        ...(validation.length ? { validation: validation.slice(1) } : {}),
        loss: nClasses > 0 ? 'log_loss' : 'half_squared_error_standardized',
      },
    )
    input.onFit({ fraction: 1 })
    return {
      model,
      hyperparameters: { ...hyperparameters, streamedEpochs: epochs },
      rows: nTrain,
      how: `refitted on all ${nTrain.toLocaleString('en-US')} training rows: fitted on the ${positions.length.toLocaleString('en-US')} rows it was compared on, then ${epochsRun} epoch${epochsRun === 1 ? '' : 's'} of mini-batches streamed over ${nFit.toLocaleString('en-US')} training rows (${nValidation.toLocaleString('en-US')} held out; kept ${kept})`,
      streamSeconds,
    }
  } finally {
    trainer.dispose()
  }
}

/** Each member of an ensemble refitted as it would be alone (its own generator stream, as in memory). */
async function refitEnsemble(hyperparameters: Hyperparameters, input: RefitInput, now: () => number) {
  const specs = parseEnsembleMembers(hyperparameters)
  const members: EnsembleMember[] = []
  const used: EnsembleMemberSpec[] = []
  const how: string[] = []
  let streamSeconds = 0
  for (const [j, spec] of specs.entries()) {
    const refit = await refitLarge(
      spec.family,
      spec.hyperparameters,
      {
        ...input,
        rng: input.rng.fork(`ensemble-member-${j}`),
        onPass: (fraction, message) =>
          input.onPass((j + fraction) / specs.length, `${spec.family}: ${message}`),
        onFit: (p) => input.onFit({ ...p, fraction: (j + p.fraction) / specs.length }),
      },
      now,
    )
    members.push({ model: refit.model, weight: spec.weight })
    used.push({ ...spec, hyperparameters: refit.hyperparameters })
    how.push(`${spec.family} ${refit.how}`)
    streamSeconds += refit.streamSeconds
  }
  const refitted = ensembleHyperparameters(used)
  return {
    model: new EnsembleFittedModel(members, refitted),
    hyperparameters: refitted,
    rows: input.yTrain.length,
    how: `each member refitted: ${how.join('; ')}`,
    streamSeconds,
  }
}
