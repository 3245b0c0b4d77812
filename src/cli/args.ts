/**
 * The CLI's arguments, usage and {@link UsageError}, apart from the commands themselves: parsing `--help` or a
 * bad command line loads none of the engine (no TF.js, no DuckDB), so the CLI answers at once (issue 15.6).
 */
import type { TaskType } from '../domain/task.ts'
import { taskTypes } from '../domain/task.ts'

/** Parsed `run` arguments. */
export interface HeadlessArgs {
  data: string
  target: string
  out: string
  task?: TaskType
  split?: string
  model?: string
  /**
   * JSON file patching the default pipeline: `{ "blocks": [{ "type": "preprocessing", "config": { … } }, …],
   * "globalConfig": { "seed": 1, "testFraction": 0.25 } }`; block configs merge over the defaults.
   */
  pipeline?: string
  seed?: number
  predictions?: string
  backend?: 'auto' | 'cpu' | 'wasm'
  /** `KIND=FILE.js` pairs, in the order given. */
  hooks: { kind: string; file: string }[]
  /** Write a run bundle (`.butterfly.zip`) like the app's export. */
  bundle?: string
  /** Put the data file in the bundle. */
  includeData?: boolean
  /** Tables with more cells (rows × columns) than this stream through the large-table run (issue 16). */
  largeCells?: number
}

export const usage =
  'usage: butterfly run --data FILE --target COL --out RESULT.json [--task binary|multiclass|regression] [--split SPLIT.json] [--model FAMILY] [--pipeline PIPELINE.json] [--seed N] [--predictions PRED.csv] [--backend auto|wasm|cpu] [--hook KIND=FILE.js]... [--bundle RUN.butterfly.zip [--include-data]] [--large-cells N]\n       butterfly verify RUN.butterfly.zip [--rerun] [--data FILE]\n       butterfly predict --model MODEL (model-package.json or RUN.butterfly.zip) --data FILE --out PRED.csv'

/** Thrown for bad command-line arguments (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Parses `run …` arguments (without the node/script prefix). Throws UsageError with a one-line reason. */
export function parseArgs(argv: readonly string[]): HeadlessArgs {
  if (argv[0] !== 'run')
    throw new UsageError(
      argv.length === 0
        ? 'missing command (expected: run, verify, predict)'
        : `unknown command '${argv[0]}' (expected: run, verify, predict)`,
    )
  const values: Record<string, string> = {}
  const hooks: HeadlessArgs['hooks'] = []
  const known = [
    '--data',
    '--target',
    '--out',
    '--task',
    '--split',
    '--model',
    '--pipeline',
    '--seed',
    '--predictions',
    '--backend',
    '--hook',
    '--bundle',
    '--large-cells',
  ]
  let includeData = false
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--include-data') {
      includeData = true
      continue
    }
    if (!known.includes(flag)) throw new UsageError(`unknown argument '${flag}'`)
    const value = argv[i + 1]
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`)
    i++
    if (flag === '--hook') {
      const eq = value.indexOf('=')
      if (eq <= 0 || eq === value.length - 1)
        throw new UsageError(`--hook must be KIND=FILE.js, got '${value}'`)
      hooks.push({ kind: value.slice(0, eq), file: value.slice(eq + 1) })
      continue
    }
    if (values[flag] !== undefined) throw new UsageError(`${flag} given twice`)
    values[flag] = value
  }
  for (const required of ['--data', '--target', '--out'])
    if (values[required] === undefined) throw new UsageError(`missing ${required}`)
  const task = values['--task']
  if (task !== undefined && !(taskTypes as readonly string[]).includes(task))
    throw new UsageError(`--task must be one of ${taskTypes.join(', ')}, got '${task}'`)
  const seedText = values['--seed']
  let seed: number | undefined
  if (seedText !== undefined) {
    seed = Number(seedText)
    if (!/^\d+$/.test(seedText) || seed > 0xffffffff)
      throw new UsageError(`--seed must be an integer from 0 to 4294967295, got '${seedText}'`)
  }
  if (includeData && values['--bundle'] === undefined) throw new UsageError('--include-data needs --bundle')
  const cellsText = values['--large-cells']
  if (cellsText !== undefined && (!/^\d+$/.test(cellsText) || Number(cellsText) < 1))
    throw new UsageError(`--large-cells must be a positive integer, got '${cellsText}'`)
  const backend = values['--backend']
  if (backend !== undefined && backend !== 'auto' && backend !== 'cpu' && backend !== 'wasm')
    throw new UsageError(`--backend must be auto, wasm or cpu, got '${backend}'`)
  return {
    data: values['--data'],
    target: values['--target'],
    out: values['--out'],
    ...(task ? { task: task as TaskType } : {}),
    ...(values['--split'] ? { split: values['--split'] } : {}),
    ...(values['--model'] ? { model: values['--model'] } : {}),
    ...(values['--pipeline'] ? { pipeline: values['--pipeline'] } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values['--predictions'] ? { predictions: values['--predictions'] } : {}),
    ...(backend ? { backend: backend as 'auto' | 'cpu' | 'wasm' } : {}),
    hooks,
    ...(values['--bundle'] ? { bundle: values['--bundle'], includeData } : {}),
    ...(cellsText !== undefined ? { largeCells: Number(cellsText) } : {}),
  }
}

export const exportDaskUsage = 'butterfly export-dask RUN.butterfly.zip --out DIR'
