/**
 * The explainability stage of a pipeline run: explains the chosen model on the held-out test rows with
 * {@link explainModel} and fills the run's per-feature importances. It reads a narrow structural view of
 * the engine's run context, so the Explainability block passes its context as it is and tests pass a
 * small object.
 */
import type { Rng } from '../../domain/random.ts'
import type { DataFrame, FeatureMatrix, Target } from '../frame.ts'
import { targetRows } from '../frame.ts'
import { ensembleShapTrees } from '../models/ensemble.ts'
import type { FittedModel } from '../models/model.ts'
import type { FeatureRecipe } from '../pipeline/featureRecipe.ts'
import { getTreeModelStructure } from '../trees/fittedTreeModel.ts'
import { defaultExplainBudget, type ExplainBudget } from './budget.ts'
import { type ExplainStage, explainModel, type ModelExplanation } from './explainModel.ts'
import { featureUnits, sourceValues } from './featureUnits.ts'

/** What the stage reads from and writes to the run context (a subset of the engine's EngineContext). */
export interface ExplainRunContext {
  readonly rng: Rng
  data: {
    target: Target
    testRows: Int32Array
    /** The run's table: with it the explanation also records the explained rows' values in the data's units. */
    frame?: DataFrame
    /** Input data row of each frame row (0-based), to number explained rows as the data grid does. */
    sourceRows?: Int32Array
  }
  features: { test: FeatureMatrix; recipe?: FeatureRecipe; alteredByHook?: boolean } | undefined
  /** The binary task's positive class index (permutation importance scores the metric about it). */
  readonly positiveClassIndex?: number
  models: { chosen: { model?: FittedModel } | undefined }
  importances: Record<string, number> | undefined
  progress(progress: { fraction: number; message?: string }): void
  log(level: 'info' | 'warn', message: string, data?: Record<string, unknown>): void
  isCancelled: (() => boolean) | undefined
  now(): number
}

/** Share of the stage's progress bar each step takes, in order. */
const STAGE_SPAN: Record<ExplainStage, [number, number]> = {
  permutation: [0, 0.5],
  shap: [0.5, 0.8],
  partial_dependence: [0.8, 1],
}

/**
 * The default budget with every stage's row count capped at `maxRows` (the Explainability block's
 * "most test rows explained" setting).
 */
export function explainBudgetWithRowLimit(
  maxRows: number,
  base: ExplainBudget = defaultExplainBudget,
): ExplainBudget {
  const cap = (n: number): number => Math.max(1, Math.min(n, Math.floor(maxRows)))
  return {
    permutation: { ...base.permutation, maxRows: cap(base.permutation.maxRows) },
    partialDependence: { ...base.partialDependence, maxRows: cap(base.partialDependence.maxRows) },
    shap: { ...base.shap, maxRows: cap(base.shap.maxRows) },
    summary: { ...base.summary },
  }
}

/**
 * Explains the chosen model on the test rows, sets `context.importances` to the permutation importances
 * (mean score drop per feature) and returns the whole explanation for the run's artifacts. Returns
 * undefined (and logs why) when there is no model, no features or no test row.
 * @throws WorkerError('cancelled') when the run is cancelled
 */
export async function explainRun(
  context: ExplainRunContext,
  options: { budget?: ExplainBudget; metric?: string } = {},
): Promise<ModelExplanation | undefined> {
  const model = context.models.chosen?.model
  const X = context.features?.test
  if (!model || !X || X.nRows === 0) {
    context.log('warn', 'Explainability skipped: it needs a trained model and test rows')
    return undefined
  }
  const y = targetRows(context.data.target, context.data.testRows)
  const ensemble = ensembleShapTrees(model)
  if (ensemble.reason) context.log('info', ensemble.reason)
  const trees = getTreeModelStructure(model)?.ensemble ?? ensemble.trees
  const explanation = await explainModel({
    model,
    X,
    y,
    trees,
    metric: options.metric,
    ...(context.positiveClassIndex !== undefined ? { positiveClassIndex: context.positiveClassIndex } : {}),
    rng: context.rng.fork('explainability'),
    budget: options.budget ?? defaultExplainBudget,
    now: () => context.now(),
    isCancelled: context.isCancelled,
    onProgress: ({ stage, fraction }) => {
      const [from, to] = STAGE_SPAN[stage]
      context.progress({ fraction: from + (to - from) * fraction, message: stage })
    },
  })
  withDataUnits(explanation, context)
  const { permutation } = explanation
  context.importances = Object.fromEntries(permutation.features.map((name, i) => [name, permutation.mean[i]]))
  context.log('info', 'Explainability done', {
    metric: permutation.metric,
    repeats: permutation.completedRepeats,
    shapRows: explanation.shap?.rowIndex.length ?? 0,
    partialDependence: explanation.partialDependence.features.map((f) => f.feature),
    seconds: explanation.timingsMs.total / 1000,
  })
  return explanation
}

/**
 * Adds what shows the explanation in the data's units: each feature's unit (from the recipe, unless a
 * hook changed the features), and for the SHAP rows their dataset row numbers and their table values.
 */
function withDataUnits(explanation: ModelExplanation, context: ExplainRunContext): void {
  const { recipe, alteredByHook } = context.features ?? {}
  const { frame, sourceRows, testRows } = context.data
  if (recipe && !alteredByHook) explanation.units = featureUnits(recipe, frame)
  const shap = explanation.shap
  if (!shap) return
  const frameRows = shap.rowIndex.map((i) => testRows[i])
  if (sourceRows) shap.rowNumbers = frameRows.map((row) => sourceRows[row] + 1)
  if (frame && explanation.units) {
    const sources = [...new Set(Object.values(explanation.units).map((unit) => unit.source))]
    shap.rowValues = sourceValues(frame, sources, frameRows)
  }
}
