/**
 * The text artifacts of a completed run, built where the run executed (a worker, or Node): the
 * metrics report JSON, the data behind every plot, the self-contained HTML report, the run log and the
 * test predictions. Plain strings, so the caller only stores them.
 */
import type { Dataset } from '../domain/dataset.ts'
import type { ArtifactId, ModelId, RunId } from '../domain/ids.ts'
import { newId } from '../domain/ids.ts'
import { deriveLineage } from '../domain/lineage.ts'
import type { ModelRecord } from '../domain/model.ts'
import type { Run } from '../domain/run.ts'
import type { RunOutcome } from '../engine/pipeline/executor.ts'
import { buildDaskJob } from './dask/buildDaskJob.ts'
import type { NotebookInput } from './notebook/notebook.ts'
import { generateNotebook } from './notebook/notebook.ts'
import { notebookInputFromRun } from './notebook/notebookInput.ts'
import { renderReportHtml } from './report/reportHtml.ts'
import type { ReportInput, RunMetricsJson } from './report/reportInput.ts'
import { reportInputFromRun } from './report/reportInput.ts'

export interface RunArtifactTexts {
  'metrics.json': string
  'report-data.json': string
  'report.html': string
  'run.log': string
  /** Bytes, not a string: it has a line per test row (see {@link predictionsCsvBytes}). */
  'test-predictions.csv'?: Uint8Array<ArrayBuffer>
  'notebook.ipynb'?: string
  /** The run as a Dask job (src/outputs/dask/buildDaskJob.ts), for runs with a trained model. */
  'dask_job.py'?: string
  'dask_job.md'?: string
  /** The trained model with its preprocessing (see src/outputs/predict/modelPackage.ts). */
  'model-package.json'?: string
}

export interface RunArtifactContext {
  run: Run
  /** The dataset record, for the generated notebook (omitted: no notebook). */
  dataset?: Dataset
  datasetName: string
  datasetRows?: number
  datasetColumns?: number
  experimentName?: string
  /** ISO date for the report's "generated" line (passed in so the same inputs give the same bytes). */
  generatedAt: string
}

/** JSON with non-finite numbers as null and typed arrays as plain arrays. */
/** File name and media type of a trained model's own file: JSON (TF.js models) or binary (trees). */
export function modelArtifactFile(model: { family: string; bytes: Uint8Array }): {
  fileName: string
  mediaType: string
} {
  const isJson = model.bytes[0] === 0x7b
  return {
    fileName: `model-${model.family}.${isJson ? 'json' : 'bin'}`,
    mediaType: isJson ? 'application/json' : 'application/octet-stream',
  }
}

export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return null
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>)
      return v
    },
    indent,
  )
}

export function buildMetricsJson(run: Run, outcome: Omit<RunOutcome, 'fittedModel'>): RunMetricsJson {
  return JSON.parse(
    toJson({
      run: run.id,
      lineage: deriveLineage({ ...run, backend: outcome.backend }),
      task: outcome.task,
      metrics: outcome.metrics,
      hookMetrics: outcome.hookMetrics,
      evaluatedByHook: outcome.evaluatedByHook,
      report: outcome.report ?? null,
      leaderboard: outcome.leaderboard,
      featureNames: outcome.featureNames,
      importances: outcome.importances ?? null,
      trainingCurve: outcome.trainingCurve ?? null,
      timings: outcome.timings,
      droppedRows: outcome.droppedRows,
    }),
  ) as RunMetricsJson
}

export function buildRunArtifactTexts(
  context: RunArtifactContext,
  outcome: Omit<RunOutcome, 'fittedModel'>,
): RunArtifactTexts {
  const metrics = buildMetricsJson(context.run, outcome)
  const reportInput: ReportInput = reportInputFromRun({
    metrics,
    dataset: {
      name: context.datasetName,
      sha256: context.run.datasetHash,
      rows: context.datasetRows,
      columns: context.datasetColumns,
    },
    run: {
      experimentName: context.experimentName,
      number: context.run.number,
      createdAt: context.run.startedAt,
      ...(outcome.model
        ? { model: { family: outcome.model.family, hyperparameters: outcome.model.hyperparameters } }
        : {}),
    },
    predictions: outcome.predictions,
    explanation: outcome.explanation,
    generatedAt: context.generatedAt,
  })
  const texts: RunArtifactTexts = {
    'metrics.json': toJson(metrics, 1),
    'report-data.json': toJson(reportInput),
    'report.html': renderReportHtml(reportInput),
    'run.log': outcome.logs.map((entry) => JSON.stringify(entry)).join('\n'),
  }
  const csv = predictionsCsvBytes(outcome)
  if (csv.length > 0) texts['test-predictions.csv'] = csv
  if (context.dataset) {
    const input = notebookInputOfOutcome({
      run: context.run,
      outcome,
      dataset: context.dataset,
      experimentName: context.experimentName ?? context.datasetName,
    })
    texts['notebook.ipynb'] = generateNotebook(input)
    if (outcome.model) Object.assign(texts, buildDaskJob(input).files)
  }
  return texts
}

/**
 * What the notebook and the Dask job are generated from, for a finished run's outcome (its record may still
 * be running: metrics and model come from the outcome).
 */
export function notebookInputOfOutcome(input: {
  run: Run
  outcome: Pick<RunOutcome, 'metrics' | 'model' | 'split' | 'featureRecipe' | 'featuresAlteredByHook'>
  dataset: Dataset
  experimentName: string
}): NotebookInput {
  const { run, outcome } = input
  return notebookInputFromRun({
    run: {
      ...run,
      metrics: outcome.metrics,
      model: outcome.model
        ? { family: outcome.model.family, hyperparameters: outcome.model.hyperparameters }
        : undefined,
    },
    dataset: input.dataset,
    experimentName: input.experimentName,
    testRows: Array.from(outcome.split.testRows),
    ...(outcome.featureRecipe && !outcome.featuresAlteredByHook
      ? { featureRecipe: outcome.featureRecipe }
      : {}),
    generator: 'Butterfly',
  })
}

/** Lines encoded at a time by {@link predictionsCsvBytes}. */
const csvBlockLines = 4096

/**
 * `row,y_true,y_pred` plus `proba_<class>` per class, one line per test row, as UTF-8 bytes encoded a
 * block of lines at a time into one buffer sized from the first block: a run with millions of test rows (issue 16: 2M) never holds them as an array of line
 * strings, one joined string and its encoding at once. Empty without predictions.
 */
export function predictionsCsvBytes(outcome: Pick<RunOutcome, 'predictions'>): Uint8Array<ArrayBuffer> {
  const p = outcome.predictions
  if (!p) return new Uint8Array(0)
  const classes = p.classes ?? []
  const label = (v: number) => csvField(classes.length ? (classes[v] ?? '') : String(v))
  const encoder = new TextEncoder()
  const n = p.rows.length
  let out = new Uint8Array(0)
  let used = 0
  const put = (text: string, linesDone: number) => {
    // encodeInto writes at most 3 bytes per UTF-16 unit. A new buffer holds the lines left at the bytes
    // per line so far (counting a unit as a byte: ASCII in practice), with a tenth to spare.
    const room = used + 3 * text.length
    if (room > out.length) {
      const perLine = (used + text.length) / Math.max(1, linesDone)
      const grown = new Uint8Array(
        Math.max(room, Math.ceil(1.1 * (used + text.length + perLine * (n - linesDone)))),
      )
      grown.set(out.subarray(0, used))
      out = grown
    }
    used += encoder.encodeInto(text, out.subarray(used)).written
  }
  let block = `${['row', 'y_true', 'y_pred', ...classes.map((c) => `proba_${c}`)].map(csvField).join(',')}\n`
  for (let i = 0; i < n; i++) {
    block += `${p.rows[i]},${label(p.yTrue[i])},${label(p.yPred[i])}`
    for (let k = 0; k < classes.length; k++) block += `,${p.proba?.[i * classes.length + k] ?? ''}`
    block += '\n'
    if ((i + 1) % csvBlockLines === 0) {
      put(block, i + 1)
      block = ''
    }
  }
  put(block, n)
  return out.subarray(0, used)
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

const treeFamilies = new Set(['gbdt', 'rf', 'tree'])

/**
 * The Model records of a finished run: the chosen, trained model (with its files) and one candidate
 * record per other model-selection entry. Shared by the app and the headless runner.
 */
export function buildModelRecords(input: {
  runId: RunId
  outcome: Pick<RunOutcome, 'model' | 'leaderboard' | 'backend'>
  chosenModelId: ModelId
  /** Every file of the chosen model (its own format, the model package, TF.js files). */
  chosenArtifactIds: ArtifactId[]
  now: number
}): ModelRecord[] {
  const { outcome, runId, now } = input
  const records: ModelRecord[] = []
  if (outcome.model) {
    const chosenScore = outcome.leaderboard.find((entry) => entry.chosen)?.validationScore
    records.push({
      schemaVersion: 1,
      id: input.chosenModelId,
      runId,
      family: outcome.model.family,
      framework: outcome.model.framework,
      hyperparameters: outcome.model.hyperparameters,
      trainingMetadata: { ...outcome.model.trainingMetadata, backend: outcome.backend },
      role: 'chosen',
      ...(chosenScore !== undefined && Number.isFinite(chosenScore) ? { validationScore: chosenScore } : {}),
      artifactIds: input.chosenArtifactIds,
      createdAt: now,
    })
  }
  for (const entry of outcome.leaderboard) {
    if (entry.chosen && outcome.model) continue
    records.push({
      schemaVersion: 1,
      id: newId('model'),
      runId,
      family: entry.family,
      framework: treeFamilies.has(entry.family) ? 'butterfly-trees' : 'tfjs',
      hyperparameters: entry.hyperparameters,
      trainingMetadata: { fitSeconds: entry.fitSeconds, foldScores: entry.foldScores },
      role: 'candidate',
      ...(Number.isFinite(entry.validationScore) ? { validationScore: entry.validationScore } : {}),
      artifactIds: [],
      createdAt: now,
    })
  }
  return records
}
