import { beforeAll, describe, expect, it } from 'vitest'
import { decisions, digest, selectionSnapshot } from '../../../tests/fixtures/engine/laneRuns.ts'
import { readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import { createRng } from '../../domain/random.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import '../models/allModels.ts'
import { ensembleFamily, ensembleHyperparameters } from '../models/ensemble.ts'
import type { RunProgressEvent } from './executor.ts'
import { executePipeline } from './executor.ts'
import type { FoldFitRequest, ModelFitRequest } from './foldLane.ts'
import { InThreadFoldFitter, modelLane } from './foldLane.ts'
import { detectTask } from './taskDetection.ts'

/** The in-thread lane, counting the fits it is given (so the test knows the lane was used). */
class CountingLane extends InThreadFoldFitter {
  readonly families: string[] = []
  override fitFold(request: FoldFitRequest) {
    this.families.push(request.family)
    return super.fitFold(request)
  }

  override fitTreeModel(request: ModelFitRequest) {
    this.families.push(`${request.family} model`)
    return super.fitTreeModel(request)
  }
}

describe('model selection on two lanes', () => {
  const tables: Record<string, { frame: DataFrame; task: TaskDefinition }> = {}
  beforeAll(() => {
    for (const [name, target] of [
      ['breast_cancer', 'diagnosis'],
      ['diabetes', 'disease_progression'],
    ]) {
      const frame = readFixtureFrame(`${name}.csv`)
      tables[name] = { frame, task: detectTask(frame, { target }) }
    }
  })

  for (const [table, validation] of [
    ['breast_cancer', { validation: 'kfold', folds: 4 }],
    ['diabetes', { validation: 'kfold', folds: 3, repeats: 2 }],
  ] as const) {
    it(`gives the same leaderboard, choice, metrics and model bytes as one lane (${table}, ${validation.validation}, raced MLP, ensemble)`, async () => {
      const { frame, task } = tables[table]
      const selection = {
        ...validation,
        // A raced MLP (more than 20 epochs), tree families for the lane, and an ensemble of them.
        candidates: [
          { family: task.taskType === 'regression' ? 'linear' : 'logistic' },
          { family: 'mlp', hyperparameters: { hiddenUnits: '16', maxEpochs: 40 } },
          { family: 'gbdt', hyperparameters: { max_iter: 40 } },
          { family: 'rf', hyperparameters: { n_estimators: 20 } },
        ],
      }
      const one = await executePipeline(await selectionSnapshot(task, selection), frame)
      const lane = new CountingLane()
      const progress: RunProgressEvent[] = []
      const two = await executePipeline(await selectionSnapshot(task, selection), frame, {
        foldFitter: lane,
        onProgress: (event) => progress.push(event),
      })
      // Tree folds went to the lane (the run thread had TF.js fits to do meanwhile), and the chosen
      // ensemble's boosting member when the training block refitted it (its forest is selection's
      // out-of-bag fit, kept); nothing else did.
      const members = table === 'diabetes' ? ['gbdt model'] : []
      expect(two.logs.map((l) => l.message)).toContain(
        table === 'diabetes'
          ? 'Trained ensemble on 353 rows'
          : "Trained ensemble on 455 rows (rf: model selection's out-of-bag fit on the same rows, kept)",
      )
      expect(new Set(lane.families)).toEqual(new Set(['gbdt', 'rf', ...members]))
      expect(decisions(two)).toEqual(decisions(one))
      const families = one.leaderboard.map((e) => e.family)
      expect(families).toEqual([selection.candidates[0].family, 'mlp', 'gbdt', 'rf', 'ensemble'])
      expect(one.leaderboard.every((e) => e.foldScores.length > 0)).toBe(true)
      expect(one.leaderboard.find((e) => e.family === 'mlp')?.note).toMatch(/^stopped after/)
      expect(one.model?.family).toBe('ensemble')
      // Progress still names every candidate's status with an estimate, and a candidate fitting ahead
      // on the second thread says so; the run's percentage never goes back.
      const selecting = progress.filter(
        (e) => e.block === 'model_selection' && e.message?.includes(' s left'),
      )
      expect(selecting.length).toBeGreaterThan(0)
      for (const event of selecting)
        expect(event.message).toMatch(
          /^(linear|logistic): \w+.* · rf: \w+.* · about \d+ s left \(budget \d+ s\)$/,
        )
      expect(selecting.some((e) => /(gbdt|rf): fitting \(on the second thread\)/.test(e.message!))).toBe(true)
      for (let i = 1; i < progress.length; i++)
        expect(progress[i].percent).toBeGreaterThanOrEqual(progress[i - 1].percent)
    }, 120_000)
  }
})

describe("an ensemble's refit on two lanes", () => {
  it('fits all but the first of its tree members on the lane when every member is a tree: the same bytes', async () => {
    const rng = createRng(9)
    const n = 300
    const columns = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng.nextFloat()))
    const X = { nRows: n, names: ['a', 'b', 'c'], columns, categoricalLevels: [0, 0, 0] }
    const values = Float64Array.from(
      { length: n },
      (_, i) => 3 * columns[0][i] - columns[1][i] + rng.nextFloat(),
    )
    const y = { kind: 'regression' as const, values }
    const hyperparameters = ensembleHyperparameters([
      { family: 'gbdt', hyperparameters: { max_iter: 30 }, weight: 0.25 },
      { family: 'rf', hyperparameters: { n_estimators: 12 }, weight: 0.25 },
      { family: 'tree', hyperparameters: {}, weight: 0.5 },
    ])
    const options = () => ({ task: 'regression' as const, rng: createRng(5).fork('training') })
    const alone = await ensembleFamily.fit(X, y, hyperparameters, options())
    const lane = new CountingLane()
    const shared = await ensembleFamily.fit(X, y, hyperparameters, { ...options(), lane: modelLane(lane) })
    expect(lane.families).toEqual(['rf model', 'tree model'])
    expect(digest(await shared.serialize())).toBe(digest(await alone.serialize()))
    expect(Array.from(await shared.predict(X))).toEqual(Array.from(await alone.predict(X)))
  })
})
