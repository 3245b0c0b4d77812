/**
 * Logistic regression as scikit-learn's LogisticRegression(C=1, lbfgs): a sigmoid model for two classes
 * and a multinomial softmax model for more, with an L2 penalty on the weights (not the intercept). L-BFGS
 * (float64, in TS) drives it. The loss and gradient of small problems are computed in float64 arrays
 * (each evaluation is a few thousand multiply-adds, which TF.js's ~15 kernel dispatches and 3 reads back
 * cost 10–50× more than), of larger ones with TF.js on the chosen backend; the choice depends on the
 * problem's size alone and is recorded (`trainingMetadata.objective`).
 */
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../domain/errors.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { argmaxRows } from '../metrics/argmax.ts'
import { minimizeLbfgs } from './lbfgs.ts'
import { logisticRowLoss } from './logisticLoss.ts'
import type { FitOptions, FittedModel, Hyperparameters, ModelFamily, TrainingCurve } from './model.ts'
import { registerModelFamily } from './model.ts'
import {
  assertSameFeatures,
  decodeModelFile,
  encodeModelFile,
  numberParam,
  predictInChunks,
  throwIfCancelled,
  toRowMajorFloat32,
  toRowMajorFloat64,
} from './tfjsCommon.ts'

const family = 'logistic'

/**
 * Problems up to this many multiply-adds per evaluation (rows × features × outputs) take their loss and
 * gradient in float64 arrays. At this size an evaluation is ~0.1 ms there and ~0.2–0.5 ms in TF.js, most
 * of it bookkeeping; past it TF.js's matrix products (wasm SIMD, or a GPU in the app) win.
 */
export const arrayObjectiveMaxMacs = 200_000

/** The objective's data part: the mean log-loss (without the penalty) and its gradient. */
interface DataTerm {
  /** The loss at `x` (weights d × k row-major, then k intercepts); its gradient is written to `grad`. */
  evaluate(x: Float64Array, grad: Float64Array): number
  dispose(): void
}

/** {@link DataTerm} in float64 arrays over row-major features `rows` and class codes `codes`. */
function arrayDataTerm(rows: Float64Array, codes: Int32Array, d: number, k: number): DataTerm {
  const n = codes.length
  const s = new Float64Array(k)
  const prob = new Float64Array(k)
  const evaluate = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0)
    let loss = 0
    for (let i = 0; i < n; i++) {
      const o = i * d
      for (let c = 0; c < k; c++) s[c] = x[d * k + c]
      for (let f = 0; f < d; f++) {
        const v = rows[o + f]
        if (v === 0) continue
        for (let c = 0; c < k; c++) s[c] += v * x[f * k + c]
      }
      const y = codes[i]
      loss += logisticRowLoss(s, k, y, prob)
      // d(loss)/d(score): the probability minus the target.
      if (k === 1) prob[0] -= y === 1 ? 1 : 0
      else prob[y] -= 1
      for (let f = 0; f < d; f++) {
        const v = rows[o + f]
        if (v === 0) continue
        for (let c = 0; c < k; c++) grad[f * k + c] += v * prob[c]
      }
      for (let c = 0; c < k; c++) grad[d * k + c] += prob[c]
    }
    for (let j = 0; j < grad.length; j++) grad[j] /= n
    return loss / n
  }
  return { evaluate, dispose: () => {} }
}

/** {@link DataTerm} with TF.js on the run's backend (float32). */
function tensorDataTerm(X: FeatureMatrix, codes: Int32Array, d: number, k: number): DataTerm {
  const n = codes.length
  const targets = new Float32Array(n * k)
  for (let i = 0; i < n; i++) {
    if (k === 1) targets[i] = codes[i] === 1 ? 1 : 0
    else targets[i * k + codes[i]] = 1
  }
  const xs = tf.tensor2d(toRowMajorFloat32(X), [n, d])
  const ys = tf.tensor2d(targets, [n, k])
  const evaluate = (x: Float64Array, grad: Float64Array): number => {
    const [loss, gW, gb] = tf.tidy(() => {
      const W = tf.tensor2d(Float32Array.from(x.subarray(0, d * k)), [d, k])
      const b = tf.tensor1d(Float32Array.from(x.subarray(d * k)))
      const z = tf.add(tf.matMul(xs, W), b)
      let data: tf.Scalar
      let diff: tf.Tensor2D
      if (k === 1) {
        // Mean of log(1 + e^z) − y·z, the numerically stable binary cross-entropy.
        data = tf.mean(tf.sub(tf.softplus(z), tf.mul(ys, z)))
        diff = tf.sub(tf.sigmoid(z), ys)
      } else {
        data = tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.logSoftmax(z)), 1)))
        diff = tf.sub(tf.softmax(z), ys)
      }
      const gradW = tf.div(tf.matMul(xs, diff, true, false), n)
      const gradB = tf.div(tf.sum(diff, 0), n)
      return [data, gradW, gradB]
    })
    const base = loss.dataSync()[0]
    grad.set(gW.dataSync(), 0)
    grad.set(gb.dataSync(), d * k)
    loss.dispose()
    gW.dispose()
    gb.dispose()
    return base
  }
  return {
    evaluate,
    dispose() {
      xs.dispose()
      ys.dispose()
    },
  }
}

/** Inverse L2 strength `C` (as scikit-learn), iteration cap and gradient tolerance. */
export interface LogisticHyperparameters extends Hyperparameters {
  C: number
  maxIter: number
  tol: number
}

function readHyperparameters(hp: Hyperparameters): LogisticHyperparameters {
  return {
    C: numberParam(hp, 'C', family, (v) => v > 0 && Number.isFinite(v), 'a positive number'),
    maxIter: numberParam(hp, 'maxIter', family, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    tol: numberParam(hp, 'tol', family, (v) => v > 0, 'a positive number'),
  }
}

export interface LogisticWeights {
  /** d × k, row-major; k = 1 for binary (sigmoid), nClasses otherwise. */
  weights: Float64Array
  intercept: Float64Array
  k: number
}

export function createFittedLogistic(
  weights: LogisticWeights,
  featureNames: string[],
  nClasses: number,
  hyperparameters: LogisticHyperparameters,
  trainingMetadata: Record<string, unknown>,
  curve: TrainingCurve | undefined,
): FittedModel {
  const d = featureNames.length
  const { k } = weights
  const proba = (X: FeatureMatrix): Float64Array => {
    assertSameFeatures(X, featureNames, family)
    const W = tf.tensor2d(Float32Array.from(weights.weights), [d, k])
    const b = tf.tensor1d(Float32Array.from(weights.intercept))
    const out = predictInChunks(toRowMajorFloat32(X), X.nRows, d, nClasses, (x) => {
      const z = tf.add(tf.matMul(x, W), b)
      if (k === 1) {
        const p = tf.sigmoid(z)
        return tf.concat([tf.sub(1, p), p], 1)
      }
      return tf.softmax(z)
    })
    W.dispose()
    b.dispose()
    return out
  }
  return {
    family,
    framework: 'tfjs',
    hyperparameters,
    trainingMetadata,
    featureNames,
    nClasses,
    predict: async (X) => argmaxRows(proba(X), nClasses),
    predictProba: async (X) => proba(X),
    serialize: async () =>
      encodeModelFile({ family, hyperparameters, featureNames, nClasses, extra: { k }, trainingMetadata }, [
        { name: 'weights', shape: [d, k], values: weights.weights },
        { name: 'intercept', shape: [k], values: weights.intercept },
      ]),
    featureImportance: () => {
      const values = new Array<number>(d).fill(0)
      for (let j = 0; j < d; j++)
        for (let c = 0; c < k; c++) values[j] += Math.abs(weights.weights[j * k + c])
      return { kind: 'abs_coefficient', values }
    },
    trainingCurve: () => curve,
  }
}

async function fitLogistic(
  X: FeatureMatrix,
  y: Target,
  hp: Hyperparameters,
  options: FitOptions,
): Promise<FittedModel> {
  if (y.kind !== 'classification')
    throw new ValidationError(
      'invalid-argument',
      `Model '${family}' needs a classification target, got ${y.kind}`,
    )
  const params = readHyperparameters(hp)
  const n = X.nRows
  const d = X.columns.length
  const nClasses = y.classes.length
  const k = nClasses === 2 ? 1 : nClasses
  const penalty = 1 / (params.C * n)
  const inArrays = n * d * k <= arrayObjectiveMaxMacs
  const dataTerm = inArrays
    ? arrayDataTerm(toRowMajorFloat64(X), y.codes, d, k)
    : tensorDataTerm(X, y.codes, d, k)
  const objective = (x: Float64Array, grad: Float64Array): number => {
    const base = dataTerm.evaluate(x, grad)
    let l2 = 0
    for (let i = 0; i < d * k; i++) {
      l2 += x[i] * x[i]
      grad[i] += penalty * x[i]
    }
    return base + 0.5 * penalty * l2
  }
  try {
    const result = minimizeLbfgs(objective, new Float64Array(d * k + k), {
      maxIterations: params.maxIter,
      gradientTolerance: params.tol,
      onIteration: (iteration, loss) => {
        throwIfCancelled(options.isCancelled, family)
        options.onProgress?.({ fraction: iteration / params.maxIter, iteration, loss })
      },
    })
    const weights: LogisticWeights = {
      weights: result.x.slice(0, d * k),
      intercept: result.x.slice(d * k),
      k,
    }
    const metadata = {
      rows: n,
      iterations: result.iterations,
      /** Where the loss and gradient were computed: 'arrays' (float64) or 'tfjs' (the run's backend). */
      objective: inArrays ? 'arrays' : 'tfjs',
      converged: result.converged,
      stopReason: result.stopReason,
      gradientMax: result.gradientMax,
      finalLoss: result.loss,
    }
    const curve: TrainingCurve = { unit: 'iteration', train: result.history, loss: 'log_loss' }
    return createFittedLogistic(weights, X.names.slice(), nClasses, params, metadata, curve)
  } finally {
    dataTerm.dispose()
  }
}

/** Logistic regression (binary sigmoid / multinomial softmax), L2, L-BFGS; loss and gradient in arrays or TF.js. */
export const logisticFamily: ModelFamily = {
  family,
  label: 'Logistic regression',
  framework: 'tfjs',
  tasks: ['binary', 'multiclass'] as const satisfies readonly TaskType[],
  defaults: () => ({ C: 1, maxIter: 1000, tol: 1e-5 }),
  searchSpace: () => [0.01, 0.1, 1, 10].map((C) => ({ C, maxIter: 1000, tol: 1e-5 })),
  fit: fitLogistic,
  load: async (bytes) => {
    const { header, tensors } = decodeModelFile(bytes, family)
    const k = header.extra.k as number
    const weights = {
      weights: tensors.get('weights')!.values as Float64Array,
      intercept: tensors.get('intercept')!.values as Float64Array,
      k,
    }
    return createFittedLogistic(
      weights,
      header.featureNames,
      header.nClasses,
      readHyperparameters(header.hyperparameters),
      header.trainingMetadata,
      undefined,
    )
  },
}

registerModelFamily(logisticFamily)
