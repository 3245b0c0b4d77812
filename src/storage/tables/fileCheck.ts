/**
 * The checks every table file passes before the table engine sees it, in the app's data worker and in
 * the headless CLI alike: a supported extension, not empty, Parquet framed by its markers, and for
 * delimited text the preflight (text encoding, NUL bytes, delimiter, header names, ragged rows).
 */
import type { SourceFormat } from '../../domain/dataset.ts'
import { ValidationError } from '../../domain/errors.ts'
import type { CsvDialect } from './csvPreflight.ts'
import { preflightBytes, preflightCsv } from './csvPreflight.ts'

const formats: Record<string, SourceFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  txt: 'csv',
  parquet: 'parquet',
  pq: 'parquet',
}

/** File format from the extension; throws ValidationError('unsupported-extension') otherwise. */
export function formatOf(fileName: string): SourceFormat {
  const extension = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase()
  const format = extension ? formats[extension] : undefined
  if (!format)
    throw new ValidationError(
      'unsupported-extension',
      `“${fileName}” is not a file Butterfly can import: drop a .csv, .tsv or .parquet file`,
      { extension: extension ?? '' },
    )
  return format
}

/** What the checks learnt: the dialect of delimited text (undefined for Parquet). */
export interface FileCheck {
  dialect?: CsvDialect
}

/**
 * @param head the first {@link preflightBytes} bytes (or the whole file when smaller)
 * @param tail the last 4 bytes (Parquet's closing marker)
 */
export function checkTableFile(
  fileName: string,
  format: SourceFormat,
  totalBytes: number,
  head: Uint8Array,
  tail: Uint8Array,
): FileCheck {
  if (totalBytes === 0) throw new ValidationError('empty-file', `“${fileName}” is empty`)
  const largest = largestFileBytes[format]
  if (totalBytes > largest)
    throw new ValidationError(
      'too-large',
      `“${fileName}” is ${gigabytes(totalBytes)}: its table would not fit in the ${gigabytes(tableEngineMemoryBytes)} of memory the table engine has, which holds ${format === 'parquet' ? 'a Parquet file' : 'delimited text'} of up to about ${gigabytes(largest)}. Split it into smaller files (fewer rows or columns) and import those`,
      { bytes: totalBytes, largest },
    )
  if (format === 'parquet') {
    checkParquetMagic(head, tail)
    return {}
  }
  return { dialect: preflightCsv(head, totalBytes <= preflightBytes, format === 'tsv') }
}

/** DuckDB's memory limit (engineSetup's `memory_limit`, 2560 MiB). */
const tableEngineMemoryBytes = 2560 * 1024 * 1024

/**
 * The largest file of each format an import starts on. A table of numbers takes about 0.45 bytes of
 * DuckDB's memory per byte of CSV (10M rows × 24 columns: a 1.6 GB file, about 0.7 GB in the engine), so
 * up to 4 GB of text leaves room for the profile's queries; text-heavy files take more and may still be
 * refused by the engine with its own sentence. Parquet is read whole, converted to Arrow and then
 * copied into the engine (three copies at a time, each several times the compressed size): 1 GB.
 */
export const largestFileBytes: Record<SourceFormat, number> = {
  csv: 4e9,
  tsv: 4e9,
  parquet: 1e9,
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`
}

function checkParquetMagic(head: Uint8Array, tail: Uint8Array): void {
  const magic = (bytes: Uint8Array) =>
    bytes.length >= 4 && String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) === 'PAR1'
  if (!magic(head) || !magic(tail.subarray(tail.length - 4)))
    throw new ValidationError(
      'corrupt-parquet',
      'This Parquet file is truncated or corrupt: it does not start and end with the Parquet marker “PAR1”',
    )
}

/**
 * Notes for header names the table engine renamed: an empty name gets a generated one (“column1”), a
 * name written twice, or differing only in upper/lower case (“A” and “a”), gets “_1” appended. The data
 * is kept; the person is told each new name.
 */
export function renamedColumnNotes(header: readonly string[], columns: readonly string[]): string[] {
  const notes: string[] = []
  header.forEach((name, i) => {
    const given = columns[i]
    if (given === undefined || given === name) return
    if (name === '') notes.push(`Column ${i + 1} has no name in the header, so it is named “${given}”`)
    else if (header.indexOf(name) < i)
      notes.push(
        `Column ${i + 1} “${name}” is named “${given}”: the header names “${name}” more than once, and column names must be unique`,
      )
    else
      notes.push(
        `Column ${i + 1} “${name}” is named “${given}”: another column has the same name up to upper/lower case, and column names must differ by more than case`,
      )
  })
  return notes
}
