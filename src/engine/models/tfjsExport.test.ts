import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../domain/errors.ts'
import { createRng } from '../../domain/random.ts'
import type { TaskType } from '../../domain/task.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import './allModels.ts'
import type { FittedModel, Hyperparameters } from './model.ts'
import { getModelFamily } from './model.ts'
import { toRowMajorFloat32 } from './tfjsCommon.ts'
import { exportTfjsModelFiles, loadTfjsModelFiles } from './tfjsExport.ts'

/** Three features drawn from the seeded RNG; classes separate along x0, regression is a noisy plane. */
function synthetic(n: number, classes: number, seed: number): { X: FeatureMatrix; y: Target } {
  const rng = createRng(seed)
  const columns = [new Float64Array(n), new Float64Array(n), new Float64Array(n)]
  const codes = new Int32Array(n)
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const k = classes > 0 ? i % classes : 0
    codes[i] = k
    columns[0][i] = k * 2 + rng.nextNormal() * 0.8
    columns[1][i] = rng.nextNormal()
    columns[2][i] = rng.nextNormal() * 3 + 10
    values[i] = 3 * columns[0][i] - 2 * columns[1][i] + 0.5 * columns[2][i] + rng.nextNormal() * 0.1 + 100
  }
  // One NaN: predictions (Butterfly's and the export's input recipe) turn it into 0.
  columns[1][3] = Number.NaN
  const X: FeatureMatrix = {
    nRows: n,
    names: ['x0', 'x1', 'x2'],
    columns,
    categoricalLevels: [0, 0, 0],
  }
  const y: Target =
    classes > 0
      ? { kind: 'classification', codes, classes: Array.from({ length: classes }, (_, k) => `c${k}`) }
      : { kind: 'regression', values }
  return { X, y }
}

async function fitSmall(
  family: string,
  task: TaskType,
  classes: number,
  hp: Hyperparameters,
): Promise<{ model: FittedModel; X: FeatureMatrix }> {
  const { X, y } = synthetic(60, classes, 7)
  const spec = getModelFamily(family)
  const model = await spec.fit(X, y, { ...spec.defaults(task), ...hp }, { task, rng: createRng(3) })
  return { model, X }
}

/** Exports `model`, loads the files back and returns the loaded model's outputs on X's rows. */
async function exportedOutputs(
  model: FittedModel,
  X: FeatureMatrix,
): Promise<{ out: Float32Array; width: number }> {
  const files = await exportTfjsModelFiles(model.family, await model.serialize())
  if (!files) throw new Error(`no export for ${model.family}`)
  const loaded = await loadTfjsModelFiles(files.modelJson, files.weights)
  try {
    const input = tf.tensor2d(toRowMajorFloat32(X), [X.nRows, X.columns.length])
    const result = loaded.predict(input) as tf.Tensor
    const out = result.dataSync() as Float32Array
    const width = result.shape[1] ?? 0
    input.dispose()
    result.dispose()
    return { out, width }
  } finally {
    loaded.dispose()
  }
}

const smallMlp = { hiddenUnits: '8,4', maxEpochs: 15, learningRate: 0.01 }

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('exportTfjsModelFiles', () => {
  it('writes a standard layers-model model.json that names a flat weights file', async () => {
    const { model } = await fitSmall('mlp', 'multiclass', 3, smallMlp)
    const bytes = await model.serialize()
    const files = await exportTfjsModelFiles('mlp', bytes)
    expect(files).toBeDefined()
    const { modelJson, weights, weightsFileName } = files!
    expect(weightsFileName).toMatch(/^[^/\\]+\.weights\.bin$/)
    const json = JSON.parse(modelJson)
    expect(json.format).toBe('layers-model')
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v/)
    expect(json.modelTopology.class_name).toBe('Sequential')
    expect(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual([
      'Dense',
      'Dense',
      'Dense',
    ])
    expect(json.weightsManifest).toHaveLength(1)
    expect(json.weightsManifest[0].paths).toEqual([weightsFileName])
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[]; dtype: string }[]
    expect(specs.map((s) => [s.name, s.shape])).toEqual([
      ['dense0/kernel', [3, 8]],
      ['dense0/bias', [8]],
      ['dense1/kernel', [8, 4]],
      ['dense1/bias', [4]],
      ['dense2/kernel', [4, 3]],
      ['dense2/bias', [3]],
    ])
    expect(specs.every((s) => s.dtype === 'float32')).toBe(true)
    expect(weights.byteLength).toBe(4 * (3 * 8 + 8 + 8 * 4 + 4 + 4 * 3 + 3))
    expect(json.userDefinedMetadata.butterfly).toMatchObject({
      family: 'mlp',
      nClasses: 3,
      task: 'multiclass',
      featureNames: ['x0', 'x1', 'x2'],
    })
    // Same model bytes, same files: layer and model names are fixed, not TF.js's global counters.
    const again = await exportTfjsModelFiles('mlp', bytes)
    expect(again!.modelJson).toBe(modelJson)
    expect(Array.from(again!.weights)).toEqual(Array.from(weights))
  })

  it('mlp classification: the loaded model gives exactly the Butterfly probabilities', async () => {
    const { model, X } = await fitSmall('mlp', 'multiclass', 3, smallMlp)
    const expected = await model.predictProba(X)
    const { out, width } = await exportedOutputs(model, X)
    expect(width).toBe(3)
    expect(Array.from(out)).toEqual(Array.from(expected))
  })

  it('mlp regression: the loaded model gives exactly the Butterfly predictions in target units', async () => {
    const { model, X } = await fitSmall('mlp', 'regression', 0, smallMlp)
    const expected = await model.predict(X)
    expect(Math.abs(expected[0])).toBeGreaterThan(50) // un-standardised: targets sit around 100
    const { out, width } = await exportedOutputs(model, X)
    expect(width).toBe(1)
    expect(Array.from(out)).toEqual(Array.from(expected))
  })

  it('logistic multiclass: softmax output equals the Butterfly probabilities', async () => {
    const { model, X } = await fitSmall('logistic', 'multiclass', 3, {})
    const expected = await model.predictProba(X)
    const { out, width } = await exportedOutputs(model, X)
    expect(width).toBe(3)
    expect(Array.from(out)).toEqual(Array.from(expected))
  })

  it('logistic binary: the sigmoid output is P(class 1), and 1 − p is P(class 0)', async () => {
    const { model, X } = await fitSmall('logistic', 'binary', 2, {})
    const expected = await model.predictProba(X)
    const { out, width } = await exportedOutputs(model, X)
    expect(width).toBe(1)
    const positive = Array.from({ length: X.nRows }, (_, i) => expected[i * 2 + 1])
    const negative = Array.from({ length: X.nRows }, (_, i) => expected[i * 2])
    expect(Array.from(out)).toEqual(positive)
    expect(Array.from(out, (p) => Math.fround(1 - p))).toEqual(negative)
    const json = JSON.parse((await exportTfjsModelFiles('logistic', await model.serialize()))!.modelJson)
    expect(json.userDefinedMetadata.butterfly.output).toMatch(/probability of class 1/)
  })

  it('returns undefined for non-neural families and rejects bytes of another family', async () => {
    const { X, y } = synthetic(40, 2, 1)
    const tree = await getModelFamily('tree').fit(X, y, getModelFamily('tree').defaults('binary'), {
      task: 'binary',
      rng: createRng(1),
    })
    const treeBytes = await tree.serialize()
    expect(await exportTfjsModelFiles('tree', treeBytes)).toBeUndefined()
    expect(await exportTfjsModelFiles('gbdt', treeBytes)).toBeUndefined()
    expect(await exportTfjsModelFiles('linear', treeBytes)).toBeUndefined()
    const { model } = await fitSmall('logistic', 'binary', 2, {})
    await expect(exportTfjsModelFiles('mlp', await model.serialize())).rejects.toThrow(ValidationError)
    await expect(loadTfjsModelFiles('{"format":"graph-model"}', new Uint8Array())).rejects.toThrow(
      ValidationError,
    )
  })
})
