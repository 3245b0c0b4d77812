/**
 * Safety limits for reading run bundles, and the entry-name rule. A bundle comes from elsewhere, so
 * the reader treats it as hostile: it bounds entries, bytes and compression ratio before inflating
 * anything (zip bombs), and accepts only plain relative names (no traversal, no absolute paths).
 */

/** Caps applied by `readRunBundle`. All sizes in bytes. */
export interface BundleLimits {
  /** Largest accepted archive file. */
  maxArchiveBytes: number
  /** Most entries (files and directories) in the archive. */
  maxEntries: number
  /** Largest uncompressed size of any one entry. */
  maxEntryBytes: number
  /** Largest sum of uncompressed sizes. */
  maxTotalBytes: number
  /** Largest `manifest.json`. */
  maxManifestBytes: number
  /** Highest uncompressed / compressed ratio of an entry larger than `ratioFloorBytes`. */
  maxCompressionRatio: number
  /** Entries at most this large (uncompressed) are exempt from the ratio cap: small files are harmless. */
  ratioFloorBytes: number
}

const MiB = 1024 * 1024

/**
 * Defaults sized for a browser tab: a dataset of up to 1 GiB plus artifacts, with headroom. A real
 * bundle's JSON, CSV and model files compress 5–50×; one deflate layer tops out near 1032:1.
 */
export const defaultBundleLimits: Readonly<BundleLimits> = Object.freeze({
  maxArchiveBytes: 2048 * MiB,
  maxEntries: 10_000,
  maxEntryBytes: 1536 * MiB,
  maxTotalBytes: 2048 * MiB,
  maxManifestBytes: 64 * MiB,
  maxCompressionRatio: 400,
  ratioFloorBytes: 1 * MiB,
})

/**
 * Why `name` is not an acceptable archive entry name, or undefined when it is. Accepted: relative
 * '/'-separated paths whose segments are non-empty, not '.' or '..', with no backslash, no control
 * characters and no drive letter. (zip.js rejects some of these too; this gives one clear message.)
 */
export function entryNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty name'
  if (name.length > 1024) return 'name longer than 1024 characters'
  if (name.includes('\\')) return 'backslash in the name'
  if (name.startsWith('/')) return 'absolute path'
  if (/^[A-Za-z]:/.test(name)) return 'drive-letter path'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in the name'
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/')
  for (const segment of segments) {
    if (segment === '..') return 'parent-directory segment (path traversal)'
    if (segment === '.') return "'.' segment"
    if (segment === '') return 'empty path segment'
  }
  return undefined
}
