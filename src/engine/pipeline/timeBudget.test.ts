import { beforeAll, describe, expect, it } from 'vitest'
import { readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import { WorkerError } from '../../domain/errors.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { BlockId, DatasetId, ExperimentId, PipelineId } from '../../domain/ids.ts'
import type { Pipeline } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import '../models/allModels.ts'
import { getModelFamily, registerModelFamily } from '../models/model.ts'
import {
  defaultModelSelectionConfig,
  defaultTimeBudgetSeconds,
  selectionProgressMessage,
  validateModelSelectionConfig,
} from './blocks/modelSelection.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from './defaults.ts'
import type { RunProgressEvent } from './executor.ts'
import { executePipeline } from './executor.ts'
import { detectTask } from './taskDetection.ts'

// The test's clock: it only moves when the 'clockwork' family below spends time.
let clock = 0

/** Logistic regression that first "trains" for 10 s of the test clock, stopping when asked to. */
registerModelFamily({
  ...getModelFamily('logistic'),
  family: 'clockwork',
  async fit(X, y, hyperparameters, options) {
    for (let step = 0; step < 100; step++) {
      clock += 100
      if (options.isCancelled?.()) throw new WorkerError('cancelled', 'Clockwork training was cancelled')
      options.onProgress?.({ fraction: step / 100 })
    }
    return getModelFamily('logistic').fit(X, y, hyperparameters, options)
  },
})

let counter = 0
const hash = (c: string) => c.repeat(64) as Sha256Hex

function snapshot(task: TaskDefinition, selection: Record<string, unknown>) {
  const blocks = createDefaultPipelineBlocks(() => `blk_budget${++counter}` as BlockId)
  const block = blocks.find((b) => b.type === 'model_selection')!
  block.config = { ...block.config, ...selection } as typeof block.config
  blocks[5].config = { ...blocks[5].config, enabled: false }
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: 'pl_budget' as PipelineId,
    experimentId: 'exp_budget' as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed: 7 },
    versionHash: hash('0'),
    updatedAt: 0,
  }
  return createSnapshot({
    pipeline,
    hooks: [],
    task,
    datasetId: 'ds_budget' as DatasetId,
    datasetHash: hash('a'),
  })
}

describe('model selection time budget', () => {
  it('is absent from the default config (existing pipelines keep their hash) and checked when set', () => {
    expect('timeBudgetSeconds' in defaultModelSelectionConfig()).toBe(false)
    expect(validateModelSelectionConfig({}).timeBudgetSeconds).toBeUndefined()
    expect(validateModelSelectionConfig({ timeBudgetSeconds: 'auto' }).timeBudgetSeconds).toBeUndefined()
    expect(validateModelSelectionConfig({ timeBudgetSeconds: 90 }).timeBudgetSeconds).toBe(90)
    expect(() => validateModelSelectionConfig({ timeBudgetSeconds: 0 })).toThrow(/timeBudgetSeconds/)
    expect(() => validateModelSelectionConfig({ timeBudgetSeconds: 'soon' })).toThrow(/timeBudgetSeconds/)
  })

  it('defaults to 60 s plus 1 s per 5,000 training cells, at most an hour', () => {
    expect(defaultTimeBudgetSeconds(120, 4)).toBe(60)
    expect(defaultTimeBudgetSeconds(43_152, 26)).toBe(284)
    expect(defaultTimeBudgetSeconds(10_000_000, 100)).toBe(3600)
  })

  it('progress names each candidate with its status and estimates the time left, never past the budget', () => {
    const statuses = [
      { family: 'logistic', status: 'done' as const },
      { family: 'gbdt', status: 'fitting' as const, detail: 'fold 2/5' },
      { family: 'rf', status: 'waiting' as const },
    ]
    expect(selectionProgressMessage(statuses, 10, 0.5, 60)).toBe(
      'logistic: done · gbdt: fitting (fold 2/5) · rf: waiting · about 10 s left (budget 60 s)',
    )
    expect(selectionProgressMessage(statuses, 10, 0.1, 60)).toMatch(/about 50 s left/)
  })

  let penguins: DataFrame
  let task: TaskDefinition
  beforeAll(() => {
    penguins = readFixtureFrame('penguins.csv')
    task = detectTask(penguins, { target: 'species' })
  })

  it('stops a running candidate when the budget runs out, starts no other, says so, and chooses among the finished', async () => {
    clock = 0
    const events: RunProgressEvent[] = []
    const candidates = [{ family: 'logistic' }, { family: 'clockwork' }, { family: 'rf' }]
    const outcome = await executePipeline(
      await snapshot(task, { candidates, timeBudgetSeconds: 5 }),
      penguins,
      { now: () => clock, onProgress: (e) => events.push(e) },
    )
    const [logistic, clockwork, rf] = outcome.leaderboard
    expect(logistic.note).toBeUndefined()
    expect(logistic.validationScore).toBeGreaterThan(0.9)
    expect(clockwork.note).toBe('stopped after 0 of 1 validation folds: the time budget of 5 s ran out')
    expect(rf.note).toBe('not started: the time budget of 5 s was spent')
    expect(outcome.leaderboard.find((c) => c.chosen)?.family).toBe('logistic')
    const messages = outcome.logs.map((l) => l.message)
    expect(messages).toContain('Model selection time budget: 5 s')
    expect(messages).toContain('Candidate rf: not started: the time budget of 5 s was spent')
    const during = events.find((e) => e.message?.includes('clockwork: fitting'))
    expect(during?.message).toMatch(
      /^logistic: done · clockwork: fitting · rf: waiting · about \d+ s left \(budget 5 s\)$/,
    )
  })

  it('a budget that is not spent changes nothing: same scores as without one (275 rows × 10 features: 61 s)', async () => {
    clock = 0
    const candidates = [{ family: 'logistic' }, { family: 'rf' }]
    const plain = await executePipeline(await snapshot(task, { candidates }), penguins)
    const budgeted = await executePipeline(
      await snapshot(task, { candidates, timeBudgetSeconds: 600 }),
      penguins,
    )
    expect(budgeted.leaderboard.map((c) => [c.family, c.validationScore, c.note])).toEqual(
      plain.leaderboard.map((c) => [c.family, c.validationScore, c.note]),
    )
    expect(plain.logs.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/^Model selection time budget: 61 s \(default for the data size\)$/),
    )
  })
})
