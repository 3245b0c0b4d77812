import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixturePath, readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import { defaultRunSnapshot } from '../../../tests/helpers/engineSnapshot.ts'
import type { BlockConfig } from '../../domain/pipeline.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import '../models/allModels.ts'
import {
  autoKFoldMaxRows,
  defaultModelSelectionConfig,
  foldRace,
  resolveValidation,
  validateModelSelectionConfig,
} from './blocks/modelSelection.ts'
import { executePipeline } from './executor.ts'
import { detectTask } from './taskDetection.ts'

const snapshotOf = (task: TaskDefinition, selection: BlockConfig) =>
  defaultRunSnapshot('auto', task, selection, { seed: 42 })

describe("'auto' validation", () => {
  it('is accepted; an absent setting still means hold-out, so stored pipelines keep their meaning', () => {
    expect(validateModelSelectionConfig({ validation: 'auto' }).validation).toBe('auto')
    expect(validateModelSelectionConfig({}).validation).toBe('holdout')
    const { validation: _, ...withoutValidation } = defaultModelSelectionConfig()
    expect(validateModelSelectionConfig(withoutValidation).validation).toBe('holdout')
    expect(() => validateModelSelectionConfig({ validation: 'loo' })).toThrow(
      `Setting 'validation' of block 'Model Selection' must be one of holdout, kfold, auto, got "loo"`,
    )
  })

  it('resolves to k-fold up to 2,000 training rows and to hold-out above, and says why', () => {
    const config = { validation: 'auto' as const, folds: 5, validationFraction: 0.2 }
    expect(autoKFoldMaxRows).toBe(2000)
    expect(resolveValidation(config, 353)).toEqual({
      scheme: 'kfold',
      description: '5-fold (auto: 353 training rows ≤ 2,000)',
    })
    expect(resolveValidation(config, 2000).scheme).toBe('kfold')
    expect(resolveValidation(config, 2001)).toEqual({
      scheme: 'holdout',
      description: '20% hold-out (auto: 2,001 training rows > 2,000)',
    })
    // Explicit schemes do not depend on the size.
    expect(resolveValidation({ ...config, validation: 'holdout' }, 100)).toEqual({
      scheme: 'holdout',
      description: '20% hold-out',
    })
    expect(resolveValidation({ ...config, validation: 'kfold', folds: 3 }, 1e6)).toEqual({
      scheme: 'kfold',
      description: '3-fold',
    })
  })
})

describe('racing the MLP fold by fold', () => {
  it('stops a candidate whose mean over its first folds trails the best on the same folds by more than the margin', () => {
    // R² near 0.5: the margin is 1 point. Compared with the best's mean over the same folds only.
    const best = [0.5, 0.3, 0.7, 0.4, 0.6]
    expect(foldRace('r2', [0.4901], best)).toEqual({
      score: 0.4901,
      best: 0.5,
      behind: true,
      reason: 'won-none',
    })
    expect(foldRace('r2', [0.4899], best)).toMatchObject({ behind: true, reason: 'trails' })
    expect(foldRace('r2', [0.4902, 0.31], best)).toMatchObject({ score: 0.4001, best: 0.4, behind: false })
    expect(foldRace('r2', [0.45, 0.32], best)).toMatchObject({ behind: true, reason: 'trails' })
    // Ahead on fold 1: never stopped.
    expect(foldRace('r2', [0.9], best).behind).toBe(false)
    // Error metrics: 2% of the best.
    expect(foldRace('rmse', [1.0199], [1, 5])).toMatchObject({ behind: true, reason: 'won-none' })
    expect(foldRace('rmse', [1.0199, 4], [1, 5]).behind).toBe(false)
    expect(foldRace('rmse', [1.021], [1, 5])).toMatchObject({ behind: true, reason: 'trails' })
  })

  it('stops a candidate that has beaten the best on none of its folds so far, ties included', () => {
    const best = [1, 0.95, 0.9, 1]
    // Tied on fold 1 (within the margin of 0.1 point at a perfect score): it won none.
    expect(foldRace('accuracy', [1], best)).toEqual({ score: 1, best: 1, behind: true, reason: 'won-none' })
    expect(foldRace('accuracy', [0.9995], best)).toMatchObject({ behind: true, reason: 'won-none' })
    // Ahead on one fold, even behind on another within the margin: it races on.
    expect(foldRace('accuracy', [1, 0.96, 0.895], best).behind).toBe(false)
    expect(foldRace('accuracy', [1, 0.95, 0.91], best).behind).toBe(false)
    expect(foldRace('accuracy', [1, 0.95, 0.9], best)).toMatchObject({ behind: true, reason: 'won-none' })
  })

  let iris: DataFrame
  let irisTask: TaskDefinition
  beforeAll(() => {
    iris = readFixtureFrame('iris.csv')
    irisTask = detectTask(iris, { target: 'species' })
  })

  it('under k-fold the 20-epoch rung runs on fold 1 only and is compared with the best on that fold', async () => {
    const slow = { family: 'mlp', hyperparameters: { hiddenUnits: '8', learningRate: 1e-6, maxEpochs: 200 } }
    const outcome = await executePipeline(
      await snapshotOf(irisTask, { candidates: [{ family: 'logistic' }, slow], validation: 'kfold' }),
      iris,
    )
    const [logistic, mlp] = outcome.leaderboard
    expect(logistic.foldScores).toHaveLength(5)
    expect(mlp.foldScores).toHaveLength(1)
    expect(mlp.note).toMatch(
      /^stopped after 20 epochs on fold 1 of 5: 0\.\d{4} trails the best so far on that fold \((?:1\.0000|0\.\d{4})\) by more than 0\.0\d+$/,
    )
    expect(logistic.foldScores[0] - mlp.foldScores[0]).toBeGreaterThan(0.001)
    expect(mlp.chosen).toBe(false)
  })
})

describe('racing the default MLP fold by fold on iris (5-fold, seed 42)', () => {
  it('stops it after fold 1, on which it did not beat logistic regression, excludes it from the choice, and does the same again', async () => {
    const iris = readFixtureFrame('iris.csv')
    const task = detectTask(iris, { target: 'species' })
    const run = async () => executePipeline(await snapshotOf(task, { validation: 'kfold' }), iris)
    const outcome = await run()
    const [logistic, mlp] = outcome.leaderboard
    expect(mlp.family).toBe('mlp')
    expect(mlp.foldScores).toHaveLength(1)
    expect(mlp.note).toMatch(
      /^stopped after fold 1 of 5: it did not beat the best so far on that fold \((?:0\.\d{4}|1\.0000) against (0\.\d{4}|1\.0000)\)$/,
    )
    for (const [f, score] of mlp.foldScores.entries())
      expect(score).toBeLessThanOrEqual(logistic.foldScores[f])
    expect(mlp.chosen).toBe(false)
    // It is not an ensemble member either: only fully validated candidates are pooled.
    const ensemble = outcome.leaderboard.find((e) => e.family === 'ensemble')
    expect(ensemble?.note ?? '').not.toMatch(/\bmlp\b/)
    const again = await run()
    expect(again.leaderboard.map((e) => [e.family, e.foldScores, e.note])).toEqual(
      outcome.leaderboard.map((e) => [e.family, e.foldScores, e.note]),
    )
  })
})

describe('the default pipeline on diabetes (fixed split of the shared dataset)', () => {
  let diabetes: DataFrame
  let task: TaskDefinition
  let testIndices: number[]
  beforeAll(() => {
    diabetes = readFixtureFrame('diabetes.csv')
    task = detectTask(diabetes, { target: 'disease_progression' })
    testIndices = JSON.parse(readFileSync(fixturePath('diabetes.split.json'), 'utf8')).holdout.test_indices
  })

  it("'auto' validates by 5-fold on 353 training rows and chooses a model within 0.5 point of Ridge's test R² (0.4541)", async () => {
    const outcome = await executePipeline(await snapshotOf(task, { validation: 'auto' }), diabetes, {
      testIndices,
    })
    expect(outcome.logs.map((l) => l.message)).toContain(
      'validation: 5-fold (auto: 353 training rows ≤ 2,000)',
    )
    const chosen = outcome.leaderboard.find((e) => e.chosen)!
    expect(chosen.foldScores).toHaveLength(5)
    expect(outcome.metrics.r2).toBeGreaterThan(0.4541 - 0.005)
    // One hold-out slice of 71 rows ranks the forest first of the single models, where five folds rank it
    // behind linear regression by 7 points: a single small slice says little.
    const holdout = await executePipeline(await snapshotOf(task, { validation: 'holdout' }), diabetes, {
      testIndices,
    })
    const singles = (o: typeof outcome) =>
      o.leaderboard
        .filter((e) => e.family !== 'ensemble' && !e.note)
        .sort((a, b) => b.validationScore - a.validationScore)
        .map((e) => e.family)
    expect(singles(holdout)[0]).toBe('rf')
    expect(singles(outcome)[0]).toBe('linear')
    const rf = outcome.leaderboard.find((e) => e.family === 'rf')!
    expect(rf.validationScore).toBeLessThan(chosen.validationScore - 0.05)
    // The forest was fitted once and scored out of bag on the same five folds' rows.
    expect(rf.outOfBag).toBe(true)
    expect(rf.foldScores).toHaveLength(5)
    expect(outcome.leaderboard.filter((e) => e.outOfBag).map((e) => e.family)).toEqual(['rf'])
    expect(outcome.logs.map((l) => l.message)).toContain(
      `Candidate rf: validation r2 = ${rf.validationScore.toFixed(4)} (out of bag: one fit on all 353 training rows, each row predicted by the trees whose bootstrap sample left it out, scored on every fold's rows)`,
    )
  })
})
