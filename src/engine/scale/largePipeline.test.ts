import { beforeAll, describe, expect, it } from 'vitest'
import { readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import { bytesDifference } from '../../../tests/helpers/sameBytes.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { BlockId, DatasetId, ExperimentId, PipelineId } from '../../domain/ids.ts'
import type { Block, Pipeline, PipelineSnapshot } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from '../pipeline/defaults.ts'
import { executePipeline } from '../pipeline/executor.ts'
import { detectTask } from '../pipeline/taskDetection.ts'
import { frameChunkSource } from './chunkSource.ts'
import { executeLargePipeline } from './largePipeline.ts'

const hash = (c: string) => c.repeat(64) as Sha256Hex
let counter = 0
const blockId = () => `blk_large${++counter}` as BlockId

async function snapshotFor(
  task: TaskDefinition,
  gbdt: Record<string, number | string | boolean>,
  explain = false,
  encoding: 'onehot' | 'ordinal' = 'ordinal',
): Promise<PipelineSnapshot> {
  const blocks: Block[] = createDefaultPipelineBlocks(blockId)
  // The large path encodes categories as ordinal codes (it trains trees only); the in-memory run it is
  // compared with must be given the same encoding.
  const preprocessing = blocks.find((b) => b.type === 'preprocessing')!
  preprocessing.config = { ...preprocessing.config, encoding }
  const selection = blocks.find((b) => b.type === 'model_selection')!
  selection.config = { ...selection.config, candidates: [{ family: 'gbdt', hyperparameters: gbdt }] as never }
  blocks[5].config = { ...blocks[5].config, enabled: explain, budget: 50 }
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: 'pl_large' as PipelineId,
    experimentId: 'exp_large' as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed: 11 },
    versionHash: hash('0'),
    updatedAt: 0,
  }
  return createSnapshot({
    pipeline,
    hooks: [],
    task,
    datasetId: 'ds_large' as DatasetId,
    datasetHash: hash('b'),
  })
}

/** 12,000 rows: 4 numbers (some missing), a 5-level category, a text binary target; some targets missing. */
function syntheticFrame(n: number): DataFrame {
  const rng = createRng(3)
  const x = [0, 1, 2, 3].map(() => new Float64Array(n))
  const cat = new Int32Array(n)
  const y = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    for (const column of x) column[i] = rng.nextNormal()
    cat[i] = rng.nextInt(5)
    if (rng.nextFloat() < 0.03) x[1][i] = Number.NaN
    const score = x[0][i] - 0.5 * (x[2][i] ?? 0) + (cat[i] === 3 ? 1 : 0) + 0.7 * rng.nextNormal()
    y[i] = rng.nextFloat() < 0.01 ? -1 : score > 0 ? 1 : 0
  }
  return {
    nRows: n,
    columns: [
      ...x.map((values, k) => ({
        name: `x${k}`,
        type: 'numeric' as const,
        kind: 'numeric' as const,
        values,
      })),
      {
        name: 'colour',
        type: 'categorical',
        kind: 'categorical',
        codes: cat,
        levels: ['a', 'b', 'c', 'd', 'e'],
      },
      { name: 'label', type: 'categorical', kind: 'categorical', codes: y, levels: ['no', 'yes'] },
    ],
  }
}

let frame: DataFrame
let task: TaskDefinition

beforeAll(() => {
  frame = syntheticFrame(12_000)
  task = detectTask(frame, { target: 'label' })
})

describe('the large-table run (streamed chunks, binned training rows)', () => {
  it('gives the in-memory run’s model and metrics on the same test rows when the sample holds the whole table', async () => {
    const snapshot = await snapshotFor(task, { max_iter: 12, early_stopping: true }, true)
    const large = await executeLargePipeline(snapshot, frameChunkSource(frame), { chunkRows: 1000 })
    expect(large.droppedRows).toBeGreaterThan(50)
    expect(large.split.testRows.length).toBeGreaterThan(2000)
    // With early stopping the validation slice of the training rows must match too.
    expect(large.model!.trainingMetadata.earlyStopping).toBe(true)
    const inMemory = await executePipeline(snapshot, frame, { testIndices: Array.from(large.split.testRows) })
    expect(Array.from(inMemory.split.testRows)).toEqual(Array.from(large.split.testRows))
    expect(Array.from(inMemory.split.trainRows)).toEqual(Array.from(large.split.trainRows))
    expect(large.featureNames).toEqual(inMemory.featureNames)
    expect(bytesDifference(large.model!.bytes, inMemory.model!.bytes)).toBeUndefined()
    expect(large.metrics).toEqual(inMemory.metrics)
    expect(large.metrics.accuracy).toBeGreaterThan(0.7)
    expect(Array.from(large.predictions!.proba!)).toEqual(Array.from(inMemory.predictions!.proba!))
    expect(large.importances).toEqual(inMemory.importances)
    expect(large.logs.some((l) => /seeded sample of \d+ rows/.test(l.message))).toBe(true)
  })

  it('gives the in-memory regression on a table with categories', async () => {
    const diamonds = readFixtureFrame('diamonds_head2000.csv')
    const regression = detectTask(diamonds, { target: 'price' })
    expect(regression.taskType).toBe('regression')
    const snapshot = await snapshotFor(regression, { max_iter: 8 })
    const large = await executeLargePipeline(snapshot, frameChunkSource(diamonds), { chunkRows: 333 })
    const inMemory = await executePipeline(snapshot, diamonds, {
      testIndices: Array.from(large.split.testRows),
    })
    expect(bytesDifference(large.model!.bytes, inMemory.model!.bytes)).toBeUndefined()
    expect(large.metrics).toEqual(inMemory.metrics)
    expect(large.metrics.r2).toBeGreaterThan(0.5)

    // The default one-hot encoding becomes ordinal codes on the large path, and the log says so.
    const oneHot = await snapshotFor(regression, { max_iter: 8 }, false, 'onehot')
    const largeOneHot = await executeLargePipeline(oneHot, frameChunkSource(diamonds), { chunkRows: 333 })
    expect(largeOneHot.featureNames).toEqual(large.featureNames)
    expect(largeOneHot.featureNames).toContain('cut')
    expect(largeOneHot.metrics).toEqual(large.metrics)
    expect(largeOneHot.logs.some((l) => /encoded as ordinal codes/.test(l.message))).toBe(true)
    expect(large.logs.some((l) => /encoded as ordinal codes/.test(l.message))).toBe(false)
  })

  it('is deterministic across chunk sizes when the sample is a part of the table', async () => {
    const snapshot = await snapshotFor(task, { max_iter: 10 })
    const runs = []
    for (const chunkRows of [700, 4096, 12_000])
      runs.push(
        await executeLargePipeline(snapshot, frameChunkSource(frame), { chunkRows, sampleRows: 3000 }),
      )
    const [a, b, c] = runs
    expect(a.logs.find((l) => /seeded sample/.test(l.message))!.data!.sample).toMatchObject({
      rows: expect.any(Number),
    })
    const sampled = (a.logs.find((l) => /seeded sample/.test(l.message))!.data!.sample as { rows: number })
      .rows
    expect(sampled).toBeGreaterThan(2500)
    expect(sampled).toBeLessThan(3500)
    for (const other of [b, c]) {
      expect(bytesDifference(other.model!.bytes, a.model!.bytes)).toBeUndefined()
      expect(other.metrics).toEqual(a.metrics)
      expect(Array.from(other.split.testRows)).toEqual(Array.from(a.split.testRows))
    }
    // Bin edges from 3,000 sampled rows instead of all: a different model, about as good.
    const whole = await executeLargePipeline(snapshot, frameChunkSource(frame), { chunkRows: 4096 })
    expect(bytesDifference(whole.model!.bytes, a.model!.bytes)).toBeDefined()
    expect(Math.abs(whole.metrics.accuracy - a.metrics.accuracy)).toBeLessThan(0.02)
  })

  it('says before reading a row when the run would not fit in its memory', async () => {
    const snapshot = await snapshotFor(task, { max_iter: 5 })
    const counting = countingSource(frame)
    const run = executeLargePipeline(snapshot, counting, { memoryLimitBytes: 200_000 })
    await expect(run).rejects.toThrow(ValidationError)
    await expect(run).rejects.toThrow(
      /^This run would need about [\d.]+ MiB of memory \(12000 rows × at least 5 features\), more than the 195\.3 KiB it may use: train on fewer rows/,
    )
    expect(counting.reads).toBe(0)
  })

  it('refuses a candidate that does not fit the task before reading a row', async () => {
    const snapshot = await snapshotFor(task, { max_iter: 5 })
    const linear = withSelection(snapshot, [{ family: 'linear' }])
    const counting = countingSource(frame)
    await expect(executeLargePipeline(linear, counting)).rejects.toThrow(
      "Model family 'linear' does not support binary tasks (it supports regression)",
    )
    expect(counting.reads).toBe(0)
  })
})

/** A chunk source over `frame` that counts the passes started over it. */
function countingSource(frame: DataFrame) {
  const source = frameChunkSource(frame)
  const counting = {
    ...source,
    reads: 0,
    chunks: (columns: readonly string[], options: Parameters<typeof source.chunks>[1]) => {
      counting.reads++
      return source.chunks(columns, options)
    },
  }
  return counting
}

/** The snapshot with model selection's candidates (and, when given, its other settings) replaced. */
function withSelection(
  snapshot: PipelineSnapshot,
  candidates: 'auto' | { family: string; hyperparameters?: Record<string, number | string | boolean> }[],
  extra: Record<string, unknown> = {},
): PipelineSnapshot {
  return {
    ...snapshot,
    blocks: snapshot.blocks.map((b) =>
      b.type === 'model_selection' ? { ...b, config: { ...b.config, candidates, ...extra } } : b,
    ),
  }
}

const messageOf = (run: { logs: { message: string }[] }, pattern: RegExp) =>
  run.logs.find((l) => pattern.test(l.message))?.message

describe('model selection on a large table (a seeded subsample, the winner refitted on every training row)', () => {
  it('runs the default candidates on the subsample and refits the winner; same seed and any chunk size give the same run', async () => {
    const snapshot = withSelection(await snapshotFor(task, {}), 'auto')
    const options = { sampleRows: 6000, selectionRows: 1500 }
    const a = await executeLargePipeline(snapshot, frameChunkSource(frame), { ...options, chunkRows: 1000 })
    const nTrain = a.split.trainRows.length
    expect(nTrain).toBeGreaterThan(9000)
    expect(messageOf(a, /seeded subsample of/)).toMatch(
      /^Model selection compares the candidates on a seeded subsample of 1500 of the sample's \d+ training rows \(1,500 rows as asked\); the winner is then refitted on all \d+ training rows$/,
    )
    const families = a.leaderboard.map((e) => e.family)
    expect(families.slice(0, 4)).toEqual(['logistic', 'mlp', 'gbdt', 'rf'])
    const chosen = a.leaderboard.filter((e) => e.chosen)
    expect(chosen).toHaveLength(1)
    expect(chosen[0].family).toBe(a.model!.family)
    expect(chosen[0].note).toContain('compared on a seeded subsample of 1,500 training rows')
    // Scored on the subsample's hold-out slice (20% of 1,500 rows).
    for (const entry of a.leaderboard.filter((e) => !e.note || e.chosen))
      expect(Number.isFinite(entry.validationScore)).toBe(true)
    const streams = ['gbdt', 'rf', 'linear'].includes(a.model!.family)
    expect(messageOf(a, /^Trained /)).toMatch(
      streams
        ? new RegExp(`^Trained ${a.model!.family} on ${nTrain} rows: refitted on all`)
        : /on the sample's/,
    )
    expect(a.metrics.accuracy).toBeGreaterThan(0.75)

    const again = await executeLargePipeline(snapshot, frameChunkSource(frame), {
      ...options,
      chunkRows: 1000,
    })
    const otherChunks = await executeLargePipeline(snapshot, frameChunkSource(frame), {
      ...options,
      chunkRows: 4096,
    })
    for (const other of [again, otherChunks]) {
      expect(other.metrics).toEqual(a.metrics)
      expect(bytesDifference(other.model!.bytes, a.model!.bytes)).toBeUndefined()
      expect(other.leaderboard.map((e) => e.validationScore)).toEqual(
        a.leaderboard.map((e) => e.validationScore),
      )
    }
  }, 120_000)

  it('refits a random forest on every training row from the binned matrix, the same for any chunk size', async () => {
    const snapshot = withSelection(await snapshotFor(task, {}), [
      { family: 'rf', hyperparameters: { n_estimators: 8 } },
    ])
    const runs = []
    for (const chunkRows of [900, 5000])
      runs.push(
        await executeLargePipeline(snapshot, frameChunkSource(frame), {
          chunkRows,
          sampleRows: 4000,
          selectionRows: 2000,
        }),
      )
    const [a, b] = runs
    const nTrain = a.split.trainRows.length
    expect(a.model!.family).toBe('rf')
    expect(messageOf(a, /^Trained rf/)).toBe(
      `Trained rf on ${nTrain} rows: refitted on all ${nTrain.toLocaleString('en-US')} training rows from the binned matrix (one byte per cell; bootstrap by per-row counts)`,
    )
    // 8 trees grown on every training row with leaves of at least 4 rows (4× the 2,000 compared on).
    expect(messageOf(a, /min_samples_leaf 1 → 4 /)).toBeDefined()
    expect(a.model!.hyperparameters.min_samples_leaf).toBe(4)
    expect(a.model!.trainingMetadata.nTrees).toBe(8)
    expect(a.metrics.accuracy).toBeGreaterThan(0.75)
    expect(bytesDifference(b.model!.bytes, a.model!.bytes)).toBeUndefined()
    expect(b.metrics).toEqual(a.metrics)
  }, 60_000)

  it('refits ridge regression on every training row from streamed normal equations, as the in-memory fit', async () => {
    const diamonds = readFixtureFrame('diamonds_head2000.csv')
    const regression = detectTask(diamonds, { target: 'price' })
    const snapshot = withSelection(await snapshotFor(regression, {}, true), [{ family: 'linear' }])
    const large = await executeLargePipeline(snapshot, frameChunkSource(diamonds), { chunkRows: 300 })
    const nTrain = large.split.trainRows.length
    expect(messageOf(large, /^Trained linear/)).toMatch(
      new RegExp(
        `^Trained linear on ${nTrain} rows: refitted on all ${nTrain.toLocaleString('en-US')} training rows: normal equations summed`,
      ),
    )
    const inMemory = await executePipeline(snapshot, diamonds, {
      testIndices: Array.from(large.split.testRows),
    })
    expect(inMemory.model!.family).toBe('linear')
    for (const key of ['r2', 'rmse', 'mae']) expect(large.metrics[key]).toBeCloseTo(inMemory.metrics[key], 6)
    expect(large.metrics.r2).toBeGreaterThan(0.8)
    const chunked = await executeLargePipeline(snapshot, frameChunkSource(diamonds), { chunkRows: 1999 })
    expect(bytesDifference(chunked.model!.bytes, large.model!.bytes)).toBeUndefined()
  })

  it('refits logistic regression on every training row: the sample’s fit, then Newton steps each over one streamed pass', async () => {
    const snapshot = withSelection(await snapshotFor(task, {}), [{ family: 'logistic' }])
    const runs = []
    for (const chunkRows of [800, 7000])
      runs.push(
        await executeLargePipeline(snapshot, frameChunkSource(frame), { sampleRows: 3000, chunkRows }),
      )
    const [a, b] = runs
    const nTrain = a.split.trainRows.length
    expect(messageOf(a, /^Trained logistic/)).toMatch(
      new RegExp(
        `^Trained logistic on ${nTrain} rows: refitted on all ${nTrain.toLocaleString('en-US')} training rows: fitted on the sample's [\\d,]+ training rows, then 2 Newton steps`,
      ),
    )
    const metadata = a.model!.trainingMetadata
    expect(metadata.rows).toBe(nTrain)
    // Each step lowers the objective on all rows (the sample's optimum is not all rows' optimum).
    const objectives = metadata.objectiveByPass as number[]
    expect(objectives).toHaveLength(2)
    expect(objectives[1]).toBeLessThan(objectives[0])
    expect(bytesDifference(b.model!.bytes, a.model!.bytes)).toBeUndefined()
    expect(b.metrics).toEqual(a.metrics)
    expect(a.metrics.accuracy).toBeGreaterThan(0.75)
    // On the whole table as the sample, the start is already all rows' optimum: the steps barely move it.
    const whole = await executeLargePipeline(snapshot, frameChunkSource(frame), { chunkRows: 5000 })
    const inMemory = await executePipeline(snapshot, frame, { testIndices: Array.from(whole.split.testRows) })
    expect(whole.metrics.roc_auc).toBeCloseTo(inMemory.metrics.roc_auc, 4)
    expect(whole.metrics.log_loss).toBeCloseTo(inMemory.metrics.log_loss, 4)
  })

  it('refits softmax regression (three classes) with Newton steps that keep the in-memory optimum', async () => {
    const penguins = readFixtureFrame('penguins.csv')
    const multiclass = detectTask(penguins, { target: 'species' })
    expect(multiclass.taskType).toBe('multiclass')
    const snapshot = withSelection(await snapshotFor(multiclass, {}, true), [{ family: 'logistic' }])
    const large = await executeLargePipeline(snapshot, frameChunkSource(penguins), { chunkRows: 50 })
    const objectives = large.model!.trainingMetadata.objectiveByPass as number[]
    expect(objectives[1]).toBeLessThanOrEqual(objectives[0] + 1e-9)
    const inMemory = await executePipeline(snapshot, penguins, {
      testIndices: Array.from(large.split.testRows),
    })
    expect(large.metrics.accuracy).toBe(inMemory.metrics.accuracy)
    expect(large.metrics.log_loss).toBeCloseTo(inMemory.metrics.log_loss, 3)
    // Explanations of the refitted model on the sample's test rows.
    expect(large.explanation!.permutation.mean.length).toBe(large.featureNames.length)
    expect(large.explanation!.partialDependence).toBeDefined()
  })

  it('refits an ensemble winner member by member on every training row', async () => {
    const diabetes = readFixtureFrame('diabetes.csv')
    const regression = detectTask(diabetes, { target: 'disease_progression' })
    const snapshot = withSelection(await snapshotFor(regression, {}), [
      { family: 'linear' },
      { family: 'gbdt', hyperparameters: { max_iter: 30 } },
      { family: 'rf', hyperparameters: { n_estimators: 10 } },
    ])
    const a = await executeLargePipeline(snapshot, frameChunkSource(diabetes), { chunkRows: 100 })
    const nTrain = a.split.trainRows.length
    expect(a.model!.family).toBe('ensemble')
    const chosen = a.leaderboard.find((e) => e.chosen)!
    expect(chosen.family).toBe('ensemble')
    expect(chosen.note).toContain('each member refitted: ')
    const members = a.model!.trainingMetadata.members as { family: string; rows: number }[]
    expect(members.length).toBeGreaterThanOrEqual(2)
    expect(messageOf(a, /^Trained ensemble/)).toMatch(
      new RegExp(
        `^Trained ensemble on ${nTrain} rows: each member refitted: ${members[0].family} refitted on all ${nTrain}`,
      ),
    )
    const b = await executeLargePipeline(snapshot, frameChunkSource(diabetes), { chunkRows: 333 })
    expect(bytesDifference(b.model!.bytes, a.model!.bytes)).toBeUndefined()
    expect(b.metrics).toEqual(a.metrics)
    expect(a.metrics.r2).toBeGreaterThan(0.3)
  })

  it('refits the MLP on every training row by mini-batches streamed in chunks, and says so', async () => {
    const snapshot = withSelection(await snapshotFor(task, {}), [
      { family: 'mlp', hyperparameters: { maxEpochs: 5 } },
    ])
    const run = await executeLargePipeline(snapshot, frameChunkSource(frame), {
      sampleRows: 3000,
      selectionRows: 1200,
    })
    const nTrain = run.split.trainRows.length
    expect(messageOf(run, /^mlp on all/)).toMatch(
      new RegExp(
        `^mlp on all ${nTrain} training rows: from its fit on the 1200 rows it was compared on, 3 epochs of Adam steps over the streamed training rows \\(at most\\), in blocks of 32768 rows shuffled with the run's generator, batches of \\d+ rows; \\d+ training rows held out for early stopping$`,
      ),
    )
    expect(run.leaderboard[0].note).toContain(
      `refitted on all ${nTrain.toLocaleString('en-US')} training rows: fitted on the 1,200 rows it was compared on, then `,
    )
    const metadata = run.model!.trainingMetadata
    expect(Number(metadata.rows) + Number(metadata.validationRows)).toBe(nTrain)
    expect(metadata.streamedEpochs).toBe(3)
    expect(run.metrics.accuracy).toBeGreaterThan(0.7)
    // Another chunk size: the same model, the same metrics.
    const again = await executeLargePipeline(snapshot, frameChunkSource(frame), {
      sampleRows: 3000,
      selectionRows: 1200,
      chunkRows: 1234,
    })
    expect(bytesDifference(again.model!.bytes, run.model!.bytes)).toBeUndefined()
    expect(again.metrics).toEqual(run.metrics)
  }, 300_000)
})
