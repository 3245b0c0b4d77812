/**
 * Model family 'rf': random forest on Butterfly's histogram tree learner (sklearn RandomForest
 * parameter names and defaults, 100 trees). Registers itself on import.
 */
import { ValidationError } from '../../domain/errors.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { TreeFittedModel } from '../trees/fittedTreeModel.ts'
import {
  defaultFeaturesPerSplit,
  type ForestParams,
  type ForestPart,
  fitForest,
  forestOutOfBag,
  mergeForestParts,
} from '../trees/forest.ts'
import { isPositiveInteger, readLimit, readNumber } from '../trees/hyperparameters.ts'
import {
  type FitOptions,
  type FittedModel,
  type Hyperparameters,
  type ModelFamily,
  registerModelFamily,
} from './model.ts'

/** Reads and checks sklearn-named forest/tree hyperparameters of `family`. */
export function forestParamsFrom(
  hp: Hyperparameters,
  X: FeatureMatrix,
  task: TaskType,
  family: string,
  defaults: { nEstimators: number; bootstrap: boolean; maxFeatures: string | number },
): ForestParams {
  const maxFeatures = hp.max_features ?? defaults.maxFeatures
  if (
    typeof maxFeatures === 'boolean' ||
    (typeof maxFeatures === 'string' && !['auto', 'sqrt', 'log2'].includes(maxFeatures)) ||
    (typeof maxFeatures === 'number' && !(maxFeatures > 0))
  ) {
    throw new ValidationError(
      'invalid-argument',
      `Param 'max_features' of model '${family}' must be 'sqrt', 'log2', 'auto', a fraction in (0, 1] or a count, got ${JSON.stringify(maxFeatures)}`,
    )
  }
  const bootstrap = hp.bootstrap ?? defaults.bootstrap
  if (typeof bootstrap !== 'boolean') {
    throw new ValidationError(
      'invalid-argument',
      `Param 'bootstrap' of model '${family}' must be true or false`,
    )
  }
  return {
    nEstimators: readNumber(
      hp,
      'n_estimators',
      defaults.nEstimators,
      family,
      isPositiveInteger,
      'a positive integer',
    ),
    maxDepth: readLimit(hp, 'max_depth', 'none', family),
    maxLeafNodes: readLimit(hp, 'max_leaf_nodes', 'none', family),
    minSamplesLeaf: readNumber(hp, 'min_samples_leaf', 1, family, isPositiveInteger, 'a positive integer'),
    minSamplesSplit: readNumber(
      hp,
      'min_samples_split',
      2,
      family,
      (v) => Number.isInteger(v) && v >= 2,
      'an integer ≥ 2',
    ),
    featuresPerSplit: defaultFeaturesPerSplit(maxFeatures, X.columns.length, task),
    bootstrap,
    maxBins: readNumber(
      hp,
      'max_bins',
      255,
      family,
      (v) => Number.isInteger(v) && v >= 2 && v <= 255,
      'an integer in 2..255',
    ),
  }
}

const FAMILY = 'rf'

export const rfFamily: ModelFamily = {
  family: FAMILY,
  label: 'Random forest',
  framework: 'butterfly-trees',
  tasks: ['binary', 'multiclass', 'regression'],
  defaults(_task: TaskType): Hyperparameters {
    return {
      n_estimators: 100,
      max_features: 'auto',
      max_depth: 'none',
      min_samples_leaf: 1,
      min_samples_split: 2,
      bootstrap: true,
      max_bins: 255,
    }
  },
  searchSpace(task: TaskType): Hyperparameters[] {
    const base = this.defaults(task)
    return [
      base,
      { ...base, min_samples_leaf: 5 },
      { ...base, max_features: task === 'regression' ? 0.33 : 0.5 },
      { ...base, max_depth: 12, n_estimators: 200 },
    ]
  },
  async fit(X, y, hyperparameters, options): Promise<FittedModel> {
    const params = forestParamsFrom(hyperparameters, X, options.task, FAMILY, {
      nEstimators: 100,
      bootstrap: true,
      maxFeatures: 'auto',
    })
    const result = await fitForestOnTwoThreads(X, y, params, options)
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
  outOfBag: {
    applies: (hyperparameters) => hyperparameters.bootstrap !== false,
    predictions(model, X, y, rng) {
      if (!(model instanceof TreeFittedModel) || model.record.ensemble.kind !== 'forest')
        throw new Error('Out-of-bag predictions need a random forest fitted by this family')
      // A row that every tree drew (rare: about e^-trees) gets the training rows' class shares or mean.
      const prior =
        y.kind === 'classification'
          ? Float64Array.from(
              y.classes,
              (_, c) => y.codes.filter((code) => code === c).length / y.codes.length,
            )
          : Float64Array.of(y.values.reduce((sum, v) => sum + v, 0) / y.values.length)
      return forestOutOfBag(model.record.ensemble, X, rng, prior)
    },
  },
}

registerModelFamily(rfFamily)

/** Fewer trees than this are not worth a second thread (copying the data costs more than it saves). */
const minTreesForHelper = 8

/**
 * Grows the second half of the forest on the helper thread while this thread grows the first half;
 * the merged forest is the same, tree for tree, as one grown on a single thread.
 */
async function fitForestOnTwoThreads(
  X: FeatureMatrix,
  y: Target,
  params: ForestParams,
  options: FitOptions,
): Promise<ForestPart> {
  const helper = options.forestHelper
  if (!helper || params.nEstimators < minTreesForHelper) return fitForest(X, y, params, options)
  const half = Math.ceil(params.nEstimators / 2)
  const far = helper.fitForestRange({
    X,
    y,
    params,
    task: options.task,
    seed: options.rng.seed,
    range: [half, params.nEstimators],
  })
  // Grown synchronously here while the helper works; its answer waits in the message queue.
  const near = fitForest(X, y, params, { ...options, treeRange: [0, half] })
  return mergeForestParts([near, await far])
}
