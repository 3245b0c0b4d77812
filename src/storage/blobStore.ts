/**
 * File bytes of a workspace (original dataset files, artifacts) in a directory handle: a folder of the
 * Origin Private File System by default, or a folder the user picked (File System Access API). Paths
 * are '/'-separated and relative to the workspace root. Writes go to a temporary name first and are
 * renamed into place, so a crash never leaves a half-written file under a real name.
 */
import { StorageError } from '../domain/errors.ts'

/** The subset of the File System Access API the blob store uses (real handles and test fakes). */
export type DirectoryHandle = FileSystemDirectoryHandle

export type BlobData = Uint8Array<ArrayBuffer> | Blob | ReadableStream<Uint8Array>

const blobSliceBytes = 16 * 1024 * 1024
/**
 * Bytes handed to one `write` of an array: the browser copies them on the calling thread before the write
 * goes on in the background, and fresh memory costs ~3 ms a megabyte on a busy machine, so a 10M-row
 * run's 100 MB predictions file written whole held the page's main thread for 272 ms.
 */
export const arraySliceBytes = 4 * 1024 * 1024

export class BlobStore {
  constructor(readonly root: DirectoryHandle) {}

  /** Writes `data` at `path` (replacing nothing: an existing file at `path` is an error unless `overwrite`). */
  async write(
    path: string,
    data: BlobData,
    options: { overwrite?: boolean; onBytes?: (bytes: number) => void } = {},
  ): Promise<number> {
    const { dir, name } = await this.parent(path, true)
    if (!options.overwrite && (await exists(dir, name)))
      throw new StorageError('write-failed', `A file already exists at ${path}`)
    const written = await writeTemporary(dir, name, data, path, options.onBytes, async (handle, tempName) => {
      await moveInto(dir, handle, tempName, name)
      return true
    })
    return written.bytes
  }

  /**
   * Writes `data` at a path that names its content (a hash): a file already there, or put there
   * meanwhile by another tab writing the same bytes, is kept and this copy is dropped. Resolves true
   * when this call put the file in place, false when it was there already. Two tabs storing the same
   * dataset at once both succeed (a plain write would refuse or replace the other's file mid-read).
   */
  async writeOnce(
    path: string,
    data: BlobData,
    options: { onBytes?: (bytes: number) => void } = {},
  ): Promise<boolean> {
    const { dir, name } = await this.parent(path, true)
    if (await exists(dir, name)) return false
    const written = await writeTemporary(dir, name, data, path, options.onBytes, async (handle, tempName) => {
      if (await exists(dir, name)) {
        await dir.removeEntry(tempName).catch(() => undefined)
        return false
      }
      try {
        await moveInto(dir, handle, tempName, name)
        return true
      } catch (error) {
        // The other writer's file landed between the check and the move (and may be open for reading).
        if (!(await exists(dir, name))) throw error
        await dir.removeEntry(tempName).catch(() => undefined)
        return false
      }
    })
    return written.placed
  }

  /** The file at `path`; StorageError('not-found') when missing. */
  async read(path: string): Promise<File> {
    try {
      const { dir, name } = await this.parent(path, false)
      return await (await dir.getFileHandle(name)).getFile()
    } catch (error) {
      throw toStorageError(error, `No file at ${path}`)
    }
  }

  async readBytes(path: string): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await (await this.read(path)).arrayBuffer())
  }

  async exists(path: string): Promise<boolean> {
    try {
      const { dir, name } = await this.parent(path, false)
      return await exists(dir, name)
    } catch {
      return false
    }
  }

  /** Removes a file or (recursively) a folder; missing paths are fine. */
  async remove(path: string): Promise<void> {
    try {
      const { dir, name } = await this.parent(path, false)
      await dir.removeEntry(name, { recursive: true })
    } catch (error) {
      if (isNotFound(error)) return
      throw toStorageError(error, `Could not remove ${path}`)
    }
  }

  /** Names of the entries directly under `path` ('' for the root). */
  async list(path = ''): Promise<string[]> {
    let dir = this.root
    try {
      for (const part of splitPath(path)) dir = await dir.getDirectoryHandle(part)
    } catch (error) {
      if (isNotFound(error)) return []
      throw error
    }
    const names: string[] = []
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name)
    return names.sort()
  }

  private async parent(path: string, create: boolean): Promise<{ dir: DirectoryHandle; name: string }> {
    const parts = splitPath(path)
    const name = parts.pop()
    if (!name) throw new StorageError('write-failed', `Empty blob path '${path}'`)
    let dir = this.root
    for (const part of parts) dir = await dir.getDirectoryHandle(part, { create })
    return { dir, name }
  }
}

function splitPath(path: string): string[] {
  const parts = path.split('/').filter(Boolean)
  for (const part of parts)
    if (part === '.' || part === '..') throw new StorageError('write-failed', `Unsafe blob path '${path}'`)
  return parts
}

async function exists(dir: DirectoryHandle, name: string): Promise<boolean> {
  try {
    await dir.getFileHandle(name)
    return true
  } catch {
    try {
      await dir.getDirectoryHandle(name)
      return true
    } catch {
      return false
    }
  }
}

/**
 * Writes `data` to a temporary name beside `name` (unique per call, so two tabs writing the same path in
 * the same millisecond never share one), then lets `place` put it where it belongs; the temporary file
 * is removed on any failure.
 */
async function writeTemporary(
  dir: DirectoryHandle,
  name: string,
  data: BlobData,
  path: string,
  onBytes: ((bytes: number) => void) | undefined,
  place: (handle: FileSystemFileHandle, tempName: string) => Promise<boolean>,
): Promise<{ bytes: number; placed: boolean }> {
  const tempName = `.${name}.${Date.now().toString(36)}${uniqueSuffix()}.partial`
  const tempHandle = await dir.getFileHandle(tempName, { create: true })
  let written = 0
  try {
    const writable = await tempHandle.createWritable()
    try {
      if (data instanceof Uint8Array) {
        // One write at least, so an empty array makes an empty file.
        do {
          const end = Math.min(data.byteLength, written + arraySliceBytes)
          await writable.write(data.subarray(written, end))
          written = end
          onBytes?.(written)
        } while (written < data.byteLength)
      } else if (data instanceof Blob) {
        // Whole Blob slices let the browser copy file to file natively (about 10× faster than
        // pumping the stream's chunks through JS); 16 MB slices still give a progress bar.
        for (let at = 0; at < data.size; at += blobSliceBytes) {
          const end = Math.min(data.size, at + blobSliceBytes)
          await writable.write(data.slice(at, end))
          written = end
          onBytes?.(written)
        }
      } else {
        const reader = data.getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          await writable.write(value as Uint8Array<ArrayBuffer>)
          written += value.byteLength
          onBytes?.(written)
        }
      }
      await writable.close()
    } catch (error) {
      await writable.abort().catch(() => undefined)
      throw error
    }
    return { bytes: written, placed: await place(tempHandle, tempName) }
  } catch (error) {
    await dir.removeEntry(tempName).catch(() => undefined)
    throw toStorageError(error, `Could not write ${path}`)
  }
}

/** Eight random base-36 digits (getRandomValues: available outside secure contexts too). */
function uniqueSuffix(): string {
  const [value] = crypto.getRandomValues(new Uint32Array(1))
  return (value ?? 0).toString(36).padStart(7, '0')
}

/** Renames a finished temporary file into place: `move()` where the browser has it, else copy + delete. */
async function moveInto(dir: DirectoryHandle, handle: FileSystemFileHandle, tempName: string, name: string) {
  const movable = handle as FileSystemFileHandle & { move?: (name: string) => Promise<void> }
  if (typeof movable.move === 'function') {
    await dir.removeEntry(name).catch(() => undefined)
    await movable.move(name)
    return
  }
  const file = await handle.getFile()
  const target = await dir.getFileHandle(name, { create: true })
  const writable = await target.createWritable()
  await writable.write(file)
  await writable.close()
  await dir.removeEntry(tempName)
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')
}

function toStorageError(error: unknown, context: string): Error {
  if (error instanceof StorageError) return error
  if (error instanceof Error) {
    if (error.name === 'QuotaExceededError')
      return new StorageError('quota-exceeded', `${context}: the browser's storage quota is full`)
    if (error.name === 'NotAllowedError' || error.name === 'SecurityError')
      return new StorageError('permission-denied', `${context}: permission to the folder was denied`)
    if (isNotFound(error)) return new StorageError('not-found', context)
    return new StorageError('write-failed', `${context}: ${error.message}`)
  }
  return new StorageError('write-failed', `${context}: ${String(error)}`)
}
