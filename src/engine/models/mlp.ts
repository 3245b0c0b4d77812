/**
 * Multi-layer perceptron in TF.js: dense ReLU layers, Adam, mini-batches in an order drawn from the run's
 * RNG, L2 on the weights (scikit-learn's MLP `alpha`), and early stopping on a validation slice with the
 * best epoch's weights restored. Initial weights come from the RNG too (Glorot uniform), so a seed fixes
 * the whole fit on a given backend. Regression targets are standardised for training and mapped back.
 */
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../domain/errors.ts'
import type { Rng } from '../../domain/random.ts'
import { shuffleInPlace } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { featureMatrixRows, targetRows } from '../frame.ts'
import { argmaxRows } from '../metrics/argmax.ts'
import { ArrayMlpTrainer, type MlpSteps, useArrayTrainer } from './mlpArrays.ts'
import type { FitOptions, FittedModel, Hyperparameters, ModelFamily, TrainingCurve } from './model.ts'
import { registerModelFamily } from './model.ts'
import {
  assertSameFeatures,
  decodeModelFile,
  encodeModelFile,
  type ModelFileHeader,
  numberParam,
  predictInChunks,
  throwIfCancelled,
  toRowMajorFloat32,
} from './tfjsCommon.ts'

const family = 'mlp'

export interface MlpHyperparameters extends Hyperparameters {
  /** Hidden layer widths, comma-separated, e.g. '64,32'. */
  hiddenUnits: string
  learningRate: number
  /** L2 penalty on weights (scikit-learn `alpha`), per row of a batch. */
  alpha: number
  /** Rows per Adam step; 0 = auto: `autoBatchSize` (32 to 256 rows, or n/64 when larger; at most n). */
  batchSize: number
  maxEpochs: number
  /** Epochs without a validation improvement before stopping. */
  patience: number
  /** Share of the training rows held out for early stopping when no validation set is passed. */
  validationFraction: number
}

/** The MLP's hyperparameters, checked (a clear sentence for a bad one). */
export function readMlpHyperparameters(hp: Hyperparameters): MlpHyperparameters {
  const hidden = hp.hiddenUnits
  if (
    typeof hidden !== 'string' ||
    !/^\d+(,\d+)*$/.test(hidden) ||
    hidden.split(',').some((u) => Number(u) < 1)
  )
    throw new ValidationError(
      'invalid-argument',
      `Hyperparameter 'hiddenUnits' of model '${family}' must be comma-separated positive integers like '64,32', got ${String(hidden)}`,
    )
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1
  return {
    hiddenUnits: hidden,
    learningRate: numberParam(
      hp,
      'learningRate',
      family,
      (v) => v > 0 && v < 10,
      'a positive number below 10',
    ),
    alpha: numberParam(hp, 'alpha', family, (v) => v >= 0, 'a number ≥ 0'),
    batchSize: numberParam(
      hp,
      'batchSize',
      family,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer ≥ 0 (0 = auto)',
    ),
    maxEpochs: numberParam(hp, 'maxEpochs', family, positiveInt, 'a positive integer'),
    patience: numberParam(hp, 'patience', family, positiveInt, 'a positive integer'),
    validationFraction: numberParam(
      hp,
      'validationFraction',
      family,
      (v) => v >= 0 && v < 0.5,
      'in [0, 0.5)',
    ),
  }
}

export interface MlpState {
  /** Per layer: weights (in × out, row-major) and biases. */
  layers: { weights: Float32Array; biases: Float32Array; inputs: number; outputs: number }[]
  /** Regression only: training target mean and standard deviation. */
  targetMean: number
  targetScale: number
}

function forward(x: tf.Tensor2D, layers: { W: tf.Tensor2D; b: tf.Tensor1D }[]): tf.Tensor2D {
  let h: tf.Tensor2D = x
  layers.forEach((layer, i) => {
    const z = tf.add(tf.matMul(h, layer.W), layer.b) as tf.Tensor2D
    h = i < layers.length - 1 ? tf.relu(z) : z
  })
  return h
}

export function createFittedMlp(
  state: MlpState,
  featureNames: string[],
  nClasses: number,
  hyperparameters: MlpHyperparameters,
  trainingMetadata: Record<string, unknown>,
  curve: TrainingCurve | undefined,
): FittedModel {
  const d = featureNames.length
  const outputs = (X: FeatureMatrix): Float64Array => {
    assertSameFeatures(X, featureNames, family)
    const layers = state.layers.map((layer) => ({
      W: tf.tensor2d(layer.weights, [layer.inputs, layer.outputs]),
      b: tf.tensor1d(layer.biases),
    }))
    const width = nClasses > 0 ? nClasses : 1
    const out = predictInChunks(toRowMajorFloat32(X), X.nRows, d, width, (x) => {
      const z = forward(x, layers)
      return nClasses > 0 ? tf.softmax(z) : tf.add(tf.mul(z, state.targetScale), state.targetMean)
    })
    for (const layer of layers) {
      layer.W.dispose()
      layer.b.dispose()
    }
    return out
  }
  return {
    family,
    framework: 'tfjs',
    hyperparameters,
    trainingMetadata,
    featureNames,
    nClasses,
    predict: async (X) => (nClasses > 0 ? argmaxRows(outputs(X), nClasses) : outputs(X)),
    predictProba: async (X) => {
      if (nClasses === 0)
        throw new ValidationError(
          'invalid-argument',
          `This '${family}' model is a regression model and has no probabilities`,
        )
      return outputs(X)
    },
    serialize: async () =>
      encodeModelFile(
        {
          family,
          hyperparameters,
          featureNames,
          nClasses,
          extra: { targetMean: state.targetMean, targetScale: state.targetScale },
          trainingMetadata,
        },
        state.layers.flatMap((layer, i) => [
          { name: `dense${i}/kernel`, shape: [layer.inputs, layer.outputs], values: layer.weights },
          { name: `dense${i}/bias`, shape: [layer.outputs], values: layer.biases },
        ]),
      ),
    trainingCurve: () => curve,
  }
}

function glorotUniform(inputs: number, outputs: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (inputs + outputs))
  const values = new Float32Array(inputs * outputs)
  for (let i = 0; i < values.length; i++) values[i] = (rng.nextFloat() * 2 - 1) * limit
  return values
}

/**
 * Rows per Adam step when the batch size is auto: about 16 steps an epoch, at least 32 rows. Each
 * TF.js step costs a fixed overhead that dwarfs a small batch's arithmetic, so tables under 512 rows
 * keep 32-row batches and larger ones take fewer, larger steps (credit, 3,500 rows: 110 rows a step
 * instead of 47, the MLP's selection fits about 2× faster). Past 256 rows a step the old 64 steps an
 * epoch return (diamonds: 674 rows a step; 16 larger steps needed more epochs and took longer).
 */
export function autoBatchSize(n: number): number {
  return Math.min(n, Math.max(32, Math.ceil(n / 64), Math.min(256, Math.ceil(n / 16))))
}

/**
 * An MLP's weights trained with Adam one mini-batch at a time: the in-memory fit's epochs and the streamed
 * refit of a table too large to load (src/engine/scale/streamedMlp.ts) take the same steps. The loss is
 * the mean log-loss (classes) or half the mean squared error of standardised targets, plus
 * `alpha` / (2 × batch rows) × the squared weights.
 */
export class MlpTrainer implements MlpSteps {
  private readonly variables: { W: tf.Variable; b: tf.Variable }[]
  private readonly weightList: tf.Variable[]
  private readonly optimizer: tf.AdamOptimizer

  /** `initial`: per layer its weights (in × out, row-major) then its biases, as {@link weights} returns. */
  constructor(
    readonly sizes: readonly number[],
    initial: readonly Float32Array[],
    private readonly params: { learningRate: number; alpha: number },
    private readonly nClasses: number,
  ) {
    this.variables = sizes.slice(1).map((outputs, i) => ({
      W: tf.variable(tf.tensor2d(initial[2 * i], [sizes[i], outputs])),
      b: tf.variable(tf.tensor1d(initial[2 * i + 1])),
    }))
    this.weightList = this.variables.flatMap((v) => [v.W, v.b])
    this.optimizer = tf.train.adam(params.learningRate)
  }

  private lossOf(xb: tf.Tensor2D, yb: tf.Tensor2D): tf.Scalar {
    const z = forward(xb, this.variables as unknown as { W: tf.Tensor2D; b: tf.Tensor1D }[])
    return this.nClasses > 0
      ? (tf.neg(tf.mean(tf.sum(tf.mul(yb, tf.logSoftmax(z)), 1))) as tf.Scalar)
      : (tf.mul(0.5, tf.mean(tf.square(tf.sub(z, yb)))) as tf.Scalar)
  }

  /** One Adam step on `rows` rows (row-major features `x`, encoded targets `y`); the batch's loss. */
  step(x: Float32Array, y: Float32Array, rows: number): number {
    const d = this.sizes[0]
    const width = this.sizes[this.sizes.length - 1]
    const { alpha } = this.params
    const cost = tf.tidy((): tf.Scalar => {
      const xb = tf.tensor2d(x.subarray(0, rows * d), [rows, d])
      const yb = tf.tensor2d(y.subarray(0, rows * width), [rows, width])
      return this.optimizer.minimize(
        () => {
          let loss = this.lossOf(xb, yb)
          if (alpha > 0) {
            let l2: tf.Scalar = tf.scalar(0)
            for (const v of this.variables) l2 = tf.add(l2, tf.sum(tf.square(v.W)))
            loss = tf.add(loss, tf.mul(l2, alpha / (2 * rows)))
          }
          return loss
        },
        true,
        this.weightList,
      ) as tf.Scalar
    })
    const value = cost.dataSync()[0]
    cost.dispose()
    return value
  }

  /** The loss (without the penalty) on rows held as tensors. */
  private loss(x: tf.Tensor2D, y: tf.Tensor2D): number {
    const v = tf.tidy(() => this.lossOf(x, y))
    const value = v.dataSync()[0]
    v.dispose()
    return value
  }

  /** The loss (without the penalty) on `rows` rows given as {@link step} takes them. */
  lossOnRows(x: Float32Array, y: Float32Array, rows: number): number {
    const d = this.sizes[0]
    const width = this.sizes[this.sizes.length - 1]
    const xt = tf.tensor2d(x.subarray(0, rows * d), [rows, d])
    const yt = tf.tensor2d(y.subarray(0, rows * width), [rows, width])
    try {
      return this.loss(xt, yt)
    } finally {
      xt.dispose()
      yt.dispose()
    }
  }

  /** Sets the weights (as {@link weights} gives them); the optimiser's moments are kept. */
  setWeights(weights: readonly Float32Array[]): void {
    this.weightList.forEach((w, i) => {
      const value = tf.tensor(weights[i], w.shape)
      w.assign(value)
      value.dispose()
    })
  }

  /** A copy of the current weights: per layer its weights then its biases. */
  weights(): Float32Array[] {
    return this.weightList.map((w) => (w.dataSync() as Float32Array).slice())
  }

  dispose(): void {
    for (const v of this.variables) {
      v.W.dispose()
      v.b.dispose()
    }
    this.optimizer.dispose()
  }
}

/** Weights as {@link MlpTrainer.weights} gives them, as the fitted model's layers. */
export function mlpLayers(sizes: readonly number[], weights: readonly Float32Array[]): MlpState['layers'] {
  return sizes.slice(1).map((outputs, i) => ({
    inputs: sizes[i],
    outputs,
    weights: Float32Array.from(weights[2 * i]),
    biases: Float32Array.from(weights[2 * i + 1]),
  }))
}

/** Targets as the network is trained on them: one-hot classes, or standardised values. */
export function encodeMlpTargets(target: Target, width: number, targetMean: number, targetScale: number) {
  const rows = target.kind === 'classification' ? target.codes.length : target.values.length
  const out = new Float32Array(rows * width)
  for (let i = 0; i < rows; i++) {
    if (target.kind === 'classification') out[i * width + target.codes[i]] = 1
    else out[i] = (target.values[i] - targetMean) / targetScale
  }
  return out
}

/** Splits off a random validation slice (rows drawn with `rng`), keeping both parts in ascending order. */
function splitValidation(n: number, fraction: number, rng: Rng): { fit: Int32Array; validation: Int32Array } {
  const order = shuffleInPlace(
    Int32Array.from({ length: n }, (_, i) => i),
    rng,
  )
  const nValidation = Math.max(1, Math.round(n * fraction))
  const validation = order.slice(0, nValidation).sort()
  const fit = order.slice(nValidation).sort()
  return { fit, validation }
}

async function fitMlp(
  X: FeatureMatrix,
  y: Target,
  hp: Hyperparameters,
  options: FitOptions,
): Promise<FittedModel> {
  const params = readMlpHyperparameters(hp)
  const nClasses = y.kind === 'classification' ? y.classes.length : 0
  if ((options.task === 'regression') !== (nClasses === 0))
    throw new ValidationError(
      'invalid-argument',
      `Model '${family}': task ${options.task} does not match a ${y.kind} target`,
    )
  const rng = options.rng
  let fitX = X
  let fitY = y
  let valX = options.validation?.X
  let valY = options.validation?.y
  if (!options.validation && params.validationFraction > 0 && X.nRows >= 20) {
    const parts = splitValidation(X.nRows, params.validationFraction, rng.fork('mlp-validation'))
    fitX = featureMatrixRows(X, parts.fit)
    fitY = targetRows(y, parts.fit)
    valX = featureMatrixRows(X, parts.validation)
    valY = targetRows(y, parts.validation)
  }
  const n = fitX.nRows
  const d = fitX.columns.length
  const width = nClasses > 0 ? nClasses : 1
  let targetMean = 0
  let targetScale = 1
  if (fitY.kind === 'regression') {
    for (let i = 0; i < n; i++) targetMean += fitY.values[i]
    targetMean /= n
    let ss = 0
    for (let i = 0; i < n; i++) ss += (fitY.values[i] - targetMean) ** 2
    targetScale = Math.sqrt(ss / n) || 1
  }
  const encodeTargets = (target: Target) => encodeMlpTargets(target, width, targetMean, targetScale)
  const rowsX = toRowMajorFloat32(fitX)
  const rowsY = encodeTargets(fitY)
  const sizes = [d, ...params.hiddenUnits.split(',').map(Number), width]
  const validationRows =
    valX && valY ? { x: toRowMajorFloat32(valX), y: encodeTargets(valY), n: valX.nRows } : undefined
  const key = JSON.stringify({ ...params, maxEpochs: 0, seed: rng.seed, sizes, targetMean, targetScale })
  // A state left by an earlier fit with a lower epoch cap on the same rows, seed and hyperparameters
  // continues; anything else starts afresh.
  const saved = options.continuation?.state
  let loop: MlpLoop
  if (saved instanceof MlpLoop && saved.continues(key, params.maxEpochs, rowsX, rowsY, validationRows)) {
    options.continuation!.state = undefined
    loop = saved
  } else {
    const initRng = rng.fork('mlp-init')
    const initial = sizes
      .slice(1)
      .flatMap((outputs, i) => [glorotUniform(sizes[i], outputs, initRng), new Float32Array(outputs)])
    const batchSize = Math.min(n, params.batchSize > 0 ? params.batchSize : autoBatchSize(n))
    const trainer = useArrayTrainer(sizes, batchSize)
      ? new ArrayMlpTrainer(sizes, initial, params, nClasses)
      : new MlpTrainer(sizes, initial, params, nClasses)
    loop = new MlpLoop(key, trainer, batchSize, rowsX, rowsY, validationRows, rng.fork('mlp-batches'))
  }
  let kept = false
  try {
    loop.train(params, options)
    const { best } = loop
    const state: MlpState = { layers: mlpLayers(sizes, best.weights), targetMean, targetScale }
    const lossName = nClasses > 0 ? 'log_loss' : 'half_squared_error_standardized'
    const curve: TrainingCurve = {
      unit: 'epoch',
      train: loop.trainCurve.slice(),
      ...(validationRows ? { validation: loop.validationCurve.slice() } : {}),
      loss: lossName,
    }
    const metadata = {
      rows: n,
      validationRows: valX?.nRows ?? 0,
      batchSize: loop.batchSize,
      /** Where the steps were taken: 'arrays' (mlpArrays.ts) or 'tfjs' (the run's TF.js backend). */
      trainer: loop.trainer instanceof ArrayMlpTrainer ? 'arrays' : 'tfjs',
      epochs: loop.epochsRun,
      bestEpoch: best.epoch,
    }
    const fitted = createFittedMlp(state, X.names.slice(), nClasses, params, metadata, curve)
    if (options.continuation) {
      options.continuation.dispose()
      options.continuation.state = loop
      kept = true
    }
    return fitted
  } finally {
    if (!kept) loop.dispose()
  }
}

/**
 * The MLP's epoch loop and everything it carries from one epoch to the next (weights and Adam moments,
 * the batch order and its generator, the best epoch, the curves), so that a fit with a higher epoch cap
 * can continue where a capped one stopped (see {@link FitOptions.continuation}).
 */
class MlpLoop {
  readonly order: Int32Array
  readonly trainCurve: number[] = []
  readonly validationCurve: number[] = []
  best: { loss: number; epoch: number; weights: Float32Array[] }
  epochsRun = 0
  /** Early stopping ended it: no epoch cap trains it further. */
  stopped = false
  constructor(
    private readonly key: string,
    readonly trainer: MlpSteps,
    readonly batchSize: number,
    private readonly rowsX: Float32Array,
    private readonly rowsY: Float32Array,
    private readonly validationRows: { x: Float32Array; y: Float32Array; n: number } | undefined,
    private readonly shuffleRng: Rng,
  ) {
    const n = rowsY.length / trainer.sizes[trainer.sizes.length - 1]
    this.order = Int32Array.from({ length: n }, (_, i) => i)
    this.best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: trainer.weights() }
  }

  /** True when a fit of `key` capped at `maxEpochs` on these rows is this loop trained further. */
  continues(
    key: string,
    maxEpochs: number,
    rowsX: Float32Array,
    rowsY: Float32Array,
    validationRows: { x: Float32Array; y: Float32Array } | undefined,
  ): boolean {
    const same = (a: Float32Array | undefined, b: Float32Array | undefined) =>
      a === b ||
      (a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]))
    return (
      key === this.key &&
      maxEpochs >= this.epochsRun &&
      same(rowsX, this.rowsX) &&
      same(rowsY, this.rowsY) &&
      same(validationRows?.x, this.validationRows?.x) &&
      same(validationRows?.y, this.validationRows?.y)
    )
  }

  /** Epochs from the last one run up to `params.maxEpochs`, or until early stopping ends them. */
  train(params: MlpHyperparameters, options: Pick<FitOptions, 'isCancelled' | 'onProgress'>): void {
    const { trainer, order, batchSize, rowsX, rowsY, validationRows: validation } = this
    const d = trainer.sizes[0]
    const width = trainer.sizes[trainer.sizes.length - 1]
    const n = order.length
    const batchX = new Float32Array(batchSize * d)
    const batchY = new Float32Array(batchSize * width)
    for (let epoch = this.epochsRun + 1; !this.stopped && epoch <= params.maxEpochs; epoch++) {
      throwIfCancelled(options.isCancelled, family)
      shuffleInPlace(order, this.shuffleRng)
      let epochLoss = 0
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize)
        const rows = end - start
        for (let r = 0; r < rows; r++) {
          const source = order[start + r]
          batchX.set(rowsX.subarray(source * d, source * d + d), r * d)
          batchY.set(rowsY.subarray(source * width, source * width + width), r * width)
        }
        epochLoss += trainer.step(batchX, batchY, rows) * rows
      }
      epochLoss /= n
      this.trainCurve.push(epochLoss)
      this.epochsRun = epoch
      let monitored = epochLoss
      if (validation) {
        monitored = trainer.lossOnRows(validation.x, validation.y, validation.n)
        this.validationCurve.push(monitored)
      }
      options.onProgress?.({
        fraction: epoch / params.maxEpochs,
        epoch,
        loss: epochLoss,
        ...(validation ? { validationLoss: monitored } : {}),
      })
      if (monitored < this.best.loss - 1e-4)
        this.best = { loss: monitored, epoch, weights: trainer.weights() }
      else if (epoch - this.best.epoch >= params.patience) this.stopped = true
    }
  }

  dispose(): void {
    this.trainer.dispose()
  }
}

/** Dense ReLU network trained with Adam and early stopping. */
export const mlpFamily: ModelFamily = {
  family,
  label: 'Neural network (MLP)',
  framework: 'tfjs',
  tasks: ['binary', 'multiclass', 'regression'] as const satisfies readonly TaskType[],
  defaults: () => ({
    hiddenUnits: '64,32',
    learningRate: 0.003,
    alpha: 0.0001,
    batchSize: 0,
    maxEpochs: 200,
    patience: 10,
    validationFraction: 0.1,
  }),
  searchSpace: (task) =>
    ['32', '64,32', '128,64'].flatMap((hiddenUnits) =>
      [0.001, 0.01].map((learningRate) => ({ ...mlpFamily.defaults(task), hiddenUnits, learningRate })),
    ),
  fit: fitMlp,
  load: async (bytes) => {
    const { header, state } = readMlpFile(bytes)
    return createFittedMlp(
      state,
      header.featureNames,
      header.nClasses,
      readMlpHyperparameters(header.hyperparameters),
      header.trainingMetadata,
      undefined,
    )
  },
}

/** A serialized MLP's header and weights (its layers and target scaling). */
export function readMlpFile(bytes: Uint8Array): { header: ModelFileHeader; state: MlpState } {
  const { header, tensors } = decodeModelFile(bytes, family)
  const layers: MlpState['layers'] = []
  for (let i = 0; tensors.has(`dense${i}/kernel`); i++) {
    const kernel = tensors.get(`dense${i}/kernel`)!
    layers.push({
      inputs: kernel.shape[0],
      outputs: kernel.shape[1],
      weights: kernel.values as Float32Array,
      biases: tensors.get(`dense${i}/bias`)!.values as Float32Array,
    })
  }
  const extra = header.extra as { targetMean: number; targetScale: number }
  return { header, state: { layers, targetMean: extra.targetMean, targetScale: extra.targetScale } }
}

registerModelFamily(mlpFamily)
