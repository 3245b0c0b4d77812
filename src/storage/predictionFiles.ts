/**
 * Predictions files too large to hold (issue 16): the run worker writes a streamed predictions CSV into
 * this browser's Origin Private File System, a chunk at a time, and the page offers the file for download
 * as a disk-backed File (no table-sized string or array on either thread). One such file is kept at a
 * time: starting a new prediction removes the earlier ones.
 */
import type { DirectoryHandle } from './blobStore.ts'
import { opfsRoot } from './roots.ts'

const folderName = 'predictions'

async function folder(): Promise<DirectoryHandle> {
  return (await opfsRoot()).getDirectoryHandle(folderName, { create: true })
}

/** A predictions file being written: text appended in order, kept only when closed. */
export interface PredictionsFileWriter {
  write(text: string): Promise<void>
  /** Commits the file (it appears under its name only now). */
  close(): Promise<void>
  /** Drops what was written. */
  abort(): Promise<void>
}

/** Removes every predictions file (a new prediction replaces the last one). */
export async function clearPredictionsFiles(): Promise<void> {
  await (await opfsRoot()).removeEntry(folderName, { recursive: true }).catch(() => undefined)
}

/** Starts writing the predictions file `name` (earlier files are removed first). */
export async function createPredictionsFile(name: string): Promise<PredictionsFileWriter> {
  await clearPredictionsFiles()
  const handle = await (await folder()).getFileHandle(name, { create: true })
  // A writable commits on close only (written to a swap file until then): nothing half-written shows.
  const writable = await handle.createWritable()
  const utf8 = new TextEncoder()
  return {
    write: (text) => writable.write(utf8.encode(text)),
    close: () => writable.close(),
    abort: () => writable.abort(),
  }
}

/** The predictions file `name`, as a File read from disk when downloaded. */
export async function readPredictionsFile(name: string): Promise<File> {
  return (await (await folder()).getFileHandle(name)).getFile()
}
