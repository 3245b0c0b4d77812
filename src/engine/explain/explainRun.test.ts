import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { gbdtFamily } from '../models/gbdt.ts'
import { defaultExplainBudget } from './budget.ts'
import { type ExplainRunContext, explainBudgetWithRowLimit, explainRun } from './explainRun.ts'

function matrix(n: number, seed: number): FeatureMatrix {
  const rng = createRng(seed)
  return {
    nRows: n,
    names: ['signal', 'noise'],
    columns: [0, 1].map(() => Float64Array.from({ length: n }, () => rng.nextNormal())),
    categoricalLevels: [0, 0],
  }
}

describe('explainRun', () => {
  it('caps every stage at the row limit', () => {
    const budget = explainBudgetWithRowLimit(200)
    expect([budget.permutation.maxRows, budget.partialDependence.maxRows, budget.shap.maxRows]).toEqual([
      200, 200, 200,
    ])
    expect(budget.permutation.repeats).toBe(defaultExplainBudget.permutation.repeats)
    expect(explainBudgetWithRowLimit(10_000).shap.maxRows).toBe(defaultExplainBudget.shap.maxRows)
  })

  it('explains the chosen tree model on the test rows and fills the importances', async () => {
    const train = matrix(300, 1)
    const test = matrix(120, 2)
    const all = [...train.columns[0], ...test.columns[0]]
    const target: Target = {
      kind: 'classification',
      codes: Int32Array.from(all, (v) => (v > 0 ? 1 : 0)),
      classes: ['no', 'yes'],
    }
    const trainTarget: Target = { ...target, codes: target.codes.slice(0, 300) }
    const model = await gbdtFamily.fit(
      train,
      trainTarget,
      { max_iter: 10, early_stopping: false },
      { task: 'binary', rng: createRng(1) },
    )
    const fractions: number[] = []
    const logs: string[] = []
    const context: ExplainRunContext = {
      rng: createRng(5),
      data: { target, testRows: Int32Array.from({ length: 120 }, (_, i) => 300 + i) },
      features: { test },
      models: { chosen: { model } },
      importances: undefined,
      progress: (p) => fractions.push(p.fraction),
      log: (_level, message) => logs.push(message),
      isCancelled: undefined,
      now: () => performance.now(),
    }
    const explanation = await explainRun(context, { budget: explainBudgetWithRowLimit(100) })
    expect(Object.keys(context.importances!)).toEqual(['signal', 'noise'])
    expect(context.importances!.signal).toBeGreaterThan(0.2)
    expect(explanation!.shap!.rowIndex).toHaveLength(100)
    expect(explanation!.shap!.outputs).toEqual(['yes'])
    expect(explanation!.partialDependence.features[0].feature).toBe('signal')
    expect(fractions.at(-1)).toBe(1)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(logs).toContain('Explainability done')
  })

  it('skips without a model', async () => {
    const logs: string[] = []
    const result = await explainRun({
      rng: createRng(1),
      data: { target: { kind: 'regression', values: new Float64Array(0) }, testRows: new Int32Array(0) },
      features: undefined,
      models: { chosen: undefined },
      importances: undefined,
      progress: () => {},
      log: (_level, message) => logs.push(message),
      isCancelled: undefined,
      now: () => 0,
    })
    expect(result).toBeUndefined()
    expect(logs[0]).toMatch(/skipped/)
  })
})
