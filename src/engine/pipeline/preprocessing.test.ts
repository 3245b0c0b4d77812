import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../domain/errors.ts'
import type { Target } from '../frame.ts'
import {
  fitFeatureEngineering,
  skewness,
  validateFeatureEngineeringConfig,
} from './blocks/featureEngineering.ts'
import type { PreprocessingConfig } from './blocks/preprocessing.ts'
import {
  defaultPreprocessingConfig,
  fitPreprocessing,
  validatePreprocessingConfig,
} from './blocks/preprocessing.ts'
import type { EngineData } from './engineContext.ts'
import type { FeatureRecipe } from './featureRecipe.ts'
import { applyFeatureRecipe } from './featureRecipe.ts'
import { frameFromText } from './textColumns.ts'

// Rows 0–3 train, row 4 test. The test row holds extreme / unseen values that must not leak into fitting.
const frame = frameFromText([
  { name: 'num', values: ['1', '2', null, '4', '100'] },
  { name: 'cat', values: ['a', 'b', 'a', null, 'z'] },
])
const train = Int32Array.of(0, 1, 2, 3)
const test = Int32Array.of(4)

function run(overrides: Partial<PreprocessingConfig>) {
  const config = { ...defaultPreprocessingConfig(), scaling: 'none' as const, ...overrides }
  const recipe: FeatureRecipe = {
    version: 1,
    scaling: config.scaling,
    steps: fitPreprocessing(frame, ['num', 'cat'], train, config),
  }
  const trainX = applyFeatureRecipe(recipe, frame, train)
  const testX = applyFeatureRecipe(recipe, frame, test)
  const col = (m: typeof trainX, name: string) => Array.from(m.columns[m.names.indexOf(name)])
  return { recipe, trainX, testX, col }
}

describe('numeric imputation', () => {
  it('median (default) from training rows only', () => {
    const { trainX, testX, col } = run({})
    expect(col(trainX, 'num')).toEqual([1, 2, 2, 4])
    expect(col(testX, 'num')).toEqual([100])
  })
  it('mean', () =>
    expect(
      run({ numericImputation: 'mean' }).col(run({ numericImputation: 'mean' }).trainX, 'num')[2],
    ).toBeCloseTo(7 / 3, 12))
  it('most_frequent breaks ties by the smallest value', () => {
    const { trainX, col } = run({ numericImputation: 'most_frequent' })
    expect(col(trainX, 'num')).toEqual([1, 2, 1, 4])
  })
  it('constant', () => {
    const { trainX, col } = run({ numericImputation: 'constant', numericFillValue: -1 })
    expect(col(trainX, 'num')).toEqual([1, 2, -1, 4])
  })
  it('indicator adds a missing flag for columns with missing training values', () => {
    const { trainX, testX, col } = run({ numericImputation: 'indicator' })
    expect(trainX.names).toEqual(['num', 'num__missing', 'cat=a', 'cat=b'])
    expect(col(trainX, 'num')).toEqual([1, 2, 2, 4])
    expect(col(trainX, 'num__missing')).toEqual([0, 0, 1, 0])
    expect(col(testX, 'num__missing')).toEqual([0])
  })
})

describe('categorical imputation and encoding', () => {
  it('most_frequent + one-hot in code-point order; unseen test level → all zeros', () => {
    const { trainX, testX, col } = run({})
    expect(trainX.names).toEqual(['num', 'cat=a', 'cat=b'])
    expect(col(trainX, 'cat=a')).toEqual([1, 0, 1, 1])
    expect(col(trainX, 'cat=b')).toEqual([0, 1, 0, 0])
    expect([col(testX, 'cat=a'), col(testX, 'cat=b')]).toEqual([[0], [0]])
  })
  it('constant fill becomes its own level', () => {
    const { trainX, col } = run({ categoricalImputation: 'constant', categoricalFillValue: 'missing' })
    expect(trainX.names).toEqual(['num', 'cat=a', 'cat=b', 'cat=missing'])
    expect(col(trainX, 'cat=missing')).toEqual([0, 0, 0, 1])
  })
  it('one-hot keeps the most frequent levels and folds the rest (and unseen ones) into other', () => {
    const { trainX, testX, col } = run({ maxOneHotLevels: 1 })
    expect(trainX.names).toEqual(['num', 'cat=a', 'cat=__other__'])
    expect(col(trainX, 'cat=__other__')).toEqual([0, 1, 0, 0])
    expect(col(testX, 'cat=__other__')).toEqual([1])
  })
  it('ordinal: level index; missing and unseen take the fill level', () => {
    const { trainX, testX, col } = run({ encoding: 'ordinal' })
    expect(trainX.names).toEqual(['num', 'cat'])
    expect(col(trainX, 'cat')).toEqual([0, 1, 0, 0])
    expect(col(testX, 'cat')).toEqual([0])
    expect(trainX.categoricalLevels).toEqual([0, 2])
  })
  it('frequency: share of training rows, unseen → 0, then scaled', () => {
    const plain = run({ encoding: 'frequency' })
    expect(plain.col(plain.trainX, 'cat__frequency')).toEqual([0.75, 0.25, 0.75, 0.75])
    expect(plain.col(plain.testX, 'cat__frequency')).toEqual([0])
    const scaled = run({ encoding: 'frequency', scaling: 'standard' })
    const values = scaled.col(scaled.trainX, 'cat__frequency')
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12)
    expect(scaled.col(scaled.testX, 'cat__frequency')[0]).toBeCloseTo(-0.625 / Math.sqrt(0.046875), 12)
  })
})

describe('scaling', () => {
  it('standard: z-score with training mean and population std', () => {
    const { trainX, testX, col } = run({ scaling: 'standard' })
    const std = Math.sqrt(4.75 / 4)
    expect(col(trainX, 'num').map((v) => v * std + 2.25)).toEqual(
      [1, 2, 2, 4].map((v) => expect.closeTo(v, 12)),
    )
    expect(col(testX, 'num')[0]).toBeCloseTo((100 - 2.25) / std, 12)
    // One-hot features are not scaled, as in the reference pipeline.
    expect(col(trainX, 'cat=a')).toEqual([1, 0, 1, 1])
  })
  it('minmax: [0, 1] on training rows', () => {
    const { trainX, testX, col } = run({ scaling: 'minmax' })
    expect(col(trainX, 'num')).toEqual([0, 1 / 3, 1 / 3, 1])
    expect(col(testX, 'num')).toEqual([33])
  })
  it('none leaves values as they are', () => {
    const { testX, col } = run({ scaling: 'none' })
    expect(col(testX, 'num')).toEqual([100])
  })
})

describe('preprocessing config validation', () => {
  it('fills defaults and rejects bad values with the setting named', () => {
    expect(validatePreprocessingConfig({})).toEqual(defaultPreprocessingConfig())
    expect(() => validatePreprocessingConfig({ encoding: 'bogus' })).toThrow(
      `Setting 'encoding' of block 'Preprocessing' must be one of onehot, ordinal, frequency, got "bogus"`,
    )
    expect(() => validatePreprocessingConfig({ maxOneHotLevels: 0 })).toThrow(
      "Setting 'maxOneHotLevels' of block 'Preprocessing' must be an integer from 1 to 10000, got 0",
    )
    expect(() => validatePreprocessingConfig({ scalng: 'none' })).toThrow(
      "Block 'Preprocessing' has unknown setting 'scalng'",
    )
    expect(() => validatePreprocessingConfig(null)).toThrow(ValidationError)
  })
})

describe('feature engineering', () => {
  const fe = frameFromText([
    { name: 'when', values: ['2020-01-15', '2021-06-30', '2022-03-01 10:00:00', '2020-12-31', '2023-07-04'] },
    { name: 'skewed', values: ['1', '2', '1', '30', '1000'] },
    { name: 'a', values: ['1', '2', '3', '4', '5'] },
    { name: 'b', values: ['5', '3', '4', '1', '2'] },
  ])
  const feTrain = Int32Array.of(0, 1, 2, 3)
  const target: Target = { kind: 'regression', values: Float64Array.of(1, 2, 3, 4, 5) }
  const data = { frame: fe, trainRows: feTrain, testRows: Int32Array.of(4), target } as EngineData
  const base = (): FeatureRecipe => ({
    version: 1,
    scaling: 'none',
    steps: fitPreprocessing(fe, ['when', 'skewed', 'a', 'b'], feTrain, {
      ...defaultPreprocessingConfig(),
      scaling: 'none',
    }),
  })

  it('replaces datetime columns by the calendar parts that vary', () => {
    const recipe = fitFeatureEngineering(base(), { data }, validateFeatureEngineeringConfig({}))
    const X = applyFeatureRecipe(recipe, fe)
    expect(X.names).toEqual([
      'when__year',
      'when__month',
      'when__day',
      'when__weekday',
      'when__hour',
      'skewed',
      'a',
      'b',
    ])
    expect(Array.from(X.columns[0])).toEqual([2020, 2021, 2022, 2020, 2023])
    expect(Array.from(X.columns[4])).toEqual([0, 0, 10, 0, 0])
  })

  it('log1p-transforms skewed non-negative columns only when asked', () => {
    const off = fitFeatureEngineering(
      base(),
      { data },
      validateFeatureEngineeringConfig({ datetimeParts: false }),
    )
    expect(applyFeatureRecipe(off, fe).names).toContain('skewed')
    const trainSkewed = Float64Array.of(1, 2, 1, 30)
    expect(Math.abs(skewness(trainSkewed))).toBeGreaterThan(1)
    const on = fitFeatureEngineering(
      base(),
      { data },
      validateFeatureEngineeringConfig({ datetimeParts: false, logTransform: true }),
    )
    const X = applyFeatureRecipe(on, fe)
    expect(X.names).toEqual(['when', 'log1p(skewed)', 'a', 'b'])
    expect(X.columns[1][4]).toBeCloseTo(Math.log1p(1000), 12)
  })

  it('adds products of the features most associated with the target', () => {
    const recipe = fitFeatureEngineering(
      base(),
      { data },
      validateFeatureEngineeringConfig({ datetimeParts: false, interactions: true, interactionTopK: 2 }),
    )
    const X = applyFeatureRecipe(recipe, fe)
    // a (r = 1) and b (r ≈ −0.8) beat the date (r ≈ 0.6) on the training rows.
    expect(X.names).toEqual(['when', 'skewed', 'a', 'b', 'a*b'])
    const [a, b] = [X.columns[2], X.columns[3]]
    expect(Array.from(X.columns[4])).toEqual(Array.from(a, (v, i) => v * b[i]))
  })

  it('validates its settings', () => {
    expect(() => validateFeatureEngineeringConfig({ skewThreshold: -1 })).toThrow(
      "Setting 'skewThreshold' of block 'Feature Engineering' must be a number > 0, got -1",
    )
  })
})
