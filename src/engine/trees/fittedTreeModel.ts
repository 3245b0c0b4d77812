/**
 * The FittedModel of all three tree families: prediction on raw feature values, serialization,
 * importances and the training curve, plus {@link getTreeModelStructure} for TreeSHAP.
 */
import type { FeatureMatrix, Target } from '../frame.ts'
import { argmaxRows } from '../metrics/argmax.ts'
import type { FittedModel, Hyperparameters, TrainingCurve } from '../models/model.ts'
import { decodeTreeModel, encodeTreeModel, type TreeModelRecord } from './serialization.ts'
import { predictRaw, rawToProba, type TreeEnsemble, type TreeModelStructure } from './treeModel.ts'

export class TreeFittedModel implements FittedModel {
  readonly framework = 'butterfly-trees' as const
  readonly family: string
  readonly hyperparameters: Hyperparameters
  readonly trainingMetadata: Record<string, unknown>
  readonly featureNames: string[]
  readonly nClasses: number

  constructor(readonly record: TreeModelRecord) {
    this.family = record.family
    this.hyperparameters = record.hyperparameters
    this.featureNames = record.featureNames
    this.nClasses = record.ensemble.nClasses
    const splits = importances(record, 'split')
    this.trainingMetadata = {
      ...record.trainingMetadata,
      splitCounts: splits,
      nTrees: record.ensemble.trees.length,
    }
  }

  /** The model a tree family's fit returns: its ensemble with the data's names and classes. */
  static fromFit(
    family: string,
    X: FeatureMatrix,
    y: Target,
    hyperparameters: Hyperparameters,
    result: { ensemble: TreeEnsemble; metadata: Record<string, unknown>; curve?: TrainingCurve },
  ): TreeFittedModel {
    return new TreeFittedModel({
      family,
      featureNames: X.names.slice(),
      classes: y.kind === 'classification' ? y.classes.slice() : undefined,
      hyperparameters,
      trainingMetadata: result.metadata,
      curve: result.curve ?? null,
      ensemble: result.ensemble,
    })
  }

  static fromBytes(bytes: Uint8Array): TreeFittedModel {
    return new TreeFittedModel(decodeTreeModel(bytes))
  }

  /** Raw outputs (log-odds, softmax logits, forest proportions, regression values), n × nOutputs. */
  predictRaw(X: FeatureMatrix): Float64Array {
    return predictRaw(this.record.ensemble, X)
  }

  async predict(X: FeatureMatrix): Promise<Float64Array> {
    const ensemble = this.record.ensemble
    const raw = predictRaw(ensemble, X)
    if (ensemble.nClasses === 0) return raw
    return argmaxRows(rawToProba(ensemble, raw, X.nRows), ensemble.nClasses)
  }

  async predictProba(X: FeatureMatrix): Promise<Float64Array> {
    const ensemble = this.record.ensemble
    if (ensemble.nClasses === 0) throw new Error(`predictProba: model '${this.family}' is a regression model`)
    return rawToProba(ensemble, predictRaw(ensemble, X), X.nRows)
  }

  async serialize(): Promise<Uint8Array> {
    return encodeTreeModel(this.record)
  }

  /** Total split gain per feature, normalised to sum to 1 (zeros when the model has no split). */
  featureImportance(): { kind: string; values: number[] } {
    return { kind: 'gain', values: importances(this.record, 'gain') }
  }

  /** Importance of either kind: 'gain' (normalised total gain) or 'split' (number of splits). */
  featureImportanceOf(kind: 'gain' | 'split'): { kind: string; values: number[] } {
    return { kind, values: importances(this.record, kind) }
  }

  trainingCurve(): TrainingCurve | undefined {
    return this.record.curve ?? undefined
  }
}

function importances(record: TreeModelRecord, kind: 'gain' | 'split'): number[] {
  const values = new Array<number>(record.ensemble.nFeatures).fill(0)
  for (const tree of record.ensemble.trees) {
    for (let i = 0; i < tree.nNodes; i++) {
      const f = tree.feature[i]
      if (f >= 0) values[f] += kind === 'gain' ? tree.gain[i] : 1
    }
  }
  if (kind === 'gain') {
    const total = values.reduce((a, b) => a + b, 0)
    if (total > 0) for (let f = 0; f < values.length; f++) values[f] /= total
  }
  return values
}

/**
 * The trees, base score and combination rule of a fitted Butterfly tree model (for TreeSHAP), or
 * undefined when `model` is not one.
 */
export function getTreeModelStructure(model: FittedModel): TreeModelStructure | undefined {
  if (!(model instanceof TreeFittedModel)) return undefined
  return { ensemble: model.record.ensemble, featureNames: model.featureNames }
}
