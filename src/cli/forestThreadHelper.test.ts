import { describe, expect, it } from 'vitest'
import { createRng } from '../domain/random.ts'
import type { FeatureMatrix, Target } from '../engine/frame.ts'
import { rfFamily } from '../engine/models/rf.ts'
import { createForestThreadHelper } from './forestThreadHelper.ts'

function data(n: number): { X: FeatureMatrix; y: Target } {
  const rng = createRng(5)
  const a = Float64Array.from({ length: n }, () => rng.nextFloat())
  const b = Float64Array.from({ length: n }, () => rng.nextFloat())
  const codes = Int32Array.from({ length: n }, (_, i) => (a[i] - 0.4 * b[i] > 0.3 ? 1 : 0))
  return {
    X: { nRows: n, names: ['a', 'b'], columns: [a, b], categoricalLevels: [0, 0] },
    y: { kind: 'classification', codes, classes: ['no', 'yes'] },
  }
}

describe("the headless runner's forest thread", () => {
  it('grows forests (one after another, as cross-validation does) identical to one-thread forests', async () => {
    const helper = createForestThreadHelper()
    try {
      for (const seed of [1, 2]) {
        const { X, y } = data(300 + seed * 50)
        const hp = { n_estimators: 10 }
        const rng = () => createRng(seed).fork('fold')
        const single = await rfFamily.fit(X, y, hp, { task: 'binary', rng: rng() })
        const split = await rfFamily.fit(X, y, hp, { task: 'binary', rng: rng(), forestHelper: helper })
        expect(new TextDecoder().decode(await split.serialize())).toBe(
          new TextDecoder().decode(await single.serialize()),
        )
      }
    } finally {
      await helper.close()
    }
  }, 60_000)
})
