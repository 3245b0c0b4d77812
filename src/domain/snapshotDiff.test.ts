import { describe, expect, it } from 'vitest'
import { hashA, makePipeline, makeTask } from '../../tests/helpers/builders.ts'
import { newId } from './ids.ts'
import { createSnapshot } from './pipeline.ts'
import { describeConfigValue, diffSnapshots } from './snapshotDiff.ts'

describe('diffSnapshots', () => {
  it('lists only the settings that differ, with each run’s value', async () => {
    const task = makeTask()
    const pipeline = await makePipeline(undefined, task)
    const datasetId = newId('dataset')
    const a = await createSnapshot({ pipeline, hooks: [], task, datasetId, datasetHash: hashA })
    const changed = {
      ...pipeline,
      blocks: pipeline.blocks.map((b) =>
        b.type === 'preprocessing' ? { ...b, config: { scaling: 'minmax' } } : b,
      ),
    }
    const b = await createSnapshot({
      pipeline: changed,
      hooks: [],
      task,
      datasetId,
      datasetHash: hashA,
      seed: 7,
    })
    expect(diffSnapshots([a, b])).toEqual([
      { setting: 'Global › seed', values: ['42', '7'] },
      { setting: 'Preprocessing › scaling', values: ['standard', 'minmax'] },
    ])
    expect(diffSnapshots([a, a])).toEqual([])
  })
})

describe('describeConfigValue', () => {
  it('says lists, objects and empty values in words, never JSON', () => {
    expect(describeConfigValue(['rf', 'gbdt'])).toBe('rf, gbdt')
    expect(describeConfigValue('auto')).toBe('auto')
    expect(describeConfigValue({})).toBe('none')
    expect(describeConfigValue([])).toBe('none')
    expect(describeConfigValue(null)).toBe('none')
    expect(describeConfigValue({ rf: { trees: 50 }, alpha: 1 })).toBe('alpha 1, rf (trees 50)')
    expect(describeConfigValue([1, 2])).toBe('1, 2')
  })
})
