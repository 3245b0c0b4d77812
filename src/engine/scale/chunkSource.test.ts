import { describe, expect, it } from 'vitest'
import type { DataFrame } from '../frame.ts'
import { frameChunkSource, releaseArrays, releaseChunk, type TableChunkSource } from './chunkSource.ts'

const frame: DataFrame = {
  nRows: 5,
  columns: [
    { name: 'x', type: 'numeric', kind: 'numeric', values: Float64Array.of(1, 2, 3, 4, 5) },
    {
      name: 'c',
      type: 'categorical',
      kind: 'categorical',
      codes: Int32Array.of(0, 1, 0, 1, 0),
      levels: ['a', 'b'],
    },
  ],
}

async function chunksOf(source: TableChunkSource): Promise<DataFrame[]> {
  const out: DataFrame[] = []
  for await (const chunk of source.chunks(['x', 'c'], { chunkRows: 2, hints: {} })) out.push(chunk)
  return out
}

describe('releaseChunk', () => {
  it('frees the buffers of a chunk the reader owns, and leaves the source frame whole', async () => {
    const source = frameChunkSource(frame)
    const [first, second] = await chunksOf(source)
    releaseChunk(source, first)
    for (const column of first.columns)
      expect((column.type === 'numeric' ? column.values : column.codes).byteLength).toBe(0)
    // Released twice, or a column whose buffer went already: nothing left to do, no error.
    releaseChunk(source, first)
    expect(Array.from((second.columns[0] as { values: Float64Array }).values)).toEqual([3, 4])
    expect(Array.from((frame.columns[0] as { values: Float64Array }).values)).toEqual([1, 2, 3, 4, 5])
  })

  it('leaves alone chunks of a source that does not say they are the reader’s', async () => {
    const shared: TableChunkSource = { ...frameChunkSource(frame), ownedChunks: false }
    const [first] = await chunksOf(shared)
    releaseChunk(shared, first)
    expect(Array.from((first.columns[0] as { values: Float64Array }).values)).toEqual([1, 2])
  })
})

describe('releaseArrays', () => {
  it('frees each array’s buffer at once, and skips one already freed', () => {
    const a = Float64Array.of(1, 2, 3)
    const b = new Uint8Array(16)
    const kept = Float64Array.of(4)
    releaseArrays([a, b])
    expect([a.byteLength, b.byteLength, a.buffer.byteLength]).toEqual([0, 0, 0])
    releaseArrays([a])
    expect(Array.from(kept)).toEqual([4])
  })
})
