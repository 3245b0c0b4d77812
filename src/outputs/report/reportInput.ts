/**
 * What the HTML report (and the run page's charts) read: the run's `metrics.json` artifact, the test-set
 * plot data, the explanation, and the dataset's name. Every member is plain JSON, so a report can be
 * rebuilt later from stored artifacts alone. Also the helpers that turn a run's outputs into that data.
 */
import type { Lineage } from '../../domain/lineage.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { ModelExplanation, ShapExplanation } from '../../engine/explain/explainModel.ts'
import type { FeatureUnit, SourceValues } from '../../engine/explain/featureUnits.ts'
import { explainRow, type FeatureContribution, type RowExplanation } from '../../engine/explain/treeShap.ts'
import { type ClassificationReport, evaluateClassification } from '../../engine/metrics/classification.ts'
import {
  type ClassificationPlotData,
  classificationPlotData,
  type ResidualPoints,
  residualPoints,
} from '../../engine/metrics/curves.ts'
import { regressionMetrics } from '../../engine/metrics/regression.ts'
import type { Hyperparameters, TrainingCurve } from '../../engine/models/model.ts'
import type { TestPredictions } from '../../engine/pipeline/engineContext.ts'
import { type ChartTheme, formatDateValue } from './chartTheme.ts'

/** A number as stored in JSON: non-finite values (NaN, ±∞) were written as null. */
export type JsonNumber = number | null

/** The evaluation report as stored in metrics.json (NaN metrics became null). */
export type StoredEvaluationReport =
  | {
      kind: 'classification'
      classes: string[]
      metrics: Record<string, JsonNumber>
      perClass: {
        label: string
        precision: JsonNumber
        recall: JsonNumber
        f1: JsonNumber
        support: number
      }[]
      /** confusion[trueClass][predictedClass] counts. */
      confusion: ClassificationReport['confusion']
    }
  | { kind: 'regression'; metrics: Record<string, JsonNumber> }

/** One model-selection leaderboard row as stored (validationScore null when not validated). */
export interface StoredLeaderboardEntry {
  family: string
  hyperparameters: Hyperparameters
  metric: string
  validationScore: JsonNumber
  foldScores: JsonNumber[]
  fitSeconds: number
  /** Why the candidate was not fully evaluated (stopped by racing); absent in older runs. */
  note?: string
  /** Its fold scores read the out-of-bag predictions of one fit on all training rows (a bootstrap forest); absent in older runs. */
  outOfBag?: boolean
  /** With two or more fold scores (absent in older runs): their standard deviation, the 95% interval of their mean (Nadeau-Bengio corrected), and whether the candidate ties with the chosen one (corrected resampled t-test, 5%). */
  std?: JsonNumber
  interval?: { low: JsonNumber; high: JsonNumber }
  tiedWithBest?: boolean
  chosen: boolean
}

/**
 * The `metrics.json` artifact of a completed run, exactly as `src/app/services/runs.ts` writes it
 * (`JSON.stringify` with non-finite numbers as null and typed arrays as arrays).
 */
export interface RunMetricsJson {
  /** Run id. */
  run: string
  lineage: Lineage
  task: TaskDefinition
  /** Test-split metrics keyed as in scikit-learn (computed by an override_evaluation hook when `evaluatedByHook`). */
  metrics: Record<string, JsonNumber>
  /** Custom metrics the run's hooks returned, apart from `metrics` (absent in files written before they existed). */
  hookMetrics?: Record<string, JsonNumber>
  /** True when an override_evaluation hook, not Butterfly, computed `metrics`. */
  evaluatedByHook?: boolean
  /** Absent when an override_evaluation hook replaced the evaluation. */
  report?: StoredEvaluationReport | null
  leaderboard: StoredLeaderboardEntry[]
  featureNames: string[]
  importances: Record<string, number> | null
  trainingCurve: TrainingCurve | null
  timings: { fitSeconds: number; predictSeconds: number; totalSeconds: number }
  droppedRows: number
}

/** Test-set plot data: the classification curves or the regression residuals. */
export type ReportPlots =
  | ({ kind: 'classification'; classes: string[] } & ClassificationPlotData)
  | { kind: 'regression'; residuals: ResidualPoints }

/** The explanation as stored (the explainability stage's output; timings optional). */
export type ReportExplanation = Omit<ModelExplanation, 'timingsMs' | 'shap'> & {
  timingsMs?: ModelExplanation['timingsMs']
  shap?: ShapExplanation
}

/** One explained row for a waterfall plot. */
export interface ReportRowExplanation {
  /** Caption: "Row 1,235" (the dataset row, as the data grid numbers rows), or "Test row 17" in older runs. */
  label: string
  /** Name of the explained output (class label, or 'prediction'). */
  outputName?: string
  /** What the waterfall's axis measures, e.g. "Log-odds of yes" or "Probability of Adelie". */
  axisName?: string
  explanation: RowExplanation
}

/**
 * What a model that ignores the features scores on the same test rows: the majority class (with the
 * class shares as probabilities) for classification, the mean of the target for regression. The run
 * page shows the optimised metric beside it, so "0.91" reads as "0.91 against 0.62".
 */
export interface ReportBaseline {
  kind: 'majority-class' | 'mean'
  /** In words, e.g. "always predicting 'No' (62% of the test rows)". */
  description: string
  /** Metrics of the baseline on the test rows, keyed like the run's metrics (NaN stored as null). */
  metrics: Record<string, JsonNumber>
}

/**
 * The constant-prediction baseline on the test rows (see {@link ReportBaseline}); the shares and mean
 * are those of the test rows, which is what a feature-blind model would reach at best.
 * @returns undefined when there are no test rows
 */
export function baselineFromPredictions(
  predictions: Pick<TestPredictions, 'yTrue' | 'classes'>,
  positiveClass = 1,
): ReportBaseline | undefined {
  const n = predictions.yTrue.length
  if (n === 0) return undefined
  const classes = predictions.classes
  if (classes && classes.length >= 2) {
    const k = classes.length
    const counts = new Float64Array(k)
    for (let i = 0; i < n; i++) counts[predictions.yTrue[i]]++
    let majority = 0
    for (let c = 1; c < k; c++) if (counts[c] > counts[majority]) majority = c
    // Shares as probabilities, nudged so the majority class wins the argmax (ties go to it).
    const shares = Array.from(counts, (c) => c / n)
    const proba = new Float64Array(n * k)
    for (let i = 0; i < n; i++)
      for (let c = 0; c < k; c++) proba[i * k + c] = shares[c] + (c === majority ? 1e-12 : 0)
    const report = evaluateClassification(Int32Array.from(predictions.yTrue), proba, classes, {
      positiveClass: k === 2 ? positiveClass : 1,
    })
    const share = Math.round((counts[majority] / n) * 100)
    return {
      kind: 'majority-class',
      description: `always predicting '${classes[majority]}' (${share}% of the test rows)`,
      metrics: jsonMetrics(report.metrics),
    }
  }
  let sum = 0
  for (let i = 0; i < n; i++) sum += predictions.yTrue[i]
  const mean = sum / n
  const yTrue = Float64Array.from(predictions.yTrue)
  return {
    kind: 'mean',
    description: `always predicting the mean, ${Number(mean.toPrecision(4))}`,
    metrics: jsonMetrics(regressionMetrics(yTrue, new Float64Array(n).fill(mean))),
  }
}

function jsonMetrics(metrics: Record<string, number>): Record<string, JsonNumber> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]))
}

/**
 * Everything {@link renderReportHtml} needs. Only `metrics` and `dataset.name` are required; each plot
 * section appears when its data is present.
 */
export interface ReportInput {
  /** The run's metrics.json artifact (lineage, task, metrics, evaluation report, leaderboard, curves). */
  metrics: RunMetricsJson
  dataset: {
    name: string
    /** Defaults to `metrics.lineage.datasetHash`. */
    sha256?: string
    rows?: number
    columns?: number
  }
  /** Display facts about the run, all optional. */
  run?: {
    experimentName?: string
    /** Run number within its experiment (shown as "Run #n"). */
    number?: number
    /** Epoch milliseconds. */
    createdAt?: number
    /** The chosen model. */
    model?: { family: string; hyperparameters: Hyperparameters }
  }
  /** Test-set plot data, from {@link reportPlotsFromPredictions}. */
  plots?: ReportPlots
  /** The feature-blind baseline on the same test rows, from {@link baselineFromPredictions}. */
  baseline?: ReportBaseline
  /** Explainability output (permutation importance, partial dependence, SHAP). */
  explanation?: ReportExplanation
  /** Rows explained one by one (waterfall plots), from {@link rowExplanationsFromShap}. */
  rowExplanations?: ReportRowExplanation[]
  /** Level names of categorical features, for partial-dependence axes. */
  levels?: Record<string, string[]>
  /**
   * Text of the "generated" line, e.g. an ISO date. Passed in (never read from a clock) so the same
   * input always gives byte-identical HTML.
   */
  generatedAt?: string
  /** Palettes to embed; with both (the default) the page shows the one matching `prefers-color-scheme`. */
  themes?: ChartTheme[]
}

/**
 * Plot data from a run's test predictions: ROC, PR, calibration and normalised confusion for a
 * classification run (argmax confusion given in `confusion`), residual points for regression.
 * @param confusion classification only: the report's confusion counts
 * @param positiveClass binary only: index of the positive class (default 1)
 * @returns undefined when the predictions lack what the plots need (e.g. no probabilities)
 */
export function reportPlotsFromPredictions(
  predictions: Pick<TestPredictions, 'yTrue' | 'yPred' | 'proba' | 'classes'> & { rows?: Int32Array },
  confusion?: number[][],
  positiveClass = 1,
): ReportPlots | undefined {
  const classes = predictions.classes
  if (classes && classes.length >= 2) {
    if (!predictions.proba || !confusion) return undefined
    const yTrue = Int32Array.from(predictions.yTrue)
    const proba = Float64Array.from(predictions.proba)
    return {
      kind: 'classification',
      classes,
      ...classificationPlotData(yTrue, proba, classes, confusion, positiveClass),
    }
  }
  const residuals = residualPoints(predictions.yTrue, predictions.yPred)
  const rows = predictions.rows
  if (rows && rows.length === predictions.yTrue.length)
    residuals.rowNumber = residuals.rowIndex.map((i) => rows[i] + 1)
  return { kind: 'regression', residuals }
}

/**
 * The title of a row's waterfall, naming the class it explains: "Why this prediction: Row 1,235 · class
 * Adelie" (no class for regression).
 */
export function rowExplanationTitle(row: Pick<ReportRowExplanation, 'label' | 'outputName'>): string {
  const output = row.outputName && row.outputName !== 'prediction' ? ` · class ${row.outputName}` : ''
  return `Why this prediction: ${row.label}${output}`
}

/** What the SHAP values of output `output` add up to, in words (the waterfall's axis name). */
export function shapOutputAxisName(shap: ShapExplanation, output: number): string {
  const name = shap.outputs[output]
  if (name === 'prediction' && shap.outputs.length === 1) return 'Prediction'
  switch (shap.link) {
    case 'sigmoid':
      return `Log-odds of ${name}`
    case 'softmax':
      return `Score of ${name} (before softmax)`
    case 'identity':
      return `Probability of ${name}`
    default:
      return 'Model output'
  }
}

/** A dataset row number as the data grid shows it (`1,235`). */
const rowNumberFormat = new Intl.NumberFormat('en-US')

/**
 * The caption of explained row `position`: "Row 1,235" (its dataset row, as the data grid numbers rows)
 * when the explanation recorded it, else "Test row 17" (its position among the test rows).
 */
export function explainedRowLabel(shap: ShapExplanation, position: number): string {
  const number = shap.rowNumbers?.[position]
  return number === undefined
    ? `Test row ${shap.rowIndex[position]}`
    : `Row ${rowNumberFormat.format(number)}`
}

/** A table value as people read it: category names as they are, dates as dates, numbers as the grid does. */
function displayValue(kind: SourceValues['kind'], value: number | string | null | undefined): string {
  if (value === null || value === undefined) return 'missing'
  if (typeof value === 'string') return value
  if (kind === 'datetime') return formatDateValue(value)
  // Thousands separators from five digits on (so years stay 1968), whole numbers from there; below, at
  // least four significant digits.
  if (Math.abs(value) >= 10_000) return rowNumberFormat.format(Math.round(value))
  if (Number.isInteger(value)) return String(value)
  return String(Number(value.toPrecision(Math.max(4, Math.ceil(Math.log10(Math.abs(value) + 1))))))
}

/**
 * Contributions in the data's units: the inputs made from one table column (one-hot columns, a missing
 * indicator, calendar parts) are summed into one contribution named after the column, valued as the
 * table holds it ("Neighborhood = Edwards", "Year_Built = 1968"). SHAP values add up, so the sum is
 * the column's contribution. Inputs with no known unit (interactions, hook-made) stay as they are.
 */
function inDataUnits(
  row: RowExplanation,
  position: number,
  units: Readonly<Record<string, FeatureUnit>>,
  rowValues: readonly SourceValues[],
): RowExplanation {
  const values = new Map(rowValues.map((v) => [v.column, v]))
  const bySource = new Map<string, FeatureContribution>()
  const contributions: FeatureContribution[] = []
  for (const c of row.contributions) {
    const source = units[c.feature]?.source
    const column = source === undefined ? undefined : values.get(source)
    if (!source || !column) {
      contributions.push(c)
      continue
    }
    const existing = bySource.get(source)
    if (existing) {
      existing.shap += c.shap
      continue
    }
    const value = column.values[position]
    const grouped = {
      feature: source,
      value: typeof value === 'number' ? value : Number.NaN,
      shap: c.shap,
      display: displayValue(column.kind, value),
    }
    bySource.set(source, grouped)
    contributions.push(grouped)
  }
  contributions.sort((a, b) => Math.abs(b.shap) - Math.abs(a.shap))
  return { ...row, contributions }
}

/**
 * Waterfall data for some explained rows of a SHAP explanation (via `explainRow`), in the data's units
 * when the explanation carries them (see {@link ShapExplanation.rowValues}).
 * @param positions positions in `shap.rowIndex` (not data rows) to explain
 * @param output index into `shap.outputs` (default: the last output, the positive class of a binary task)
 * @param units the explanation's feature units (ModelExplanation.units)
 */
export function rowExplanationsFromShap(
  shap: ShapExplanation,
  featureNames: string[],
  positions: number[],
  output = shap.outputs.length - 1,
  units?: Readonly<Record<string, FeatureUnit>>,
): ReportRowExplanation[] {
  const nRows = shap.rowIndex.length
  const nFeatures = shap.featureValues.length
  const values = {
    nRows,
    nFeatures,
    values: shap.values.map((v) => Float64Array.from(v)),
    expectedValue: shap.expectedValue,
    rawPrediction: new Float64Array(nRows),
  }
  const featureValues = shap.featureValues.map((column) => Float64Array.from(column, (v) => v ?? Number.NaN))
  return positions.map((r) => {
    const explanation = explainRow(values, r, featureNames.slice(0, nFeatures), featureValues, output)
    return {
      label: explainedRowLabel(shap, r),
      outputName: shap.outputs[output],
      axisName: shapOutputAxisName(shap, output),
      explanation: units && shap.rowValues ? inDataUnits(explanation, r, units, shap.rowValues) : explanation,
    }
  })
}

/**
 * The output a waterfall should explain for explained row `position` (an index into `shap.rowIndex`):
 * the only output, or the one with the largest raw value φ₀ + Σφ (the class the model leans to).
 */
export function shapLeaningOutput(shap: ShapExplanation, position: number): number {
  const nFeatures = shap.featureValues.length
  let best = 0
  let bestValue = Number.NEGATIVE_INFINITY
  shap.values.forEach((phi, o) => {
    let raw = shap.expectedValue[o]
    for (let f = 0; f < nFeatures; f++) raw += phi[position * nFeatures + f]
    if (raw > bestValue) {
      bestValue = raw
      best = o
    }
  })
  return best
}

/** What {@link reportInputFromRun} needs: a run's metrics.json plus its in-memory outputs. */
export interface RunReportSources {
  metrics: RunMetricsJson
  dataset: ReportInput['dataset']
  run?: ReportInput['run']
  /** The run's test predictions (RunOutcome.predictions); with `rows`, points are numbered as the data grid. */
  predictions?: Pick<TestPredictions, 'yTrue' | 'yPred' | 'proba' | 'classes'> & { rows?: Int32Array }
  /** The explainability block's output (RunOutcome.explanation). */
  explanation?: ReportExplanation
  /** Explained rows to draw as waterfalls (positions in the SHAP rows, default the first one). */
  explainedRows?: number[]
  levels?: Record<string, string[]>
  generatedAt?: string
  themes?: ChartTheme[]
}

/**
 * Assembles a {@link ReportInput}: plot data from the predictions (the task's positive class for a binary
 * task), and waterfalls of `explainedRows` when the explanation has SHAP values.
 */
export function reportInputFromRun(sources: RunReportSources): ReportInput {
  const { metrics } = sources
  const stored = metrics.report
  let plots: ReportPlots | undefined
  let baseline: ReportBaseline | undefined
  if (sources.predictions) {
    const classes = sources.predictions.classes ?? []
    const positive =
      metrics.task.positiveClass === undefined ? -1 : classes.indexOf(metrics.task.positiveClass)
    const confusion = stored?.kind === 'classification' ? stored.confusion : undefined
    plots = reportPlotsFromPredictions(sources.predictions, confusion, positive === -1 ? 1 : positive)
    baseline = baselineFromPredictions(sources.predictions, positive === -1 ? 1 : positive)
  }
  const shap = sources.explanation?.shap
  const rowExplanations =
    shap && shap.rowIndex.length > 0
      ? (sources.explainedRows ?? [0])
          .filter((r) => r >= 0 && r < shap.rowIndex.length)
          .flatMap((r) =>
            rowExplanationsFromShap(
              shap,
              sources.explanation?.featureNames ?? metrics.featureNames,
              [r],
              shapLeaningOutput(shap, r),
              sources.explanation?.units,
            ),
          )
      : undefined
  return {
    metrics,
    dataset: sources.dataset,
    ...(sources.run ? { run: sources.run } : {}),
    ...(plots ? { plots } : {}),
    ...(baseline ? { baseline } : {}),
    ...(sources.explanation ? { explanation: sources.explanation } : {}),
    ...(rowExplanations ? { rowExplanations } : {}),
    ...(sources.levels ? { levels: sources.levels } : {}),
    ...(sources.generatedAt ? { generatedAt: sources.generatedAt } : {}),
    ...(sources.themes ? { themes: sources.themes } : {}),
  }
}
