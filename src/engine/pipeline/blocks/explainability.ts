/**
 * Explainability block (`system/explainability@1`): a placeholder that validates its settings and logs;
 * the explainability work (src/engine/explain) replaces its run function with the real computation.
 */
import type { BlockConfig } from '../../../domain/pipeline.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { createConfigReader } from '../configCheck.ts'
import type { EngineContext } from '../engineContext.ts'

/** Settings of the Explainability block. */
export interface ExplainabilityConfig {
  /** Default true. */
  enabled: boolean
  /** Most test rows explained (bounds the cost). Default 200. */
  budget: number
}

export function defaultExplainabilityConfig(): ExplainabilityConfig & BlockConfig {
  return { enabled: true, budget: 200 }
}

export function validateExplainabilityConfig(config: unknown): ExplainabilityConfig {
  const read = createConfigReader('Explainability', config)
  const out = { enabled: read.boolean('enabled', true), budget: read.integer('budget', 200, 1, 1_000_000) }
  read.rejectUnknown()
  return out
}

export function runExplainability(context: EngineContext, config: ExplainabilityConfig): Promise<void> {
  const importance = context.models.chosen?.model?.featureImportance?.()
  if (config.enabled && importance && context.features && !context.importances) {
    const names = context.features.train.names
    context.importances = Object.fromEntries(names.map((name, i) => [name, importance.values[i]]))
  }
  context.log(
    'info',
    config.enabled ? 'Explainability: model importances only (no explainer yet)' : 'Explainability disabled',
  )
  return Promise.resolve()
}

export const explainabilityBlock: BlockDefinition<ExplainabilityConfig> = {
  type: 'explainability',
  logicRef: systemLogicRef('explainability'),
  defaults: defaultExplainabilityConfig,
  validate: validateExplainabilityConfig,
  run: runExplainability,
}

registerBlock(explainabilityBlock)
