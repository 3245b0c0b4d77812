import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixturePath, readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import { WorkerError } from '../../domain/errors.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { BlockId, DatasetId, ExperimentId, PipelineId } from '../../domain/ids.ts'
import type { Pipeline } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import { isBestPossible } from '../metrics/metricInfo.ts'
import '../models/allModels.ts'
import { getModelFamily, registerModelFamily } from '../models/model.ts'
import {
  cannotCatchUp,
  defaultModelSelectionConfig,
  defaultTimeBudgetSeconds,
  raceOrder,
  racingRung,
  seededSubsample,
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

function snapshot(task: TaskDefinition, candidates: unknown, extra: Record<string, unknown> = {}, seed = 7) {
  const blocks = createDefaultPipelineBlocks(() => `blk_race${++counter}` as BlockId)
  const selection = blocks.find((b) => b.type === 'model_selection')!
  // These tests race on one hold-out slice unless they say otherwise (the default is 'auto').
  selection.config = { ...selection.config, validation: 'holdout', candidates: candidates as never, ...extra }
  blocks[5].config = { ...blocks[5].config, enabled: false }
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: 'pl_race' as PipelineId,
    experimentId: 'exp_race' as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed },
    versionHash: hash('0'),
    updatedAt: 0,
  }
  return createSnapshot({
    pipeline,
    hooks: [],
    task,
    datasetId: 'ds_race' as DatasetId,
    datasetHash: hash('a'),
  })
}

describe('racing in model selection', () => {
  it('evaluates cheap families first and races only an MLP with more than 20 epochs', () => {
    expect(
      raceOrder([{ family: 'logistic' }, { family: 'mlp' }, { family: 'gbdt' }, { family: 'rf' }]),
    ).toEqual([0, 2, 3, 1])
    expect(racingRung('mlp', { maxEpochs: 200, patience: 10 }, 8000)).toEqual({
      hyperparameters: { maxEpochs: 20, patience: 10 },
      label: '20 epochs on 4000 sampled rows',
      maxFitRows: 4000,
    })
    // A fold with no more rows than the sample fits all of them, and the label does not claim a sample.
    expect(racingRung('mlp', { maxEpochs: 200 }, 4000)?.label).toBe('20 epochs')
    expect(racingRung('mlp', { maxEpochs: 20 }, 8000)).toBeUndefined()
    expect(racingRung('gbdt', { nEstimators: 300 }, 8000)).toBeUndefined()
  })

  it('a rung fits on a seeded sample of the fold: same seed, same rows; ascending; small folds untouched', () => {
    const rows = Int32Array.from({ length: 10_000 }, (_, i) => i * 2)
    const a = seededSubsample(rows, 4000, createRng(7).fork('s'))
    const b = seededSubsample(rows, 4000, createRng(7).fork('s'))
    const c = seededSubsample(rows, 4000, createRng(8).fork('s'))
    expect(a.length).toBe(4000)
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(Array.from(a)).not.toEqual(Array.from(c))
    expect(new Set(a).size).toBe(4000)
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1])
    for (const v of a) expect(v % 2).toBe(0)
    const small = Int32Array.from([3, 5, 9])
    expect(seededSubsample(small, 4000, createRng(1))).toBe(small)
  })

  it('stops a candidate more than 1 point behind (less near a perfect score, 2% for error metrics), never one within reach', () => {
    expect(cannotCatchUp('accuracy', 0.9, 0.95)).toBe(true)
    expect(cannotCatchUp('accuracy', 0.945, 0.95)).toBe(false)
    expect(cannotCatchUp('accuracy', 0.99, 0.95)).toBe(false)
    expect(cannotCatchUp('roc_auc', 0.995, 0.9995)).toBe(true) // headroom 0.0005: margin 0.001
    expect(cannotCatchUp('roc_auc', 0.9992, 0.9995)).toBe(false)
    expect(cannotCatchUp('rmse', 1.05, 1.0)).toBe(true)
    expect(cannotCatchUp('rmse', 1.01, 1.0)).toBe(false)
    expect(cannotCatchUp('accuracy', Number.NaN, 0.95)).toBe(true)
    expect(cannotCatchUp('accuracy', 0.5, Number.NaN)).toBe(false)
  })

  let penguins: DataFrame
  let task: TaskDefinition
  beforeAll(() => {
    penguins = readFixtureFrame('penguins.csv')
    task = detectTask(penguins, { target: 'species' })
  })

  it('an MLP that cannot catch up after its 20-epoch rung is stopped, shown with its reason, and not chosen', async () => {
    // A learning rate this small leaves the MLP near chance after 20 epochs, far behind logistic regression.
    const slow = { family: 'mlp', hyperparameters: { hiddenUnits: '8', learningRate: 1e-6, maxEpochs: 200 } }
    const outcome = await executePipeline(await snapshot(task, [slow, { family: 'logistic' }]), penguins)
    const [mlp, logistic] = outcome.leaderboard
    expect(mlp.family).toBe('mlp') // the leaderboard keeps the candidates' own order
    expect(mlp.note).toMatch(
      /^stopped after 20 epochs: 0\.\d{4} trails the best so far \([01]\.\d{4}\) by more than 0\.0\d+$/,
    )
    expect(mlp.chosen).toBe(false)
    expect(logistic.chosen).toBe(true)
    expect(logistic.validationScore - mlp.validationScore).toBeGreaterThan(0.01)
    expect(outcome.logs.some((l) => l.message === `Candidate mlp: ${mlp.note}`)).toBe(true)
    // Same snapshot and seed: the same leaderboard, racing included.
    const again = await executePipeline(await snapshot(task, [slow, { family: 'logistic' }]), penguins)
    expect(again.leaderboard.map((e) => [e.validationScore, e.note])).toEqual(
      outcome.leaderboard.map((e) => [e.validationScore, e.note]),
    )
  })

  it('a rung that keeps up with a perfect best so far stops there: its full fit could not beat it', async () => {
    expect(isBestPossible('accuracy', 1)).toBe(true)
    expect(isBestPossible('roc_auc', 0.9999)).toBe(false)
    expect(isBestPossible('rmse', 0)).toBe(true)
    expect(isBestPossible('rmse', 0.01)).toBe(false)
    // Iris's shared split, 5 folds, seed 42: logistic regression and the MLP's 20-epoch rung both
    // classify fold 1 perfectly.
    const iris = readFixtureFrame('iris.csv')
    const irisTask = detectTask(iris, { target: 'species' })
    const split = JSON.parse(readFileSync(fixturePath('iris.split.json'), 'utf8')).holdout
    const outcome = await executePipeline(
      await snapshot(irisTask, [{ family: 'logistic' }, { family: 'mlp' }], { validation: 'kfold' }, 42),
      iris,
      { testIndices: split.test_indices },
    )
    const mlp = outcome.leaderboard.find((e) => e.family === 'mlp')!
    expect(mlp.foldScores).toEqual([1])
    expect(mlp.note).toBe(
      'stopped after 20 epochs on fold 1 of 5: the best so far on that fold scores 1.0000, the best possible accuracy, which a full fit cannot beat',
    )
    expect(outcome.leaderboard.find((e) => e.chosen)!.family).toBe('logistic')
  })

  it('repeated k-fold gives each candidate its spread, a 95% interval and a tie test against the best, and states the rule', async () => {
    const candidates = [{ family: 'logistic' }, { family: 'tree' }]
    const once = await executePipeline(
      await snapshot(task, candidates, { validation: 'kfold', folds: 3, repeats: 1 }),
      penguins,
    )
    const twice = await executePipeline(
      await snapshot(task, candidates, { validation: 'kfold', folds: 3, repeats: 2 }),
      penguins,
    )
    for (const [i, entry] of twice.leaderboard.entries()) {
      expect(entry.foldScores).toHaveLength(6)
      // The first repeat draws the same folds as a single k-fold.
      expect(entry.foldScores.slice(0, 3)).toEqual(once.leaderboard[i].foldScores)
      expect(entry.std).toBeGreaterThanOrEqual(0)
      expect(entry.interval!.low).toBeLessThanOrEqual(entry.validationScore)
      expect(entry.interval!.high).toBeGreaterThanOrEqual(entry.validationScore)
    }
    const chosen = twice.leaderboard.find((e) => e.chosen)!
    const other = twice.leaderboard.find((e) => !e.chosen)!
    expect(chosen.tiedWithBest).toBeUndefined()
    expect(typeof other.tiedWithBest).toBe('boolean')
    const rule = twice.logs.find((l) => l.message.startsWith('Model selection chose'))!.message
    expect(rule).toBe(
      `Model selection chose ${chosen.family}: best mean over 6 validation folds; tied with it (corrected resampled t-test, 5%): ${other.tiedWithBest ? other.family : 'none'}`,
    )
    // One hold-out slice has no interval, and the rule says so.
    const holdout = await executePipeline(await snapshot(task, candidates), penguins)
    expect(holdout.leaderboard.every((e) => e.interval === undefined && e.tiedWithBest === undefined)).toBe(
      true,
    )
    expect(holdout.logs.some((l) => l.message.includes('best validation score on one hold-out slice'))).toBe(
      true,
    )
  })
})

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
      await snapshot(task, candidates, { timeBudgetSeconds: 5 }),
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
    const plain = await executePipeline(await snapshot(task, candidates), penguins)
    const budgeted = await executePipeline(
      await snapshot(task, candidates, { timeBudgetSeconds: 600 }),
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
