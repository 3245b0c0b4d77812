import { describe, expect, it } from 'vitest'
import { hashA, hashB, makePipeline, makeTask } from '../../tests/helpers/builders.ts'
import { newId } from './ids.ts'
import { createSnapshot } from './pipeline.ts'
import { describeConfigValue, diffSnapshots, incomparableReasons, splitDifferences } from './snapshotDiff.ts'

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

describe('incomparableReasons and splitDifferences', () => {
  const snapshot = async (task = makeTask(), seed?: number, datasetHash = hashA) => {
    const pipeline = await makePipeline(undefined, task)
    return createSnapshot({ pipeline, hooks: [], task, datasetId: newId('dataset'), datasetHash, seed })
  }

  it('names a different target, task type, positive class or data; the same task is comparable', async () => {
    const base = await snapshot(makeTask({ target: 'Sale_Price', taskType: 'regression', metric: 'rmse' }))
    const latitude = await snapshot(makeTask({ target: 'Latitude', taskType: 'regression', metric: 'rmse' }))
    expect(incomparableReasons(base, latitude)).toEqual(['it predicts Latitude, the baseline Sale_Price'])
    expect(incomparableReasons(base, base)).toEqual([])
    const classes = await snapshot(makeTask({ target: 'Sale_Price', taskType: 'multiclass' }))
    expect(incomparableReasons(base, classes)).toEqual(['it is multiclass, the baseline regression'])
    const yes = await snapshot(makeTask({ target: 'Churn', taskType: 'binary', positiveClass: 'Yes' }))
    const no = await snapshot(makeTask({ target: 'Churn', taskType: 'binary', positiveClass: 'No' }))
    expect(incomparableReasons(yes, no)).toEqual(["its positive class is No, the baseline's Yes"])
    const other = await snapshot(
      makeTask({ target: 'Sale_Price', taskType: 'regression', metric: 'rmse' }),
      42,
      hashB,
    )
    expect(incomparableReasons(base, other)).toEqual(['it used different data'])
  })

  it('names a different seed or test fraction as different test rows', async () => {
    const a = await snapshot()
    const b = await snapshot(makeTask(), 7)
    expect(splitDifferences(a, b)).toEqual(['seed 42 → 7'])
    expect(splitDifferences(a, a)).toEqual([])
    const c = { ...a, globalConfig: { ...a.globalConfig, testFraction: 0.3 } }
    expect(splitDifferences(a, c)).toEqual(['test fraction 0.2 → 0.3'])
  })
})
