/**
 * Butterfly's headless command line: `npx tsx scripts/butterfly.ts run --data FILE --target COL --out RESULT.json …`.
 * A thin wrapper over runHeadless (scripts/lib/headless.ts); prints one line on failure and exits non-zero
 * (2 for bad arguments, 1 for bad data or a failed run).
 */
import { parseArgs, runHeadless, UsageError, usage } from './lib/headless.ts'

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`butterfly: ${error.message}\n${usage}\n`)
    return 2
  }
  const outcome = await runHeadless(args, { onMessage: (line) => process.stderr.write(`${line}\n`) })
  if (outcome.exitCode !== 0) {
    process.stderr.write(`butterfly: ${outcome.message}\n`)
    return outcome.exitCode
  }
  const metrics = outcome.result.metrics as Record<string, number | null>
  const metric = outcome.outcome.task.metric
  process.stderr.write(`done: ${metric} = ${metrics[metric]} → ${args.out}\n`)
  return 0
}

process.exitCode = await main()
