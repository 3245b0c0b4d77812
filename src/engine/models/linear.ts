/**
 * Ridge regression as scikit-learn's Ridge(alpha=1): closed form on centred data, so the intercept is
 * not penalised. Fitting is plain TS in float64 (normal equations + Cholesky; exact and identical on
 * every backend); predictions are one TF.js matMul on the run's backend.
 */
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../domain/errors.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { FitOptions, FittedModel, Hyperparameters, ModelFamily } from './model.ts'
import { registerModelFamily } from './model.ts'
import {
  assertSameFeatures,
  decodeModelFile,
  encodeModelFile,
  numberParam,
  predictInChunks,
  throwIfCancelled,
  toRowMajorFloat32,
} from './tfjsCommon.ts'

const family = 'linear'

export interface LinearHyperparameters extends Hyperparameters {
  /** L2 strength, as scikit-learn's Ridge `alpha` (not divided by the row count). */
  alpha: number
}

function readHyperparameters(hp: Hyperparameters): LinearHyperparameters {
  return { alpha: numberParam(hp, 'alpha', family, (v) => v >= 0 && Number.isFinite(v), 'a number ≥ 0') }
}

export function createFittedLinear(
  weights: Float64Array,
  intercept: number,
  featureNames: string[],
  hyperparameters: LinearHyperparameters,
  trainingMetadata: Record<string, unknown>,
): FittedModel {
  const d = featureNames.length
  const predict = (X: FeatureMatrix): Float64Array => {
    assertSameFeatures(X, featureNames, family)
    const W = tf.tensor2d(Float32Array.from(weights), [d, 1])
    const out = predictInChunks(toRowMajorFloat32(X), X.nRows, d, 1, (x) =>
      tf.add(tf.matMul(x, W), intercept),
    )
    W.dispose()
    return out
  }
  return {
    family,
    framework: 'tfjs',
    hyperparameters,
    trainingMetadata,
    featureNames,
    nClasses: 0,
    predict: async (X) => predict(X),
    predictProba: async () => {
      throw new ValidationError(
        'invalid-argument',
        `Model '${family}' is a regression model and has no probabilities`,
      )
    },
    serialize: async () =>
      encodeModelFile({ family, hyperparameters, featureNames, nClasses: 0, extra: {}, trainingMetadata }, [
        { name: 'weights', shape: [d], values: weights },
        { name: 'intercept', shape: [1], values: Float64Array.of(intercept) },
      ]),
    featureImportance: () => ({ kind: 'abs_coefficient', values: Array.from(weights, Math.abs) }),
    trainingCurve: () => undefined,
  }
}

/** Solves (A) x = b for a symmetric positive definite A (d × d, row-major) by Cholesky; A is overwritten. */
export function solveCholesky(A: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let sum = A[j * d + j]
    for (let k = 0; k < j; k++) sum -= A[j * d + k] * A[j * d + k]
    // A zero pivot means a singular system (alpha = 0 with collinear features): nudge it so we still solve.
    const pivot = Math.sqrt(Math.max(sum, 1e-12))
    A[j * d + j] = pivot
    for (let i = j + 1; i < d; i++) {
      let s = A[i * d + j]
      for (let k = 0; k < j; k++) s -= A[i * d + k] * A[j * d + k]
      A[i * d + j] = s / pivot
    }
  }
  const z = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    let s = b[i]
    for (let k = 0; k < i; k++) s -= A[i * d + k] * z[k]
    z[i] = s / A[i * d + i]
  }
  const x = new Float64Array(d)
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]
    for (let k = i + 1; k < d; k++) s -= A[k * d + i] * x[k]
    x[i] = s / A[i * d + i]
  }
  return x
}

async function fitLinear(
  X: FeatureMatrix,
  y: Target,
  hp: Hyperparameters,
  options: FitOptions,
): Promise<FittedModel> {
  if (y.kind !== 'regression')
    throw new ValidationError(
      'invalid-argument',
      `Model '${family}' needs a regression target, got ${y.kind}`,
    )
  const params = readHyperparameters(hp)
  const n = X.nRows
  const d = X.columns.length
  const means = new Float64Array(d)
  const clean = X.columns.map((column) => column.map((v) => (Number.isNaN(v) ? 0 : v)))
  for (let j = 0; j < d; j++) {
    let sum = 0
    for (let i = 0; i < n; i++) sum += clean[j][i]
    means[j] = sum / n
  }
  let yMean = 0
  for (let i = 0; i < n; i++) yMean += y.values[i]
  yMean /= n
  const centred = clean.map((column, j) => column.map((v) => v - means[j]))
  const gram = new Float64Array(d * d)
  const xty = new Float64Array(d)
  for (let a = 0; a < d; a++) {
    throwIfCancelled(options.isCancelled, family)
    const ca = centred[a]
    for (let b = a; b < d; b++) {
      const cb = centred[b]
      let sum = 0
      for (let i = 0; i < n; i++) sum += ca[i] * cb[i]
      gram[a * d + b] = sum
      gram[b * d + a] = sum
    }
    let s = 0
    for (let i = 0; i < n; i++) s += ca[i] * (y.values[i] - yMean)
    xty[a] = s
    gram[a * d + a] += params.alpha
    options.onProgress?.({ fraction: (a + 1) / d })
  }
  const weights = solveCholesky(gram, xty, d)
  let intercept = yMean
  for (let j = 0; j < d; j++) intercept -= means[j] * weights[j]
  return createFittedLinear(weights, intercept, X.names.slice(), params, {
    rows: n,
    solver: 'cholesky-float64',
  })
}

/** Ridge regression (closed form, float64 plain TS fit; TF.js predictions). */
export const linearFamily: ModelFamily = {
  family,
  label: 'Linear regression (ridge)',
  framework: 'tfjs',
  tasks: ['regression'] as const satisfies readonly TaskType[],
  defaults: () => ({ alpha: 1 }),
  searchSpace: () => [0.01, 0.1, 1, 10, 100].map((alpha) => ({ alpha })),
  fit: fitLinear,
  load: async (bytes) => {
    const { header, tensors } = decodeModelFile(bytes, family)
    return createFittedLinear(
      tensors.get('weights')!.values as Float64Array,
      tensors.get('intercept')!.values[0],
      header.featureNames,
      readHyperparameters(header.hyperparameters),
      header.trainingMetadata,
    )
  },
}

registerModelFamily(linearFamily)
