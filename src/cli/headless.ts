/**
 * The headless runner behind `src/cli/butterfly.ts`: parses `run` arguments, loads the table like the
 * browser import, detects (or takes) the task, builds the default pipeline (optionally patched by
 * --pipeline/--model), freezes a snapshot, executes it with the same engine as the app, and writes
 * RESULT.json (and optionally per-row predictions). Tests call {@link runHeadless} directly.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { errorMessage, ValidationError } from '../domain/errors.ts'
import { sha256 } from '../domain/hash.ts'
import type { Hook } from '../domain/hook.ts'
import { hookBlockType, hookCodeHash, parseHookKind } from '../domain/hook.ts'
import { newId } from '../domain/ids.ts'
import type { Pipeline } from '../domain/pipeline.ts'
import { blockTypes, validateGlobalConfig } from '../domain/pipeline.ts'
import type { HookRunner } from '../engine/hooks/hookContract.ts'
import { HookSandbox } from '../engine/hooks/hookSandbox.ts'
import { setKernelThread } from '../engine/trees/histogramHalves.ts'
import '../engine/models/allModels.ts'
import type { Experiment } from '../domain/experiment.ts'
import { getModelFamily, listModelFamilies } from '../engine/models/model.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from '../engine/pipeline/defaults.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import { predictionsCsvBytes } from '../outputs/runArtifacts.ts'
import type { PlainOutcome } from '../runs/outputBuilders.ts'
import { draftPipeline, startRunRecord } from '../runs/runRecord.ts'
import { executeRun } from '../runs/runService.ts'
import type { HeadlessArgs } from './args.ts'
import { UsageError } from './args.ts'
import { datasetRecord, newHeadlessIds, writeHeadlessBundle } from './headlessBundle.ts'
import { createHistogramThread } from './histogramThread.ts'
import { sharedLaneThread } from './laneThreadHelper.ts'
import { openIfLarge } from './largeTable.ts'
import { loadTable } from './loadTable.ts'

export type { HeadlessArgs } from './args.ts'
export { parseArgs, UsageError, usage } from './args.ts'

export interface HeadlessOptions {
  /** The hook sandbox; defaults to an in-thread QuickJS {@link HookSandbox} when --hook is given. */
  hookRunner?: HookRunner
  /** Progress lines (stderr in the CLI). */
  onMessage?: (line: string) => void
  /** 2 (default): a second thread fits tree folds and forest halves; 1: everything on this thread. Same results. */
  threads?: 1 | 2
}

/** A run's result: exit code 0 with the result object, or a non-zero code and a one-line message. */
export type HeadlessResult =
  | { exitCode: 0; result: Record<string, unknown>; outcome: PlainOutcome }
  | { exitCode: 1 | 2; message: string }

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `Cannot read ${what} '${path}': ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    )
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ValidationError(
      'invalid-argument',
      `${what} '${path}' is not valid JSON: ${errorMessage(error)}`,
    )
  }
}

/** Reads `holdout.test_indices` of a split.json file. */
async function readSplit(path: string): Promise<number[]> {
  const json = (await readJson(path, 'split file')) as { holdout?: { test_indices?: unknown } }
  const indices = json?.holdout?.test_indices
  if (!Array.isArray(indices) || indices.some((i) => !Number.isInteger(i)))
    throw new ValidationError(
      'invalid-argument',
      `Split file '${path}' needs holdout.test_indices as a list of integers`,
    )
  return indices as number[]
}

/** Any JSON number that is not finite becomes null (metrics such as ROC-AUC can be undefined). */
function finiteOrNull(record: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number.isFinite(v) ? v : null]))
}

/** What the large-table run logged about itself: sizes, sample and seeds, per-phase seconds. */
function largeTableFacts(outcome: PlainOutcome): Record<string, unknown> {
  const logged = (key: string) => outcome.logs.find((entry) => entry.data?.[key] !== undefined)?.data?.[key]
  return {
    ...(logged('largeTable') as Record<string, unknown>),
    sample: logged('sample'),
    estimate_bytes: logged('estimateBytes'),
    phases_s: logged('largeTablePhases'),
  }
}

/** Runs one headless experiment; never throws for expected failures (they become exit codes). */
export async function runHeadless(
  args: HeadlessArgs,
  options: HeadlessOptions = {},
): Promise<HeadlessResult> {
  try {
    return await runHeadlessOrThrow(args, options)
  } catch (error) {
    if (error instanceof UsageError) return { exitCode: 2, message: error.message }
    return { exitCode: 1, message: errorMessage(error).split('\n')[0] }
  }
}

async function runHeadlessOrThrow(args: HeadlessArgs, options: HeadlessOptions): Promise<HeadlessResult> {
  const say = options.onMessage ?? (() => {})
  if (args.model !== undefined && !listModelFamilies().some((f) => f.family === args.model))
    throw new UsageError(
      `unknown model family '${args.model}' (known: ${listModelFamilies()
        .map((f) => f.family)
        .join(', ')})`,
    )
  const hookKinds = args.hooks.map((h) => {
    try {
      return parseHookKind(h.kind)
    } catch (error) {
      throw new UsageError(errorMessage(error))
    }
  })
  // A second thread fits model selection's tree folds and grows half of the other forests: started now,
  // its modules load while the table does.
  const lane = options.threads === 1 ? undefined : sharedLaneThread()
  lane?.start()
  const classification = args.task === 'binary' || args.task === 'multiclass'
  const hints = classification ? { [args.target]: 'categorical' as const } : {}
  // A table with more cells than the threshold streams from disk and is never loaded whole (issue 16).
  const large = await openIfLarge(args.data, args.largeCells, hints)
  // Only a bundle's dataset record holds the profile's histograms and top values.
  const profile = args.bundle ? 'full' : 'summary'
  let loaded = large ? undefined : await loadTable(args.data, hints, profile)
  const table = large?.table ?? loaded!
  say(
    `${large ? 'opened (streamed, too large to load whole)' : 'loaded'} ${basename(args.data)}: ${table.rowCount} rows × ${table.schema.length} columns`,
  )
  const task = detectTask(large?.sample ?? loaded!.frame, {
    target: args.target,
    ...(args.task ? { taskType: args.task } : {}),
  })
  // Like the app's run worker, read a classification target as its text labels (a bundle's rerun does too).
  if (
    loaded &&
    task.taskType !== 'regression' &&
    loaded.frame.columns.find((c) => c.name === task.target)?.type === 'numeric'
  )
    loaded = await loadTable(args.data, { [task.target]: 'categorical' }, profile)
  if (large && args.includeData)
    throw new ValidationError(
      'invalid-argument',
      `${basename(args.data)} is too large to put in a bundle (${large.table.rowCount} rows): leave out --include-data`,
    )
  const testIndices = args.split ? await readSplit(args.split) : undefined

  const ids = newHeadlessIds()
  const { pipelineId } = ids
  const blocks = createDefaultPipelineBlocks()
  const globalConfig = {
    ...createDefaultGlobalConfig(),
    // 'auto': wasm where it starts, else cpu (tfBackend.ts); the run records the one it used.
    backend: args.backend ?? 'auto',
  } as Pipeline['globalConfig']
  if (args.pipeline) {
    const json = (await readJson(args.pipeline, 'pipeline file')) as {
      blocks?: unknown
      globalConfig?: unknown
    }
    if (json.blocks !== undefined) {
      if (!Array.isArray(json.blocks))
        throw new ValidationError(
          'invalid-argument',
          `Pipeline file '${args.pipeline}': blocks must be a list`,
        )
      for (const item of json.blocks as { type?: string; config?: Record<string, unknown> }[]) {
        const block = blocks.find((b) => b.type === item?.type)
        if (!block)
          throw new ValidationError(
            'invalid-argument',
            `Pipeline file '${args.pipeline}': unknown block type '${item?.type}' (expected one of ${blockTypes.join(', ')})`,
          )
        block.config = { ...block.config, ...(item.config as typeof block.config) }
      }
    }
    if (json.globalConfig !== undefined) Object.assign(globalConfig, json.globalConfig)
  }
  if (args.seed !== undefined) globalConfig.seed = args.seed
  if (args.backend) globalConfig.backend = args.backend
  validateGlobalConfig(globalConfig)
  if (args.model) {
    getModelFamily(args.model)
    const selection = blocks.find((b) => b.type === 'model_selection')!
    selection.config = { ...selection.config, candidates: [{ family: args.model }] }
  }
  const hooks: Hook[] = []
  for (const [i, spec] of args.hooks.entries()) {
    let code: string
    try {
      code = await readFile(spec.file, 'utf8')
    } catch (error) {
      throw new ValidationError(
        'invalid-argument',
        `Cannot read hook file '${spec.file}': ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      )
    }
    const block = blocks.find((b) => b.type === hookBlockType(hookKinds[i]))!
    const hook: Hook = {
      schemaVersion: 1,
      id: newId('hook'),
      pipelineId,
      blockId: block.id,
      kind: hookKinds[i],
      order: i,
      name: basename(spec.file),
      source: { kind: 'file', fileName: basename(spec.file), code },
      codeHash: await hookCodeHash(code),
      updatedAt: 0,
    }
    hooks.push(hook)
    block.hookIds.push(hook.id)
  }
  const pipeline = await draftPipeline({
    id: pipelineId,
    experimentId: ids.experimentId,
    blocks,
    globalConfig,
    hooks,
    task,
  })
  const datasetHash = large ? large.hash : await sha256(loaded!.bytes)
  const startedAt = Date.now()
  const dataset = datasetRecord(ids, { path: args.data, table, hash: datasetHash }, startedAt)
  const experiment: Experiment = {
    schemaVersion: 1,
    id: ids.experimentId,
    workspaceId: ids.workspaceId,
    name: `${dataset.name} → ${task.target}`,
    datasetId: ids.datasetId,
    pipelineId,
    task,
    createdAt: startedAt,
    updatedAt: startedAt,
  }
  const run = await startRunRecord({
    id: ids.runId,
    workspaceId: ids.workspaceId,
    number: 1,
    source: { draft: { pipeline, hooks, task, datasetId: ids.datasetId, datasetHash } },
    now: startedAt,
  })
  const { snapshot } = run
  say(
    `task ${task.taskType}, target '${task.target}', metric ${task.metric}; backend ${globalConfig.backend}; seed ${globalConfig.seed}`,
  )
  let lastBlock = ''
  const hookRunner = options.hookRunner ?? (hooks.length > 0 ? new HookSandbox() : undefined)
  // The app's run service: the same outputs (report, notebook, model package, TF.js files) and records.
  // Large gradient-boosting fits build half of each big node's histograms on another thread (the lane,
  // above, does the rest of the second core's work; same results either way).
  const histogramThread = options.threads === 1 ? undefined : createHistogramThread()
  if (histogramThread) setKernelThread(histogramThread)
  const completed = await executeRun(
    { run, dataset, experimentName: experiment.name, ...(testIndices ? { testIndices } : {}) },
    {
      loadFrame: async () => {
        if (!loaded) throw new Error('A large table is streamed, never loaded whole')
        return loaded.frame
      },
      ...(large ? { openTable: async () => large.source } : {}),
      ...(args.largeCells !== undefined ? { largeCells: args.largeCells } : {}),
      engine: {
        ...(hookRunner ? { hookRunner } : {}),
        ...(lane ? { forestHelper: lane, foldFitter: lane } : {}),
      },
      onProgress: (event) => {
        if (event.block !== lastBlock) {
          lastBlock = event.block
          say(`${event.block}…`)
        }
      },
    },
  ).finally(() => {
    if (histogramThread) setKernelThread(null)
    return histogramThread?.close()
  })
  const { outcome } = completed
  const result: Record<string, unknown> = {
    task: task.taskType,
    target: task.target,
    ...(task.positiveClass ? { positive_class: task.positiveClass } : {}),
    ...(outcome.predictions?.classes ? { classes: outcome.predictions.classes } : {}),
    model: outcome.model
      ? { family: outcome.model.family, hyperparameters: outcome.model.hyperparameters }
      : null,
    metrics: finiteOrNull(outcome.metrics),
    // Metrics hooks returned, apart from the engine's; set only when a hook returned some.
    ...(Object.keys(outcome.hookMetrics).length > 0
      ? { hook_metrics: finiteOrNull(outcome.hookMetrics) }
      : {}),
    ...(outcome.evaluatedByHook ? { evaluated_by_hook: true } : {}),
    timings: {
      fit_s: outcome.timings.fitSeconds,
      predict_s: outcome.timings.predictSeconds,
      total_s: outcome.timings.totalSeconds,
    },
    backend: outcome.backend,
    seed: snapshot.globalConfig.seed,
    dataset_hash: datasetHash,
    snapshot_hash: snapshot.hash,
    n_train: outcome.split.trainRows.length,
    n_test: outcome.split.testRows.length,
    dropped_rows: outcome.droppedRows,
    leaderboard: outcome.leaderboard.map((entry) => ({
      family: entry.family,
      hyperparameters: entry.hyperparameters,
      metric: entry.metric,
      validation_score: Number.isFinite(entry.validationScore) ? entry.validationScore : null,
      fit_s: entry.fitSeconds,
      chosen: entry.chosen,
      ...(entry.note ? { note: entry.note } : {}),
      ...(entry.outOfBag ? { out_of_bag: true } : {}),
    })),
    feature_names: outcome.featureNames,
    task_reasons: task.reasons,
    warnings: task.warnings,
    ...(large ? { large_table: largeTableFacts(outcome) } : {}),
    block_timings_s: Object.fromEntries(
      outcome.blockTimings.map((t) => [t.block, (t.endedAt - t.startedAt) / 1000]),
    ),
  }
  await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`)
  if (args.predictions) {
    // Written as the bytes the run's artifact holds, not decoded back into one string first.
    const csv = predictionsCsvBytes(outcome)
    await writeFile(args.predictions, csv.length > 0 ? csv : 'row,y_true,y_pred\n')
  }
  if (args.bundle) {
    const bundle = await writeHeadlessBundle({
      result: completed,
      dataset,
      experiment,
      dataBytes: loaded?.bytes ?? new Uint8Array(0),
      includeData: args.includeData ?? false,
    })
    await writeFile(args.bundle, bundle)
    say(`bundle: ${args.bundle} (${bundle.byteLength} bytes${args.includeData ? ', data included' : ''})`)
  }
  return { exitCode: 0, result, outcome }
}
