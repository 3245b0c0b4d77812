/**
 * Where a large table's rows come from (issue 16): a source that streams chosen columns of every row, in
 * table order, chunk by chunk, so a run never holds a float frame of all rows. DuckDB backs it in the
 * browser and in Node (src/storage/tables/tableChunks.ts); {@link frameChunkSource} backs it with a frame
 * already in memory (tests, small tables forced through the large path).
 */
import type { FrameColumnHint } from '../arrowFrame.ts'
import type { Column, DataFrame } from '../frame.ts'
import { takeRows } from '../frame.ts'

export interface TableChunkSource {
  /** Rows in the table. */
  readonly rowCount: number
  /** Column names, in table order. */
  readonly columnNames: readonly string[]
  /**
   * Every row of `columns`, in table order, as frames of about `chunkRows` rows. Each chunk's categorical
   * levels are its own (codes are not comparable across chunks; compare level names).
   */
  chunks(
    columns: readonly string[],
    options: { chunkRows: number; hints: Record<string, FrameColumnHint> },
  ): AsyncIterable<DataFrame>
  /**
   * True when each chunk's column buffers were made in the reader's thread for it alone (copies): a reader
   * done with a chunk may free them at once ({@link releaseChunk}). Not for chunks transferred from another
   * worker (see {@link releaseArrays}).
   */
  readonly ownedChunks?: boolean
}

/**
 * Frees the column buffers of a chunk from a source with `ownedChunks` (chunks copied in this thread) now,
 * rather than at a garbage collection that may come late. NOTE: detaches the buffers (the chunk reads as
 * empty afterwards): only for a chunk nothing else holds. Does nothing for other sources (see
 * {@link releaseArrays} for why chunks transferred from another worker are not detached).
 */
export function releaseChunk(source: TableChunkSource, chunk: DataFrame): void {
  if (!source.ownedChunks) return
  releaseArrays(chunk.columns.map((column) => (column.type === 'numeric' ? column.values : column.codes)))
}

/**
 * Frees the buffers of typed arrays made in this thread that nothing else holds (a chunk's feature matrix
 * once its rows are binned or predicted) now, rather than at a garbage collection: the next chunk's arrays
 * reuse the bytes. NOTE: detaches the buffers (the arrays read as empty afterwards). Not for a buffer that
 * arrived in a message (transferred from another worker): Chromium's wrapper of the message holds its
 * bytes as well, so detaching it frees nothing until a full collection and hides the bytes from the
 * collector's count, which then comes later still (measured, issue 16: detaching DuckDB's result buffers
 * in the data worker let a 10M-row pass grow the tab by 1.9 GB): leave those to the collector.
 */
export function releaseArrays(arrays: Iterable<ArrayBufferView>): void {
  for (const array of arrays) {
    const buffer = array.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }
    // A detached buffer (an array sharing one already freed) has no bytes left to free.
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) continue
    // transfer(0) frees the bytes at once; where it is missing (Node 20) a transferring clone detaches them.
    if (typeof buffer.transfer === 'function') buffer.transfer(0)
    else structuredClone(buffer, { transfer: [buffer] })
  }
}

/** Codes of `levels` re-read over `sorted` (a superset), -1 staying -1. */
function relevel(codes: Int32Array, levels: readonly string[], index: Map<string, number>): Int32Array {
  const map = levels.map((level) => index.get(level)!)
  const out = new Int32Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] < 0 ? -1 : map[codes[i]]
  return out
}

/**
 * One frame of several frames with the same columns, rows in order; categorical levels are merged (sorted
 * by code point, as everywhere in the engine) and codes re-read over them.
 */
export function concatFrames(frames: readonly DataFrame[]): DataFrame {
  if (frames.length === 0) throw new Error('concatFrames: no frame')
  if (frames.length === 1) return frames[0]
  const nRows = frames.reduce((sum, f) => sum + f.nRows, 0)
  const columns = frames[0].columns.map((first, c): Column => {
    if (first.type === 'numeric') {
      const values = new Float64Array(nRows)
      let at = 0
      for (const frame of frames) {
        const column = frame.columns[c]
        if (column.type !== 'numeric') throw new Error(`concatFrames: column '${first.name}' changes type`)
        values.set(column.values, at)
        at += frame.nRows
      }
      return { ...first, values }
    }
    const all = new Set<string>()
    for (const frame of frames) {
      const column = frame.columns[c]
      if (column.type !== 'categorical') throw new Error(`concatFrames: column '${first.name}' changes type`)
      for (const level of column.levels) all.add(level)
    }
    const levels = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const index = new Map(levels.map((level, k) => [level, k]))
    const codes = new Int32Array(nRows)
    let at = 0
    for (const frame of frames) {
      const column = frame.columns[c] as Extract<Column, { type: 'categorical' }>
      codes.set(relevel(column.codes, column.levels, index), at)
      at += frame.nRows
    }
    return { ...first, codes, levels }
  })
  return { nRows, columns }
}

/** Rows [start, end) of `frame` with each categorical column's levels cut down to those present (like a DuckDB chunk). */
function chunkOf(frame: DataFrame, start: number, end: number): DataFrame {
  const rows = Int32Array.from({ length: end - start }, (_, i) => start + i)
  const part = takeRows(frame, rows)
  return {
    nRows: part.nRows,
    columns: part.columns.map((column): Column => {
      if (column.type === 'numeric') return column
      const present = [...new Set(Array.from(column.codes).filter((c) => c >= 0))].sort((a, b) => a - b)
      const levels = present.map((code) => column.levels[code])
      const index = new Map(levels.map((level, k) => [level, k]))
      return { ...column, levels, codes: relevel(column.codes, column.levels, index) }
    }),
  }
}

/** A {@link TableChunkSource} over a frame in memory (hints are already applied to it). */
export function frameChunkSource(frame: DataFrame): TableChunkSource {
  return {
    // Each chunk is a copy of its rows (chunkOf).
    ownedChunks: true,
    rowCount: frame.nRows,
    columnNames: frame.columns.map((c) => c.name),
    async *chunks(columns, { chunkRows }) {
      const picked: DataFrame = {
        nRows: frame.nRows,
        columns: columns.map((name) => {
          const column = frame.columns.find((c) => c.name === name)
          if (!column) throw new Error(`No column named '${name}'`)
          return column
        }),
      }
      for (let start = 0; start < frame.nRows; start += chunkRows)
        yield chunkOf(picked, start, Math.min(frame.nRows, start + chunkRows))
    },
  }
}
