import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ValidationError, WorkerError } from '../../domain/errors.ts'
import { createRng } from '../../domain/random.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import './allModels.ts'
import { minimizeLbfgs } from './lbfgs.ts'
import { createFitContinuation, getModelFamily } from './model.ts'
import { decodeModelFile, encodeModelFile } from './tfjsCommon.ts'

function matrix(columns: number[][]): FeatureMatrix {
  return {
    nRows: columns[0].length,
    names: columns.map((_, j) => `x${j}`),
    columns: columns.map((c) => Float64Array.from(c)),
    categoricalLevels: columns.map(() => 0),
  }
}

/** Two noisy Gaussian-ish clusters per class along x0, drawn from the seeded RNG. */
function blobs(n: number, classes: number, seed: number): { X: FeatureMatrix; y: Target } {
  const rng = createRng(seed)
  const x0: number[] = []
  const x1: number[] = []
  const codes = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const k = i % classes
    codes[i] = k
    x0.push(k * 2 + rng.nextNormal() * 0.7)
    x1.push(rng.nextNormal())
  }
  return {
    X: matrix([x0, x1]),
    y: { kind: 'classification', codes, classes: Array.from({ length: classes }, (_, k) => `c${k}`) },
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('linear (ridge)', () => {
  it('matches the closed-form ridge solution with an unpenalised intercept', async () => {
    const X = matrix([
      [1, 2, 3, 4, 5],
      [2, 1, 0, 1, 3],
    ])
    const y: Target = { kind: 'regression', values: Float64Array.of(3, 4, 5.5, 8, 11) }
    const fit = await getModelFamily('linear').fit(
      X,
      y,
      { alpha: 0 },
      { task: 'regression', rng: createRng(1) },
    )
    const pred = await fit.predict(X)
    // alpha = 0 is least squares: residuals are orthogonal to the centred features and sum to zero.
    const residual = Array.from(pred, (p, i) => y.values[i] - p)
    expect(residual.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 4)
    const ridge = await getModelFamily('linear').fit(
      X,
      y,
      { alpha: 1 },
      { task: 'regression', rng: createRng(1) },
    )
    const importance = ridge.featureImportance!().values
    const ls = fit.featureImportance!().values
    expect(Math.hypot(...importance)).toBeLessThan(Math.hypot(...ls)) // shrinkage
  })

  it('rejects a classification target and bad hyperparameters with the parameter named', async () => {
    const { X, y } = blobs(20, 2, 1)
    await expect(
      getModelFamily('linear').fit(X, y, { alpha: 1 }, { task: 'binary', rng: createRng(1) }),
    ).rejects.toThrow("Model 'linear' needs a regression target, got classification")
    const reg: Target = { kind: 'regression', values: new Float64Array(20) }
    await expect(
      getModelFamily('linear').fit(X, reg, { alpha: -1 }, { task: 'regression', rng: createRng(1) }),
    ).rejects.toThrow("Hyperparameter 'alpha' of model 'linear' must be a number ≥ 0, got -1")
  })
})

describe('logistic', () => {
  it('fits binary and multinomial problems to a stationary point of the L2 objective', async () => {
    for (const classes of [2, 3]) {
      const { X, y } = blobs(150, classes, classes)
      const model = await getModelFamily('logistic').fit(
        X,
        y,
        { C: 1, maxIter: 500, tol: 1e-6 },
        { task: classes === 2 ? 'binary' : 'multiclass', rng: createRng(1) },
      )
      expect(model.nClasses).toBe(classes)
      // At least to 1e-4 in the gradient (float32 in TF.js reaches no further; these small problems are float64).
      expect(model.trainingMetadata.converged).toBe(true)
      expect(model.trainingMetadata.gradientMax).toBeLessThan(1e-4)
      const proba = await model.predictProba(X)
      for (let i = 0; i < 150; i++) {
        let sum = 0
        for (let k = 0; k < classes; k++) sum += proba[i * classes + k]
        expect(sum).toBeCloseTo(1, 5)
      }
      const pred = await model.predict(X)
      const accuracy =
        Array.from(pred).filter((p, i) => p === (y as { codes: Int32Array }).codes[i]).length / 150
      expect(accuracy).toBeGreaterThan(0.8)
      expect(model.trainingCurve!()!.train.length).toBeGreaterThan(1)
    }
  })

  it('takes a small problem’s loss in float64 arrays and a large one’s in TF.js, to the same optimum', async () => {
    // The same objective twice: 150 rows with C = 1, and those rows 240 times over with C = 1/240 (the
    // mean loss and the penalty 1 / (C × rows) are unchanged), which is past the arrays' size.
    const { X, y } = blobs(150, 3, 4)
    const copies = 240
    const big: FeatureMatrix = {
      ...X,
      nRows: 150 * copies,
      columns: X.columns.map((c) => Float64Array.from({ length: 150 * copies }, (_, i) => c[i % 150])),
    }
    const codes = (y as { codes: Int32Array }).codes
    const bigY: Target = {
      ...(y as Extract<Target, { kind: 'classification' }>),
      codes: Int32Array.from({ length: 150 * copies }, (_, i) => codes[i % 150]),
    }
    const family = getModelFamily('logistic')
    const small = await family.fit(
      X,
      y,
      { C: 1, maxIter: 500, tol: 1e-6 },
      { task: 'multiclass', rng: createRng(1) },
    )
    const large = await family.fit(
      big,
      bigY,
      { C: 1 / copies, maxIter: 200, tol: 1e-4 },
      { task: 'multiclass', rng: createRng(1) },
    )
    expect(small.trainingMetadata.objective).toBe('arrays')
    expect(large.trainingMetadata.objective).toBe('tfjs')
    // Float64 reaches the optimum far more tightly than float32 does.
    expect(small.trainingMetadata.converged).toBe(true)
    expect(small.trainingMetadata.gradientMax).toBeLessThan(1e-6)
    expect(
      Math.abs((small.trainingMetadata.finalLoss as number) - (large.trainingMetadata.finalLoss as number)),
    ).toBeLessThan(1e-5)
    const a = await small.predictProba(X)
    const b = await large.predictProba(X)
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(2e-3)
  })

  it('serializes to versioned bytes that load back with identical predictions', async () => {
    const { X, y } = blobs(60, 3, 5)
    const family = getModelFamily('logistic')
    const model = await family.fit(X, y, family.defaults('multiclass'), {
      task: 'multiclass',
      rng: createRng(1),
    })
    const bytes = await model.serialize()
    expect(new TextDecoder().decode(bytes.subarray(0, 7))).toBe('BFLYTFM')
    const loaded = await family.load(bytes)
    expect(await loaded.predictProba(X)).toEqual(await model.predictProba(X))
    expect(await loaded.serialize()).toEqual(bytes)
    await expect(getModelFamily('mlp').load(bytes)).rejects.toThrow(
      "Model file (mlp): holds a 'logistic' model",
    )
    await expect(family.load(bytes.subarray(0, 10))).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('mlp', () => {
  it('is deterministic for a seed, reports epochs, early-stops and round-trips', async () => {
    const { X, y } = blobs(120, 2, 3)
    const family = getModelFamily('mlp')
    const hp = { ...family.defaults('binary'), hiddenUnits: '8,4', maxEpochs: 15, patience: 3, batchSize: 32 }
    const epochs: number[] = []
    const a = await family.fit(X, y, hp, {
      task: 'binary',
      rng: createRng(9),
      onProgress: (p) => epochs.push(p.epoch!),
    })
    const b = await family.fit(X, y, hp, { task: 'binary', rng: createRng(9) })
    const c = await family.fit(X, y, hp, { task: 'binary', rng: createRng(10) })
    expect(await a.serialize()).toEqual(await b.serialize())
    expect(await a.serialize()).not.toEqual(await c.serialize())
    expect(epochs[0]).toBe(1)
    const curve = a.trainingCurve!()!
    expect(curve.unit).toBe('epoch')
    expect(curve.train.length).toBe(epochs.length)
    expect(curve.validation!.length).toBe(epochs.length)
    const loaded = await family.load(await a.serialize())
    expect(await loaded.predictProba(X)).toEqual(await a.predictProba(X))
  })

  it('continues a capped fit to a higher epoch cap: the same model as one fit from scratch', async () => {
    const { X, y } = blobs(160, 3, 5)
    const family = getModelFamily('mlp')
    const hp = { ...family.defaults('multiclass'), hiddenUnits: '8', maxEpochs: 40, patience: 50 }
    const options = { task: 'multiclass' as const }
    const direct = await family.fit(X, y, hp, { ...options, rng: createRng(7) })
    const continuation = createFitContinuation()
    const epochs: number[] = []
    const capped = await family.fit(
      X,
      y,
      { ...hp, maxEpochs: 15 },
      { ...options, rng: createRng(7), continuation },
    )
    expect(capped.trainingMetadata.epochs).toBe(15)
    expect(continuation.state).toBeDefined()
    const continued = await family.fit(X, y, hp, {
      ...options,
      rng: createRng(7),
      continuation,
      onProgress: (p) => epochs.push(p.epoch!),
    })
    // Only epochs 16 to 40 were trained; weights, curves and metadata are those of the direct fit.
    expect(epochs[0]).toBe(16)
    expect(epochs.at(-1)).toBe(40)
    expect(await continued.serialize()).toEqual(await direct.serialize())
    expect(continued.trainingCurve!()).toEqual(direct.trainingCurve!())
    // Another seed or other rows start afresh (and match their own direct fit).
    const otherSeed = await family.fit(X, y, hp, { ...options, rng: createRng(8), continuation })
    expect(await otherSeed.serialize()).toEqual(
      await (await family.fit(X, y, hp, { ...options, rng: createRng(8) })).serialize(),
    )
    const fewer = blobs(150, 3, 5)
    const afresh = await family.fit(fewer.X, fewer.y, hp, { ...options, rng: createRng(8), continuation })
    expect(await afresh.serialize()).toEqual(
      await (await family.fit(fewer.X, fewer.y, hp, { ...options, rng: createRng(8) })).serialize(),
    )
    continuation.dispose()
    expect(continuation.state).toBeUndefined()
  })

  it('learns a regression target on its original scale', async () => {
    const rng = createRng(4)
    const x = Array.from({ length: 200 }, () => rng.nextFloat() * 4 - 2)
    const y: Target = { kind: 'regression', values: Float64Array.from(x, (v) => 1000 + 300 * v) }
    const family = getModelFamily('mlp')
    const model = await family.fit(
      matrix([x]),
      y,
      { ...family.defaults('regression'), hiddenUnits: '16', maxEpochs: 60, learningRate: 0.01 },
      {
        task: 'regression',
        rng: createRng(2),
      },
    )
    const pred = await model.predict(matrix([[0, 1]]))
    expect(pred[0]).toBeGreaterThan(900)
    expect(pred[0]).toBeLessThan(1100)
    expect(pred[1]).toBeGreaterThan(pred[0] + 150)
  })

  it('stops with WorkerError(cancelled) between epochs', async () => {
    const { X, y } = blobs(60, 2, 3)
    let epochs = 0
    const fit = getModelFamily('mlp').fit(
      X,
      y,
      { ...getModelFamily('mlp').defaults('binary'), maxEpochs: 50 },
      {
        task: 'binary',
        rng: createRng(1),
        onProgress: () => epochs++,
        isCancelled: () => epochs >= 2,
      },
    )
    await expect(fit).rejects.toBeInstanceOf(WorkerError)
    expect(epochs).toBe(2)
  })

  it('names a bad hyperparameter', async () => {
    const { X, y } = blobs(20, 2, 3)
    await expect(
      getModelFamily('mlp').fit(
        X,
        y,
        { ...getModelFamily('mlp').defaults('binary'), hiddenUnits: '8,x' },
        { task: 'binary', rng: createRng(1) },
      ),
    ).rejects.toThrow(
      "Hyperparameter 'hiddenUnits' of model 'mlp' must be comma-separated positive integers like '64,32', got 8,x",
    )
  })
})

describe('model container and L-BFGS', () => {
  it('keeps float64 and float32 tensors bit-exact', () => {
    const w64 = Float64Array.of(Math.PI, -1e-300, 12345.678)
    const w32 = Float32Array.of(0.1, -2.5)
    const bytes = encodeModelFile(
      {
        family: 'x',
        hyperparameters: { a: 1 },
        featureNames: ['f'],
        nClasses: 0,
        extra: {},
        trainingMetadata: {},
      },
      [
        { name: 'w64', shape: [3], values: w64 },
        { name: 'w32', shape: [2], values: w32 },
      ],
    )
    const { header, tensors } = decodeModelFile(bytes, 'x')
    expect(header.featureNames).toEqual(['f'])
    expect(tensors.get('w64')!.values).toEqual(w64)
    expect(tensors.get('w32')!.values).toEqual(w32)
  })

  it('minimises a convex quadratic', () => {
    const result = minimizeLbfgs(
      (x, g) => {
        g[0] = 2 * (x[0] - 3)
        g[1] = 20 * (x[1] + 1)
        return (x[0] - 3) ** 2 + 10 * (x[1] + 1) ** 2
      },
      new Float64Array(2),
      { maxIterations: 100, gradientTolerance: 1e-10 },
    )
    expect(result.x[0]).toBeCloseTo(3, 8)
    expect(result.x[1]).toBeCloseTo(-1, 8)
  })
})

describe('MLP auto batch size', () => {
  it('keeps 32-row batches under 512 rows about 16 steps an epoch up to 256 rows a step, n/64 above', async () => {
    const { autoBatchSize } = await import('./mlp.ts')
    expect(autoBatchSize(20)).toBe(20)
    expect(autoBatchSize(455)).toBe(32)
    expect(autoBatchSize(3500)).toBe(219)
    expect(autoBatchSize(8000)).toBe(256)
    expect(autoBatchSize(43000)).toBe(672)
  })
})
