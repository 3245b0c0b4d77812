import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import type { DataFrame, FeatureMatrix } from '../frame.ts'
import { featureMatrixRows } from '../frame.ts'
import { getModelFamily } from '../models/model.ts'
import '../models/mlp.ts'
import { logLoss } from '../metrics/classification.ts'
import type { FeatureRecipe } from '../pipeline/featureRecipe.ts'
import { applyFeatureRecipe } from '../pipeline/featureRecipe.ts'
import { frameChunkSource } from './chunkSource.ts'
import { type RefitInput, refitLarge } from './largeRefit.ts'
import { mlpStreamValidation, streamedMlpEpochs } from './streamedMlp.ts'

const d = 6
/** `n` rows of six numbers and a binary target that a small sample cannot learn well (interactions, a sine). */
function table(n: number): { frame: DataFrame; y: Int32Array } {
  const rng = createRng(21)
  const x = Array.from({ length: d }, () => new Float64Array(n))
  const y = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    for (const column of x) column[i] = rng.nextNormal()
    const score =
      Math.sin(2 * x[0][i]) + x[1][i] * x[2][i] - 0.8 * Math.abs(x[3][i]) + 0.5 + 0.3 * rng.nextNormal()
    y[i] = score > 0 ? 1 : 0
  }
  return {
    frame: {
      nRows: n,
      columns: x.map((values, k) => ({
        name: `x${k}`,
        type: 'numeric' as const,
        kind: 'numeric' as const,
        values,
      })),
    },
    y,
  }
}

const recipe: FeatureRecipe = {
  version: 1,
  scaling: 'none',
  steps: Array.from({ length: d }, (_, k) => ({
    kind: 'numeric' as const,
    source: `x${k}`,
    output: `x${k}`,
    fill: 0,
    log: false,
    affine: { center: 0, scale: 1 },
  })),
}

const hyperparameters = {
  ...getModelFamily('mlp').defaults('binary'),
  hiddenUnits: '32,16',
  learningRate: 0.003,
}

/**
 * A refit's input: every fifth row a test row; the sample every `sampleEvery`-th training row. `y` holds
 * class codes (binary) or, with `regression`, values.
 */
function inputFor(
  frame: DataFrame,
  y: Int32Array | Float64Array,
  chunkRows: number,
  sampleEvery: number,
  regression = false,
) {
  const isTest = new Uint8Array(frame.nRows)
  const train: number[] = []
  const test: number[] = []
  for (let i = 0; i < frame.nRows; i++)
    if (i % 5 === 4) {
      isTest[i] = 1
      test.push(i)
    } else train.push(i)
  const sampleIndex = train.map((_, j) => j).filter((j) => j % sampleEvery === 0)
  const all = applyFeatureRecipe(recipe, frame, Int32Array.from(train))
  const sampleTrain = featureMatrixRows(all, Int32Array.from(sampleIndex))
  const classes = regression ? [] : ['0', '1']
  const log: string[] = []
  const fits: { fraction: number; message?: string }[] = []
  const input: RefitInput = {
    source: frameChunkSource(frame),
    featureColumns: frame.columns.map((c) => c.name),
    chunkRows,
    hints: {},
    recipe,
    isTest,
    yTrain: Float64Array.from(train, (i) => y[i]),
    classes,
    task: regression ? 'regression' : 'binary',
    sampleTrain,
    sampleTarget: regression
      ? { kind: 'regression', values: Float64Array.from(sampleIndex, (j) => y[train[j]]) }
      : { kind: 'classification', classes, codes: Int32Array.from(sampleIndex, (j) => y[train[j]]) },
    sampleTrainIndex: Int32Array.from(sampleIndex),
    selectionRows: sampleIndex.length,
    selectionPositions: Int32Array.from(sampleIndex, (_, k) => k),
    rng: createRng(7),
    checkCancelled: () => {},
    onPass: () => {},
    onFit: (p) => fits.push(p),
    log: (_, message) => log.push(message),
  }
  const testX = applyFeatureRecipe(recipe, frame, Int32Array.from(test))
  const testY = Int32Array.from(test, (i) => y[i])
  const testValues = Float64Array.from(test, (i) => y[i])
  return { input, log, fits, testX, testY, testValues }
}

async function scores(
  model: { predictProba(X: FeatureMatrix): Promise<Float64Array> },
  X: FeatureMatrix,
  y: Int32Array,
) {
  const proba = await model.predictProba(X)
  let correct = 0
  for (let i = 0; i < y.length; i++) if ((proba[2 * i + 1] > 0.5 ? 1 : 0) === y[i]) correct++
  return { accuracy: correct / y.length, logLoss: logLoss(y, proba, 2) }
}

describe('the MLP refitted by mini-batches streamed over a large table', () => {
  const { frame, y } = table(25_000)

  it('beats its fit on the sample alone, and gives the same model whatever the chunk size', async () => {
    const a = inputFor(frame, y, 1000, 40)
    const refit = await refitLarge('mlp', hyperparameters, a.input, () => Date.now())
    const nTrain = a.input.yTrain.length
    expect(refit.rows).toBe(nTrain)
    const metadata = refit.model.trainingMetadata
    expect(metadata.streamedEpochs).toBe(streamedMlpEpochs(nTrain))
    expect(metadata.streamedEpochs).toBe(3)
    expect(refit.hyperparameters.streamedEpochs).toBe(3)
    expect(Number(metadata.bestEpoch)).toBeGreaterThan(0)
    expect(Number(metadata.rows) + Number(metadata.validationRows)).toBe(nTrain)
    expect(refit.how).toMatch(
      /^refitted on all 20,000 training rows: fitted on the 500 rows it was compared on, then \d epochs? of mini-batches streamed over [\d,]+ training rows \([\d,]+ held out; kept the weights after epoch \d\)$/,
    )
    expect(a.log.some((m) => /^mlp on all 20000 training rows: .*3 epochs/.test(m))).toBe(true)
    // Progress rises to 1 and says how long is left.
    expect(a.fits.at(-1)!.fraction).toBe(1)
    for (let i = 1; i < a.fits.length; i++)
      expect(a.fits[i].fraction).toBeGreaterThanOrEqual(a.fits[i - 1].fraction)
    expect(
      a.fits.some((p) =>
        /^epoch 2 of 3 over the streamed training rows: \d+%, about (\d+ min )?\d+ s left$/.test(
          p.message ?? '',
        ),
      ),
    ).toBe(true)

    // The fit on the sample alone: the refit's starting point (the same generator, the same rows).
    const sampleOnly = await getModelFamily('mlp').fit(
      a.input.sampleTrain,
      a.input.sampleTarget,
      hyperparameters,
      {
        task: 'binary',
        rng: createRng(7),
      },
    )
    const streamed = await scores(refit.model, a.testX, a.testY)
    const alone = await scores(sampleOnly, a.testX, a.testY)
    expect(streamed.accuracy).toBeGreaterThan(alone.accuracy + 0.02)
    expect(streamed.logLoss).toBeLessThan(alone.logLoss)

    // Rows are shuffled in blocks of a fixed size, not per chunk: another chunk size, the same bytes.
    const b = inputFor(frame, y, 777, 40)
    const again = await refitLarge('mlp', hyperparameters, b.input, () => Date.now())
    expect(await again.model.serialize()).toEqual(await refit.model.serialize())
  }, 400_000)

  it('refits a regression MLP (standardised targets) better than its fit on the sample alone', async () => {
    const values = Float64Array.from({ length: frame.nRows }, (_, i) => {
      const [a, b, c] = [0, 1, 2].map((k) => (frame.columns[k] as { values: Float64Array }).values[i])
      return 50 + 10 * (Math.sin(2 * a) + b * c) + (y[i] === 1 ? 1 : 0)
    })
    const r = inputFor(frame, values, 4096, 40, true)
    const hp = { ...getModelFamily('mlp').defaults('regression'), hiddenUnits: '32,16' }
    const refit = await refitLarge('mlp', hp, r.input, () => Date.now())
    const sampleOnly = await getModelFamily('mlp').fit(r.input.sampleTrain, r.input.sampleTarget, hp, {
      task: 'regression',
      rng: createRng(7),
    })
    const r2 = async (model: { predict(X: FeatureMatrix): Promise<Float64Array> }) => {
      const predicted = await model.predict(r.testX)
      const mean = r.testValues.reduce((sum, v) => sum + v, 0) / r.testValues.length
      let ssRes = 0
      let ssTot = 0
      for (let i = 0; i < predicted.length; i++) {
        ssRes += (predicted[i] - r.testValues[i]) ** 2
        ssTot += (r.testValues[i] - mean) ** 2
      }
      return 1 - ssRes / ssTot
    }
    const streamed = await r2(refit.model)
    const alone = await r2(sampleOnly)
    expect(streamed).toBeGreaterThan(alone + 0.05)
    expect(streamed).toBeGreaterThan(0.8)
  }, 400_000)

  it('takes the number of epochs from the streamedEpochs hyperparameter when it is set, and refuses a bad one', async () => {
    const small = table(5000)
    const one = inputFor(small.frame, small.y, 1000, 10)
    const refit = await refitLarge('mlp', { ...hyperparameters, streamedEpochs: 1 }, one.input, () =>
      Date.now(),
    )
    expect(refit.model.trainingMetadata.streamedEpochs).toBe(1)
    expect(refit.model.trainingMetadata.epochs).toBe(1)
    expect(refit.hyperparameters.streamedEpochs).toBe(1)
    expect(one.log.some((m) => /^mlp: 1 streamed epoch in /.test(m))).toBe(true)
    const bad = inputFor(small.frame, small.y, 1000, 10)
    await expect(
      refitLarge('mlp', { ...hyperparameters, streamedEpochs: 0 }, bad.input, () => Date.now()),
    ).rejects.toThrow("Hyperparameter 'streamedEpochs' of model 'mlp' must be an integer from 1 to 20, got 0")
  }, 400_000)

  it('holds out a seeded slice of at most 10,000 training rows', () => {
    const small = mlpStreamValidation(20_000, 0.1, createRng(1))
    expect(small.count).toBeGreaterThan(1800)
    expect(small.count).toBeLessThan(2200)
    const large = mlpStreamValidation(200_000, 0.1, createRng(1))
    expect(large.count).toBeGreaterThan(9_500)
    expect(large.count).toBeLessThan(10_500)
    expect(mlpStreamValidation(200_000, 0.1, createRng(1)).isValidation).toEqual(large.isValidation)
    expect(mlpStreamValidation(1000, 0, createRng(1)).count).toBe(0)
    expect([1000, 1_000_000, 1_500_000, 10_000_000].map(streamedMlpEpochs)).toEqual([3, 3, 2, 1])
  })
})
