import { readFileSync } from 'node:fs'
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow'
import { beforeAll, describe, expect, it } from 'vitest'
import { WorkerError } from '../../../src/domain/errors.ts'
import type { Sha256Hex } from '../../../src/domain/hash.ts'
import type { BlockId, DatasetId, ExperimentId, PipelineId } from '../../../src/domain/ids.ts'
import type { Pipeline } from '../../../src/domain/pipeline.ts'
import { createSnapshot } from '../../../src/domain/pipeline.ts'
import { frameFromArrow } from '../../../src/engine/arrowFrame.ts'
import type { DataFrame } from '../../../src/engine/frame.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
} from '../../../src/engine/pipeline/defaults.ts'
import type { RunOutcome } from '../../../src/engine/pipeline/executor.ts'
import { executePipeline } from '../../../src/engine/pipeline/executor.ts'
import { detectTask } from '../../../src/engine/pipeline/taskDetection.ts'
import type { ColumnTypeHint } from '../../../src/engine/pipeline/textColumns.ts'
import { frameFromText } from '../../../src/engine/pipeline/textColumns.ts'
import type { TableChunkSource } from '../../../src/engine/scale/chunkSource.ts'
import { frameChunkSource } from '../../../src/engine/scale/chunkSource.ts'
import type { ModelPackageDocument, ModelPackageInput } from '../../../src/outputs/predict/modelPackage.ts'
import {
  createModelPackage,
  loadModelPackage,
  packageRunOutcome,
  parseModelPackage,
} from '../../../src/outputs/predict/modelPackage.ts'
import type { StreamPredictionsProgress } from '../../../src/outputs/predict/predictNewData.ts'
import {
  keyColumns,
  predictionsToCsv,
  predictNewData,
  prepareInputFrame,
  streamPredictions,
} from '../../../src/outputs/predict/predictNewData.ts'
import { fixturePath } from '../../fixtures/engine/readFixture.ts'

let counter = 0
const blockId = () => `blk_pred${++counter}` as BlockId

/** A CSV fixture as header + rows of text fields (the fixtures have no quoted fields). */
function readRows(name: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(fixturePath(name), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) }
}

/** Rows `which` of a table as a frame, without `drop` columns, typed by the import rules or hints. */
function frameOf(
  table: { header: string[]; rows: string[][] },
  which: ArrayLike<number> | undefined,
  options: { drop?: string[]; hints?: Record<string, ColumnTypeHint>; allText?: boolean } = {},
): DataFrame {
  const rows = which ? Array.from(which, (r) => table.rows[r]) : table.rows
  const columns = table.header
    .map((name, j) => ({ name, values: rows.map((row) => (row[j] === '' ? null : row[j])) }))
    .filter((c) => !options.drop?.includes(c.name))
  const hints = options.allText
    ? Object.fromEntries(columns.map((c) => [c.name, 'categorical' as const]))
    : (options.hints ?? {})
  return frameFromText(columns, hints)
}

async function train(
  frame: DataFrame,
  target: string,
  family: string,
  testIndices: number[],
): Promise<RunOutcome> {
  const task = detectTask(frame, { target })
  const blocks = createDefaultPipelineBlocks(blockId)
  const selection = blocks.find((b) => b.type === 'model_selection')!
  selection.config = { ...selection.config, candidates: [{ family }] as never }
  blocks[5].config = { ...blocks[5].config, enabled: false }
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: 'pl_pred' as PipelineId,
    experimentId: 'exp_pred' as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed: 3 },
    versionHash: 'b'.repeat(64) as Sha256Hex,
    updatedAt: 0,
  }
  const snapshot = await createSnapshot({
    pipeline,
    hooks: [],
    task,
    datasetId: 'ds_pred' as DatasetId,
    datasetHash: 'a'.repeat(64) as Sha256Hex,
  })
  return executePipeline(snapshot, frame, { testIndices })
}

/** A gbdt run on diabetes with its split's test rows, and its model package loaded. */
async function diabetesGbdt() {
  const diabetes = readRows('diabetes.csv')
  const test = JSON.parse(readFileSync(fixturePath('diabetes.split.json'), 'utf8')).holdout
    .test_indices as number[]
  const frame = frameOf(diabetes, undefined)
  const run = await train(frame, 'disease_progression', 'gbdt', test)
  const pkg = await loadModelPackage(createModelPackage(packageInput(run, frame)))
  return { diabetes, test, run, pkg }
}

function packageInput(outcome: RunOutcome, frame: DataFrame): ModelPackageInput {
  return {
    task: outcome.task,
    model: outcome.model,
    featureRecipe: outcome.featureRecipe,
    featuresAlteredByHook: outcome.featuresAlteredByHook,
    featureNames: outcome.featureNames,
    ...(outcome.predictions?.classes ? { classes: outcome.predictions.classes } : {}),
    trainingColumns: frame.columns,
    now: 0,
  }
}

describe('model package and predictions on new data', () => {
  const penguins = readRows('penguins.csv')
  const penguinTest = JSON.parse(readFileSync(fixturePath('penguins.split.json'), 'utf8')).holdout
    .test_indices as number[]
  let outcome: RunOutcome
  let training: DataFrame
  let packageBytes: Uint8Array

  beforeAll(async () => {
    training = frameOf(penguins, undefined, { hints: { year: 'categorical' } })
    outcome = await train(training, 'species', 'logistic', penguinTest)
    packageBytes = createModelPackage(packageInput(outcome, training))
  })

  it('writes a documented, versioned JSON package', () => {
    const doc = parseModelPackage(packageBytes)
    expect(doc.format).toBe('butterfly/model-package')
    expect(doc.version).toBe(1)
    expect(doc.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
    expect(doc.model.family).toBe('logistic')
    expect(doc.inputColumns.map((c) => c.name)).not.toContain('species')
    expect(doc.inputColumns.find((c) => c.name === 'year')).toEqual({
      name: 'year',
      type: 'categorical',
      kind: 'categorical',
    })
    expect(doc.featureNames).toEqual(outcome.featureNames)
  })

  it("predicts the run's test rows, fed as a new file, exactly as the run did", async () => {
    const pkg = await loadModelPackage(packageBytes)
    // The test rows alone, target dropped, typed from their own text (year now reads as numbers).
    const fresh = frameOf(penguins, penguinTest, { drop: ['species'] })
    expect(fresh.columns.find((c) => c.name === 'year')?.type).toBe('numeric')
    const progress: number[] = []
    const result = await predictNewData(pkg, fresh, {
      chunkRows: 20,
      onProgress: (p) => progress.push(p.rowsDone),
    })
    expect(progress).toEqual([0, 20, 40, 60, 69])
    const run = outcome.predictions!
    expect(Array.from(run.rows)).toEqual(penguinTest)
    expect(result.classes).toEqual(run.classes)
    expect(Array.from(result.predicted)).toEqual(Array.from(run.yPred))
    expect(Array.from(result.proba!)).toEqual(Array.from(run.proba!))
    // Every column as text (the headless loader's worst case) gives the same numbers.
    const text = await predictNewData(pkg, frameOf(penguins, penguinTest, { allText: true }))
    expect(Array.from(text.proba!)).toEqual(Array.from(run.proba!))
    const csv = predictionsToCsv(result).trim().split('\n')
    expect(csv[0]).toBe('row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo')
    expect(csv).toHaveLength(70)
    const first = csv[1].split(',')
    expect(first[1]).toBe(run.classes![run.yPred[0]])
    expect(Number(first[2])).toBe(run.proba![0])
  })

  it('predicts typed Arrow columns (the browser path) exactly as the run did', async () => {
    const pkg = await loadModelPackage(packageBytes)
    const rows = penguinTest.map((r) => penguins.rows[r])
    const column = (name: string) => rows.map((row) => row[penguins.header.indexOf(name)])
    const numbers = (name: string) => column(name).map((v) => (v === '' ? null : Number(v)))
    const strings = (name: string) => column(name).map((v) => (v === '' ? null : v))
    const table = new Table({
      island: vectorFromArray(strings('island'), new Utf8()),
      bill_length_mm: vectorFromArray(numbers('bill_length_mm'), new Float64()),
      bill_depth_mm: vectorFromArray(numbers('bill_depth_mm'), new Float64()),
      flipper_length_mm: vectorFromArray(numbers('flipper_length_mm'), new Int32()),
      body_mass_g: vectorFromArray(numbers('body_mass_g'), new Int32()),
      sex: vectorFromArray(strings('sex'), new Utf8()),
      // Trained as a category, arriving as integers: read as the labels "2007", "2008", "2009".
      year: vectorFromArray(numbers('year'), new Int32()),
    })
    const frame = frameFromArrow(table)
    expect(frame.columns.find((c) => c.name === 'year')?.type).toBe('numeric')
    const result = await predictNewData(pkg, frame)
    expect(Array.from(result.proba!)).toEqual(Array.from(outcome.predictions!.proba!))
  })

  it('predicts a regression model exactly as its run did (gbdt on diabetes)', async () => {
    const { diabetes, test, run, pkg } = await diabetesGbdt()
    expect(pkg.document.classes).toBeUndefined()
    const result = await predictNewData(pkg, frameOf(diabetes, test, { allText: true }), { chunkRows: 50 })
    expect(Array.from(result.predicted)).toEqual(Array.from(run.predictions!.yPred))
    expect(predictionsToCsv(result).split('\n')[0]).toBe('row,predicted')
  })

  it('names missing and mistyped columns and ignores extra ones', async () => {
    const pkg = await loadModelPackage(packageBytes)
    const missing = frameOf(penguins, [0, 1], { drop: ['island', 'sex'] })
    await expect(predictNewData(pkg, missing)).rejects.toThrow('Missing columns: island, sex')
    const rows = penguins.rows.slice(0, 3).map((row) => [...row])
    rows[1][2] = 'abc'
    rows[2][2] = 'n/a'
    const mistyped = frameOf({ header: penguins.header, rows }, undefined)
    await expect(predictNewData(pkg, mistyped)).rejects.toThrow(
      "Mistyped columns: 'bill_length_mm' must be numeric as in training, but has 2 values such as 'abc', 'n/a'",
    )
    const extra = frameOf(penguins, [0, 1])
    extra.columns.push({ name: 'extra', type: 'numeric', kind: 'numeric', values: new Float64Array(2) })
    expect((await predictNewData(pkg, extra)).nRows).toBe(2)
  })

  it('treats an unseen category as the recipe does', async () => {
    const pkg = await loadModelPackage(packageBytes)
    const rows = [penguins.rows[0], penguins.rows[0]].map((row) => [...row])
    rows[1][1] = 'Atlantis' // island never seen in training
    const result = await predictNewData(pkg, frameOf({ header: penguins.header, rows }, undefined))
    const island = pkg.document.featureRecipe.steps.find((s) => 'source' in s && s.source === 'island')!
    expect(island.kind).toBe('onehot')
    expect(result.nRows).toBe(2)
    expect(Number.isFinite(result.proba![3])).toBe(true)
  })

  it('converts dates, booleans and numbers that arrive as text, and names what does not parse', () => {
    const document = {
      inputColumns: [
        { name: 'when', type: 'numeric', kind: 'datetime' },
        { name: 'flag', type: 'numeric', kind: 'boolean' },
        { name: 'size', type: 'numeric', kind: 'numeric' },
        { name: 'code', type: 'categorical', kind: 'categorical' },
      ],
    } as unknown as ModelPackageDocument
    const text = (values: (string | null)[]) => values
    const frame = frameFromText(
      [
        { name: 'when', values: text(['2024-01-02', null]) },
        { name: 'flag', values: text(['true', 'FALSE']) },
        { name: 'size', values: text([' 1.5', '2e3']) },
        { name: 'code', values: text(['7', '12']) },
      ],
      { when: 'categorical', flag: 'categorical', size: 'categorical', code: 'numeric' },
    )
    const input = prepareInputFrame(document, frame)
    const values = (name: string) => {
      const column = input.columns.find((c) => c.name === name)!
      return column.type === 'numeric' ? Array.from(column.values) : column.levels
    }
    expect(values('when')).toEqual([Date.UTC(2024, 0, 2), Number.NaN])
    expect(values('flag')).toEqual([1, 0])
    expect(values('size')).toEqual([1.5, 2000])
    expect(values('code')).toEqual(['12', '7'])
    const bad = frameFromText(
      [
        { name: 'when', values: ['2024-01-02', '2024-13'] },
        { name: 'flag', values: ['yes', 'no'] },
        { name: 'size', values: ['1', '2'] },
        { name: 'code', values: ['a', 'b'] },
      ],
      { when: 'categorical' },
    )
    expect(() => prepareInputFrame(document, bad)).toThrow(
      "Mistyped columns: 'when' must be a date/time (ISO 8601) as in training, but has the value '2024-13'; 'flag' must be boolean (true/false) as in training, but has 2 values such as 'no', 'yes'",
    )
  })

  it('refuses to package what a hook changed, and rejects broken packages precisely', async () => {
    const input = packageInput(outcome, training)
    expect(() => createModelPackage({ ...input, featuresAlteredByHook: true })).toThrow(
      'a hook changed the features directly',
    )
    expect(() => createModelPackage({ ...input, hookKinds: ['before_preprocessing'] })).toThrow(
      'before_preprocessing hook may have changed the data',
    )
    expect(() => createModelPackage({ ...input, model: undefined })).toThrow('it has no trained model')
    const snapshot = {
      hash: 'c'.repeat(64),
      datasetHash: 'a'.repeat(64),
      globalConfig: { seed: 3 },
      blocks: [{ hooks: [{ kind: 'override_preprocessing' }] }],
    }
    expect(packageRunOutcome(outcome, training.columns, snapshot)).toEqual({
      refused:
        "This run's model cannot be packaged: its override_preprocessing hook may have changed the data before the feature recipe was fitted, and a package cannot run hooks",
    })
    const packaged = packageRunOutcome(
      outcome,
      training.columns,
      { ...snapshot, blocks: [] },
      { runId: 'run_x' },
    )
    expect('bytes' in packaged && parseModelPackage(packaged.bytes).provenance).toEqual({
      runId: 'run_x',
      datasetHash: 'a'.repeat(64),
      snapshotHash: 'c'.repeat(64),
      seed: 3,
    })
    const doc = JSON.parse(new TextDecoder().decode(packageBytes))
    const broken = (patch: (d: typeof doc) => void) => {
      const copy = structuredClone(doc)
      patch(copy)
      return new TextEncoder().encode(JSON.stringify(copy))
    }
    await expect(loadModelPackage(new Uint8Array([1, 2, 3]))).rejects.toThrow('it is not UTF-8 JSON')
    await expect(loadModelPackage(broken((d) => (d.format = 'x')))).rejects.toThrow(
      "format must be 'butterfly/model-package'",
    )
    await expect(loadModelPackage(broken((d) => (d.version = 2)))).rejects.toThrow(
      'it is version 2, newer than this Butterfly reads (1)',
    )
    await expect(loadModelPackage(broken((d) => d.featureNames.pop()))).rejects.toThrow(
      'featureNames differ from the outputs of featureRecipe',
    )
    await expect(loadModelPackage(broken((d) => (d.model.family = 'xgboost')))).rejects.toThrow(
      "Unknown model family 'xgboost'",
    )
    await expect(loadModelPackage(broken((d) => (d.model.bytes = 'AAAA')))).rejects.toThrow(
      'model.bytes do not load as a logistic model',
    )
    for (const text of ['AAA', 'AA AA', 'A=AA', 42]) {
      await expect(loadModelPackage(broken((d) => (d.model.bytes = text)))).rejects.toThrow(
        'model.bytes must be base64 text',
      )
      // The shape check alone refuses it too, before the model family is looked up.
      expect(() => parseModelPackage(broken((d) => (d.model.bytes = text)))).toThrow(
        'model.bytes must be base64 text',
      )
    }
    await expect(
      loadModelPackage(
        broken((d) => {
          d.model.family = 'xgboost'
          d.model.bytes = 'A=AA'
        }),
      ),
    ).rejects.toThrow('model.bytes must be base64 text')
    await expect(loadModelPackage(broken((d) => (d.featureRecipe.steps[0].source = 'nope')))).rejects.toThrow(
      'featureRecipe.steps[0].source must name an input column, got "nope"',
    )
  })

  describe('streamed predictions (issue 16: a table too large to hold)', () => {
    /** The streamed CSV text of `source`, and the chunks of text as they were written. */
    async function streamed(
      pkg: Awaited<ReturnType<typeof loadModelPackage>>,
      source: TableChunkSource,
      options: Parameters<typeof streamPredictions>[3] = {},
    ) {
      const parts: string[] = []
      const result = await streamPredictions(pkg, source, (text) => void parts.push(text), options)
      return { csv: parts.join(''), parts, result }
    }

    it('writes byte for byte what predictionsToCsv writes, chunk by chunk, with rows done, total and ETA', async () => {
      const pkg = await loadModelPackage(packageBytes)
      // An id column in front (a key, kept beside the predictions), a category that arrives as numbers.
      const fresh = frameOf(penguins, undefined, { drop: ['species'] })
      fresh.columns.unshift({
        name: 'penguin_id',
        type: 'categorical',
        kind: 'categorical',
        codes: Int32Array.from({ length: fresh.nRows }, (_, i) => i),
        levels: Array.from({ length: fresh.nRows }, (_, i) => `P,${String(i).padStart(3, '0')}`),
      })
      const whole = predictionsToCsv(await predictNewData(pkg, fresh))
      let clock = 0
      const progress: StreamPredictionsProgress[] = []
      const { csv, parts, result } = await streamed(pkg, frameChunkSource(fresh), {
        chunkRows: 100,
        now: () => (clock += 1000),
        onProgress: (p) => progress.push(p),
      })
      expect(csv).toBe(whole)
      expect(whole.split('\n')[0]).toBe('penguin_id,row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo')
      expect(whole.split('\n')[2].startsWith('"P,001",1,')).toBe(true)
      // The header, then one piece per chunk of 100 rows (344 rows: 4 chunks).
      expect(parts).toHaveLength(5)
      expect(parts[1].split('\n')).toHaveLength(101)
      expect(result).toEqual({ rows: 344, keyColumnNames: ['penguin_id'] })
      expect(progress.map((p) => p.rowsDone)).toEqual([0, 100, 200, 300, 344])
      expect(progress.every((p) => p.rowsTotal === 344)).toBe(true)
      // One second per clock reading after the start: 1 s for 100 rows, so 2.44 s left for 244.
      expect(progress[1].etaSeconds).toBeCloseTo(2.44, 10)
      expect(progress.at(-1)!.etaSeconds).toBe(0)
    })

    it('gives the same bytes for a regression model, keys decided on the whole table when asked', async () => {
      const { diabetes, test, pkg } = await diabetesGbdt()
      const fresh = frameOf(diabetes, test, { allText: true })
      const whole = predictionsToCsv(await predictNewData(pkg, fresh))
      const keyColumnNames = keyColumns(pkg.document, fresh).map((c) => c.name)
      const { csv } = await streamed(pkg, frameChunkSource(fresh), { chunkRows: 7, keyColumnNames })
      expect(csv).toBe(whole)
      expect(csv.trim().split('\n')).toHaveLength(1 + test.length)
    })

    it('names missing columns before reading a row, and mistyped values in the chunk that has them', async () => {
      const pkg = await loadModelPackage(packageBytes)
      const missing = frameOf(penguins, [0, 1], { drop: ['island', 'sex'] })
      const source = frameChunkSource(missing)
      const unread: TableChunkSource = {
        ...source,
        chunks: () => {
          throw new Error('read a row')
        },
      }
      await expect(streamed(pkg, unread)).rejects.toThrow('Missing columns: island, sex')
      const rows = penguins.rows.slice(0, 30).map((row) => [...row])
      rows[25][2] = 'abc'
      const mistyped = frameOf({ header: penguins.header, rows }, undefined, {
        hints: { bill_length_mm: 'categorical' },
      })
      await expect(streamed(pkg, frameChunkSource(mistyped), { chunkRows: 10 })).rejects.toThrow(
        "Mistyped columns: 'bill_length_mm' must be numeric as in training, but has the value 'abc'",
      )
    })

    it('stops between chunks when cancelled, and writes a header alone for a table without rows', async () => {
      const pkg = await loadModelPackage(packageBytes)
      const fresh = frameOf(penguins, undefined)
      const parts: string[] = []
      const stopped = streamPredictions(pkg, frameChunkSource(fresh), (text) => void parts.push(text), {
        chunkRows: 50,
        isCancelled: () => parts.length >= 3,
      })
      await expect(stopped).rejects.toThrow(WorkerError)
      expect(parts).toHaveLength(3)
      const empty = frameOf({ header: penguins.header, rows: [] }, undefined)
      const { csv, result } = await streamed(pkg, frameChunkSource(empty))
      expect(csv).toBe('row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo\n')
      expect(result.rows).toBe(0)
    })
  })
})
