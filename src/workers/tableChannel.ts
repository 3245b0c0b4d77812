/**
 * A dataset's table between two workers (issue 16): the data worker serves it over a MessagePort and the
 * run worker reads it, so a run's rows never pass through the page's thread. A small table travels whole,
 * as one Arrow IPC stream; a large one streams as a {@link TableChunkSource} whose chunks are read by
 * DuckDB in the data worker (src/storage/tables/tableChunks.ts, the CLI's reader too) and transferred one
 * at a time as frames, the run worker asking for the next when it is ready (at most one read ahead).
 */
import * as Comlink from 'comlink'
import type { FrameColumnHint } from '../engine/arrowFrame.ts'
import type { DataFrame } from '../engine/frame.ts'
import type { TableChunkSource } from '../engine/scale/chunkSource.ts'

/** What the data worker answers on a table's port. */
export interface TableServer {
  /** The table whole, as an Arrow IPC stream (tables loaded whole). */
  arrow(): Promise<Uint8Array>
  /** Rows and column names, without reading a row. */
  describe(): Promise<{ rowCount: number; columnNames: string[] }>
  /** Starts reading `columns` of every row, in table order; returns the read's number. */
  open(
    columns: string[],
    options: { chunkRows: number; hints: Record<string, FrameColumnHint> },
  ): Promise<number>
  /** The read's next chunk, or null after the last one (the read is then closed). */
  next(read: number): Promise<DataFrame | null>
  /** Ends a read early. */
  close(read: number): Promise<void>
}

/** The table's two readers, made on first use in the serving worker. */
export interface ServedTable {
  source(): Promise<TableChunkSource>
  arrow(): Promise<Uint8Array>
}

/** A column's array, alone in its buffer (a view into a larger one is copied), so its buffer can be transferred. */
function own<T extends Float64Array | Int32Array>(array: T): T {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : (array.slice() as T)
}

/** The frame with each column in a buffer of its own, and those buffers. */
function transferable(frame: DataFrame): { frame: DataFrame; buffers: ArrayBuffer[] } {
  const buffers = new Set<ArrayBuffer>()
  const columns = frame.columns.map((column) => {
    if (column.type === 'numeric') {
      const values = own(column.values)
      buffers.add(values.buffer as ArrayBuffer)
      return { ...column, values }
    }
    const codes = own(column.codes)
    buffers.add(codes.buffer as ArrayBuffer)
    return { ...column, codes }
  })
  return { frame: { nRows: frame.nRows, columns }, buffers: [...buffers] }
}

/**
 * Serves `table` on `port` until {@link close}. Reads are pulled: nothing is read before the reader asks,
 * and a read left open is closed with the port.
 */
export function serveTable(port: MessagePort, table: ServedTable): { close(): Promise<void> } {
  const reads = new Map<number, AsyncIterator<DataFrame>>()
  let opened = 0
  let source: Promise<TableChunkSource> | undefined
  const sourceOnce = () => {
    source ??= table.source()
    return source
  }
  const server: TableServer = {
    async arrow() {
      const bytes = await table.arrow()
      return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer])
    },
    async describe() {
      const { rowCount, columnNames } = await sourceOnce()
      return { rowCount, columnNames: [...columnNames] }
    },
    async open(columns, options) {
      const read = ++opened
      reads.set(read, (await sourceOnce()).chunks(columns, options)[Symbol.asyncIterator]())
      return read
    },
    async next(read) {
      const iterator = reads.get(read)
      if (!iterator) throw new Error(`No open read ${read} of this table`)
      const step = await iterator.next()
      if (step.done) {
        reads.delete(read)
        return null
      }
      const { frame, buffers } = transferable(step.value)
      return Comlink.transfer(frame, buffers)
    },
    async close(read) {
      const iterator = reads.get(read)
      reads.delete(read)
      await iterator?.return?.()
    },
  }
  Comlink.expose(server, port)
  return {
    async close() {
      const open = [...reads.values()]
      reads.clear()
      await Promise.all(open.map((iterator) => iterator.return?.().catch(() => undefined)))
      port.close()
    },
  }
}

/** The run worker's side of a served table: its whole Arrow, and a chunk source reading one chunk ahead. */
export function remoteTable(port: MessagePort): {
  arrow(): Promise<Uint8Array>
  source(): Promise<TableChunkSource>
} {
  const server = Comlink.wrap<TableServer>(port)
  return {
    arrow: () => server.arrow(),
    async source() {
      const { rowCount, columnNames } = await server.describe()
      return {
        rowCount,
        columnNames,
        // Every chunk arrives transferred, yet is not `ownedChunks`: Chromium's wrapper of the message a
        // buffer came in holds its bytes as well, so detaching it (releaseChunk) would free nothing before a
        // full collection in this worker, and would hide the bytes from V8's count of external memory, which
        // is what makes that collection come. Measured on the 10M-row GBDT tab run (issue 16, the renderer's
        // RSS every 2 s during the evaluation pass): 1.3–2.3 GB when they were detached, 1.2–1.6 GB now.
        async *chunks(columns, options) {
          const read = await server.open([...columns], options)
          let done = false
          try {
            // The next chunk is read (and converted) in the data worker while this one is used here.
            let pending = server.next(read)
            while (true) {
              const chunk = await pending
              if (!chunk) {
                done = true
                return
              }
              pending = server.next(read)
              // A read that fails ahead fails when it is awaited, not unhandled meanwhile.
              pending.catch(() => undefined)
              yield chunk
            }
          } finally {
            if (!done) await server.close(read).catch(() => undefined)
          }
        },
      }
    },
  }
}
