import { describe, expect, it } from 'vitest'
import { createRng } from '../../domain/random.ts'
import { InThreadForestHelper } from '../../workers/treeApi.ts'
import type { FeatureMatrix, Target } from '../frame.ts'
import { rfFamily } from '../models/rf.ts'

function data(n: number): { X: FeatureMatrix; y: Target } {
  const rng = createRng(3)
  const a = Float64Array.from({ length: n }, () => rng.nextFloat())
  const b = Float64Array.from({ length: n }, () => rng.nextFloat())
  const codes = Int32Array.from({ length: n }, (_, i) => (a[i] + 0.3 * b[i] > 0.65 ? 1 : 0))
  return {
    X: { nRows: n, names: ['a', 'b'], columns: [a, b], categoricalLevels: [0, 0] },
    y: { kind: 'classification', codes, classes: ['no', 'yes'] },
  }
}

describe('a forest split over two threads', () => {
  it('is byte-identical to the forest grown on one thread', async () => {
    const { X, y } = data(400)
    const hp = { n_estimators: 12 }
    const single = await rfFamily.fit(X, y, hp, { task: 'binary', rng: createRng(42).fork('training') })
    const split = await rfFamily.fit(X, y, hp, {
      task: 'binary',
      rng: createRng(42).fork('training'),
      forestHelper: new InThreadForestHelper(),
    })
    expect(new TextDecoder().decode(await split.serialize())).toBe(
      new TextDecoder().decode(await single.serialize()),
    )
    expect(Array.from(await split.predictProba(X))).toEqual(Array.from(await single.predictProba(X)))
  })
})
