import { describe, expect, it } from 'vitest'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { BlockId, ExperimentId, PipelineId } from '../../domain/ids.ts'
import type { Pipeline } from '../../domain/pipeline.ts'
import { blockTypes, computePipelineVersionHash } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import { getBlock } from './blockRegistry.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks, validateBlockConfig } from './defaults.ts'
import { explicitSplit, kFoldAssignment, stratifiedHoldout } from './split.ts'

let counter = 0
const blockId = () => `blk_d${++counter}` as BlockId

const task: TaskDefinition = {
  mode: 'auto',
  target: 'y',
  taskType: 'binary',
  positiveClass: '1',
  metric: 'roc_auc',
  excludedColumns: [],
  reasons: [],
  warnings: [],
}

function pipeline(): Pipeline {
  return {
    schemaVersion: 1,
    id: 'pl_d' as PipelineId,
    experimentId: 'exp_d' as ExperimentId,
    blocks: createDefaultPipelineBlocks(blockId),
    globalConfig: createDefaultGlobalConfig(),
    versionHash: '0'.repeat(64) as Sha256Hex,
    updatedAt: 0,
  }
}

describe('default pipeline', () => {
  it('has the six system blocks in order, each with a config its validator accepts', () => {
    const blocks = createDefaultPipelineBlocks(blockId)
    expect(blocks.map((b) => b.type)).toEqual([...blockTypes])
    expect(blocks.map((b) => b.logicRef)).toEqual(blockTypes.map((t) => `system/${t}@1`))
    for (const block of blocks) {
      expect(block.hookIds).toEqual([])
      expect(() => validateBlockConfig(block)).not.toThrow()
      expect(JSON.parse(JSON.stringify(block.config))).toEqual(block.config) // plain JSON
    }
    expect(createDefaultGlobalConfig()).toEqual({ seed: 42, testFraction: 0.2, backend: 'auto' })
    expect(blocks[2].config).toMatchObject({
      candidates: 'auto',
      validation: 'auto',
      validationFraction: 0.2,
      searchBudget: 0,
    })
    expect(blocks[5].config).toEqual({ enabled: true, budget: 200 })
  })

  it('validators name the block and setting', () => {
    expect(() => getBlock('system/model_selection@1').validate({ validation: 'loo' })).toThrow(
      `Setting 'validation' of block 'Model Selection' must be one of holdout, kfold, auto, got "loo"`,
    )
    expect(() => getBlock('system/training@1').validate({ overrides: { lr: [1] } })).toThrow(
      "Setting 'overrides.lr' of block 'Training' must be a number, string or boolean, got [1]",
    )
    expect(() => getBlock('system/explainability@1').validate({ budget: 0 })).toThrow(
      "Setting 'budget' of block 'Explainability' must be an integer from 1 to 1000000, got 0",
    )
    expect(() => getBlock('system/evaluation@1').validate({ storePredictions: 'yes' })).toThrow(
      `Setting 'storePredictions' of block 'Evaluation' must be true or false, got "yes"`,
    )
    expect(() => getBlock('system/preprocessing@2')).toThrow("Unknown block logic 'system/preprocessing@2'")
  })
})

describe('version hash rule', () => {
  it('changes with a result-affecting config and not otherwise', async () => {
    const base = pipeline()
    const h0 = await computePipelineVersionHash(base, [], task)
    // Same content with new ids and timestamps: same hash.
    const copy = { ...pipeline(), id: 'pl_other' as PipelineId, updatedAt: 99 }
    expect(await computePipelineVersionHash(copy, [], task)).toBe(h0)
    const changes: ((p: Pipeline) => void)[] = [
      (p) => {
        p.blocks[0].config = { ...p.blocks[0].config, scaling: 'minmax' }
      },
      (p) => {
        p.blocks[1].config = { ...p.blocks[1].config, logTransform: true }
      },
      (p) => {
        p.blocks[2].config = { ...p.blocks[2].config, validation: 'kfold' }
      },
      (p) => {
        p.globalConfig = { ...p.globalConfig, seed: 43 }
      },
      (p) => {
        p.globalConfig = { ...p.globalConfig, testFraction: 0.25 }
      },
    ]
    const hashes = new Set([h0])
    for (const change of changes) {
      const p = pipeline()
      change(p)
      hashes.add(await computePipelineVersionHash(p, [], task))
    }
    expect(hashes.size).toBe(changes.length + 1)
    expect(await computePipelineVersionHash(base, [], { ...task, metric: 'accuracy' })).not.toBe(h0)
  })
})

describe('splits', () => {
  it('stratified hold-out keeps class shares, is seeded and sized ceil(f·n)', () => {
    const strata = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : 1))
    const rows = Int32Array.from({ length: 100 }, (_, i) => i)
    const a = stratifiedHoldout(rows, 0.2, createRng(1), strata)
    expect(a.test.length).toBe(20)
    expect(Array.from(a.test).filter((r) => r >= 70).length).toBe(6)
    expect(a.train.length + a.test.length).toBe(100)
    expect(Array.from(a.train).every((r, i) => i === 0 || r > a.train[i - 1])).toBe(true)
    expect(stratifiedHoldout(rows, 0.2, createRng(1), strata)).toEqual(a)
    expect(stratifiedHoldout(rows, 0.2, createRng(2), strata).test).not.toEqual(a.test)
    expect(stratifiedHoldout(rows, 0.21, createRng(1)).test.length).toBe(21)
  })

  it('k-fold gives balanced folds and explicit splits check their indices', () => {
    const fold = kFoldAssignment(
      10,
      5,
      createRng(3),
      Int32Array.from({ length: 10 }, (_, i) => i % 2),
    )
    expect(Array.from({ length: 5 }, (_, k) => Array.from(fold).filter((f) => f === k).length)).toEqual([
      2, 2, 2, 2, 2,
    ])
    expect(explicitSplit(5, [3, 1])).toEqual({ train: Int32Array.of(0, 2, 4), test: Int32Array.of(1, 3) })
    expect(() => explicitSplit(5, [5])).toThrow('Split test index 5 is not a data row (0 to 4)')
    expect(() => explicitSplit(5, [1, 1])).toThrow('Split test index 1 appears twice')
    expect(() => explicitSplit(2, [0, 1])).toThrow('Split must leave both train and test rows')
  })
})
