/**
 * Looks at the first bytes of a delimited text file before DuckDB reads it: rejects binary junk, finds
 * the delimiter (comma, semicolon, tab, pipe) and the header (its names as written, so that names the
 * table engine changes can be reported). DuckDB then reads with that exact dialect.
 */
import { ValidationError } from '../../domain/errors.ts'

export interface CsvDialect {
  delimiter: ',' | ';' | '\t' | '|'
  /** Header names as written. */
  columns: string[]
}

const candidates = [',', ';', '\t', '|'] as const
const delimiterNames: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }

/** How many bytes of the file the preflight reads. */
export const preflightBytes = 256 * 1024

/**
 * @param head the first {@link preflightBytes} bytes (or the whole file when smaller)
 * @param isWholeFile whether `head` is the complete file (then the last line is complete too)
 * @param preferTab a `.tsv` file name: try tab first
 */
export function preflightCsv(head: Uint8Array, isWholeFile: boolean, preferTab = false): CsvDialect {
  if (head.byteLength === 0) throw new ValidationError('empty-file', 'The file is empty')
  const text = decodeText(head, isWholeFile)
  const lines = splitRecords(text, isWholeFile)
  if (lines.length === 0 || lines.every((line) => line.trim() === ''))
    throw new ValidationError('empty-file', 'The file is empty (it holds only blank lines)')

  const ordered = preferTab ? (['\t', ',', ';', '|'] as const) : candidates
  let best: { delimiter: CsvDialect['delimiter']; fields: string[][] } | undefined
  for (const delimiter of ordered) {
    const fields = lines.slice(0, 200).map((line) => splitFields(line, delimiter))
    const headerWidth = fields[0].length
    if (headerWidth < 2) continue
    if (!best || headerWidth > best.fields[0].length) best = { delimiter, fields }
  }
  // A single-column file: no delimiter occurs in the header.
  const chosen = best ?? {
    delimiter: ',' as const,
    fields: lines.slice(0, 200).map((line) => splitFields(line, ',')),
  }
  const header = chosen.fields[0].map((name) => name.trim())

  // Empty and repeated names are not refused: the table engine names them (“column1”, “a_1”) and the
  // import tells the person each new name (renamedColumnNotes), so no data is lost.
  // Ragged rows in the sample: report the first one precisely (DuckDB reports the rest on load).
  for (let i = 1; i < chosen.fields.length; i++) {
    const width = chosen.fields[i].length
    if (lines[i].trim() === '') continue
    if (width !== header.length)
      throw new ValidationError(
        'ragged-rows',
        `Line ${i + 1} has ${width} fields but the header has ${header.length} (${delimiterNames[chosen.delimiter]}-separated): every row needs the same number of fields`,
        { line: i + 1, expected: header.length, found: width },
      )
  }
  return { delimiter: chosen.delimiter, columns: header }
}

/** The sentence for a NUL byte on `line` of delimited text, from the preflight and the full scan alike. */
function nulByteError(line: number): ValidationError {
  return new ValidationError(
    'not-text',
    `Line ${line} holds a NUL byte (a zero byte, invisible in most editors): this looks like a binary file, not text; remove it and import the file again`,
    { line },
  )
}

/**
 * A scan of delimited text for NUL bytes anywhere in it, fed chunk by chunk in file order (the app
 * feeds the chunks it hashes, the CLI's loader the whole file): it counts lines as it goes and throws
 * {@link nulByteError} naming the line of the first NUL byte. The preflight only looks at the head.
 */
export function createNulScan(): (chunk: Uint8Array) => void {
  let line = 1
  return (chunk) => {
    const at = chunk.indexOf(0)
    const end = at < 0 ? chunk.byteLength : at
    for (let i = chunk.indexOf(10); i >= 0 && i < end; i = chunk.indexOf(10, i + 1)) line++
    if (at >= 0) throw nulByteError(line)
  }
}

function decodeText(head: Uint8Array, isWholeFile: boolean): string {
  // UTF-16 text: every ASCII character carries a zero byte, so it is refused here by its encoding,
  // before any of it (the header included) reaches the table engine.
  const bom16 =
    head.byteLength >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  if (bom16 || looksLikeUtf16(head))
    throw new ValidationError(
      'not-text',
      'This file is UTF-16 text. Save it as UTF-8 CSV (for example “CSV UTF-8” in a spreadsheet) and import it again',
    )
  let zeros = 0
  const probe = Math.min(head.byteLength, 64 * 1024)
  for (let i = 0; i < probe; i++) if (head[i] === 0) zeros++
  // A few NUL bytes in otherwise readable text: name the line, so the person can find and remove them.
  if (zeros > 0 && zeros <= Math.max(8, probe * 0.001) && !hasOtherControlBytes(head, probe)) {
    throw nulByteError(lineOf(head, head.indexOf(0)))
  }
  if (zeros > 0)
    throw new ValidationError(
      'not-text',
      'This file is not text (it contains binary bytes), so it cannot be read as CSV',
    )
  // A multi-byte character may be cut at the end of a partial head: decode leniently there only.
  const bytes = isWholeFile ? head : head.subarray(0, lastLineBreak(head))
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    // Not UTF-8: decide whether it is plausible legacy text or junk by its control characters.
    let controls = 0
    for (let i = 0; i < probe; i++) {
      const b = head[i]
      if (b < 32 && b !== 9 && b !== 10 && b !== 13) controls++
    }
    if (controls > probe * 0.01)
      throw new ValidationError(
        'not-text',
        'This file is not text (it contains binary bytes), so it cannot be read as CSV',
      )
    throw new ValidationError(
      'not-text',
      'This file is not UTF-8 text. Save it as UTF-8 CSV (for example “CSV UTF-8” in a spreadsheet) and import it again',
    )
  }
}

/** UTF-16 without a byte-order mark: zero bytes at every other position of the first characters. */
function looksLikeUtf16(head: Uint8Array): boolean {
  const n = Math.min(head.byteLength, 200) & ~1
  if (n < 8) return false
  let even = 0
  let odd = 0
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++
    if (head[i + 1] === 0) odd++
  }
  return Math.max(even, odd) >= (n / 2) * 0.9 && Math.min(even, odd) === 0
}

function hasOtherControlBytes(head: Uint8Array, probe: number): boolean {
  for (let i = 0; i < probe; i++) {
    const b = head[i]
    if (b !== 0 && b < 32 && b !== 9 && b !== 10 && b !== 13) return true
  }
  return false
}

/** The 1-based line of byte `offset`. */
function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++
  return line
}

function lastLineBreak(bytes: Uint8Array): number {
  for (let i = bytes.byteLength - 1; i >= 0; i--) if (bytes[i] === 10) return i + 1
  return bytes.byteLength
}

/** Splits text into records, honouring quoted newlines. Drops a trailing partial record of a head. */
function splitRecords(text: string, isWholeFile: boolean): string[] {
  const records: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 34) quoted = !quoted
    else if (ch === 10 && !quoted) {
      records.push(text.slice(start, i).replace(/\r$/, ''))
      start = i + 1
    }
  }
  if (start < text.length && isWholeFile) records.push(text.slice(start).replace(/\r$/, ''))
  if (records.length > 0) records[0] = records[0].replace(/^\uFEFF/, '')
  return records
}

function splitFields(line: string, delimiter: string): string[] {
  const fields: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          current += '"'
          i++
        } else quoted = false
      } else current += ch
    } else if (ch === '"') quoted = true
    else if (ch === delimiter) {
      fields.push(current)
      current = ''
    } else current += ch
  }
  fields.push(current)
  return fields
}
