/**
 * Histogram gradient boosting (after scikit-learn's HistGradientBoosting and LightGBM): bin once,
 * then per iteration compute gradients/hessians from the running raw scores, grow one tree per output
 * column (K for multiclass softmax), and add each leaf's value to the rows of its partition slice.
 * Early stopping follows sklearn: on a seeded, stratified 10 % validation slice when there are more
 * than 10,000 rows, stopping when none of the last 10 validation losses beats the one before them by
 * more than tol.
 */
import { WorkerError } from '../../domain/errors.ts'
import type { Rng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { TrainingCurve, TrainingProgress } from '../models/model.ts'
import { type BinMapper, type BinnedMatrix, binMatrix, fitBinMapper } from './binning.ts'
import { gradientRows, ROW_LOSS } from './boostingRows.ts'
import { HALF_ROWS } from './histogramHalves.ts'
import { TreeLearner } from './learner.ts'
import type { TreeEnsemble, TreeNodes } from './treeModel.ts'

export interface BoostingParams {
  maxIter: number
  learningRate: number
  maxLeafNodes: number
  maxDepth: number
  minSamplesLeaf: number
  l2Regularization: number
  maxBins: number
  earlyStopping: 'auto' | boolean
  validationFraction: number
  nIterNoChange: number
  tol: number
  /** false forces the JS kernels (for tests: both paths must give identical models). */
  useWasm?: boolean
  /** Nodes with this many rows build their histograms in two halves (default {@link HALF_ROWS}; tests lower it). */
  halfRows?: number
  /**
   * Quantised gradients on large binary and regression fits (see TreeLearner.quantizeInHalves): the
   * large-table path sets it; in-memory fits keep sklearn's float gradients. Ignored where the learner
   * does not build in halves (fewer than halfRows rows, max_bins below 255, multiclass).
   */
  quantizedGradients?: boolean
}

export const defaultBoostingParams: BoostingParams = {
  maxIter: 100,
  learningRate: 0.1,
  maxLeafNodes: 31,
  maxDepth: Number.POSITIVE_INFINITY,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
  earlyStopping: 'auto',
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
}

export interface BoostingRunOptions {
  task: TaskType
  rng: Rng
  onProgress?: (progress: TrainingProgress) => void
  isCancelled?: () => boolean
  validation?: { X: FeatureMatrix; y: Target }
}

export interface BoostingResult {
  ensemble: TreeEnsemble
  curve: TrainingCurve
  metadata: Record<string, unknown>
}

/** Training loss of the curve is measured on at most this many seeded training rows (cheap per iteration). */
const CURVE_TRAIN_ROWS = 10_000
const MIN_HESSIAN = 1e-3
/** Probabilities are clipped away from 0 when taking log priors. */
const PRIOR_EPSILON = 1e-15

type LossKind = 'binary' | 'multiclass' | 'regression'

export function fitGradientBoosting(
  X: FeatureMatrix,
  y: Target,
  params: BoostingParams,
  options: BoostingRunOptions,
): BoostingResult {
  const nAll = X.nRows
  if (nAll === 0) throw new Error('Gradient boosting needs at least one row')
  const nClasses = y.kind === 'classification' ? y.classes.length : 0
  const labels = targetAsNumbers(y)

  // Validation rows: external if given, else a seeded stratified slice when early stopping is on.
  const earlyStopping = params.earlyStopping === 'auto' ? nAll > 10_000 : params.earlyStopping
  let trainRows: Uint32Array | null = null
  let validationRows: Uint32Array | null = null
  if (earlyStopping && !options.validation) {
    const split = splitValidation(
      labels,
      y.kind === 'classification' ? nClasses : 0,
      params.validationFraction,
      options.rng.fork('validation'),
    )
    trainRows = split.train
    validationRows = split.validation
  }
  const mapper = fitBinMapper(X, options.rng.fork('binning'), params.maxBins, 200_000, trainRows)
  const binned = binMatrix(mapper, X, trainRows)
  const yTrain = trainRows ? pick(labels, trainRows) : labels
  let validation: { binned: BinnedMatrix; y: Float64Array } | null = null
  if (validationRows)
    validation = { binned: binMatrix(mapper, X, validationRows), y: pick(labels, validationRows) }
  else if (options.validation) {
    validation = { binned: binMatrix(mapper, options.validation.X), y: targetAsNumbers(options.validation.y) }
  }

  return fitGradientBoostingFromBinned(
    { binned, mapper, y: yTrain, categoricalLevels: X.categoricalLevels, validation, earlyStopping },
    y,
    params,
    options,
  )
}

/** Training rows already binned (e.g. streamed chunk by chunk for a large table, issue 16). */
export interface BinnedTrainingSet {
  binned: BinnedMatrix
  mapper: BinMapper
  /** Labels of the binned rows: class codes or regression values. */
  y: Float64Array
  /** The features' raw categorical level counts (FeatureMatrix.categoricalLevels). */
  categoricalLevels: number[]
  validation: { binned: BinnedMatrix; y: Float64Array } | null
  /** Stop when the validation loss stalls (needs `validation`). */
  earlyStopping: boolean
}

/**
 * The boosting loop on binned rows: the one learner behind `fitGradientBoosting` and the large-table
 * path. `target` gives the task's kind and classes (its values are not read).
 */
export function fitGradientBoostingFromBinned(
  set: BinnedTrainingSet,
  target: Target,
  params: BoostingParams,
  options: BoostingRunOptions,
): BoostingResult {
  const { binned, mapper } = set
  const yTrain = set.y
  const n = binned.nRows
  if (n === 0) throw new Error('Gradient boosting needs at least one row')
  const lossKind: LossKind =
    target.kind === 'regression' ? 'regression' : target.classes.length > 2 ? 'multiclass' : 'binary'
  const nClasses = target.kind === 'classification' ? target.classes.length : 0
  const nOutputs = lossKind === 'multiclass' ? nClasses : 1
  const baseScore = initialScores(lossKind, yTrain, nOutputs)
  const learner = new TreeLearner(binned, mapper, 1, {
    maxLeafNodes: params.maxLeafNodes,
    maxDepth: params.maxDepth,
    minSamplesLeaf: params.minSamplesLeaf,
    minSamplesSplit: 0,
    minHessian: MIN_HESSIAN,
    l2: params.l2Regularization,
    featuresPerSplit: binned.nFeatures,
    leafScale: -params.learningRate,
    coverFromDenominator: false,
    useWasm: params.useWasm,
    halfRows: params.halfRows ?? HALF_ROWS,
    quantized: params.quantizedGradients === true && nOutputs === 1,
  })
  try {
    return boost(set, params, options, learner, lossKind, nClasses, nOutputs, baseScore)
  } finally {
    learner.close()
  }
}

/** The iterations of {@link fitGradientBoostingFromBinned} on its learner. */
function boost(
  set: BinnedTrainingSet,
  params: BoostingParams,
  options: BoostingRunOptions,
  learner: TreeLearner,
  lossKind: LossKind,
  nClasses: number,
  nOutputs: number,
  baseScore: Float64Array,
): BoostingResult {
  const { binned, mapper, validation, earlyStopping } = set
  const n = binned.nRows
  // One output on a large table: scores, labels and gradients live in the learner's memory, and the
  // gradient and score passes are cut in two like its histograms (the numbers do not change).
  const shared = nOutputs === 1 && lossKind !== 'multiclass' ? learner.rowBuffers() : null
  if (shared) shared.labels.set(set.y)
  const yTrain = shared ? shared.labels : set.y
  const raw = shared ? shared.raw : new Float64Array(n * nOutputs)
  for (let o = 0; o < nOutputs; o++) raw.fill(baseScore[o], o * n, (o + 1) * n)
  const nVal = validation ? validation.binned.nRows : 0
  const rawVal = new Float64Array(nVal * nOutputs)
  for (let o = 0; o < nOutputs; o++) rawVal.fill(baseScore[o], o * nVal, (o + 1) * nVal)
  const curveRows = sampleRows(n, CURVE_TRAIN_ROWS, options.rng.fork('curve'))
  const gradients = shared ? shared.num : new Float32Array(n * nOutputs)
  const hessians = shared ? shared.den : new Float32Array(n * nOutputs)
  if (lossKind === 'regression') hessians.fill(1)

  const trees: TreeNodes[] = []
  const trainLoss: number[] = [lossOf(lossKind, raw, n, yTrain, nOutputs, curveRows)]
  const validationLoss: number[] = validation
    ? [lossOf(lossKind, rawVal, nVal, validation.y, nOutputs, null)]
    : []
  const quantizeRng = params.quantizedGradients ? options.rng.fork('quantize') : null
  let quantized = false
  let stoppedEarly = false
  let iterations = 0
  let leavesTotal = 0
  for (let iteration = 0; iteration < params.maxIter; iteration++) {
    if (options.isCancelled?.()) throw new WorkerError('cancelled', 'Gradient boosting was cancelled')
    if (shared && lossKind !== 'multiclass') {
      learner.gradientsInHalves(ROW_LOSS[lossKind])
      if (quantizeRng) quantized = learner.quantizeInHalves(quantizeRng.nextUint32())
    } else computeGradients(lossKind, raw, yTrain, n, nOutputs, gradients, hessians)
    for (let o = 0; o < nOutputs; o++) {
      const grown = learner.grow(
        gradients.subarray(o * n, (o + 1) * n),
        hessians.subarray(o * n, (o + 1) * n),
        null,
        null,
      )
      if (shared) learner.addLeavesInHalves(grown.nodes.value, grown)
      else
        addLeafValues(
          grown.nodes.value,
          learner.rows,
          grown.leafNode,
          grown.leafStart,
          grown.leafEnd,
          raw,
          o * n,
        )
      if (validation) addTreeBinned(grown.nodes, validation.binned, mapper, rawVal, o * nVal)
      trees.push(grown.nodes)
      leavesTotal += grown.leafNode.length
    }
    iterations++
    trainLoss.push(lossOf(lossKind, raw, n, yTrain, nOutputs, curveRows))
    if (validation) validationLoss.push(lossOf(lossKind, rawVal, nVal, validation.y, nOutputs, null))
    options.onProgress?.({
      fraction: iterations / params.maxIter,
      iteration: iterations,
      loss: trainLoss[trainLoss.length - 1],
      validationLoss: validation ? validationLoss[validationLoss.length - 1] : undefined,
    })
    if (earlyStopping && validation && shouldStop(validationLoss, params.nIterNoChange, params.tol)) {
      stoppedEarly = true
      break
    }
  }

  const ensemble: TreeEnsemble = {
    kind: 'boosting',
    task: options.task,
    nFeatures: binned.nFeatures,
    nClasses,
    nOutputs,
    baseScore,
    trees,
    treeOutput: Int32Array.from(trees, (_, t) => t % nOutputs),
    treeWeight: 1,
    link: lossKind === 'binary' ? 'sigmoid' : lossKind === 'multiclass' ? 'softmax' : 'identity',
    categoricalLevels: set.categoricalLevels.slice(),
  }
  const lossName = lossKind === 'regression' ? 'half_squared_error' : 'log_loss'
  const curve: TrainingCurve = { unit: 'iteration', train: trainLoss, loss: lossName }
  if (validation) curve.validation = validationLoss
  return {
    ensemble,
    curve,
    metadata: {
      iterations,
      stoppedEarly,
      earlyStopping,
      trainRows: n,
      validationRows: nVal,
      meanLeaves: trees.length ? leavesTotal / trees.length : 0,
      quantizedGradients: quantized,
      nBins: Array.from(mapper.nBins),
    },
  }
}

/** Class codes (as numbers) or regression values. */
function targetAsNumbers(y: Target): Float64Array {
  if (y.kind === 'regression') return y.values
  return Float64Array.from(y.codes)
}

function pick(values: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]]
  return out
}

/** Seeded split; stratified by class for classification (each class contributes round(fraction · count)). */
export function splitValidation(
  labels: Float64Array,
  nClasses: number,
  fraction: number,
  rng: Rng,
): { train: Uint32Array; validation: Uint32Array } {
  const n = labels.length
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1)
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
  const isValidation = new Uint8Array(n)
  if (nClasses > 0) {
    const classCount = new Float64Array(nClasses)
    for (let i = 0; i < n; i++) classCount[labels[i]]++
    const quota = classCount.map((c) => Math.round(c * fraction))
    for (let i = 0; i < n; i++) {
      const row = order[i]
      const c = labels[row]
      if (quota[c] > 0) {
        quota[c]--
        isValidation[row] = 1
      }
    }
  } else {
    const nVal = Math.ceil(n * fraction)
    for (let i = 0; i < nVal; i++) isValidation[order[i]] = 1
  }
  let nVal = 0
  for (let i = 0; i < n; i++) nVal += isValidation[i]
  const train = new Uint32Array(n - nVal)
  const validation = new Uint32Array(nVal)
  let a = 0
  let b = 0
  for (let i = 0; i < n; i++) {
    if (isValidation[i]) validation[b++] = i
    else train[a++] = i
  }
  return { train, validation }
}

function sampleRows(n: number, max: number, rng: Rng): Uint32Array | null {
  if (n <= max) return null
  const all = new Uint32Array(n)
  for (let i = 0; i < n; i++) all[i] = i
  for (let i = 0; i < max; i++) {
    const j = i + rng.nextInt(n - i)
    const t = all[i]
    all[i] = all[j]
    all[j] = t
  }
  return all.slice(0, max).sort()
}

/** sklearn's start values: log-odds of the prior, log class priors, or the mean. */
function initialScores(lossKind: LossKind, y: Float64Array, nOutputs: number): Float64Array {
  const n = y.length
  const base = new Float64Array(nOutputs)
  if (lossKind === 'regression') {
    let sum = 0
    for (let i = 0; i < n; i++) sum += y[i]
    base[0] = sum / n
  } else if (lossKind === 'binary') {
    let positives = 0
    for (let i = 0; i < n; i++) positives += y[i]
    const p = Math.min(Math.max(positives / n, PRIOR_EPSILON), 1 - PRIOR_EPSILON)
    base[0] = Math.log(p / (1 - p))
  } else {
    const counts = new Float64Array(nOutputs)
    for (let i = 0; i < n; i++) counts[y[i]]++
    for (let o = 0; o < nOutputs; o++) base[o] = Math.log(Math.max(counts[o] / n, PRIOR_EPSILON))
  }
  return base
}

/** Gradients and hessians of the loss at the current raw scores, class-major (column o at o·n). */
function computeGradients(
  lossKind: LossKind,
  raw: Float64Array,
  y: Float64Array,
  n: number,
  nOutputs: number,
  g: Float32Array,
  h: Float32Array,
): void {
  if (lossKind !== 'multiclass') {
    gradientRows(ROW_LOSS[lossKind], raw, y, g, h, 0, n)
  } else {
    for (let i = 0; i < n; i++) {
      let max = raw[i]
      for (let o = 1; o < nOutputs; o++) if (raw[o * n + i] > max) max = raw[o * n + i]
      let sum = 0
      for (let o = 0; o < nOutputs; o++) sum += Math.exp(raw[o * n + i] - max)
      const label = y[i]
      for (let o = 0; o < nOutputs; o++) {
        const p = Math.exp(raw[o * n + i] - max) / sum
        g[o * n + i] = p - (label === o ? 1 : 0)
        h[o * n + i] = p * (1 - p)
      }
    }
  }
}

/** Mean loss over all rows, or over `rows` only. */
function lossOf(
  lossKind: LossKind,
  raw: Float64Array,
  n: number,
  y: Float64Array,
  nOutputs: number,
  rows: Uint32Array | null,
): number {
  const m = rows ? rows.length : n
  if (m === 0) return Number.NaN
  let total = 0
  for (let j = 0; j < m; j++) {
    const i = rows ? rows[j] : j
    if (lossKind === 'regression') {
      const d = raw[i] - y[i]
      total += 0.5 * d * d
    } else if (lossKind === 'binary') {
      const f = raw[i]
      total += Math.max(f, 0) + Math.log1p(Math.exp(-Math.abs(f))) - y[i] * f
    } else {
      let max = raw[i]
      for (let o = 1; o < nOutputs; o++) if (raw[o * n + i] > max) max = raw[o * n + i]
      let sum = 0
      for (let o = 0; o < nOutputs; o++) sum += Math.exp(raw[o * n + i] - max)
      total += max + Math.log(sum) - raw[y[i] * n + i]
    }
  }
  return total / m
}

/** sklearn `_should_stop` on losses: stop when none of the last k beats the loss k+1 back by more than tol. */
export function shouldStop(losses: number[], nIterNoChange: number, tol: number): boolean {
  const reference = nIterNoChange + 1
  if (losses.length < reference) return false
  const referenceLoss = losses[losses.length - reference] - tol
  for (let i = losses.length - reference + 1; i < losses.length; i++)
    if (losses[i] < referenceLoss) return false
  return true
}

function addLeafValues(
  values: Float64Array,
  rows: Uint32Array,
  leafNode: Int32Array,
  leafStart: Int32Array,
  leafEnd: Int32Array,
  raw: Float64Array,
  offset: number,
): void {
  for (let l = 0; l < leafNode.length; l++) {
    const v = values[leafNode[l]]
    const end = leafEnd[l]
    for (let i = leafStart[l]; i < end; i++) raw[offset + rows[i]] += v
  }
}

/** Adds one tree's outputs on binned rows (validation) to `raw[offset + i]`. */
function addTreeBinned(
  tree: TreeNodes,
  binned: BinnedMatrix,
  mapper: BinMapper,
  raw: Float64Array,
  offset: number,
): void {
  const n = binned.nRows
  const bins = binned.bins
  const missingBin = mapper.missingBin
  const { left, right, feature, binThreshold, defaultLeft, categoryOffset, categoryBits, value } = tree
  for (let i = 0; i < n; i++) {
    let node = 0
    while (left[node] !== -1) {
      const b = bins[feature[node] * n + i]
      const cat = categoryOffset[node]
      let goLeft: boolean
      if (b === missingBin) goLeft = defaultLeft[node] === 1
      else if (cat >= 0) goLeft = ((categoryBits[cat + (b >>> 5)] >>> (b & 31)) & 1) === 1
      else goLeft = b <= binThreshold[node]
      node = goLeft ? left[node] : right[node]
    }
    raw[offset + i] += value[node]
  }
}
