/**
 * An in-memory stand-in for the File System Access API (FileSystemDirectoryHandle and friends), with
 * just what the blob store uses, so storage code runs unchanged under Vitest in Node.
 */

class NotFound extends Error {
  override name = 'NotFoundError'
}

class MemoryFile {
  constructor(public bytes: Uint8Array = new Uint8Array()) {}
}

export class MemoryFileHandle {
  readonly kind = 'file'
  constructor(
    public name: string,
    private parent: MemoryDirectoryHandle,
    public file: MemoryFile,
  ) {}
  async getFile(): Promise<File> {
    return new File([this.file.bytes.slice() as Uint8Array<ArrayBuffer>], this.name)
  }
  async createWritable() {
    const chunks: Uint8Array[] = []
    const target = this.file
    return {
      async write(data: Uint8Array | Blob) {
        chunks.push(data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data.slice())
      },
      async close() {
        const total = chunks.reduce((sum, c) => sum + c.byteLength, 0)
        const out = new Uint8Array(total)
        let offset = 0
        for (const c of chunks) {
          out.set(c, offset)
          offset += c.byteLength
        }
        target.bytes = out
      },
      async abort() {},
    }
  }
  async move(newName: string) {
    this.parent.entries.delete(this.name)
    this.name = newName
    this.parent.entries.set(newName, this)
  }
}

export class MemoryDirectoryHandle {
  readonly kind = 'directory'
  entries = new Map<string, MemoryFileHandle | MemoryDirectoryHandle>()
  constructor(public name = 'root') {}
  async getDirectoryHandle(name: string, options: { create?: boolean } = {}) {
    const entry = this.entries.get(name)
    if (entry instanceof MemoryDirectoryHandle) return entry
    if (entry) throw Object.assign(new Error('not a directory'), { name: 'TypeMismatchError' })
    if (!options.create) throw new NotFound(name)
    const dir = new MemoryDirectoryHandle(name)
    this.entries.set(name, dir)
    return dir
  }
  async getFileHandle(name: string, options: { create?: boolean } = {}) {
    const entry = this.entries.get(name)
    if (entry instanceof MemoryFileHandle) return entry
    if (entry) throw Object.assign(new Error('not a file'), { name: 'TypeMismatchError' })
    if (!options.create) throw new NotFound(name)
    const handle = new MemoryFileHandle(name, this, new MemoryFile())
    this.entries.set(name, handle)
    return handle
  }
  async removeEntry(name: string, options: { recursive?: boolean } = {}) {
    const entry = this.entries.get(name)
    if (!entry) throw new NotFound(name)
    if (entry instanceof MemoryDirectoryHandle && entry.entries.size > 0 && !options.recursive)
      throw Object.assign(new Error('not empty'), { name: 'InvalidModificationError' })
    this.entries.delete(name)
  }
  async *keys() {
    yield* this.entries.keys()
  }
  async queryPermission() {
    return 'granted'
  }
  /** Puts a file here at once, without awaiting (test helper: another writer landing mid-write). */
  putFile(name: string, bytes: Uint8Array): void {
    this.entries.set(name, new MemoryFileHandle(name, this, new MemoryFile(bytes.slice())))
  }
  /** All file paths below this directory (test helper). */
  paths(prefix = ''): string[] {
    const out: string[] = []
    for (const [name, entry] of this.entries) {
      if (entry instanceof MemoryDirectoryHandle) out.push(...entry.paths(`${prefix}${name}/`))
      else out.push(`${prefix}${name}`)
    }
    return out.sort()
  }
}

export function asDirectoryHandle(dir: MemoryDirectoryHandle): FileSystemDirectoryHandle {
  return dir as unknown as FileSystemDirectoryHandle
}
