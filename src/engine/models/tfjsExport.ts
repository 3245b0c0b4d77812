/**
 * Export of Butterfly's neural models (`mlp`, `logistic`) as standard TF.js layers-model files: a
 * `model.json` (topology + weights manifest) and one flat `.weights.bin`, loadable anywhere with
 * `tf.loadLayersModel`. Butterfly keeps raw weight arrays in its own container (see tfjsCommon.ts); here
 * they are put into an equivalent `tf.sequential()` of dense layers so the exported model computes what
 * the Butterfly model's predict computes, step for step.
 *
 * What the exported model expects and returns:
 * - Input: row-major float32 `[n, d]`, the model package's recipe outputs in `featureNames` order, with
 *   NaN replaced by 0 (what `toRowMajorFloat32` does before every Butterfly prediction).
 * - `mlp` classification: softmax probabilities `[n, nClasses]`. `mlp` regression: the prediction in
 *   target units `[n, 1]` (the training-time target standardisation is a final 1 → 1 dense layer).
 * - `logistic` multiclass: softmax probabilities `[n, nClasses]`. `logistic` binary: `[n, 1]` = P(class 1)
 *   (a sigmoid, as Butterfly computes it; P(class 0) = 1 − p), since standard layers cannot output both.
 *
 * Exactness: Butterfly predicts both families in float32 through TF.js (logistic keeps float64 weights
 * but casts them to float32 before predicting), and the layers use the same kernels (matMul + bias +
 * activation), so on the CPU backend the exported model's outputs equal Butterfly's bit for bit. Other
 * backends may fuse matMul/bias/activation differently, so expect float32 rounding differences there.
 */
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../domain/errors.ts'
import { decodeModelFile } from './tfjsCommon.ts'

/** The two files of an exported model; `modelJson` references the weights by `weightsFileName`. */
export interface TfjsModelFiles {
  /** Standard TF.js `model.json` text (format 'layers-model'). */
  modelJson: string
  /** The single weights file the manifest lists, little-endian float32. */
  weights: Uint8Array
  /** Flat file name (no slashes) under which `weights` must be stored next to `model.json`. */
  weightsFileName: string
}

/** Families whose models can be exported as TF.js layers models. */
export const tfjsExportableFamilies: readonly string[] = ['mlp', 'logistic']

/** Plain dense layer to rebuild: row-major `inputs × outputs` kernel, bias, activation. */
interface DenseSpec {
  name: string
  inputs: number
  outputs: number
  kernel: Float32Array
  bias: Float32Array
  activation: 'relu' | 'softmax' | 'sigmoid' | 'linear'
}

/** What a rebuilt model needs besides its layers: the metadata written into `userDefinedMetadata`. */
interface ExportPlan {
  layers: DenseSpec[]
  output: string
  metadata: Record<string, unknown>
}

/**
 * Exports a serialized `mlp` or `logistic` model (bytes from `FittedModel.serialize()`) as TF.js
 * layers-model files; `undefined` for every other family. Throws ValidationError('invalid-record') when
 * the bytes are not a model of `family`. Needs an initialised TF.js backend.
 */
export async function exportTfjsModelFiles(
  family: string,
  modelBytes: Uint8Array,
): Promise<TfjsModelFiles | undefined> {
  const plan =
    family === 'mlp' ? planMlp(modelBytes) : family === 'logistic' ? planLogistic(modelBytes) : undefined
  if (!plan) return undefined
  const weightsFileName = `${family}.weights.bin`
  const model = buildSequential(family, plan.layers)
  try {
    model.setUserDefinedMetadata({ butterfly: { ...plan.metadata, output: plan.output } })
    let saved: tf.io.ModelArtifacts | undefined
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
      }),
    )
    if (!saved?.modelTopology || !saved.weightSpecs || saved.weightData === undefined)
      throw new Error(`TF.js did not produce model artifacts for '${family}'`)
    const modelJson: tf.io.ModelJSON = {
      format: saved.format ?? 'layers-model',
      generatedBy: saved.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: saved.convertedBy ?? null,
      modelTopology: saved.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightsManifest: [{ paths: [weightsFileName], weights: saved.weightSpecs }],
      ...(saved.userDefinedMetadata ? { userDefinedMetadata: saved.userDefinedMetadata } : {}),
    }
    return {
      modelJson: JSON.stringify(modelJson),
      weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData)),
      weightsFileName,
    }
  } finally {
    model.dispose()
  }
}

/**
 * Loads files written by {@link exportTfjsModelFiles} (or any single-file TF.js layers model) from memory.
 * The weights must be the concatenation of every file the manifest lists, in order (one file here).
 */
export async function loadTfjsModelFiles(modelJson: string, weights: Uint8Array): Promise<tf.LayersModel> {
  const parsed = JSON.parse(modelJson) as tf.io.ModelJSON
  if (parsed.format !== 'layers-model' || !parsed.modelTopology || !Array.isArray(parsed.weightsManifest))
    throw new ValidationError(
      'invalid-record',
      'TF.js model.json: not a layers model with a weights manifest',
    )
  // Copy so the buffer holds exactly these bytes (a Uint8Array may view part of a larger buffer).
  const weightData = weights.slice().buffer
  const artifacts = await tf.io.getModelArtifactsForJSON(parsed, async (manifest) => [
    manifest.flatMap((group) => group.weights),
    weightData,
  ])
  return tf.loadLayersModel(tf.io.fromMemory(artifacts))
}

/** Fixed layer and model names keep model.json identical for identical models (TF.js would number them). */
function buildSequential(family: string, layers: readonly DenseSpec[]): tf.Sequential {
  const model = tf.sequential({ name: `butterfly_${family}` })
  for (const [i, spec] of layers.entries())
    model.add(
      tf.layers.dense({
        name: spec.name,
        units: spec.outputs,
        activation: spec.activation,
        useBias: true,
        // Overwritten just below; zeros avoid drawing random initial weights for nothing.
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [spec.inputs] } : {}),
      }),
    )
  model.layers.forEach((layer, i) => {
    const spec = layers[i]
    const values = [tf.tensor2d(spec.kernel, [spec.inputs, spec.outputs]), tf.tensor1d(spec.bias)]
    layer.setWeights(values)
    for (const tensor of values) tensor.dispose()
  })
  return model
}

function baseMetadata(
  family: string,
  header: { featureNames: string[]; nClasses: number; hyperparameters: unknown },
): Record<string, unknown> {
  return {
    family,
    nClasses: header.nClasses,
    task: header.nClasses === 0 ? 'regression' : header.nClasses === 2 ? 'binary' : 'multiclass',
    featureNames: header.featureNames,
    input:
      'Row-major float32 [n, featureNames.length]: the model package recipe outputs, columns in featureNames order, NaN replaced by 0. Class indices follow the model package class order.',
    hyperparameters: header.hyperparameters,
  }
}

/** Dense ReLU hidden layers, softmax (classification) or linear output, then target un-standardising. */
function planMlp(bytes: Uint8Array): ExportPlan {
  const { header, tensors } = decodeModelFile(bytes, 'mlp')
  const classification = header.nClasses > 0
  const layers: DenseSpec[] = []
  for (let i = 0; tensors.has(`dense${i}/kernel`); i++) {
    const kernel = tensors.get(`dense${i}/kernel`)!
    const bias = tensors.get(`dense${i}/bias`)
    if (!bias) throw new ValidationError('invalid-record', `Model file (mlp): dense${i}/bias is missing`)
    layers.push({
      name: `dense${i}`,
      inputs: kernel.shape[0],
      outputs: kernel.shape[1],
      kernel: Float32Array.from(kernel.values),
      bias: Float32Array.from(bias.values),
      activation: 'relu',
    })
  }
  if (layers.length === 0) throw new ValidationError('invalid-record', 'Model file (mlp): no dense layers')
  layers[layers.length - 1].activation = classification ? 'softmax' : 'linear'
  if (!classification) {
    const { targetMean, targetScale } = header.extra as { targetMean: number; targetScale: number }
    // Butterfly computes z · scale + mean in float32; a 1 → 1 dense layer does the same two operations,
    // where folding them into the last layer's weights would round differently.
    layers.push({
      name: 'target_scale',
      inputs: 1,
      outputs: 1,
      kernel: Float32Array.of(targetScale),
      bias: Float32Array.of(targetMean),
      activation: 'linear',
    })
  }
  return {
    layers,
    output: classification
      ? 'softmax class probabilities [n, nClasses]'
      : 'regression prediction in target units [n, 1]',
    metadata: baseMetadata('mlp', header),
  }
}

/** One dense layer: sigmoid P(class 1) for two classes, softmax for more; weights cast to float32. */
function planLogistic(bytes: Uint8Array): ExportPlan {
  const { header, tensors } = decodeModelFile(bytes, 'logistic')
  const weights = tensors.get('weights')
  const intercept = tensors.get('intercept')
  if (!weights || !intercept)
    throw new ValidationError('invalid-record', 'Model file (logistic): weights or intercept missing')
  const [d, k] = weights.shape
  return {
    layers: [
      {
        name: 'logits',
        inputs: d,
        outputs: k,
        kernel: Float32Array.from(weights.values),
        bias: Float32Array.from(intercept.values),
        activation: k === 1 ? 'sigmoid' : 'softmax',
      },
    ],
    output:
      k === 1
        ? 'sigmoid probability of class 1 [n, 1]; probability of class 0 is 1 - p'
        : 'softmax class probabilities [n, nClasses]',
    metadata: baseMetadata('logistic', header),
  }
}
