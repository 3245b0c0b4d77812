/**
 * The `verify` and `predict` commands' argument parsing, and `predict` itself: load a model package
 * (a `model-package.json`, or the one inside a verified run bundle), read a new data file like the
 * import does, and write one prediction per row. A delimited file streams (issue 16): DuckDB reads it
 * from disk in chunks, each chunk is predicted and its CSV lines go out through a write stream, so memory
 * stays bounded whatever the file's size; the output appears under its name only when complete.
 */
import { createWriteStream } from 'node:fs'
import { readFile, rename, rm, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { errorMessage, ValidationError } from '../domain/errors.ts'
import type { TableChunkSource } from '../engine/scale/chunkSource.ts'
import { frameChunkSource } from '../engine/scale/chunkSource.ts'
import { loadModelPackage, modelPackageFileName } from '../outputs/predict/modelPackage.ts'
import type { StreamPredictionsProgress } from '../outputs/predict/predictNewData.ts'
import { keyColumns, streamPredictions } from '../outputs/predict/predictNewData.ts'
import { readRunBundle } from '../storage/bundle/readBundle.ts'
import { formatOf } from '../storage/tables/fileCheck.ts'
import { isLateTypeError, readableChunkSource } from '../storage/tables/readableChunks.ts'
import { UsageError } from './args.ts'
import { openDelimitedFile } from './largeTable.ts'
import { loadTable } from './loadTable.ts'

/** Parsed `verify FILE [--rerun] [--data FILE]`. */
export interface VerifyArgs {
  bundle: string
  rerun: boolean
  data?: string
}

/** Parses `verify …` (without the node/script prefix). Throws UsageError with a one-line reason. */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  let bundle: string | undefined
  let rerun = false
  let data: string | undefined
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--rerun') rerun = true
    else if (arg === '--data') {
      data = argv[++i]
      if (data === undefined || data.startsWith('--')) throw new UsageError('--data needs a value')
    } else if (arg.startsWith('--')) throw new UsageError(`unknown argument '${arg}'`)
    else if (bundle !== undefined)
      throw new UsageError(`verify takes one bundle, got '${bundle}' and '${arg}'`)
    else bundle = arg
  }
  if (bundle === undefined) throw new UsageError('verify needs a bundle file (RUN.butterfly.zip)')
  if (data !== undefined && !rerun) throw new UsageError('--data is only used with --rerun')
  return { bundle, rerun, ...(data !== undefined ? { data } : {}) }
}

/** Parsed `predict --model MODEL --data FILE --out PRED.csv`. */
export interface PredictArgs {
  model: string
  data: string
  out: string
}

export function parsePredictArgs(argv: readonly string[]): PredictArgs {
  const values: Record<string, string> = {}
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i]
    if (!['--model', '--data', '--out'].includes(flag)) throw new UsageError(`unknown argument '${flag}'`)
    const value = argv[i + 1]
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`)
    if (values[flag] !== undefined) throw new UsageError(`${flag} given twice`)
    values[flag] = value
    i++
  }
  for (const required of ['--model', '--data', '--out'])
    if (values[required] === undefined) throw new UsageError(`missing ${required}`)
  return { model: values['--model'], data: values['--data'], out: values['--out'] }
}

/** A model package's bytes from a package file or from inside a run bundle (verified first). */
export async function packageBytes(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `Cannot read model file '${path}': ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    )
  }
  if (!path.toLowerCase().endsWith('.zip')) return bytes
  const bundle = await readRunBundle(bytes)
  const artifact = bundle.artifacts.find((a) => a.fileName === modelPackageFileName)
  const blob = artifact ? bundle.artifactFiles.get(artifact.id) : undefined
  if (!blob)
    throw new ValidationError(
      'invalid-argument',
      `Bundle '${basename(path)}' has no ${modelPackageFileName} (its run's model could not be packaged)`,
    )
  return new Uint8Array(await blob.arrayBuffer())
}

/** A new data file opened for predictions: its rows as chunks, and how to let go of it. */
interface PredictionTable {
  source: TableChunkSource
  /** Key columns decided on the whole table (a file loaded whole); else the first chunk decides. */
  keyColumnNames?: string[]
  /** How it was read, for the log line. */
  how: string
  close(): Promise<void>
}

/** Reads `path` for predictions: a delimited file streams from disk, Parquet loads whole. */
async function openPredictionTable(
  path: string,
  document: Parameters<typeof keyColumns>[0],
  sampleSize?: number,
): Promise<PredictionTable> {
  const format = formatOf(path)
  if (format === 'parquet') {
    const { frame } = await loadTable(path, {}, 'summary')
    return {
      source: frameChunkSource(frame),
      keyColumnNames: keyColumns(document, frame).map((c) => c.name),
      how: 'loaded',
      close: async () => {},
    }
  }
  let size: number
  try {
    size = (await stat(path)).size
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `Cannot read data file '${path}': ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    )
  }
  const { engine, name, source } = await openDelimitedFile(path, format, size, sampleSize)
  return {
    source: await readableChunkSource(async () => source),
    how: 'streaming',
    close: () => engine.dropFile(name),
  }
}

/**
 * Writes what `produce` hands to its writer to `path` through a write stream (waiting when the disk is
 * behind): into a temporary file renamed to `path` once complete, removed on failure (nothing half-written).
 */
async function writeStreamed<T>(
  path: string,
  produce: (write: (text: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const partial = `${path}.partial-${process.pid}`
  const out = createWriteStream(partial)
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => undefined)
  const write = (text: string) =>
    out.write(text)
      ? Promise.resolve()
      : Promise.race([new Promise<void>((resolve) => out.once('drain', resolve)), failed])
  try {
    const result = await Promise.race([produce(write), failed])
    await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed])
    await rename(partial, path)
    return result
  } catch (error) {
    out.destroy()
    await rm(partial, { force: true })
    throw error
  }
}

/** Runs `predict`; resolves with the number of rows written. Throws on any failure. */
export async function runPredict(
  args: PredictArgs,
  onMessage: (line: string) => void = () => {},
): Promise<{ rows: number }> {
  const pkg = await loadModelPackage(await packageBytes(args.model))
  const { document } = pkg
  onMessage(
    `model: ${document.model.family} for '${document.task.target}' (${document.task.taskType}), ${document.inputColumns.length} input columns`,
  )
  const attempt = async (sampleSize?: number): Promise<{ rows: number }> => {
    const table = await openPredictionTable(args.data, document, sampleSize)
    const { source } = table
    onMessage(
      `${table.how} ${basename(args.data)}: ${source.rowCount} rows × ${source.columnNames.length} columns`,
    )
    let lastTenth = -1
    const onProgress = ({ rowsDone, rowsTotal, etaSeconds }: StreamPredictionsProgress) => {
      const tenth = Math.floor((10 * rowsDone) / Math.max(rowsTotal, 1))
      if (tenth === lastTenth) return
      lastTenth = tenth
      const eta =
        etaSeconds !== undefined && rowsDone < rowsTotal ? `, about ${Math.ceil(etaSeconds)} s left` : ''
      onMessage(`predicted ${rowsDone} / ${rowsTotal} rows${eta}`)
    }
    try {
      return await writeStreamed(args.out, (write) =>
        streamPredictions(pkg, source, write, {
          onProgress,
          ...(table.keyColumnNames ? { keyColumnNames: table.keyColumnNames } : {}),
        }),
      )
    } finally {
      await table.close().catch(() => undefined)
    }
  }
  try {
    return await attempt()
  } catch (error) {
    if (!isLateTypeError(error)) throw error
    onMessage(errorMessage(error))
    return attempt(-1)
  }
}
