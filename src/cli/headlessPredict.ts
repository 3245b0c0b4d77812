/**
 * The `verify` and `predict` commands' argument parsing, and `predict` itself: load a model package
 * (a `model-package.json`, or the one inside a verified run bundle), read a new data file like the
 * import does, and write one prediction per row.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { errorMessage, ValidationError } from '../domain/errors.ts'
import { loadModelPackage, modelPackageFileName } from '../outputs/predict/modelPackage.ts'
import { predictionsToCsv, predictNewData } from '../outputs/predict/predictNewData.ts'
import { readRunBundle } from '../storage/bundle/readBundle.ts'
import { UsageError } from './args.ts'
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
async function packageBytes(path: string): Promise<Uint8Array> {
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
  const loaded = await loadTable(args.data)
  onMessage(
    `loaded ${basename(args.data)}: ${loaded.frame.nRows} rows × ${loaded.frame.columns.length} columns`,
  )
  let lastTenth = -1
  const predictions = await predictNewData(pkg, loaded.frame, {
    onProgress: ({ rowsDone, rowsTotal }) => {
      const tenth = Math.floor((10 * rowsDone) / Math.max(rowsTotal, 1))
      if (tenth !== lastTenth) {
        lastTenth = tenth
        onMessage(`predicted ${rowsDone} / ${rowsTotal} rows`)
      }
    },
  })
  await writeFile(args.out, predictionsToCsv(predictions))
  return { rows: predictions.nRows }
}
