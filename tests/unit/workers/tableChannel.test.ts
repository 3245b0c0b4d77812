/**
 * The table channel between the data worker and the run worker (src/workers/tableChannel.ts), over a real
 * MessageChannel with DuckDB (Node build) behind it: the chunks the run worker reads are the table's rows,
 * in order, whatever the chunk size; a read left early is closed; the whole table comes as Arrow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DataFrame } from '../../../src/engine/frame.ts'
import type { NodeSqlEngine } from '../../../src/storage/tables/nodeSqlEngine.ts'
import { createNodeSqlEngine } from '../../../src/storage/tables/nodeSqlEngine.ts'
import { openSqlChunkSource } from '../../../src/storage/tables/tableChunks.ts'
import { remoteTable, serveTable } from '../../../src/workers/tableChannel.ts'

const rows = 10_007
let engine: NodeSqlEngine
const opened: { close(): Promise<void> }[] = []
const ports: MessagePort[] = []

beforeAll(async () => {
  engine = await createNodeSqlEngine()
  // x: the row number; level: a category with a missing value every 11th row; y: a number with gaps.
  await engine.query(`CREATE TABLE t AS SELECT i::DOUBLE AS x,
      CASE WHEN i % 11 = 10 THEN NULL ELSE 'level_' || (i * 7 % 13)::VARCHAR END AS level,
      CASE WHEN i % 5 = 4 THEN NULL ELSE i / 4.0 END AS y
    FROM range(${rows}) r(i) ORDER BY i`)
})
afterAll(async () => {
  for (const served of opened) await served.close()
  for (const port of ports) port.close()
  engine.close()
})

/** A served table over a fresh MessageChannel, and the reading side. */
function channel() {
  const { port1, port2 } = new MessageChannel()
  ports.push(port2)
  let sourceOpens = 0
  const served = serveTable(port1, {
    async source() {
      sourceOpens++
      return openSqlChunkSource(engine, 't')
    },
    async arrow() {
      return new Uint8Array([1, 2, 3])
    },
  })
  opened.push(served)
  return { remote: remoteTable(port2), served, sourceOpens: () => sourceOpens }
}

/** Row r's cells as the table has them. */
function expected(r: number) {
  return [r, r % 11 === 10 ? null : `level_${(r * 7) % 13}`, r % 5 === 4 ? null : r / 4]
}

/** Row i of a chunk as plain cells (categories by level name, missing as null). */
function cells(frame: DataFrame, i: number) {
  return frame.columns.map((column) => {
    if (column.type === 'numeric') return Number.isNaN(column.values[i]) ? null : column.values[i]
    return column.codes[i] < 0 ? null : column.levels[column.codes[i]]
  })
}

describe('the table channel', () => {
  it('streams every row of the table in order, in chunks of the asked size, through the port', async () => {
    const { remote, sourceOpens } = channel()
    const source = await remote.source()
    expect(source.rowCount).toBe(rows)
    expect(source.columnNames).toEqual(['x', 'level', 'y'])
    for (const chunkRows of [1_000, 4_096]) {
      const sizes: number[] = []
      let next = 0
      for await (const chunk of source.chunks(['x', 'level', 'y'], { chunkRows, hints: {} })) {
        sizes.push(chunk.nRows)
        expect(chunk.columns.map((c) => c.type)).toEqual(['numeric', 'categorical', 'numeric'])
        for (let i = 0; i < chunk.nRows; i++) expect(cells(chunk, i)).toEqual(expected(next + i))
        next += chunk.nRows
      }
      expect(next).toBe(rows)
      // Every chunk but the last holds at least the asked rows (DuckDB's batches are gathered up to it).
      for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(chunkRows)
      expect(sizes.length).toBeGreaterThan(1)
    }
    // The table is opened once for all reads (one count, one DESCRIBE).
    expect(sourceOpens()).toBe(1)
  })

  it('reads the chosen columns in the chosen order, with the hints applied in the data worker', async () => {
    const { remote } = channel()
    const source = await remote.source()
    let next = 0
    for await (const chunk of source.chunks(['y', 'x'], {
      chunkRows: 3_000,
      hints: { x: { categorical: true } },
    })) {
      expect(chunk.columns.map((c) => [c.name, c.type])).toEqual([
        ['y', 'numeric'],
        ['x', 'categorical'],
      ])
      const x = chunk.columns[1]
      if (x.type !== 'categorical') throw new Error('x should be categorical')
      for (let i = 0; i < chunk.nRows; i++) expect(x.levels[x.codes[i]]).toBe(String(next + i))
      next += chunk.nRows
    }
    expect(next).toBe(rows)
  })

  it('closes a read left early; the next read starts again from the first row', async () => {
    const { remote } = channel()
    const source = await remote.source()
    for await (const chunk of source.chunks(['x'], { chunkRows: 2_048, hints: {} })) {
      expect(cells(chunk, 0)).toEqual([0])
      break
    }
    const firsts: number[] = []
    for await (const chunk of source.chunks(['x'], { chunkRows: 2_048, hints: {} }))
      firsts.push(cells(chunk, 0)[0] as number)
    expect(firsts[0]).toBe(0)
    expect(firsts.length).toBeGreaterThan(1)
  })

  it('hands over the whole table as the Arrow bytes it is served with', async () => {
    const { remote } = channel()
    expect([...(await remote.arrow())]).toEqual([1, 2, 3])
  })

  it('says what went wrong when the table cannot be read', async () => {
    const { port1, port2 } = new MessageChannel()
    ports.push(port2)
    opened.push(
      serveTable(port1, {
        source: () => openSqlChunkSource(engine, 'no_such_table'),
        arrow: async () => new Uint8Array(),
      }),
    )
    await expect(remoteTable(port2).source()).rejects.toThrow(/no_such_table/)
  })
})
