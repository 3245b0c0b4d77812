import { beforeAll, describe, expect, it } from 'vitest'
import { readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
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
    expect(large.model!.bytes).toEqual(inMemory.model!.bytes)
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
    expect(large.model!.bytes).toEqual(inMemory.model!.bytes)
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
      expect(other.model!.bytes).toEqual(a.model!.bytes)
      expect(other.metrics).toEqual(a.metrics)
      expect(Array.from(other.split.testRows)).toEqual(Array.from(a.split.testRows))
    }
    // Bin edges from 3,000 sampled rows instead of all: a different model, about as good.
    const whole = await executeLargePipeline(snapshot, frameChunkSource(frame), { chunkRows: 4096 })
    expect(whole.model!.bytes).not.toEqual(a.model!.bytes)
    expect(Math.abs(whole.metrics.accuracy - a.metrics.accuracy)).toBeLessThan(0.02)
  })

  it('says before reading a row when the run would not fit in its memory', async () => {
    const snapshot = await snapshotFor(task, { max_iter: 5 })
    let read = 0
    const source = frameChunkSource(frame)
    const counting = {
      ...source,
      chunks: (columns: readonly string[], options: Parameters<typeof source.chunks>[1]) => {
        read++
        return source.chunks(columns, options)
      },
    }
    const run = executeLargePipeline(snapshot, counting, { memoryLimitBytes: 200_000 })
    await expect(run).rejects.toThrow(ValidationError)
    await expect(run).rejects.toThrow(
      /^This run would need about [\d.]+ MiB of memory \(12000 rows × at least 5 features\), more than the 195\.3 KiB it may use: train on fewer rows/,
    )
    expect(read).toBe(0)
  })

  it('refuses what the large path cannot do with a sentence', async () => {
    const snapshot = await snapshotFor(task, { max_iter: 5 })
    const logistic = {
      ...snapshot,
      blocks: snapshot.blocks.map((b) =>
        b.type === 'model_selection'
          ? { ...b, config: { ...b.config, candidates: [{ family: 'logistic' }] } }
          : b,
      ),
    }
    await expect(executeLargePipeline(logistic, frameChunkSource(frame))).rejects.toThrow(
      "On a table this large only gradient boosting (gbdt) trains, from one byte per cell; this pipeline's candidates are logistic",
    )
  })
})
