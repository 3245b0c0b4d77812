/**
 * Model family 'tree': one decision tree (CART-style: Gini / variance reduction, all features per
 * split, no bootstrap) on Butterfly's histogram tree learner. Registers itself on import.
 */
import type { TaskType } from '../../domain/task.ts'
import { TreeFittedModel } from '../trees/fittedTreeModel.ts'
import { fitForest } from '../trees/forest.ts'
import { type FittedModel, type Hyperparameters, type ModelFamily, registerModelFamily } from './model.ts'
import { forestParamsFrom } from './rf.ts'

const FAMILY = 'tree'

export const treeFamily: ModelFamily = {
  family: FAMILY,
  label: 'Decision tree',
  framework: 'butterfly-trees',
  tasks: ['binary', 'multiclass', 'regression'],
  defaults(_task: TaskType): Hyperparameters {
    return {
      max_depth: 'none',
      min_samples_leaf: 1,
      min_samples_split: 2,
      max_leaf_nodes: 'none',
      max_bins: 255,
    }
  },
  searchSpace(task: TaskType): Hyperparameters[] {
    const base = this.defaults(task)
    return [
      base,
      { ...base, max_depth: 4 },
      { ...base, max_depth: 8, min_samples_leaf: 5 },
      { ...base, min_samples_leaf: 20 },
    ]
  },
  async fit(X, y, hyperparameters, options): Promise<FittedModel> {
    const params = forestParamsFrom({ ...hyperparameters, n_estimators: 1 }, X, options.task, FAMILY, {
      nEstimators: 1,
      bootstrap: false,
      maxFeatures: 1,
    })
    const result = fitForest(X, y, params, options)
    return TreeFittedModel.fromFit(
      FAMILY,
      X,
      y,
      { ...this.defaults(options.task), ...hyperparameters },
      result,
    )
  },
  async load(bytes: Uint8Array): Promise<FittedModel> {
    return TreeFittedModel.fromBytes(bytes)
  },
}

registerModelFamily(treeFamily)
