/**
 * Training block (`system/training@1`): refits the model chosen by model selection on all training rows
 * (the selection fits saw only part of them) and keeps its training curve.
 */
import type { BlockConfig } from '../../../domain/pipeline.ts'
import { targetRows } from '../../frame.ts'
import { getModelFamily, prefittedModel } from '../../models/model.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { createConfigReader } from '../configCheck.ts'
import type { EngineContext } from '../engineContext.ts'
import { modelLane } from '../foldLane.ts'

/** Settings of the Training block. */
export interface TrainingConfig {
  /** Hyperparameters that override the chosen ones for the final fit (e.g. more epochs). Default {}. */
  overrides: Record<string, number | string | boolean>
}

export function defaultTrainingConfig(): TrainingConfig & BlockConfig {
  return { overrides: {} }
}

export function validateTrainingConfig(config: unknown): TrainingConfig {
  const read = createConfigReader('Training', config)
  const overrides = read.raw('overrides') ?? {}
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    read.fail('overrides', 'an object of hyperparameters', overrides)
  for (const [key, value] of Object.entries(overrides as Record<string, unknown>))
    if (!['number', 'string', 'boolean'].includes(typeof value))
      read.fail(`overrides.${key}`, 'a number, string or boolean', value)
  read.rejectUnknown()
  return { overrides: overrides as TrainingConfig['overrides'] }
}

export async function runTraining(context: EngineContext, config: TrainingConfig): Promise<void> {
  const chosen = context.models.chosen
  const features = context.features
  if (!chosen || !features) throw new Error('Training needs a model chosen by model selection')
  const family = getModelFamily(chosen.family)
  const hyperparameters = { ...chosen.hyperparameters, ...config.overrides }
  const started = context.now()
  // Model selection's out-of-bag fits were made on these rows: one with the family and hyperparameters
  // this fit asks for (the chosen one itself, or an ensemble's member) is reused, not fitted again; an
  // override that changes them fits again.
  const prefitted = context.models.candidates.flatMap((c) =>
    c.outOfBag && c.model ? [{ family: c.family, hyperparameters: c.hyperparameters, model: c.model }] : [],
  )
  const reused = prefittedModel(prefitted, chosen.family, hyperparameters)
  const model =
    reused ??
    (await family.fit(
      features.train,
      targetRows(context.data.target, context.data.trainRows),
      hyperparameters,
      {
        task: context.task.taskType,
        rng: context.rng.fork('training'),
        isCancelled: context.isCancelled,
        forestHelper: context.forestHelper,
        ...(context.foldFitter ? { lane: modelLane(context.foldFitter) } : {}),
        ...(prefitted.length ? { prefitted } : {}),
        onProgress: (p) => context.progress({ ...p, model: chosen.family }),
      },
    ))
  const seconds = (context.now() - started) / 1000
  context.timings.fitSeconds += seconds
  context.models = { ...context.models, chosen: { ...chosen, hyperparameters, model } }
  context.trainingCurve = model.trainingCurve?.()
  const keptMembers = model.trainingMetadata.prefittedMembers as string[] | undefined
  context.log(
    'info',
    `Trained ${chosen.family} on ${features.train.nRows} rows${
      reused
        ? " (model selection's out-of-bag fit on the same rows, kept: not fitted again)"
        : keptMembers
          ? ` (${keptMembers.join(', ')}: model selection's out-of-bag fit on the same rows, kept)`
          : ''
    }`,
    { ...model.trainingMetadata },
  )
}

export const trainingBlock: BlockDefinition<TrainingConfig> = {
  type: 'training',
  logicRef: systemLogicRef('training'),
  defaults: defaultTrainingConfig,
  validate: validateTrainingConfig,
  run: runTraining,
}

registerBlock(trainingBlock)
