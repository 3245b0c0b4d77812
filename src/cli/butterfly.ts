/**
 * Butterfly's headless command line (`npm run butterfly -- <command> …`):
 * - `run --data FILE --target COL --out RESULT.json [--bundle RUN.butterfly.zip [--include-data]] …`
 * - `verify RUN.butterfly.zip [--rerun] [--data FILE]`: checks every hash; with --rerun executes the run
 *   again and compares its metrics exactly
 * - `predict --model model-package.json|RUN.butterfly.zip --data NEW.csv --out PRED.csv`
 * - `export-dask RUN.butterfly.zip --out DIR`: writes the run as a Dask job (dask_job.py, dask_job.md)
 * - `--help`: the usage above, exit code 0
 * Thin wrappers over the modules beside it; prints one line on failure and exits non-zero (2 for bad arguments,
 * 1 for bad data, a failed run, a rejected bundle or a metric that does not reproduce).
 */
import { basename } from 'node:path'
import { errorMessage } from '../domain/errors.ts'
import { exportDaskUsage, parseArgs, usage as runUsage, UsageError } from './args.ts'

// Each command imports its module when it runs (TF.js, DuckDB and the engine take seconds to load): `--help`
// and a bad command line answer at once (issue 15.6).

const usage = `${runUsage}\n       ${exportDaskUsage}`
const say = (line: string) => process.stderr.write(`${line}\n`)

function parsed<T>(parse: () => T): T | undefined {
  try {
    return parse()
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`butterfly: ${error.message}\n${usage}\n`)
    return undefined
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  if (argv[0] === 'verify') {
    const { parseVerifyArgs } = await import('./headlessPredict.ts')
    const { verifyBundleFile } = await import('./headlessBundle.ts')
    const args = parsed(() => parseVerifyArgs(argv))
    if (!args) return 2
    const result = await verifyBundleFile(args.bundle, {
      rerun: args.rerun,
      ...(args.data ? { data: args.data } : {}),
      onMessage: (line) => process.stdout.write(`${line}\n`),
    })
    return result.exitCode
  }
  if (argv[0] === 'predict') {
    const { parsePredictArgs, runPredict } = await import('./headlessPredict.ts')
    const args = parsed(() => parsePredictArgs(argv))
    if (!args) return 2
    try {
      const { rows } = await runPredict(args, say)
      say(`done: ${rows} predictions → ${args.out}`)
      return 0
    } catch (error) {
      say(`butterfly: ${errorMessage(error).split('\n')[0]}`)
      return 1
    }
  }
  if (argv[0] === 'export-dask') {
    const { exportDask, parseExportDaskArgs } = await import('./exportDask.ts')
    const args = parsed(() => parseExportDaskArgs(argv))
    if (!args) return 2
    try {
      const written = await exportDask(args)
      say(`done: ${written.map((path) => basename(path)).join(', ')} → ${args.out}`)
      return 0
    } catch (error) {
      say(`butterfly: ${errorMessage(error).split('\n')[0]}`)
      return 1
    }
  }
  const args = parsed(() => parseArgs(argv))
  if (!args) return 2
  // The arguments are sound: say so before the engine (TF.js, DuckDB) loads, which takes seconds.
  say(`loading ${basename(args.data)}…`)
  const { runHeadless } = await import('./headless.ts')
  const outcome = await runHeadless(args, { onMessage: say })
  if (outcome.exitCode !== 0) {
    say(`butterfly: ${outcome.message}`)
    return outcome.exitCode
  }
  const metrics = outcome.result.metrics as Record<string, number | null>
  const metric = outcome.outcome.task.metric
  say(`done: ${metric} = ${metrics[metric]} → ${args.out}`)
  return 0
}

process.exitCode = await main(process.argv.slice(2))
