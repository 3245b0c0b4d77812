import { beforeAll, describe, expect, it } from 'vitest'
import type { BlockConfig } from '../../../src/domain/pipeline.ts'
import type { TaskDefinition } from '../../../src/domain/task.ts'
import type { DataFrame } from '../../../src/engine/frame.ts'
import { parseEnsembleMembers } from '../../../src/engine/models/ensemble.ts'
import { executePipeline } from '../../../src/engine/pipeline/executor.ts'
import { detectTask } from '../../../src/engine/pipeline/taskDetection.ts'
import { loadModelPackage, packageRunOutcome } from '../../../src/outputs/predict/modelPackage.ts'
import { predictNewData } from '../../../src/outputs/predict/predictNewData.ts'
import { readFixtureFrame } from '../../fixtures/engine/readFixture.ts'
import { defaultRunSnapshot } from '../../helpers/engineSnapshot.ts'

const snapshotOf = (task: TaskDefinition, selection: BlockConfig, explain = false) =>
  defaultRunSnapshot('ens', task, selection, { seed: 1, explain })

const regressionCandidates = [{ family: 'linear' }, { family: 'gbdt' }, { family: 'rf' }]

describe('the ensemble in model selection (diabetes fixture, seed 1)', () => {
  let diabetes: DataFrame
  let task: TaskDefinition
  beforeAll(() => {
    diabetes = readFixtureFrame('diabetes.csv')
    task = detectTask(diabetes, { target: 'disease_progression' })
  })

  it('hold-out: the ensemble wins on the validation slice, is chosen, trained, packaged and scores new rows', async () => {
    const snapshot = await snapshotOf(task, { candidates: regressionCandidates, validation: 'holdout' })
    const outcome = await executePipeline(snapshot, diabetes)
    const entry = outcome.leaderboard.at(-1)!
    expect(outcome.leaderboard.map((e) => e.family)).toEqual(['linear', 'gbdt', 'rf', 'ensemble'])
    expect(entry.chosen).toBe(true)
    expect(outcome.leaderboard.filter((e) => e.chosen)).toHaveLength(1)
    const best = Math.max(...outcome.leaderboard.slice(0, 3).map((e) => e.validationScore))
    expect(entry.validationScore).toBeGreaterThan(best)
    expect(entry.note).toMatch(
      /^weighted average of linear 0\.\d\d, .*kept: 0\.\d{4} beats linear's 0\.\d{4}; kept only when/,
    )
    const members = parseEnsembleMembers(entry.hyperparameters)
    expect(members.map((m) => m.family)).toContain('linear')
    // Its fit time is what its members cost (it fits nothing of its own), never 0.
    const memberSeconds = outcome.leaderboard
      .filter((e) => members.some((m) => m.family === e.family))
      .reduce((total, e) => total + e.fitSeconds, 0)
    expect(entry.fitSeconds).toBeGreaterThan(0)
    expect(entry.fitSeconds).toBeCloseTo(memberSeconds, 9)
    expect(entry.note).toMatch(/; fit time: its members' total \(no fits of its own\)$/)
    expect(members.length).toBeGreaterThanOrEqual(2)
    expect(members.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 12)
    // Weights are pick counts over the best prefix of at most 20 rounds (selection with replacement).
    const picks = Array.from({ length: 20 }, (_, t) => t + 1).find((t) =>
      members.every((m) => Math.abs(m.weight * t - Math.round(m.weight * t)) < 1e-9),
    )
    expect(picks).toBeDefined()
    expect(outcome.model?.family).toBe('ensemble')
    expect(outcome.logs.some((l) => l.message.startsWith('Ensemble: weighted average of'))).toBe(true)
    expect(outcome.logs.some((l) => l.message === `Ensemble: ${entry.note}`)).toBe(true)
    // The model package round-trip: the packaged ensemble predicts the run's test rows exactly.
    const pkg = packageRunOutcome(outcome, diabetes.columns, snapshot)
    if (!('bytes' in pkg)) throw new Error(pkg.refused)
    const loaded = await loadModelPackage(pkg.bytes)
    expect(loaded.document.model.family).toBe('ensemble')
    const predicted = await predictNewData(loaded, diabetes)
    const testRows = outcome.predictions!.rows
    expect(Array.from(testRows, (r) => predicted.predicted[r])).toEqual([...outcome.predictions!.yPred])
    // Deterministic: same snapshot, same seed → same ensemble and same metrics.
    const again = await executePipeline(snapshot, diabetes)
    expect(again.leaderboard.at(-1)!.hyperparameters).toEqual(entry.hyperparameters)
    expect(again.metrics).toEqual(outcome.metrics)
  }, 60_000)

  it('k-fold: the ensemble loses on the folds, so it is listed, says why, and the best single model is chosen', async () => {
    const outcome = await executePipeline(
      await snapshotOf(task, { candidates: regressionCandidates, validation: 'kfold', folds: 5 }),
      diabetes,
    )
    const entry = outcome.leaderboard.at(-1)!
    expect(entry.family).toBe('ensemble')
    expect(entry.chosen).toBe(false)
    expect(entry.foldScores).toHaveLength(5)
    expect(entry.note).toMatch(/not kept: 0\.\d{4} does not beat linear's 0\.\d{4}/)
    const linear = outcome.leaderboard[0]
    expect(linear.chosen).toBe(true)
    expect(entry.validationScore).toBeLessThanOrEqual(linear.validationScore)
    expect(outcome.model?.family).toBe('linear')
  }, 60_000)

  it('is off with ensemble: false (and nothing else changes)', async () => {
    const on = await executePipeline(
      await snapshotOf(task, { candidates: regressionCandidates, validation: 'kfold', folds: 5 }),
      diabetes,
    )
    const off = await executePipeline(
      await snapshotOf(task, {
        candidates: regressionCandidates,
        validation: 'kfold',
        folds: 5,
        ensemble: false,
      }),
      diabetes,
    )
    expect(off.leaderboard.map((e) => e.family)).toEqual(['linear', 'gbdt', 'rf'])
    expect(off.metrics).toEqual(on.metrics)
  }, 60_000)

  it('is not built when selection keeps one model alone (penguins: logistic is perfect on the slice)', async () => {
    const penguins = readFixtureFrame('penguins.csv')
    const outcome = await executePipeline(
      await snapshotOf(detectTask(penguins, { target: 'species' }), {
        candidates: [{ family: 'logistic' }, { family: 'gbdt' }, { family: 'rf' }],
      }),
      penguins,
    )
    expect(outcome.leaderboard.map((e) => e.family)).toEqual(['logistic', 'gbdt', 'rf'])
    expect(
      outcome.logs.some((l) => /^Ensemble: not built: .* kept logistic 1\.00 alone$/.test(l.message)),
    ).toBe(true)
  }, 60_000)

  it("keeps a forest chosen alone as model selection's out-of-bag fit (same rows and hyperparameters), and refits it when training overrides them", async () => {
    const selection = {
      candidates: [{ family: 'gbdt' }, { family: 'rf' }],
      validation: 'holdout',
      ensemble: false,
    }
    const outcome = await executePipeline(await snapshotOf(task, selection), diabetes)
    expect(outcome.model?.family).toBe('rf')
    const messages = outcome.logs.map((l) => l.message)
    expect(messages).toContain(
      "Trained rf on 353 rows (model selection's out-of-bag fit on the same rows, kept: not fitted again)",
    )
    const again = await executePipeline(await snapshotOf(task, selection), diabetes)
    expect(again.model?.bytes).toEqual(outcome.model?.bytes)
    expect(again.metrics).toEqual(outcome.metrics)
    // A training override that changes the chosen hyperparameters fits again; one that repeats them does not.
    const snapshot = await snapshotOf(task, selection)
    const withOverrides = (overrides: Record<string, number>) =>
      executePipeline(
        {
          ...snapshot,
          blocks: snapshot.blocks.map((b) => (b.type === 'training' ? { ...b, config: { overrides } } : b)),
        },
        diabetes,
      )
    const refitted = await withOverrides({ n_estimators: 50 })
    expect(refitted.logs.map((l) => l.message)).toContain('Trained rf on 353 rows')
    expect(refitted.model?.bytes).not.toEqual(outcome.model?.bytes)
    const trees = outcome.leaderboard.find((e) => e.family === 'rf')!.hyperparameters.n_estimators as number
    const same = await withOverrides({ n_estimators: trees })
    expect(same.model?.bytes).toEqual(outcome.model?.bytes)
  }, 60_000)
})
