/**
 * The engine's concrete Execution Context: the state one run carries from block to block (data and
 * split, feature recipe and matrices, candidate and chosen models, metrics, logs, progress). It lives
 * only while {@link executePipeline} runs; the parts worth keeping leave it as a RunOutcome.
 */
import type { ExecutionContext } from '../../domain/executionContext.ts'
import type { BlockType } from '../../domain/pipeline.ts'
import type { Rng } from '../../domain/random.ts'
import type { LogEntry } from '../../domain/run.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { ModelExplanation } from '../explain/explainModel.ts'
import type { DataFrame, FeatureMatrix, Target } from '../frame.ts'
import type { HookRunner } from '../hooks/hookContract.ts'
import type { ClassificationReport } from '../metrics/classification.ts'
import type { FittedModel, Hyperparameters, TrainingCurve, TrainingProgress } from '../models/model.ts'
import type { ForestHelper } from '../trees/forest.ts'
import type { FeatureRecipe } from './featureRecipe.ts'
import type { FoldFitter } from './foldLane.ts'

/** The table and split a run works on. Rows whose target is missing were removed before the split. */
export interface EngineData {
  /** All usable rows; row `i` here is data row `sourceRows[i]` of the input. */
  frame: DataFrame
  /** Input row number (0-based data row) of each frame row. */
  sourceRows: Int32Array
  /** Frame columns the models may use (target and excluded columns left out). */
  featureColumns: string[]
  /** Target of every frame row. */
  target: Target
  /** Frame rows used for fitting (ascending). Hooks may shrink it. */
  trainRows: Int32Array
  /** Frame rows held out for evaluation (ascending). Never changed after the split. */
  testRows: Int32Array
}

/** Feature representation after preprocessing and feature engineering. */
export interface EngineFeatures {
  /** How the features are computed from the frame's columns (plain data; reusable for inference). */
  recipe: FeatureRecipe
  train: FeatureMatrix
  test: FeatureMatrix
  /** True once a hook changed features directly, so the recipe alone no longer reproduces them. */
  alteredByHook: boolean
}

/** A model considered by model selection. */
export interface CandidateModel {
  family: string
  hyperparameters: Hyperparameters
  /** Validation score on the task metric (NaN when it could not be computed). */
  validationScore: number
  /** Per fold, for k-fold validation. */
  foldScores: number[]
  fitSeconds: number
  /** Why the candidate was not fully evaluated (stopped by racing: it could not catch up with the best). */
  note?: string
  /** Scored out of bag (one fit on all training rows; see model selection) instead of a fit per fold. */
  outOfBag?: boolean
  /** Standard deviation (ddof = 0) of the fold scores, with two or more. */
  std?: number
  /** 95% interval of the mean (Nadeau-Bengio corrected), with two or more fold scores. */
  interval?: { low: number; high: number }
  /** Not significantly worse than the chosen candidate (corrected resampled t-test, 5%). */
  tiedWithBest?: boolean
  /** The fitted model (the chosen one after training; candidates keep theirs only when needed). */
  model?: FittedModel
}

/** What evaluation measured on the test rows. */
export type EvaluationReport =
  | ({ kind: 'classification'; classes: string[] } & ClassificationReport)
  | { kind: 'regression'; metrics: Record<string, number> }

/** Test-row predictions; `yTrue`/`yPred` hold class indices (classification) or values (regression). */
export interface TestPredictions {
  /** Input data row numbers of the test rows. */
  rows: Int32Array
  yTrue: Float64Array
  yPred: Float64Array
  /** Row-major rows × classes probabilities (classification only). */
  proba?: Float64Array
  classes?: string[]
}

/** Progress inside one block, as the executor reports it. */
export interface BlockProgress extends Partial<TrainingProgress> {
  /** 0..1 of the current block. */
  fraction: number
  /** Family of the model being fitted, when one is. */
  model?: string
  message?: string
}

export interface EngineContext extends ExecutionContext<EngineData, EngineFeatures, CandidateModel> {
  readonly task: TaskDefinition
  /** Index of the task's positive class (binary only). */
  readonly positiveClassIndex: number | undefined
  /** The run's root RNG; blocks fork it by label so streams do not depend on block order. */
  readonly rng: Rng
  /** A second thread for forests, when the host has one. */
  readonly forestHelper?: ForestHelper
  /** A second lane for model selection's tree fold fits, when the host has one (results are identical). */
  readonly foldFitter?: FoldFitter
  readonly backend: string
  readonly hookRunner: HookRunner | undefined
  /** Stage currently running (for logs and progress). */
  currentBlock: BlockType | undefined
  /**
   * Metrics returned by before_/after_ hooks, apart from the engine's `metrics`: a hook adds custom
   * metrics, it never replaces a built-in one (issue 14.6). See {@link mergeHookMetrics}.
   */
  hookMetrics: Record<string, number>
  /** True once an override_evaluation hook produced `metrics` instead of the evaluation block. */
  evaluatedByHook: boolean
  evaluation: EvaluationReport | undefined
  predictions: TestPredictions | undefined
  trainingCurve: TrainingCurve | undefined
  /** Per-feature importances (explainability or a hook), when computed. */
  importances: Record<string, number> | undefined
  /** The explainability block's full result, when it ran. */
  explanation: ModelExplanation | undefined
  /** Seconds spent fitting (selection + refit) and predicting the test rows. */
  timings: { fitSeconds: number; predictSeconds: number }
  log(level: LogEntry['level'], message: string, data?: Record<string, unknown>): void
  progress(progress: BlockProgress): void
  /** Throws WorkerError('cancelled') when the caller cancelled the run. */
  checkCancelled(): void
  isCancelled: (() => boolean) | undefined
  /** Current time in ms (injected for tests). */
  now(): number
}
