import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { gbdtFamily } from '../models/gbdt.ts'
import { getTreeModelStructure } from '../trees/fittedTreeModel.ts'
import { predictRaw } from '../trees/treeModel.ts'
import { meanAbsoluteShap } from './shapSummary.ts'
import { treeShap } from './treeShap.ts'

/** 400 rows: x0 numeric signal, x1 categorical (5 levels) signal, x2 noise; NaNs in x0 and x1. */
function data(task: TaskType): { X: FeatureMatrix; y: Target } {
  const rng = createRng(21)
  const n = 400
  const x0 = Float64Array.from({ length: n }, () => (rng.nextFloat() < 0.1 ? Number.NaN : rng.nextNormal()))
  const x1 = Float64Array.from({ length: n }, () => (rng.nextFloat() < 0.1 ? Number.NaN : rng.nextInt(5)))
  const x2 = Float64Array.from({ length: n }, () => rng.nextNormal())
  const signal = Float64Array.from(
    { length: n },
    (_, i) => (Number.isNaN(x0[i]) ? 1 : x0[i]) + (x1[i] === 3 ? 2 : 0),
  )
  const X: FeatureMatrix = {
    nRows: n,
    names: ['x0', 'x1', 'x2'],
    columns: [x0, x1, x2],
    categoricalLevels: [0, 5, 0],
  }
  if (task === 'regression') return { X, y: { kind: 'regression', values: signal } }
  const classes = task === 'binary' ? ['a', 'b'] : ['a', 'b', 'c']
  const cut = (v: number): number => (task === 'binary' ? (v > 0.5 ? 1 : 0) : v < 0 ? 0 : v < 1.2 ? 1 : 2)
  return { X, y: { kind: 'classification', codes: Int32Array.from(signal, cut), classes } }
}

describe('TreeSHAP on fitted Butterfly gradient boosting models', () => {
  for (const task of ['regression', 'binary', 'multiclass'] as const) {
    it(`adds up to the raw output on every row and ranks signal above noise (${task})`, async () => {
      const { X, y } = data(task)
      const model = await gbdtFamily.fit(
        X,
        y,
        { max_iter: 15, early_stopping: false, min_samples_leaf: 5 },
        { task, rng: createRng(1) },
      )
      const structure = getTreeModelStructure(model)!
      const shap = treeShap(structure.ensemble, X.columns, X.nRows)
      const raw = predictRaw(structure.ensemble, X)
      const k = structure.ensemble.nOutputs
      expect(shap.values).toHaveLength(task === 'multiclass' ? 3 : 1)
      for (let o = 0; o < k; o++) {
        for (let i = 0; i < X.nRows; i++) {
          let sum = shap.expectedValue[o]
          for (let f = 0; f < 3; f++) sum += shap.values[o][i * 3 + f]
          expect(Math.abs(sum - raw[i * k + o])).toBeLessThan(1e-9)
        }
      }
      const importance = meanAbsoluteShap(shap)
      expect(importance[0]).toBeGreaterThan(importance[2])
      expect(importance[1]).toBeGreaterThan(importance[2])
    })
  }
})
