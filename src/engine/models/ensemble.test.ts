import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../domain/errors.ts'
import { createRng } from '../../domain/random.ts'
import { treeShap } from '../explain/treeShap.ts'
import { blobs, regression, slice } from '../trees/testData.ts'
import './allModels.ts'
import type { EnsembleFittedModel } from './ensemble.ts'
import { ensembleHyperparameters, ensembleShapTrees, parseEnsembleMembers } from './ensemble.ts'
import { getModelFamily } from './model.ts'

const forestHp = { n_estimators: 20, max_features: 'auto', max_depth: 'none', min_samples_leaf: 1 }
const gbdtHp = { max_iter: 30, learning_rate: 0.1, min_samples_leaf: 5, early_stopping: false }

describe('ensemble model family', () => {
  it('classification: probabilities are the weighted average of the members’, classes their argmax', async () => {
    const data = blobs(300, 3, 11)
    const train = slice(data, 0, 200)
    const test = slice(data, 200, 300)
    const hyperparameters = ensembleHyperparameters([
      { family: 'gbdt', hyperparameters: gbdtHp, weight: 0.75 },
      { family: 'rf', hyperparameters: forestHp, weight: 0.25 },
    ])
    const ensemble = (await getModelFamily('ensemble').fit(train.X, train.y, hyperparameters, {
      task: 'multiclass',
      rng: createRng(5),
    })) as EnsembleFittedModel
    expect(ensemble.family).toBe('ensemble')
    expect(ensemble.framework).toBe('butterfly-trees')
    expect(ensemble.members.map((m) => [m.model.family, m.weight])).toEqual([
      ['gbdt', 0.75],
      ['rf', 0.25],
    ])
    const a = await ensemble.members[0].model.predictProba(test.X)
    const b = await ensemble.members[1].model.predictProba(test.X)
    const proba = await ensemble.predictProba(test.X)
    for (let i = 0; i < proba.length; i++) expect(proba[i]).toBeCloseTo(0.75 * a[i] + 0.25 * b[i], 14)
    const predicted = await ensemble.predict(test.X)
    for (let r = 0; r < 100; r++) {
      const row = [0, 1, 2].map((k) => proba[r * 3 + k])
      expect(predicted[r]).toBe(row.indexOf(Math.max(...row)))
    }
    // The members differ, so the blend is neither member.
    expect([...proba]).not.toEqual([...a])
    // Same seed → same ensemble.
    const again = await getModelFamily('ensemble').fit(train.X, train.y, hyperparameters, {
      task: 'multiclass',
      rng: createRng(5),
    })
    expect([...(await again.predictProba(test.X))]).toEqual([...proba])
  })

  it('round-trips through its bytes (members’ own bytes inside) with identical predictions', async () => {
    const data = regression(240, 3)
    const train = slice(data, 0, 180)
    const test = slice(data, 180, 240)
    const model = await getModelFamily('ensemble').fit(
      train.X,
      train.y,
      ensembleHyperparameters([
        { family: 'linear', hyperparameters: { alpha: 1 }, weight: 0.4 },
        { family: 'rf', hyperparameters: forestHp, weight: 0.6 },
      ]),
      { task: 'regression', rng: createRng(9) },
    )
    expect(model.framework).toBe('tfjs') // a TF.js member: verify treats it as TF.js
    const bytes = await model.serialize()
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('BFEN')
    const loaded = await getModelFamily('ensemble').load(bytes)
    expect(loaded.hyperparameters).toEqual(model.hyperparameters)
    const original = await model.predict(test.X)
    expect([...(await loaded.predict(test.X))]).toEqual([...original])
    const members = (model as EnsembleFittedModel).members
    const linear = await members[0].model.predict(test.X)
    const forest = await members[1].model.predict(test.X)
    for (let i = 0; i < original.length; i++)
      expect(original[i]).toBeCloseTo(0.4 * linear[i] + 0.6 * forest[i], 12)
    // Damaged bytes are refused with a sentence, never a crash deep inside a member.
    await expect(getModelFamily('ensemble').load(bytes.subarray(0, bytes.length - 3))).rejects.toThrow(
      /Ensemble model bytes: member 1's bytes are cut short/,
    )
    const wrong = bytes.slice()
    wrong[0] = 0x7b
    await expect(getModelFamily('ensemble').load(wrong)).rejects.toThrow(/do not start with 'BFEN'/)
  })

  it('refuses members that cannot form an ensemble, naming the reason', () => {
    const bad = (members: unknown) => () => parseEnsembleMembers({ members: JSON.stringify(members) })
    expect(bad([])).toThrow(/not a candidate itself/)
    expect(bad([{ family: 'rf', hyperparameters: {}, weight: 0.5 }])).toThrow(
      /weights must sum to 1, got 0.5/,
    )
    expect(bad([{ family: 'ensemble', hyperparameters: {}, weight: 1 }])).toThrow(
      /cannot itself be an ensemble/,
    )
    expect(bad([{ family: 'rf', hyperparameters: {}, weight: 0 }])).toThrow(ValidationError)
    expect(() => parseEnsembleMembers({ members: '{' })).toThrow(/is not valid JSON/)
  })

  it('SHAP over tree members, weighted: φ₀ + Σφ equals the ensemble’s output; said unavailable otherwise', async () => {
    const fitEnsemble = async (
      data: ReturnType<typeof regression>,
      task: 'regression' | 'multiclass',
      members: unknown,
    ) =>
      getModelFamily('ensemble').fit(
        data.X,
        data.y,
        { members: JSON.stringify(members) },
        { task, rng: createRng(2) },
      )
    const reg = regression(200, 4)
    const regressor = await fitEnsemble(reg, 'regression', [
      { family: 'gbdt', hyperparameters: gbdtHp, weight: 0.3 },
      { family: 'rf', hyperparameters: forestHp, weight: 0.7 },
    ])
    const regTrees = ensembleShapTrees(regressor).trees!
    const rows = slice(reg, 0, 25)
    const shap = treeShap(regTrees, rows.X.columns, 25)
    const predicted = await regressor.predict(rows.X)
    for (let i = 0; i < 25; i++) {
      let total = shap.expectedValue[0]
      for (let f = 0; f < shap.nFeatures; f++) total += shap.values[0][i * shap.nFeatures + f]
      expect(total).toBeCloseTo(predicted[i], 9)
    }
    const cls = blobs(240, 3, 8)
    const forests = await fitEnsemble(cls, 'multiclass', [
      { family: 'rf', hyperparameters: forestHp, weight: 0.5 },
      { family: 'tree', hyperparameters: { max_depth: 3 }, weight: 0.5 },
    ])
    const clsTrees = ensembleShapTrees(forests).trees!
    const clsRows = slice(cls, 0, 20)
    const clsShap = treeShap(clsTrees, clsRows.X.columns, 20)
    const proba = await forests.predictProba(clsRows.X)
    for (let i = 0; i < 20; i++)
      for (let k = 0; k < 3; k++) {
        let total = clsShap.expectedValue[k]
        for (let f = 0; f < clsShap.nFeatures; f++) total += clsShap.values[k][i * clsShap.nFeatures + f]
        expect(total).toBeCloseTo(proba[i * 3 + k], 9)
      }
    const mixed = await fitEnsemble(cls, 'multiclass', [
      { family: 'gbdt', hyperparameters: gbdtHp, weight: 0.5 },
      { family: 'rf', hyperparameters: forestHp, weight: 0.5 },
    ])
    expect(ensembleShapTrees(mixed)).toEqual({
      reason: expect.stringMatching(
        /^SHAP is not available for this ensemble: it averages class probabilities/,
      ),
    })
    const withLinear = await fitEnsemble(reg, 'regression', [
      { family: 'linear', hyperparameters: { alpha: 1 }, weight: 0.5 },
      { family: 'rf', hyperparameters: forestHp, weight: 0.5 },
    ])
    expect(ensembleShapTrees(withLinear).reason).toMatch(
      /: linear is not a tree model; permutation importance/,
    )
  })
})
