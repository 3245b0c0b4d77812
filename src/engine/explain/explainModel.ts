/**
 * One explainability pass over a fitted model within a budget: permutation importance (any model),
 * TreeSHAP values and beeswarm data (tree models), then partial dependence of the most important
 * features. This is what the explainability block runs; each stage is also usable alone.
 */
import { WorkerError } from '../../domain/errors.ts'
import type { Rng } from '../../domain/random.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import type { FittedModel } from '../models/model.ts'
import { concatTyped } from '../typedArrays.ts'
import {
  defaultExplainBudget,
  defaultNow,
  type ExplainBudget,
  sampleRowIndices,
  yieldToEventLoop,
} from './budget.ts'
import type { FeatureUnit, SourceValues } from './featureUnits.ts'
import { type PartialDependenceResult, partialDependence } from './partialDependence.ts'
import { type PermutationImportance, permutationImportance, topIndices } from './permutationImportance.ts'
import { createMetricScorer, defaultScorerMetric } from './scorers.ts'
import { meanAbsoluteShap, type ShapSummaryFeature, shapSummary } from './shapSummary.ts'
import { prepareTreeShap, type ShapEnsemble, type ShapValues, treeShap } from './treeShap.ts'

/** Stages of {@link explainModel}, in the order they run. */
export type ExplainStage = 'permutation' | 'shap' | 'partial_dependence'

/** Inputs of {@link explainModel}. */
export interface ExplainModelOptions {
  model: FittedModel
  /** Held-out evaluation rows and their targets. */
  X: FeatureMatrix
  y: Target
  /**
   * The model's trees for TreeSHAP (for Butterfly tree models, `getTreeModelStructure(model)?.ensemble`);
   * without it the SHAP stage is skipped.
   */
  trees?: ShapEnsemble
  /** Metric whose drop permutation importance measures (default accuracy / r2, as scikit-learn). */
  metric?: string
  /** The binary task's positive class index, which precision/recall/F1 and ROC-AUC are about (default 1). */
  positiveClassIndex?: number
  rng: Rng
  budget?: ExplainBudget
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number
  onProgress?: (progress: { stage: ExplainStage; fraction: number }) => void
  /** Checked between model calls and SHAP chunks; true stops with WorkerError('cancelled'). */
  isCancelled?: () => boolean
}

/** SHAP output of {@link explainModel}: plain arrays, JSON-ready (NaN feature values become null). */
export interface ShapExplanation {
  /** Rows of X explained, increasing. */
  rowIndex: number[]
  /**
   * Names of the explained raw outputs: the class labels (multiclass, forests), the positive class whose
   * log-odds a binary boosting model outputs, or 'prediction' (regression).
   */
  outputs: string[]
  expectedValue: number[]
  /** values[o]: row-major rowIndex.length × nFeatures SHAP values of output o. */
  values: number[][]
  /** featureValues[f][r]: value of feature f in explained row r. */
  featureValues: number[][]
  /** Mean |φ| per feature, summed over outputs. */
  meanAbsShap: number[]
  /** Beeswarm data per output, features sorted by importance. */
  summary: ShapSummaryFeature[][]
  /** True when the time budget stopped before every sampled row was explained. */
  truncated: boolean
  /**
   * What the raw outputs are: 'sigmoid' log-odds (binary boosting), 'softmax' scores (multiclass boosting),
   * 'identity' probabilities (forests) or predicted values (regression). Absent in older runs.
   */
  link?: 'identity' | 'sigmoid' | 'softmax'
  /**
   * Dataset row number of each explained row, numbered from 1 as the data grid numbers rows (absent
   * when the explainer did not know the rows, and in runs made before it was recorded).
   */
  rowNumbers?: number[]
  /** The explained rows' values of the table columns the features come from, in the data's units. */
  rowValues?: SourceValues[]
}

/** Everything {@link explainModel} computed. */
export interface ModelExplanation {
  featureNames: string[]
  permutation: PermutationImportance & { metric: string; negated: boolean }
  shap?: ShapExplanation
  partialDependence: PartialDependenceResult
  /**
   * How each model input reads in the table's units, by feature name (from the feature recipe; inputs
   * made by interactions or hooks have none). Absent in runs made before it was recorded.
   */
  units?: Record<string, FeatureUnit>
  /** Wall time per stage, milliseconds of the injected clock. */
  timingsMs: Record<ExplainStage | 'total', number>
}

/** Rows per TreeSHAP call between clock and cancellation checks. */
const SHAP_CHUNK_ROWS = 50

/**
 * Rows per TreeSHAP call for this ensemble. Path-dependent TreeSHAP costs about leaves × depth² per
 * tree and row, so deep forests (thousands of leaves per tree) get small chunks: the time budget is
 * checked between chunks, and one chunk of 50 rows could otherwise run for minutes.
 */
export function shapChunkRows(trees: ShapEnsemble): number {
  let cost = 0
  for (const tree of trees.trees) {
    const nodes = tree.left.length
    const depth = Math.log2(Math.max(2, nodes)) + 1
    cost += nodes * depth * depth
  }
  const perChunkBudget = 2e7
  return Math.max(1, Math.min(SHAP_CHUNK_ROWS, Math.floor(perChunkBudget / Math.max(1, cost))))
}

function shapOutputNames(trees: ShapEnsemble, y: Target): string[] {
  if (y.kind === 'regression') return ['prediction']
  if (trees.nOutputs === y.classes.length) return [...y.classes]
  return [y.classes[y.classes.length - 1]]
}

async function explainWithShap(
  options: ExplainModelOptions,
  trees: ShapEnsemble,
  budget: ExplainBudget,
  now: () => number,
): Promise<ShapExplanation> {
  const rows = sampleRowIndices(options.X.nRows, budget.shap.maxRows, options.rng.fork('shap-rows'))
  const started = now()
  const k = trees.nOutputs
  const nF = trees.nFeatures
  const parts: ShapValues[] = []
  let done = 0
  let truncated = false
  const chunkRows = shapChunkRows(trees)
  const prepared = prepareTreeShap(trees)
  while (done < rows.length) {
    await yieldToEventLoop()
    if (done > 0 && now() - started > budget.shap.maxSeconds * 1000) {
      truncated = true
      break
    }
    const chunk = rows.subarray(done, Math.min(rows.length, done + chunkRows))
    parts.push(
      treeShap(trees, options.X.columns, options.X.nRows, {
        rows: chunk,
        isCancelled: options.isCancelled,
        cancelled: () => new WorkerError('cancelled', 'SHAP was cancelled'),
        prepared,
      }),
    )
    done += chunk.length
    options.onProgress?.({ stage: 'shap', fraction: done / rows.length })
  }
  const explained = rows.subarray(0, done)
  const shap: ShapValues = {
    nRows: done,
    nFeatures: nF,
    values: Array.from({ length: k }, (_, o) =>
      concatTyped(
        parts.map((part) => part.values[o]),
        (n) => new Float64Array(n),
      ),
    ),
    expectedValue: parts[0]?.expectedValue ?? [],
    rawPrediction: concatTyped(
      parts.map((part) => part.rawPrediction),
      (n) => new Float64Array(n),
    ),
  }
  const featureValues = options.X.columns
    .slice(0, nF)
    .map((column) => Float64Array.from(explained, (i) => column[i]))
  const names = options.X.names.slice(0, nF)
  return {
    rowIndex: Array.from(explained),
    outputs: shapOutputNames(trees, options.y),
    expectedValue: shap.expectedValue,
    values: shap.values.map((v) => Array.from(v)),
    featureValues: featureValues.map((v) => Array.from(v)),
    meanAbsShap: meanAbsoluteShap(shap),
    summary: shap.values.map((_, o) =>
      shapSummary(shap, featureValues, names, { output: o, maxPoints: budget.summary.maxPoints }),
    ),
    truncated,
    ...(trees.link ? { link: trees.link } : {}),
  }
}

/**
 * Explains `model` on evaluation rows within `budget` (default {@link defaultExplainBudget}). Partial
 * dependence covers the features with the largest permutation importance.
 * @throws WorkerError('cancelled') when `isCancelled()` turns true
 */
export async function explainModel(options: ExplainModelOptions): Promise<ModelExplanation> {
  const budget = options.budget ?? defaultExplainBudget
  const now = options.now ?? defaultNow
  const started = now()
  const scorer = createMetricScorer(
    options.metric ?? defaultScorerMetric(options.y),
    options.positiveClassIndex,
  )
  const permutation = await permutationImportance({
    model: options.model,
    X: options.X,
    y: options.y,
    scorer: scorer.score,
    predictionScorer: scorer,
    rng: options.rng.fork('permutation'),
    repeats: budget.permutation.repeats,
    maxRows: budget.permutation.maxRows,
    maxSeconds: budget.permutation.maxSeconds,
    now,
    isCancelled: options.isCancelled,
    onProgress: (p) => options.onProgress?.({ stage: 'permutation', fraction: p.fraction }),
  })
  const afterPermutation = now()
  const shap = options.trees ? await explainWithShap(options, options.trees, budget, now) : undefined
  const afterShap = now()
  const top = topIndices(permutation.mean, budget.partialDependence.topFeatures)
  const dependence = await partialDependence({
    model: options.model,
    X: options.X,
    features: top,
    classes: options.y.kind === 'classification' ? options.y.classes : undefined,
    rng: options.rng.fork('partial-dependence'),
    maxRows: budget.partialDependence.maxRows,
    gridResolution: budget.partialDependence.gridResolution,
    maxSeconds: budget.partialDependence.maxSeconds,
    now,
    isCancelled: options.isCancelled,
    onProgress: (p) => options.onProgress?.({ stage: 'partial_dependence', fraction: p.fraction }),
  })
  const finished = now()
  return {
    featureNames: [...options.X.names],
    permutation: { ...permutation, metric: scorer.metric, negated: scorer.negated },
    ...(shap ? { shap } : {}),
    partialDependence: dependence,
    timingsMs: {
      permutation: afterPermutation - started,
      shap: afterShap - afterPermutation,
      partial_dependence: finished - afterShap,
      total: finished - started,
    },
  }
}
