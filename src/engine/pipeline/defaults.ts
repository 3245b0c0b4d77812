/**
 * The draft a new experiment starts with: the six system blocks in their fixed order with their default
 * configs, and the default global config. Defaults of each block are documented on its config type
 * (PreprocessingConfig, FeatureEngineeringConfig, ModelSelectionConfig, TrainingConfig, EvaluationConfig,
 * ExplainabilityConfig).
 */
import './allBlocks.ts'
import type { BlockId } from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import type { Block, GlobalConfig } from '../../domain/pipeline.ts'
import { blockTypes } from '../../domain/pipeline.ts'
import { getBlock, systemLogicRef } from './blockRegistry.ts'

/** seed 42, test fraction 0.2, backend 'auto'. */
export function createDefaultGlobalConfig(): GlobalConfig {
  return { seed: 42, testFraction: 0.2, backend: 'auto' }
}

/** The six blocks with default configs and no hooks. `newBlockId` is injectable for deterministic tests. */
export function createDefaultPipelineBlocks(newBlockId: () => BlockId = () => newId('block')): Block[] {
  return blockTypes.map((type) => {
    const logicRef = systemLogicRef(type)
    return { id: newBlockId(), type, logicRef, config: getBlock(logicRef).defaults(), hookIds: [] }
  })
}

/** Validates a block's stored config against its implementation; throws ValidationError naming the setting. */
export function validateBlockConfig(block: Pick<Block, 'logicRef' | 'config'>): void {
  getBlock(block.logicRef).validate(block.config)
}
