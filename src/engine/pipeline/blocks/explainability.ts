/**
 * Explainability block (`system/explainability@1`): explains the trained model on the test rows with
 * src/engine/explain (permutation importance, TreeSHAP for tree models, partial dependence), with every
 * stage's row count capped by `budget`. Per-feature importances and the full explanation go to the outcome.
 */
import type { BlockConfig } from '../../../domain/pipeline.ts'
import { explainBudgetWithRowLimit, explainRun } from '../../explain/explainRun.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { createConfigReader } from '../configCheck.ts'
import type { EngineContext } from '../engineContext.ts'

/** Settings of the Explainability block. */
export interface ExplainabilityConfig {
  /** Default true. */
  enabled: boolean
  /** Most test rows each explanation stage uses (bounds the cost). Default 200. */
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

export async function runExplainability(context: EngineContext, config: ExplainabilityConfig): Promise<void> {
  if (!config.enabled) {
    context.log('info', 'Explainability disabled')
    return
  }
  context.explanation = await explainRun(context, {
    budget: explainBudgetWithRowLimit(config.budget),
    metric: context.task.metric,
  })
}

export const explainabilityBlock: BlockDefinition<ExplainabilityConfig> = {
  type: 'explainability',
  logicRef: systemLogicRef('explainability'),
  defaults: defaultExplainabilityConfig,
  validate: validateExplainabilityConfig,
  run: runExplainability,
}

registerBlock(explainabilityBlock)
