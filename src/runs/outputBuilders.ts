/**
 * The files a finished run leaves behind, each made by one output builder: the trained model's own
 * file, the model package, standard TF.js files, metrics.json, the data behind every plot, the HTML
 * report, the notebook and the test predictions (the run service adds run.log last, with every line
 * the builders logged). Every path that runs a pipeline (the
 * app's run worker, the headless CLI) gets the same files from this one list; a new output (a Dask job,
 * say) is one more entry in {@link outputBuilders}.
 */
import type { ArtifactType } from '../domain/artifact.ts'
import type { Dataset } from '../domain/dataset.ts'
import type { PipelineSnapshot } from '../domain/pipeline.ts'
import type { LogEntry, Run } from '../domain/run.ts'
import type { Column } from '../engine/frame.ts'
import { exportTfjsModelFiles } from '../engine/models/tfjsExport.ts'
import type { RunOutcome } from '../engine/pipeline/executor.ts'
import { daskJobFileName, daskJobMediaType, daskJobReadmeFileName } from '../outputs/dask/buildDaskJob.ts'
import { modelPackageFileName, packageRunOutcome } from '../outputs/predict/modelPackage.ts'
import { buildRunArtifactTexts, modelArtifactFile } from '../outputs/runArtifacts.ts'

/** A finished run's outcome without its live model object: plain data and typed arrays only. */
export type PlainOutcome = Omit<RunOutcome, 'fittedModel'>

/** One file an output builder makes; it becomes an Artifact record of the run. */
export interface OutputFile {
  type: ArtifactType
  fileName: string
  mediaType: string
  bytes: Uint8Array
  metadata?: Record<string, unknown>
}

/** What every output builder reads. `log` adds a line to the run log (written by the last builder). */
export interface OutputInput {
  run: Run
  snapshot: PipelineSnapshot
  outcome: PlainOutcome
  /** The columns the model was trained on (the model package's input schema). */
  trainingColumns: readonly Column[]
  dataset?: Dataset
  datasetName: string
  experimentName?: string
  /** ISO date printed in the report (passed in so the same inputs give the same bytes). */
  generatedAt: string
  now: number
  log: (entry: Omit<LogEntry, 't'>) => void
}

export interface OutputBuilder {
  /** Shown in progress and in the log when the builder fails. */
  name: string
  build(input: OutputInput): OutputFile[] | Promise<OutputFile[]>
}

const encode = (text: string) => new TextEncoder().encode(text)

const modelFile: OutputBuilder = {
  name: 'model file',
  build({ outcome }) {
    if (!outcome.model) return []
    const { fileName, mediaType } = modelArtifactFile(outcome.model)
    return [
      {
        type: 'model',
        fileName,
        mediaType,
        bytes: outcome.model.bytes,
        metadata: { family: outcome.model.family, framework: outcome.model.framework },
      },
    ]
  },
}

const modelPackage: OutputBuilder = {
  name: 'model package',
  build({ outcome, trainingColumns, snapshot, run, now, log }) {
    if (!outcome.model) return []
    const packaged = packageRunOutcome(outcome, [...trainingColumns], snapshot, { runId: run.id, now })
    if (!('bytes' in packaged)) {
      log({ level: 'info', message: `No model package: ${packaged.refused}` })
      return []
    }
    return [
      {
        type: 'model',
        fileName: modelPackageFileName,
        mediaType: 'application/json',
        bytes: packaged.bytes,
        metadata: { format: 'butterfly/model-package', version: 1, what: 'model with its preprocessing' },
      },
    ]
  },
}

const tfjsFiles: OutputBuilder = {
  name: 'TF.js export',
  async build({ outcome }) {
    if (!outcome.model) return []
    const files = await exportTfjsModelFiles(outcome.model.family, outcome.model.bytes)
    if (!files) return []
    // Standard TF.js layers-model files: loadable with tf.loadLayersModel, next to Butterfly's own model file.
    return [
      {
        type: 'model',
        fileName: 'tfjs-model.json',
        mediaType: 'application/json',
        bytes: encode(files.modelJson),
        metadata: { format: 'tfjs layers-model' },
      },
      {
        type: 'model',
        fileName: files.weightsFileName,
        mediaType: 'application/octet-stream',
        bytes: files.weights,
        metadata: { format: 'tfjs weights' },
      },
    ]
  },
}

/** metrics.json, report-data.json, report.html, test-predictions.csv, notebook.ipynb and the Dask job. */
const reportFiles: OutputBuilder = {
  name: 'report',
  build(input) {
    const texts = buildRunArtifactTexts(
      {
        run: input.run,
        ...(input.dataset ? { dataset: input.dataset } : {}),
        datasetName: input.datasetName,
        datasetRows: input.dataset?.rowCount,
        datasetColumns: input.dataset?.schema.length,
        experimentName: input.experimentName,
        generatedAt: input.generatedAt,
      },
      input.outcome,
    )
    const kinds: [keyof typeof texts, OutputFile['type'], string, Record<string, unknown>?][] = [
      ['metrics.json', 'metrics-json', 'application/json'],
      ['report.html', 'metrics-report', 'text/html'],
      ['report-data.json', 'plot', 'application/json', { what: 'data behind every plot' }],
      ['test-predictions.csv', 'predictions', 'text/csv'],
      ['notebook.ipynb', 'notebook', 'application/x-ipynb+json'],
      [daskJobFileName, 'notebook', daskJobMediaType(daskJobFileName), { what: 'Dask job' }],
      [daskJobReadmeFileName, 'notebook', daskJobMediaType(daskJobReadmeFileName), { what: 'Dask job' }],
    ]
    const files: OutputFile[] = []
    for (const [fileName, type, mediaType, metadata] of kinds) {
      const text = texts[fileName]
      if (text)
        files.push({
          type,
          fileName,
          mediaType,
          bytes: typeof text === 'string' ? encode(text) : text,
          ...(metadata ? { metadata } : {}),
        })
    }
    return files
  },
}

/** Every output of a run, in order; add a builder here and both the app and the CLI write its files. */
export const outputBuilders: OutputBuilder[] = [modelFile, modelPackage, tfjsFiles, reportFiles]
