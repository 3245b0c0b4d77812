/**
 * Model family 'gbdt': Butterfly's histogram gradient boosting (sklearn HistGradientBoosting
 * defaults and parameter names). Registers itself on import.
 */
import { ValidationError } from '../../domain/errors.ts'
import type { TaskType } from '../../domain/task.ts'
import { type BoostingParams, defaultBoostingParams, fitGradientBoosting } from '../trees/boosting.ts'
import { TreeFittedModel } from '../trees/fittedTreeModel.ts'
import {
  isNonNegative,
  isPositive,
  isPositiveInteger,
  readLimit,
  readNumber,
} from '../trees/hyperparameters.ts'
import { type FittedModel, type Hyperparameters, type ModelFamily, registerModelFamily } from './model.ts'

const FAMILY = 'gbdt'

/** Reads and checks the sklearn-named hyperparameters of 'gbdt'. */
export function boostingParamsFrom(hp: Hyperparameters): BoostingParams {
  const d = defaultBoostingParams
  const earlyStopping = hp.early_stopping ?? 'auto'
  if (earlyStopping !== 'auto' && typeof earlyStopping !== 'boolean') {
    throw new ValidationError(
      'invalid-argument',
      `Param 'early_stopping' of model '${FAMILY}' must be 'auto', true or false, got ${JSON.stringify(earlyStopping)}`,
    )
  }
  return {
    maxIter: readNumber(hp, 'max_iter', d.maxIter, FAMILY, isPositiveInteger, 'a positive integer'),
    learningRate: readNumber(hp, 'learning_rate', d.learningRate, FAMILY, isPositive, 'a positive number'),
    maxLeafNodes: readLimit(hp, 'max_leaf_nodes', d.maxLeafNodes, FAMILY),
    maxDepth: readLimit(hp, 'max_depth', 'none', FAMILY),
    minSamplesLeaf: readNumber(
      hp,
      'min_samples_leaf',
      d.minSamplesLeaf,
      FAMILY,
      isPositiveInteger,
      'a positive integer',
    ),
    l2Regularization: readNumber(hp, 'l2_regularization', d.l2Regularization, FAMILY, isNonNegative, '≥ 0'),
    maxBins: readNumber(
      hp,
      'max_bins',
      d.maxBins,
      FAMILY,
      (v) => Number.isInteger(v) && v >= 2 && v <= 255,
      'an integer in 2..255',
    ),
    earlyStopping,
    validationFraction: readNumber(
      hp,
      'validation_fraction',
      d.validationFraction,
      FAMILY,
      (v) => v > 0 && v < 1,
      'in (0, 1)',
    ),
    nIterNoChange: readNumber(
      hp,
      'n_iter_no_change',
      d.nIterNoChange,
      FAMILY,
      isPositiveInteger,
      'a positive integer',
    ),
    tol: readNumber(hp, 'tol', d.tol, FAMILY, isNonNegative, '≥ 0'),
  }
}

export const gbdtFamily: ModelFamily = {
  family: FAMILY,
  label: 'Gradient boosted trees',
  framework: 'butterfly-trees',
  tasks: ['binary', 'multiclass', 'regression'],
  defaults(_task: TaskType): Hyperparameters {
    return {
      max_iter: 100,
      learning_rate: 0.1,
      max_leaf_nodes: 31,
      max_depth: 'none',
      min_samples_leaf: 20,
      l2_regularization: 0,
      max_bins: 255,
      early_stopping: 'auto',
    }
  },
  searchSpace(task: TaskType): Hyperparameters[] {
    const base = this.defaults(task)
    return [
      base,
      { ...base, learning_rate: 0.05, max_iter: 300 },
      { ...base, max_leaf_nodes: 15, min_samples_leaf: 40, l2_regularization: 1 },
      { ...base, max_leaf_nodes: 63, learning_rate: 0.05, max_iter: 200 },
      { ...base, max_depth: 3, max_iter: 300 },
    ]
  },
  async fit(X, y, hyperparameters, options): Promise<FittedModel> {
    const params = boostingParamsFrom(hyperparameters)
    const result = fitGradientBoosting(X, y, params, options)
    return TreeFittedModel.fromFit(
      FAMILY,
      X,
      y,
      { ...this.defaults(options.task), ...hyperparameters },
      result,
    )
  },
  async load(bytes: Uint8Array): Promise<FittedModel> {
    return TreeFittedModel.fromBytes(bytes)
  },
}

registerModelFamily(gbdtFamily)
