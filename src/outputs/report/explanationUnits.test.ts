/**
 * Explanations in the data's units (issue 13.13): a real recipe (standard scaling, one-hot, ordinal,
 * log1p, calendar parts) is undone exactly, and a run's explanation records its rows' dataset numbers
 * and table values, so a row's waterfall reads "Neighborhood = Edwards", "Year_Built = 1968".
 */
import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { explainBudgetWithRowLimit, explainRun } from '../../engine/explain/explainRun.ts'
import { featureUnits, toDataUnits } from '../../engine/explain/featureUnits.ts'
import type { DataFrame, Target } from '../../engine/frame.ts'
import { gbdtFamily } from '../../engine/models/gbdt.ts'
import { defaultPreprocessingConfig, fitPreprocessing } from '../../engine/pipeline/blocks/preprocessing.ts'
import { applyFeatureRecipe, type FeatureRecipe } from '../../engine/pipeline/featureRecipe.ts'
import { rowExplanationsFromShap } from './reportInput.ts'

const n = 240
const neighborhoods = ['Edwards', 'Gilbert', 'North_Ames', 'Somerset']
const rng = createRng(3)
const year = Float64Array.from({ length: n }, () => 1900 + Math.floor(rng.nextFloat() * 110))
const area = Float64Array.from({ length: n }, () => 600 + Math.floor(rng.nextFloat() * 3000))
const codes = Int32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -1 : Math.floor(rng.nextFloat() * 4)))
const price = Float64Array.from(
  { length: n },
  (_, i) => 50 * area[i] + 800 * (year[i] - 1900) + (codes[i] === 2 ? 60_000 : 0),
)
const frame: DataFrame = {
  nRows: n,
  columns: [
    { name: 'Year_Built', type: 'numeric', kind: 'numeric', values: year },
    { name: 'Gr_Liv_Area', type: 'numeric', kind: 'numeric', values: area },
    { name: 'Neighborhood', type: 'categorical', kind: 'categorical', codes, levels: neighborhoods },
  ],
}
const trainRows = Int32Array.from({ length: 180 }, (_, i) => i)
const testRows = Int32Array.from({ length: n - 180 }, (_, i) => 180 + i)

function recipe(config = {}): FeatureRecipe {
  const settings = { ...defaultPreprocessingConfig(), ...config }
  return {
    version: 1,
    scaling: settings.scaling,
    steps: fitPreprocessing(frame, ['Year_Built', 'Gr_Liv_Area', 'Neighborhood'], trainRows, settings),
  }
}

describe('feature units', () => {
  it('undo the scaling of every numeric input and name the level of each one-hot column', () => {
    const r = recipe({ scaling: 'standard', encoding: 'onehot' })
    const units = featureUnits(r, frame)
    const X = applyFeatureRecipe(r, frame, testRows)
    const yearColumn = X.columns[X.names.indexOf('Year_Built')]
    // Standardised values are small; undone they are the years again.
    expect(Math.max(...yearColumn.map(Math.abs))).toBeLessThan(3)
    yearColumn.forEach((v, i) => {
      expect(toDataUnits(units.Year_Built, v)).toBeCloseTo(year[testRows[i]], 9)
    })
    expect(units['Neighborhood=Edwards']).toEqual({ kind: 'level', source: 'Neighborhood', level: 'Edwards' })
    expect(Object.keys(units)).toEqual(X.names)
  })

  it('ordinal codes keep their level names; a log1p input comes back in its own units', () => {
    const r = recipe({ scaling: 'minmax', encoding: 'ordinal' })
    expect(featureUnits(r, frame).Neighborhood).toEqual({
      kind: 'levels',
      source: 'Neighborhood',
      levels: neighborhoods,
    })
    const logged: FeatureRecipe = {
      version: 1,
      scaling: 'standard',
      steps: [
        {
          kind: 'numeric',
          source: 'Gr_Liv_Area',
          output: 'log1p(Gr_Liv_Area)',
          fill: 0,
          log: true,
          affine: { center: 7, scale: 0.5 },
        },
      ],
    }
    const X = applyFeatureRecipe(logged, frame)
    expect(toDataUnits(featureUnits(logged)['log1p(Gr_Liv_Area)'], X.columns[0][5])).toBeCloseTo(area[5], 6)
  })

  it('a run’s explanation numbers its rows as the data grid and shows each column once, as the table holds it', async () => {
    const r = recipe({ scaling: 'standard', encoding: 'onehot' })
    const train = applyFeatureRecipe(r, frame, trainRows)
    const test = applyFeatureRecipe(r, frame, testRows)
    const target: Target = { kind: 'regression', values: price }
    const model = await gbdtFamily.fit(
      train,
      { kind: 'regression', values: Float64Array.from(trainRows, (i) => price[i]) },
      { max_iter: 20, early_stopping: false },
      { task: 'regression', rng: createRng(1) },
    )
    // Frame row i is input row 10 + i (say ten rows with no target were dropped before the split).
    const sourceRows = Int32Array.from({ length: n }, (_, i) => 10 + i)
    const explanation = (await explainRun(
      {
        rng: createRng(5),
        data: { target, testRows, frame, sourceRows },
        features: { test, recipe: r, alteredByHook: false },
        models: { chosen: { model } },
        importances: undefined,
        progress: () => {},
        log: () => {},
        isCancelled: undefined,
        now: () => 0,
      },
      { budget: explainBudgetWithRowLimit(40) },
    ))!
    const shap = explanation.shap!
    const position = 3
    const frameRow = testRows[shap.rowIndex[position]]
    expect(shap.rowNumbers![position]).toBe(frameRow + 11)
    const [row] = rowExplanationsFromShap(shap, explanation.featureNames, [position], 0, explanation.units)
    expect(row.label).toBe(`Row ${frameRow + 11}`)
    const labels = Object.fromEntries(row.explanation.contributions.map((c) => [c.feature, c.display]))
    expect(Object.keys(labels).sort()).toEqual(['Gr_Liv_Area', 'Neighborhood', 'Year_Built'])
    expect(labels.Year_Built).toBe(String(year[frameRow]))
    expect(labels.Gr_Liv_Area).toBe(String(area[frameRow]))
    expect(labels.Neighborhood).toBe(codes[frameRow] < 0 ? 'missing' : neighborhoods[codes[frameRow]])
    // The one-hot columns' SHAP values add up into the column's, so the waterfall still ends at f(x).
    const total = row.explanation.contributions.reduce(
      (sum, c) => sum + c.shap,
      row.explanation.expectedValue,
    )
    expect(total).toBeCloseTo(row.explanation.prediction, 6)
    const raw = rowExplanationsFromShap(shap, explanation.featureNames, [position], 0)[0]
    expect(raw.explanation.prediction).toBeCloseTo(row.explanation.prediction, 9)
    expect(raw.explanation.contributions.length).toBeGreaterThan(row.explanation.contributions.length)
  })
})
