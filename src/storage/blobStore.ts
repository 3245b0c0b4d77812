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
    const tempName = `.${name}.${Date.now().toString(36)}.partial`
    const tempHandle = await dir.getFileHandle(tempName, { create: true })
    let written = 0
    try {
      const writable = await tempHandle.createWritable()
      try {
        if (data instanceof Uint8Array) {
          await writable.write(data)
          written = data.byteLength
          options.onBytes?.(written)
        } else if (data instanceof Blob) {
          // Whole Blob slices let the browser copy file to file natively (about 10× faster than
          // pumping the stream's chunks through JS); 16 MB slices still give a progress bar.
          for (let at = 0; at < data.size; at += blobSliceBytes) {
            const end = Math.min(data.size, at + blobSliceBytes)
            await writable.write(data.slice(at, end))
            written = end
            options.onBytes?.(written)
          }
        } else {
          const stream = data
          const reader = stream.getReader()
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            await writable.write(value as Uint8Array<ArrayBuffer>)
            written += value.byteLength
            options.onBytes?.(written)
          }
        }
        await writable.close()
      } catch (error) {
        await writable.abort().catch(() => undefined)
        throw error
      }
      await moveInto(dir, tempHandle, tempName, name)
      return written
    } catch (error) {
      await dir.removeEntry(tempName).catch(() => undefined)
      throw toStorageError(error, `Could not write ${path}`)
    }
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
