/**
 * The second lane of model selection: a thread (the app's tree worker, the headless runner's worker
 * thread) that fits one validation fold of a candidate and returns its predictions on that fold's
 * validation rows, never the model. The fit starts from the same rows, hyperparameters and seed as it
 * would on the run thread, so its predictions are the same, bit for bit: the run applies every result
 * in the order it always did, and the leaderboard, the choice and the model do not depend on the lane.
 *
 * Only Butterfly's tree families go to the lane (plain TypeScript and wasm): TF.js families (logistic,
 * linear, mlp) stay on the run thread, which has the run's TF.js backend loaded.
 */
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { FitOptions, Hyperparameters, ModelLane } from '../models/model.ts'
import { getModelFamily } from '../models/model.ts'
import { TreeFittedModel } from '../trees/fittedTreeModel.ts'
import type { TreeModelRecord } from '../trees/serialization.ts'
import { predictForScoring } from './scoring.ts'

/** One fold fit: fit `family` on (X, y) with the generator of `seed`, predict the validation rows. */
export interface FoldFitRequest {
  family: string
  hyperparameters: Hyperparameters
  task: TaskType
  /** Seed of the fit's generator (`Rng.seed` of the stream the run thread would pass). */
  seed: number
  X: FeatureMatrix
  y: Target
  validationX: FeatureMatrix
  validationY: Target
  /**
   * Score out of bag instead (families with `outOfBag`): the predictions are those of every fit row by
   * the members that did not see it, and the validation rows are the fit rows themselves (pass the same
   * X and y objects: a structured clone then copies them once).
   */
  outOfBag?: boolean
}

export interface FoldFitResult {
  /** What scoring reads: class probabilities (row-major) or regression values, on the validation rows (out of bag: on the fit rows). */
  predictions: Float64Array
  fitSeconds: number
  /** Epochs trained, for families that report them (the MLP: fewer than its cap when early stopping ended it). */
  epochs?: number
  /** Out-of-bag fits only: the fitted tree model, which the refit on the same rows reuses instead of fitting again. */
  model?: TreeModelRecord
}

/** One model fit of a tree family on the lane (an ensemble's member when the training block refits it). */
export type ModelFitRequest = Omit<FoldFitRequest, 'validationX' | 'validationY' | 'outOfBag'>

/** A second thread that fits folds (see the module comment), and tree models for the ensemble's refit. */
export interface FoldFitter {
  fitFold(request: FoldFitRequest): Promise<FoldFitResult>
  /** The fitted tree model's record (typed arrays, copied whole): `new TreeFittedModel(record)` is the same model. */
  fitTreeModel(request: ModelFitRequest): Promise<TreeModelRecord>
}

/** Whether a {@link FoldFitter} fits `family`: Butterfly's trees, which need no TF.js. */
export function fitsOnLane(family: string): boolean {
  return getModelFamily(family).framework === 'butterfly-trees'
}

/**
 * Fits one fold and predicts its validation rows, disposing of the model: the one code path of a fold
 * fit, on the run thread (with progress, cancellation and the forest helper) and on the lane alike.
 */
export async function fitFold(
  request: FoldFitRequest,
  options: Pick<FitOptions, 'onProgress' | 'isCancelled' | 'forestHelper' | 'continuation'> & {
    now?: () => number
  } = {},
): Promise<FoldFitResult> {
  const now = options.now ?? (() => performance.now())
  const started = now()
  const family = getModelFamily(request.family)
  if (request.outOfBag && !family.outOfBag?.applies(request.hyperparameters))
    throw new Error(
      `Model family '${request.family}' has no out-of-bag predictions with these hyperparameters`,
    )
  const model = await family.fit(request.X, request.y, request.hyperparameters, {
    task: request.task,
    rng: createRng(request.seed),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.isCancelled ? { isCancelled: options.isCancelled } : {}),
    ...(options.forestHelper ? { forestHelper: options.forestHelper } : {}),
    ...(options.continuation ? { continuation: options.continuation } : {}),
  })
  const fitSeconds = (now() - started) / 1000
  const epochs = model.trainingMetadata.epochs
  try {
    return {
      predictions:
        request.outOfBag && family.outOfBag
          ? family.outOfBag.predictions(model, request.X, request.y, createRng(request.seed))
          : await predictForScoring(model, request.validationX, request.validationY),
      fitSeconds,
      ...(typeof epochs === 'number' ? { epochs } : {}),
      ...(request.outOfBag && model instanceof TreeFittedModel ? { model: model.record } : {}),
    }
  } finally {
    model.dispose?.()
  }
}

/** Fits a tree family's model and returns its record (what the lane sends back instead of a model). */
export async function fitTreeModel(request: ModelFitRequest): Promise<TreeModelRecord> {
  const model = await getModelFamily(request.family).fit(request.X, request.y, request.hyperparameters, {
    task: request.task,
    rng: createRng(request.seed),
  })
  if (!(model instanceof TreeFittedModel))
    throw new Error(
      `Model family '${request.family}' is not a tree family: it cannot be fitted on the second thread`,
    )
  return model.record
}

/** The lane as the models see it (the ensemble fits its tree members through it). */
export function modelLane(fitter: FoldFitter): ModelLane {
  return {
    fits: fitsOnLane,
    async fit(family, X, y, hyperparameters, { task, seed }) {
      return new TreeFittedModel(await fitter.fitTreeModel({ family, hyperparameters, task, seed, X, y }))
    },
  }
}

/** The lane without a thread: fits on the calling thread (tests, and what the lane's worker runs). */
export class InThreadFoldFitter implements FoldFitter {
  fitFold(request: FoldFitRequest): Promise<FoldFitResult> {
    return fitFold(request)
  }

  fitTreeModel(request: ModelFitRequest): Promise<TreeModelRecord> {
    return fitTreeModel(request)
  }
}
