/** The default pipeline's run snapshot for engine tests, with Model Selection settings merged in. */
import type { Sha256Hex } from '../../src/domain/hash.ts'
import type { BlockId, DatasetId, ExperimentId, PipelineId } from '../../src/domain/ids.ts'
import type { BlockConfig, Pipeline, PipelineSnapshot } from '../../src/domain/pipeline.ts'
import { createSnapshot } from '../../src/domain/pipeline.ts'
import type { TaskDefinition } from '../../src/domain/task.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from '../../src/engine/pipeline/defaults.ts'

let counter = 0

/**
 * Default blocks (ids `blk_<name><n>`, pipeline `pl_<name>`), `selection` merged into Model Selection's
 * config, explanations off unless `explain`, backend 'cpu', seed `seed`.
 */
export async function defaultRunSnapshot(
  name: string,
  task: TaskDefinition,
  selection: BlockConfig,
  options: { seed: number; explain?: boolean },
): Promise<PipelineSnapshot> {
  const blocks = createDefaultPipelineBlocks(() => `blk_${name}${++counter}` as BlockId)
  const block = blocks.find((b) => b.type === 'model_selection')!
  block.config = { ...block.config, ...selection }
  blocks[5].config = { ...blocks[5].config, enabled: options.explain === true }
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: `pl_${name}` as PipelineId,
    experimentId: `exp_${name}` as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed: options.seed },
    versionHash: '0'.repeat(64) as Sha256Hex,
    updatedAt: 0,
  }
  return createSnapshot({
    pipeline,
    hooks: [],
    task,
    datasetId: `ds_${name}` as DatasetId,
    datasetHash: 'a'.repeat(64) as Sha256Hex,
  })
}
