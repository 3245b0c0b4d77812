/**
 * A {@link TableChunkSource} over a delimited file read by DuckDB as it streams (predictions on a new
 * file, issue 16), whose failures read as sentences: the engine's own text becomes {@link csvError}'s, and
 * a value late in the file that does not fit the type DuckDB sniffed from its first rows becomes
 * {@link lateTypeError}, which the caller answers by reading the file again typed on every row (as the
 * import does; the rows written so far are then discarded).
 */
import { errorMessage, ValidationError } from '../../domain/errors.ts'
import type { TableChunkSource } from '../../engine/scale/chunkSource.ts'
import { csvError } from './ingest.ts'

/** The sentence of a value late in the file that breaks the sniffed type. */
const lateTypeSentence =
  'A value late in this file does not fit the type of the column in its first rows, so the file is read again, typed on every row'

/** DuckDB's words for that case. */
const lateTypeEngineText = /Could not convert|Conversion Error/i

/** The error of a late value that breaks the sniffed type (see {@link isLateTypeError}). */
export function lateTypeError(cause: unknown): ValidationError {
  return new ValidationError('bad-data', lateTypeSentence, { engine: errorMessage(cause).slice(0, 300) })
}

/** Whether `error` says to read the file again typed on every row (it survives a worker boundary). */
export function isLateTypeError(error: unknown): boolean {
  return errorMessage(error) === lateTypeSentence
}

function readable(error: unknown): Error {
  if (error instanceof ValidationError) return error
  return lateTypeEngineText.test(errorMessage(error)) ? lateTypeError(error) : csvError(error)
}

/** Opens a chunk source (`open`), its failures and those of its chunks read as sentences. */
export async function readableChunkSource(open: () => Promise<TableChunkSource>): Promise<TableChunkSource> {
  let source: TableChunkSource
  try {
    source = await open()
  } catch (error) {
    throw readable(error)
  }
  return {
    rowCount: source.rowCount,
    columnNames: source.columnNames,
    async *chunks(columns, options) {
      try {
        yield* source.chunks(columns, options)
      } catch (error) {
        throw readable(error)
      }
    },
  }
}
