/**
 * Builds a {@link NotebookInput} from what the app stores for a completed run: the run record, its
 * dataset record, the test rows (from the run's test-predictions.csv) and, when kept, the fitted
 * feature recipe. Kept apart from the generator so the generator stays independent of storage shapes.
 */
import type { Dataset } from '../../domain/dataset.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { Run } from '../../domain/run.ts'
import type { FeatureRecipe } from '../../engine/pipeline/featureRecipe.ts'
import type { NotebookInput } from './notebook.ts'

/**
 * The test rows of a run from its `test-predictions.csv` (first column `row`, 0-based data rows).
 * Throws ValidationError when the header or a row number is not as the app writes them.
 */
export function testRowsFromPredictionsCsv(csv: string): number[] {
  const lines = csv.split(/\r?\n/).filter((line) => line !== '')
  if (lines.length === 0 || !/^row(,|$)/.test(lines[0]))
    throw new ValidationError('invalid-argument', "Predictions file: the first column must be 'row'")
  return lines.slice(1).map((line, i) => {
    const field = line.slice(0, line.includes(',') ? line.indexOf(',') : undefined)
    if (!/^\d+$/.test(field))
      throw new ValidationError(
        'invalid-argument',
        `Predictions file line ${i + 2}: row '${field}' is not a row number`,
      )
    return Number(field)
  })
}

/** The notebook input of a stored run. `testRows` as from {@link testRowsFromPredictionsCsv}. */
export function notebookInputFromRun(input: {
  run: Run
  dataset: Dataset
  experimentName: string
  testRows: readonly number[]
  /** The run's fitted recipe (RunOutcome.featureRecipe), when it was kept; else the notebook re-fits it. */
  featureRecipe?: FeatureRecipe
  /** RunOutcome.featuresAlteredByHook, when known. */
  featuresAlteredByHook?: boolean
  /** e.g. "Butterfly 0.3.0". */
  generator?: string
}): NotebookInput {
  const { run, dataset } = input
  return {
    title: `${input.experimentName} — run ${run.number}`,
    runId: run.id,
    datasetFileName: dataset.sourcePath.split(/[\\/]/).pop() || `dataset.${dataset.sourceFormat}`,
    delimiter: dataset.delimiter ?? (dataset.sourceFormat === 'tsv' ? '\t' : ','),
    columns: dataset.schema.map((column) => ({ name: column.name, kind: column.kind })),
    snapshot: run.snapshot,
    testRows: input.testRows,
    model: run.model,
    runMetrics: run.metrics ?? {},
    ...(input.featureRecipe ? { featureRecipe: input.featureRecipe } : {}),
    ...(input.featuresAlteredByHook ? { featuresAlteredByHook: true } : {}),
    ...(input.generator ? { generator: input.generator } : {}),
  }
}
