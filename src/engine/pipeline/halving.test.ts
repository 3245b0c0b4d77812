import { describe, expect, it } from 'vitest'
import { decisions, selectionSnapshot } from '../../../tests/fixtures/engine/laneRuns.ts'
import { createRng } from '../../domain/random.ts'
import type { DataFrame, Target } from '../frame.ts'
import '../models/allModels.ts'
import { getModelFamily } from '../models/model.ts'
import { compareOnRung, halvingMinFitRows, halvingRungRows, rungIsFullFit } from './blocks/modelSelection.ts'
import { executePipeline } from './executor.ts'
import type { FoldFitter } from './foldLane.ts'
import { fitFold, InThreadFoldFitter } from './foldLane.ts'
import { kFoldAssignment } from './split.ts'
import { detectTask } from './taskDetection.ts'

const linearAndTree = [{ family: 'linear' }, { family: 'tree' }]

/** y = a step in x1 plus a bump in x2 and noise: a tree fits it, a straight line does not. */
function stepFrame(rows: number): DataFrame {
  const rng = createRng(11)
  const x1 = new Float64Array(rows)
  const x2 = new Float64Array(rows)
  const y = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    x1[i] = rng.nextFloat() * 10
    x2[i] = rng.nextFloat() * 10
    y[i] = (x1[i] > 5 ? 3 : 0) + (Math.abs(x2[i] - 5) < 1 ? 2 : 0) + 0.3 * (rng.nextFloat() - 0.5)
  }
  return {
    nRows: rows,
    columns: [
      { name: 'x1', type: 'numeric', kind: 'numeric', values: x1 },
      { name: 'x2', type: 'numeric', kind: 'numeric', values: x2 },
      { name: 'y', type: 'numeric', kind: 'numeric', values: y },
    ],
  }
}

async function run(
  frame: DataFrame,
  candidates: unknown[],
  options: { foldFitter?: FoldFitter } = {},
  extra: Record<string, unknown> = {},
) {
  const task = detectTask(frame, { target: 'y' })
  return executePipeline(
    await selectionSnapshot(task, { validation: 'holdout', candidates, ...extra }),
    frame,
    options,
  )
}

describe('successive halving in model selection', () => {
  it('races on a quarter of the fit rows from 10,000 fit rows on, and not below', () => {
    expect(halvingMinFitRows).toBe(10_000)
    expect(halvingRungRows(9_999)).toBeUndefined()
    expect(halvingRungRows(10_000)).toBe(2_500)
    expect(halvingRungRows(34_521)).toBe(8_630)
  })

  it('calls a candidate clearly behind only when its gap is larger than the noise between parts', () => {
    const rng = createRng(5)
    const n = 1000
    const values = Float64Array.from({ length: n }, () => rng.nextFloat() * 10)
    const y: Target = { kind: 'regression', values }
    const parts = kFoldAssignment(n, 5, createRng(1))
    const close = Float64Array.from(values, (v) => v + 0.5 * (rng.nextFloat() - 0.5))
    const closeToo = Float64Array.from(values, (v) => v + 0.5 * (rng.nextFloat() - 0.5))
    const far = Float64Array.from(values, (v) => v + 4 * (rng.nextFloat() - 0.5))
    const behind = compareOnRung('r2', y, undefined, close, far, parts)
    expect(behind.gap).toBeGreaterThan(0.05)
    expect(behind.clearlyBehind).toBe(true)
    const tied = compareOnRung('r2', y, undefined, close, closeToo, parts)
    expect(Math.abs(tied.gap)).toBeLessThan(0.002)
    expect(tied.clearlyBehind).toBe(false)
    // Error metrics point the other way: a larger RMSE is the one behind.
    expect(compareOnRung('rmse', y, undefined, close, far, parts).clearlyBehind).toBe(true)
    expect(compareOnRung('rmse', y, undefined, far, close, parts).clearlyBehind).toBe(false)
    // A candidate better than the "leader" is never behind.
    expect(compareOnRung('r2', y, undefined, far, close, parts).clearlyBehind).toBe(false)
  })

  it('compares on a hold-out of any size (a 1M-row table holds out 160,000 rows in the rung)', () => {
    const rng = createRng(6)
    const n = 400_000
    const values = Float64Array.from({ length: n }, () => rng.nextFloat())
    const parts = Int32Array.from({ length: n }, (_, i) => i % 5)
    const noisy = Float64Array.from(values, (v) => v + rng.nextFloat() - 0.5)
    const comparison = compareOnRung('r2', { kind: 'regression', values }, undefined, values, noisy, parts)
    expect(comparison.clearlyBehind).toBe(true)
  })

  it('a candidate clearly behind on the rung is stopped with its reason; the same seed gives the same race', async () => {
    // 16,000 rows: 12,800 training rows, 10,240 fit rows and 2,560 validation rows.
    const frame = stepFrame(16_000)
    const outcome = await run(frame, linearAndTree)
    const [linear, tree] = outcome.leaderboard
    const halving = outcome.logs.find((l) => l.message.startsWith('Successive halving'))
    expect(halving?.message).toMatch(
      /^Successive halving \(\d{1,2},\d{3} fit rows ≥ 10,000\): each candidate first fitted on a seeded 25% of them \(\d,\d{3} rows\) and scored on the validation rows; on to all fit rows: tree \(0\.\d{4}\); stopped \(clearly behind the rung's leader, paired over 5 parts of the validation rows\): linear \(0\.\d{4}\)$/,
    )
    expect(linear.note).toMatch(
      /^stopped after the successive-halving rung \(fitted on \d,\d{3} sampled fit rows\): 0\.\d{4} trails tree's 0\.\d{4} on the same rows by 0\.\d+ on average over 5 parts of the [\d,]+ validation rows, more than 2\.78 × its standard error \([\d.e-]+\)$/,
    )
    expect(linear.chosen).toBe(false)
    expect(tree.chosen).toBe(true)
    expect(tree.note).toBeUndefined()
    expect(tree.validationScore).toBeGreaterThan(linear.validationScore + 0.05)
    expect(outcome.logs.some((l) => l.message === `Candidate linear: ${linear.note}`)).toBe(true)
    const again = await run(frame, linearAndTree)
    expect(again.leaderboard.map((e) => [e.validationScore, e.note])).toEqual(
      outcome.leaderboard.map((e) => [e.validationScore, e.note]),
    )
  })

  it('a budget spent during the rungs still leaves a chosen model, fitted on all fit rows', async () => {
    // 1 s: here the linear model's and the tree's rungs ran, the forest was not started, and the tree
    // (the rung's leader, the linear model stopped) had its full fit although the budget was spent.
    const candidates = [
      { family: 'linear' },
      { family: 'tree' },
      { family: 'rf', hyperparameters: { n_estimators: 30 } },
    ]
    const outcome = await run(stepFrame(16_000), candidates, {}, { timeBudgetSeconds: 1 })
    const chosen = outcome.leaderboard.find((e) => e.chosen)
    expect(chosen).toBeDefined()
    expect(chosen!.note).toBeUndefined()
    expect(Number.isFinite(chosen!.validationScore)).toBe(true)
    expect(outcome.model).toBeDefined()
  }, 120_000)

  it('below 10,000 fit rows every candidate is fitted on all of them', async () => {
    const outcome = await run(stepFrame(3_000), linearAndTree)
    expect(outcome.logs.some((l) => l.message.startsWith('Successive halving'))).toBe(false)
    expect(outcome.leaderboard.every((e) => e.note === undefined)).toBe(true)
  })

  it('decides the same with a second lane fitting the tree families', async () => {
    const frame = stepFrame(16_000)
    const candidates = [
      { family: 'linear' },
      { family: 'tree' },
      { family: 'gbdt', hyperparameters: { max_iter: 30 } },
    ]
    const one = await run(frame, candidates)
    const lane = new InThreadFoldFitter()
    let laneFits = 0
    const fitFold = lane.fitFold.bind(lane)
    lane.fitFold = (request) => {
      laneFits++
      return fitFold(request)
    }
    const two = await run(frame, candidates, { foldFitter: lane })
    expect(laneFits).toBeGreaterThan(0)
    expect(decisions(two)).toEqual(decisions(one))
    expect(one.logs.some((l) => l.message.startsWith('Successive halving'))).toBe(true)
  }, 120_000)
})

describe("a raced MLP's rung that early stopping ended", () => {
  it('is the full fit from the same seed: same epochs, same predictions; only such a rung counts as one', async () => {
    const rng = createRng(21)
    const n = 400
    const columns = [0, 1].map(() => Float64Array.from({ length: n }, () => rng.nextFloat()))
    const X = { nRows: n, names: ['a', 'b'], columns, categoricalLevels: [0, 0] }
    const y: Target = {
      kind: 'regression',
      values: Float64Array.from({ length: n }, (_, i) => 2 * columns[0][i] - columns[1][i]),
    }
    // A large learning rate and patience 2: validation loss stops improving within a few epochs.
    const request = (maxEpochs: number) => ({
      family: 'mlp',
      hyperparameters: {
        ...getModelFamily('mlp').defaults('regression'),
        hiddenUnits: '8',
        learningRate: 0.3,
        patience: 2,
        maxEpochs,
      },
      task: 'regression' as const,
      seed: 77,
      X,
      y,
      validationX: X,
      validationY: y,
    })
    const rung = await fitFold(request(20))
    const full = await fitFold(request(200))
    expect(rung.epochs).toBeLessThan(20)
    expect(full.epochs).toBe(rung.epochs)
    expect(Array.from(full.predictions)).toEqual(Array.from(rung.predictions))
    expect(rungIsFullFit(rung, n, 4000)).toBe(true)
    // A rung on sampled rows, or one the epoch cap ended, is not the full fit.
    expect(rungIsFullFit(rung, 8000, 4000)).toBe(false)
    expect(rungIsFullFit({ epochs: 20 }, n, 4000)).toBe(false)
    expect(rungIsFullFit({}, n, 4000)).toBe(false)
  }, 60_000)
})
