import { describe, expect, it } from 'vitest'
import { shapChunkRows } from './explainModel.ts'
import type { ShapEnsemble, ShapTree } from './treeShap.ts'

describe('shapChunkRows', () => {
  it('keeps 50-row chunks for small boosting trees and shrinks them to one row for deep forests', () => {
    const tree = (nodes: number) =>
      ({ left: new Int32Array(nodes), right: new Int32Array(nodes) }) as unknown as ShapTree
    const ensemble = (count: number, nodes: number) =>
      ({ trees: Array.from({ length: count }, () => tree(nodes)) }) as unknown as ShapEnsemble
    expect(shapChunkRows(ensemble(100, 61))).toBe(50)
    expect(shapChunkRows(ensemble(100, 40_000))).toBe(1)
    expect(shapChunkRows(ensemble(100, 200))).toBeGreaterThan(1)
  })
})
