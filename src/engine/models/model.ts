/**
 * The uniform model interface every family implements (TF.js models and Butterfly's own trees), and
 * the registry model selection and loading go through. One family per file registers itself.
 */
import { canonicalJson } from '../../domain/hash.ts'
import type { Rng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { ForestHelper } from '../trees/forest.ts'
import type { TrainingProgress } from './trainingProgress.ts'

export type Hyperparameters = Record<string, number | string | boolean>

export type { TrainingProgress } from './trainingProgress.ts'

/** A model fitted on the rows a later fit gets, reusable by it (see {@link FitOptions.prefitted}). */
export interface PrefittedModel {
  family: string
  hyperparameters: Hyperparameters
  model: FittedModel
}

/** The model in `prefitted` fitted as `family` with exactly these hyperparameters, if there is one. */
export function prefittedModel(
  prefitted: readonly PrefittedModel[] | undefined,
  family: string,
  hyperparameters: Hyperparameters,
): FittedModel | undefined {
  const wanted = canonicalJson(hyperparameters)
  return prefitted?.find((p) => p.family === family && canonicalJson(p.hyperparameters) === wanted)?.model
}

export interface FitOptions {
  task: TaskType
  rng: Rng
  onProgress?: (progress: TrainingProgress) => void
  /** Checked between epochs/iterations; a fit stops with a WorkerError('cancelled') when it is true. */
  isCancelled?: () => boolean
  /** A second thread for forests (absent: one thread). Results are identical either way. */
  forestHelper?: ForestHelper
  /** A second thread for some families' models (the ensemble fits its tree members there). Results are identical. */
  lane?: ModelLane
  /** Optional validation rows for early stopping and curves. */
  validation?: { X: FeatureMatrix; y: Target }
  /**
   * Models already fitted on these same rows (model selection's out-of-bag fits), with the family and
   * hyperparameters they were fitted with: a family that fits members (the ensemble) uses one instead of
   * fitting that member again.
   */
  prefitted?: readonly PrefittedModel[]
  /**
   * Where an epoch-capped fit (the MLP) leaves its training state, and a later fit on the same rows, seed
   * and hyperparameters with a higher epoch cap continues from it instead of training the first epochs
   * again: the same model, bit for bit, as that fit from scratch. The caller disposes of it.
   */
  continuation?: FitContinuation
}

/** See {@link FitOptions.continuation}: a family's own training state, opaque to the caller. */
export interface FitContinuation {
  state?: { dispose(): void }
  dispose(): void
}

/** An empty {@link FitContinuation}. */
export function createFitContinuation(): FitContinuation {
  const slot: FitContinuation = {
    dispose() {
      slot.state?.dispose()
      slot.state = undefined
    },
  }
  return slot
}

/** A second thread that fits models of the families it `fits`, from a seed: the same model as a fit here. */
export interface ModelLane {
  fits(family: string): boolean
  fit(
    family: string,
    X: FeatureMatrix,
    y: Target,
    hyperparameters: Hyperparameters,
    options: { task: TaskType; seed: number },
  ): Promise<FittedModel>
}

export interface TrainingCurve {
  /** 'epoch' for neural nets, 'iteration' for boosting. */
  unit: 'epoch' | 'iteration'
  train: number[]
  validation?: number[]
  /** Name of the loss, e.g. 'log_loss', 'squared_error'. */
  loss: string
}

export interface FittedModel {
  readonly family: string
  readonly framework: 'tfjs' | 'butterfly-trees'
  readonly hyperparameters: Hyperparameters
  readonly trainingMetadata: Record<string, unknown>
  readonly featureNames: string[]
  /** Number of classes for classification, 0 for regression. */
  readonly nClasses: number
  /** Regression values, or class indices (argmax of probabilities, ties → lowest index). */
  predict(X: FeatureMatrix): Promise<Float64Array>
  /** Row-major n × nClasses probabilities (classification only). */
  predictProba(X: FeatureMatrix): Promise<Float64Array>
  /** Versioned bytes that {@link ModelFamily.load} reads back into a model with identical predictions. */
  serialize(): Promise<Uint8Array>
  /** Importance per feature (same order as featureNames), e.g. gain; absent where the family has none. */
  featureImportance?(): { kind: string; values: number[] }
  trainingCurve?(): TrainingCurve | undefined
  dispose?(): void
}

export interface ModelFamily {
  /** Stable key used in pipelines and on the command line: logistic, linear, mlp, gbdt, rf, tree. */
  family: string
  label: string
  framework: 'tfjs' | 'butterfly-trees'
  tasks: readonly TaskType[]
  defaults(task: TaskType): Hyperparameters
  /** A small search space for model selection's optional search budget. */
  searchSpace?(task: TaskType): Hyperparameters[]
  fit(
    X: FeatureMatrix,
    y: Target,
    hyperparameters: Hyperparameters,
    options: FitOptions,
  ): Promise<FittedModel>
  load(bytes: Uint8Array): Promise<FittedModel>
  /**
   * Scoring without held-out folds, for families that have it (bootstrap forests): `applies` says whether
   * a model with these hyperparameters has out-of-bag predictions, and `predictions` gives them (what
   * scoring reads: class probabilities, row-major, or values) for every row of the (X, y) that `model`
   * was fitted on from generator `rng`, each from the members that did not see that row.
   */
  outOfBag?: {
    applies(hyperparameters: Hyperparameters): boolean
    predictions(model: FittedModel, X: FeatureMatrix, y: Target, rng: Rng): Float64Array
  }
}

const families = new Map<string, ModelFamily>()

/** Registers a model family; registering the same key twice is a bug. */
export function registerModelFamily(family: ModelFamily): void {
  if (families.has(family.family)) throw new Error(`Model family '${family.family}' is already registered`)
  families.set(family.family, family)
}

export function getModelFamily(key: string): ModelFamily {
  const family = families.get(key)
  if (!family) throw new Error(`Unknown model family '${key}' (known: ${[...families.keys()].join(', ')})`)
  return family
}

export function listModelFamilies(): ModelFamily[] {
  return [...families.values()]
}
