import { describe, expect, it } from 'vitest'
import type { DataFrame } from '../engine/frame.ts'
import { frameChunkSource, releaseChunk } from '../engine/scale/chunkSource.ts'
import { remoteTable, serveTable } from './tableChannel.ts'

const rows = 1000
const frame: DataFrame = {
  nRows: rows,
  columns: [
    { name: 'x', type: 'numeric', kind: 'numeric', values: Float64Array.from({ length: rows }, (_, i) => i) },
    {
      name: 'c',
      type: 'categorical',
      kind: 'categorical',
      codes: Int32Array.from({ length: rows }, (_, i) => i % 3),
      levels: ['a', 'b', 'c'],
    },
  ],
}

describe('a table served between workers', () => {
  it('streams every row, and leaves a released chunk to the collector (its buffers came in a message)', async () => {
    const { port1, port2 } = new MessageChannel()
    const server = serveTable(port1, {
      source: async () => frameChunkSource(frame),
      arrow: async () => new Uint8Array(0),
    })
    try {
      const source = await remoteTable(port2).source()
      expect(source.ownedChunks).toBeFalsy()
      const x: number[] = []
      const c: string[] = []
      for await (const chunk of source.chunks(['x', 'c'], { chunkRows: 100, hints: {} })) {
        releaseChunk(source, chunk)
        const [xs, cs] = chunk.columns
        if (xs.type !== 'numeric' || cs.type !== 'categorical') throw new Error('unexpected column types')
        // Not detached: a transferred buffer detached here would free nothing and hide its bytes from V8.
        expect(xs.values.byteLength).toBe(xs.values.length * 8)
        x.push(...xs.values)
        for (const code of cs.codes) c.push(cs.levels[code])
      }
      expect(x).toEqual(Array.from({ length: rows }, (_, i) => i))
      expect(c).toEqual(Array.from({ length: rows }, (_, i) => 'abc'[i % 3]))
    } finally {
      await server.close()
      port2.close()
    }
  })
})
