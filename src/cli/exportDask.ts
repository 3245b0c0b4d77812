/**
 * `butterfly export-dask RUN.butterfly.zip --out DIR`: writes a run's Dask job (dask_job.py and
 * dask_job.md, see src/outputs/dask/buildDaskJob.ts) from any run bundle, checked with the app's bundle
 * reader: the job the run stored, else one generated from the run record; plus the dataset file when the
 * bundle includes it (the job's default --data).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { errorMessage, ValidationError } from '../domain/errors.ts'
import type { DaskJob } from '../outputs/dask/buildDaskJob.ts'
import { buildDaskJob, daskJobFileName, daskJobReadmeFileName } from '../outputs/dask/buildDaskJob.ts'
import { notebookInputFromRun, testRowsFromPredictionsCsv } from '../outputs/notebook/notebookInput.ts'
import type { VerifiedBundle } from '../storage/bundle/readBundle.ts'
import { readRunBundle } from '../storage/bundle/readBundle.ts'
import { UsageError } from './args.ts'

export interface ExportDaskArgs {
  bundle: string
  out: string
}

export { exportDaskUsage } from './args.ts'

/** Parses `export-dask BUNDLE --out DIR`. Throws UsageError with a one-line reason. */
export function parseExportDaskArgs(argv: readonly string[]): ExportDaskArgs {
  let bundle: string | undefined
  let out: string | undefined
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--out') {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new UsageError('--out needs a value')
      if (out !== undefined) throw new UsageError('--out given twice')
      out = value
      i++
    } else if (arg.startsWith('--')) throw new UsageError(`unknown argument '${arg}'`)
    else if (bundle === undefined) bundle = arg
    else throw new UsageError(`unexpected argument '${arg}' (one bundle at a time)`)
  }
  if (bundle === undefined) throw new UsageError('export-dask needs a run bundle (RUN.butterfly.zip)')
  if (out === undefined) throw new UsageError('missing --out')
  return { bundle, out }
}

/** The run's test rows, from the bundle's test-predictions.csv. */
async function testRowsOf(bundle: VerifiedBundle): Promise<number[]> {
  const artifact = bundle.artifacts.find(
    (a) => a.type === 'predictions' && a.fileName === 'test-predictions.csv',
  )
  const blob = artifact ? bundle.artifactFiles.get(artifact.id) : undefined
  if (!blob)
    throw new ValidationError(
      'invalid-argument',
      'The bundle has no test-predictions.csv, so the run’s test rows are unknown; export a completed run',
    )
  return testRowsFromPredictionsCsv(await blob.text())
}

/**
 * The job the run stored (with its fitted recipe, which bundles do not carry otherwise), when the bundle
 * has one; older bundles get a job generated from the run record.
 */
async function storedJob(bundle: VerifiedBundle): Promise<DaskJob | undefined> {
  const files: Record<string, string> = {}
  for (const name of [daskJobFileName, daskJobReadmeFileName]) {
    const artifact = bundle.artifacts.find((a) => a.type === 'notebook' && a.fileName === name)
    const blob = artifact ? bundle.artifactFiles.get(artifact.id) : undefined
    if (!blob) return undefined
    files[name] = await blob.text()
  }
  return { files }
}

/**
 * Writes the job's files (and the bundled dataset, when included) into `args.out`; returns the paths
 * written. Throws ValidationError/StorageError with a sentence for a bundle it cannot use.
 */
export async function exportDask(args: ExportDaskArgs): Promise<string[]> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(args.bundle))
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `Cannot read bundle '${args.bundle}': ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    )
  }
  const bundle = await readRunBundle(bytes)
  const { run } = bundle
  if (run.status !== 'completed')
    throw new ValidationError(
      'invalid-argument',
      `Run ${run.number} ${run.status}; only a completed run exports as a Dask job`,
    )
  if (!run.model)
    throw new ValidationError(
      'invalid-argument',
      `Run ${run.number} has no trained model (an override hook predicted); there is nothing for Dask to train`,
    )
  const job = (await storedJob(bundle)) ?? {
    files: buildDaskJob(
      notebookInputFromRun({
        run,
        dataset: bundle.dataset,
        experimentName: bundle.experiment.name,
        testRows: await testRowsOf(bundle),
        generator: 'Butterfly',
      }),
    ).files,
  }
  await mkdir(args.out, { recursive: true })
  const written: string[] = []
  for (const [name, text] of Object.entries(job.files)) {
    const path = join(args.out, name)
    await writeFile(path, text)
    written.push(path)
  }
  if (bundle.datasetFile) {
    const path = join(args.out, basename(bundle.datasetFile.name))
    await writeFile(path, new Uint8Array(await bundle.datasetFile.blob.arrayBuffer()))
    written.push(path)
  }
  return written
}
