/**
 * How the executor calls user hooks and applies what they return. The sandbox itself (QuickJS) lives in
 * src/engine/hooks and is injected as a {@link HookRunner} (contract: src/engine/hooks/hookContract.ts).
 *
 * What each hook sees (`HookInput`) and what the executor does with its result:
 * - before_/after_preprocessing (before: raw columns; after: features), before_/after_feature_engineering,
 *   before_model_selection, before_training: `data` = the training rows, `target` = their target, `evalData`
 *   = the test rows. A `patch` result (`set`/`drop` columns, `keepRows`) applies to the training rows; when
 *   it sets or drops columns, the same hook runs a second time on the test rows alone (no target) and that
 *   run's `set`/`drop` apply to them, so train and test keep the same columns. Test rows are never dropped.
 * - override_preprocessing / override_feature_engineering: `features` result = the numeric features
 *   (again computed for training rows, then for test rows in a second call).
 * - override_model_selection: `model-choice` = the family and hyperparameters training refits.
 * - override_training: `predictions` for `evalData` (the test features); no model is kept.
 * - override_evaluation: `metrics` replace the computed ones (`predictions` holds the model's test predictions);
 *   the run is marked `evaluatedByHook`, so every place that shows them says a hook produced them.
 * - override_explainability: `importances` per feature.
 * - Any patch may carry `metrics`: custom metrics, kept in `context.hookMetrics`, apart from the engine's
 *   `context.metrics`, which no before_/after_ hook can change (a name that collides is logged and kept apart). A data patch on a stage without a table
 *   (after_model_selection, after_training, before/after_evaluation, before/after_explainability) is an error.
 */
import { ValidationError } from '../../domain/errors.ts'
import type { HookKind } from '../../domain/hook.ts'
import { hookTiming } from '../../domain/hook.ts'
import type { BlockType, HookSnapshot } from '../../domain/pipeline.ts'
import type { CategoricalColumn, Column, DataFrame, FeatureMatrix, Target } from '../frame.ts'
import { takeRows, targetRows } from '../frame.ts'
import type { HookDataPatch, HookInput, HookResult } from '../hooks/hookContract.ts'
import { applyHookDataPatch, hookDataColumns } from '../hooks/hookContract.ts'
import { builtinMetricNames } from '../metrics/metricInfo.ts'
import { compareCodePoints } from './blocks/preprocessing.ts'
import type { EngineContext } from './engineContext.ts'

export type { HookInput, HookOutput, HookRunner } from '../hooks/hookContract.ts'

/** Stages whose before/after hooks may change a table. */
const tableStages: Record<string, 'raw' | 'features'> = {
  before_preprocessing: 'raw',
  after_preprocessing: 'features',
  before_feature_engineering: 'features',
  after_feature_engineering: 'features',
  before_model_selection: 'features',
  before_training: 'features',
}

/** Throws unless every hook in `blocks` can run (a runner exists) and its kind matches its block. */
export function assertHooksRunnable(
  blocks: readonly { type: BlockType; hooks: readonly HookSnapshot[] }[],
  hasRunner: boolean,
): void {
  const count = blocks.reduce((sum, block) => sum + block.hooks.length, 0)
  if (count > 0 && !hasRunner)
    throw new ValidationError(
      'invalid-argument',
      `This pipeline has ${count} hook(s) (${blocks.flatMap((b) => b.hooks.map((h) => h.kind)).join(', ')}) but no hook runner was given: hooks need the sandbox`,
    )
  for (const block of blocks)
    for (const hook of block.hooks)
      if (!hook.kind.endsWith(`_${block.type}`))
        throw new ValidationError(
          'invalid-argument',
          `Hook '${hook.name}' of kind ${hook.kind} is attached to the ${block.type} block`,
        )
}

function taskJson(context: EngineContext): HookInput['task'] {
  const { task } = context
  return {
    target: task.target,
    taskType: task.taskType,
    metric: task.metric,
    positiveClass: task.positiveClass ?? null,
    classes: context.data.target.kind === 'classification' ? context.data.target.classes : null,
  }
}

async function callHook(
  context: EngineContext,
  hook: HookSnapshot,
  input: Omit<HookInput, 'metrics' | 'seed' | 'task'>,
): Promise<HookResult> {
  const output = await context.hookRunner!.run(hook, {
    ...input,
    metrics: { ...context.metrics },
    hookMetrics: { ...context.hookMetrics },
    seed: context.seed,
    task: taskJson(context),
  })
  for (const line of output.logs) context.log(line.level, `[hook ${hook.name}] ${line.message}`)
  if (output.logTruncated) context.log('warn', `[hook ${hook.name}] log truncated`)
  context.log('debug', `Hook ${hook.name} (${hook.kind}) ran in ${output.durationMs.toFixed(0)} ms`, {
    result: output.result.type,
  })
  return output.result
}

/**
 * Record a before_/after_ hook's `metrics` as hook metrics. They never overwrite the engine's metrics:
 * a name the engine already reports (or one of its metric names) is logged with both values and kept
 * only in the hook namespace, so the official number stays what the engine computed.
 */
export function mergeHookMetrics(
  context: Pick<EngineContext, 'metrics' | 'hookMetrics' | 'evaluatedByHook' | 'log'>,
  hook: Pick<HookSnapshot, 'name'>,
  metrics: Readonly<Record<string, number>>,
): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (Object.hasOwn(context.metrics, name) || builtinMetricNames.has(name)) {
      const official = context.metrics[name]
      context.log(
        'warn',
        `Hook ${hook.name} returned metric '${name}' = ${value}, the name of a built-in metric: it is kept as a hook metric, and the ${context.evaluatedByHook ? 'override_evaluation hook' : 'engine'}'s ${name}${official === undefined ? '' : ` (${official})`} is unchanged`,
      )
    }
    Object.defineProperty(context.hookMetrics, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
}

function badResult(hook: HookSnapshot, why: string): never {
  throw new ValidationError('bad-hook-result', `Hook '${hook.name}' (${hook.kind}): ${why}`)
}

function matrixToFrame(matrix: FeatureMatrix): DataFrame {
  return hookDataColumns(matrix) as DataFrame
}

function frameToMatrix(frame: DataFrame, hook: HookSnapshot, previous: FeatureMatrix): FeatureMatrix {
  const levels = new Map(previous.names.map((name, i) => [name, previous.categoricalLevels[i]]))
  return {
    nRows: frame.nRows,
    names: frame.columns.map((c) => c.name),
    columns: frame.columns.map((c) => {
      if (c.type !== 'numeric') badResult(hook, `feature '${c.name}' must be numeric`)
      return c.values
    }),
    categoricalLevels: frame.columns.map((c) => levels.get(c.name) ?? 0),
  }
}

/** Stacks two frames with the same column names; categorical levels are merged and re-coded. */
export function concatFrames(a: DataFrame, b: DataFrame): DataFrame {
  const columns = a.columns.map((left): Column => {
    const right = b.columns.find((c) => c.name === left.name)
    if (!right || right.type !== left.type)
      throw new ValidationError(
        'bad-hook-result',
        `Column '${left.name}' differs between training and test rows after a hook`,
      )
    if (left.type === 'numeric' && right.type === 'numeric') {
      const values = new Float64Array(a.nRows + b.nRows)
      values.set(left.values)
      values.set(right.values, a.nRows)
      return { ...left, values }
    }
    const l = left as CategoricalColumn
    const r = right as CategoricalColumn
    const levels = [...new Set([...l.levels, ...r.levels])].sort(compareCodePoints)
    const index = new Map(levels.map((level, i) => [level, i]))
    const codes = new Int32Array(a.nRows + b.nRows)
    for (let i = 0; i < a.nRows; i++) codes[i] = l.codes[i] < 0 ? -1 : index.get(l.levels[l.codes[i]])!
    for (let i = 0; i < b.nRows; i++)
      codes[a.nRows + i] = r.codes[i] < 0 ? -1 : index.get(r.levels[r.codes[i]])!
    return { ...l, codes, levels }
  })
  if (b.columns.length !== a.columns.length)
    throw new ValidationError(
      'bad-hook-result',
      'Training and test rows ended up with different columns after a hook',
    )
  return { nRows: a.nRows + b.nRows, columns }
}

/** Rows `keep` (positions into `trainRows`) stay; the frame and target are rebuilt as kept train rows, then test rows. */
function rebuildData(
  context: EngineContext,
  trainFrame: DataFrame,
  testFrame: DataFrame,
  keep: Int32Array | undefined,
): void {
  const data = context.data
  const trainRows = keep ? Int32Array.from(keep, (k) => data.trainRows[k]) : data.trainRows
  const order = new Int32Array(trainRows.length + data.testRows.length)
  order.set(trainRows)
  order.set(data.testRows, trainRows.length)
  const frame = concatFrames(trainFrame, testFrame)
  // The frame held only feature columns for the hook; put the target (and other columns) back.
  const others = data.frame.columns.filter(
    (c) => !frame.columns.some((f) => f.name === c.name) && !data.featureColumns.includes(c.name),
  )
  const rest = takeRows({ nRows: data.frame.nRows, columns: others }, order)
  context.data = {
    frame: { nRows: order.length, columns: [...frame.columns, ...rest.columns] },
    sourceRows: Int32Array.from(order, (r) => data.sourceRows[r]),
    featureColumns: frame.columns.map((c) => c.name),
    target: targetRows(data.target, order),
    trainRows: Int32Array.from({ length: trainRows.length }, (_, i) => i),
    testRows: Int32Array.from({ length: data.testRows.length }, (_, i) => trainRows.length + i),
  }
}

function featureFrame(context: EngineContext, rows: Int32Array): DataFrame {
  const data = context.data
  const columns = data.featureColumns.map((name) => data.frame.columns.find((c) => c.name === name)!)
  return takeRows({ nRows: data.frame.nRows, columns }, rows)
}

function validateKeepRows(hook: HookSnapshot, keep: Int32Array | undefined, n: number): void {
  if (!keep) return
  for (let i = 0; i < keep.length; i++)
    if (keep[i] < 0 || keep[i] >= n || (i > 0 && keep[i] <= keep[i - 1]))
      badResult(hook, `keepRows must be strictly ascending row positions below ${n}`)
  if (keep.length === 0) badResult(hook, 'keepRows removed every training row')
}

/** Runs the hooks of one timing ('before' | 'after') of a block, in order, and applies their results. */
export async function runPatchHooks(
  context: EngineContext,
  hooks: readonly HookSnapshot[],
  config: unknown,
): Promise<void> {
  for (const hook of hooks) {
    context.checkCancelled()
    const stage = tableStages[hook.kind]
    const trainTarget = targetRows(context.data.target, context.data.trainRows)
    let result: HookResult
    if (stage === 'raw') {
      const train = featureFrame(context, context.data.trainRows)
      const test = featureFrame(context, context.data.testRows)
      result = await callHook(context, hook, {
        data: train,
        target: trainTarget,
        evalData: test,
        config: config as HookInput['config'],
      })
      if (result.type === 'patch' && result.data) {
        const patch = result.data
        validateKeepRows(hook, patch.keepRows, train.nRows)
        let testPatched = test
        if (patch.set.length > 0 || patch.drop.length > 0) {
          const second = await callHook(context, hook, { data: test, config: config as HookInput['config'] })
          const testPatch: HookDataPatch =
            second.type === 'patch' && second.data
              ? { ...second.data, keepRows: undefined }
              : { set: [], drop: [], keepRows: undefined }
          testPatched = applyHookDataPatch(test, testPatch)
        }
        rebuildData(context, applyHookDataPatch(train, patch), testPatched, patch.keepRows)
        context.log(
          'info',
          `Hook ${hook.name} changed the data: ${context.data.trainRows.length} training rows, ${context.data.featureColumns.length} columns`,
        )
      }
    } else if (stage === 'features' && context.features) {
      const features = context.features
      result = await callHook(context, hook, {
        data: features.train,
        target: trainTarget,
        evalData: features.test,
        config: config as HookInput['config'],
      })
      if (result.type === 'patch' && result.data) {
        const patch = result.data
        validateKeepRows(hook, patch.keepRows, features.train.nRows)
        const train = frameToMatrix(
          applyHookDataPatch(matrixToFrame(features.train), patch),
          hook,
          features.train,
        )
        let test = features.test
        if (patch.set.length > 0 || patch.drop.length > 0) {
          const second = await callHook(context, hook, {
            data: features.test,
            config: config as HookInput['config'],
          })
          if (second.type === 'patch' && second.data)
            test = frameToMatrix(
              applyHookDataPatch(matrixToFrame(features.test), { ...second.data, keepRows: undefined }),
              hook,
              features.test,
            )
        }
        if (train.names.join('\u0000') !== test.names.join('\u0000'))
          badResult(hook, 'training and test rows ended up with different features')
        if (patch.keepRows) {
          const keep = patch.keepRows
          const data = context.data
          context.data = { ...data, trainRows: Int32Array.from(keep, (k) => data.trainRows[k]) }
        }
        context.features = { ...features, train, test, alteredByHook: true }
        context.log(
          'info',
          `Hook ${hook.name} changed the features: ${train.nRows} training rows, ${train.names.length} features`,
        )
      }
    } else {
      result = await callHook(context, hook, { config: config as HookInput['config'] })
      if (result.type === 'patch' && result.data)
        badResult(hook, `${hook.kind} hooks cannot change data (there is no table at this point)`)
    }
    if (result.type === 'patch' && result.metrics) mergeHookMetrics(context, hook, result.metrics)
    else if (result.type !== 'patch' && result.type !== 'unchanged')
      badResult(hook, `a ${hookTiming(hook.kind)} hook must return a patch, not ${result.type}`)
  }
}

/** Hook predictions for the test rows set by override_training, read by the evaluation step. */
export interface OverrideState {
  predictions?: Target
}

/** Runs override hooks of a block in place of its logic. */
export async function runOverrideHooks(
  context: EngineContext,
  hooks: readonly HookSnapshot[],
  config: unknown,
  state: OverrideState,
): Promise<void> {
  for (const hook of hooks) {
    context.checkCancelled()
    const kind: HookKind = hook.kind
    const cfg = config as HookInput['config']
    const trainTarget = targetRows(context.data.target, context.data.trainRows)
    switch (kind) {
      case 'override_preprocessing':
      case 'override_feature_engineering': {
        const raw = kind === 'override_preprocessing'
        const trainData = raw ? featureFrame(context, context.data.trainRows) : context.features?.train
        const testData = raw ? featureFrame(context, context.data.testRows) : context.features?.test
        if (!trainData || !testData) badResult(hook, 'there are no features to engineer yet')
        const first = await callHook(context, hook, {
          data: trainData,
          target: trainTarget,
          evalData: testData,
          config: cfg,
        })
        if (first.type !== 'features')
          badResult(hook, `must return numeric feature columns, got ${first.type}`)
        validateKeepRows(hook, first.keepRows, trainData.nRows)
        const second = await callHook(context, hook, { data: testData, config: cfg })
        if (second.type !== 'features')
          badResult(hook, `must return numeric feature columns for the test rows too, got ${second.type}`)
        const toMatrix = (columns: typeof first.columns, nRows: number): FeatureMatrix => ({
          nRows,
          names: columns.map((c) => c.name),
          columns: columns.map((c) => c.values),
          categoricalLevels: columns.map(() => 0),
        })
        let train = toMatrix(first.columns, trainData.nRows)
        const test = toMatrix(second.columns, testData.nRows)
        if (train.names.join('\u0000') !== test.names.join('\u0000'))
          badResult(hook, 'training and test rows got different features')
        if (first.keepRows) {
          const keep = first.keepRows
          train = {
            ...train,
            nRows: keep.length,
            columns: train.columns.map((c) => Float64Array.from(keep, (k) => c[k])),
          }
          context.data = {
            ...context.data,
            trainRows: Int32Array.from(keep, (k) => context.data.trainRows[k]),
          }
        }
        context.features = {
          recipe: context.features?.recipe ?? { version: 1, scaling: 'none', steps: [] },
          train,
          test,
          alteredByHook: true,
        }
        break
      }
      case 'override_model_selection': {
        const result = await callHook(context, hook, {
          data: context.features?.train,
          target: trainTarget,
          config: cfg,
        })
        if (result.type !== 'model-choice') badResult(hook, `must return a model choice, got ${result.type}`)
        const hyperparameters = Object.fromEntries(
          Object.entries(result.hyperparameters).filter((e): e is [string, number | string | boolean] =>
            ['number', 'string', 'boolean'].includes(typeof e[1]),
          ),
        )
        const chosen = {
          family: result.family,
          hyperparameters,
          validationScore: Number.NaN,
          foldScores: [],
          fitSeconds: 0,
        }
        context.models = { candidates: [chosen], chosen }
        break
      }
      case 'override_training': {
        const result = await callHook(context, hook, {
          data: context.features?.train,
          target: trainTarget,
          evalData: context.features?.test,
          config: cfg,
        })
        if (result.type !== 'predictions')
          badResult(hook, `must return predictions for the test rows, got ${result.type}`)
        state.predictions = result.predictions
        context.models = {
          ...context.models,
          chosen: context.models.chosen ? { ...context.models.chosen, model: undefined } : undefined,
        }
        break
      }
      case 'override_evaluation': {
        const model = context.models.chosen?.model
        const features = context.features
        let predictions: Target | undefined = state.predictions
        if (model && features) {
          const values = await model.predict(features.test)
          predictions =
            context.data.target.kind === 'classification'
              ? {
                  kind: 'classification',
                  codes: Int32Array.from(values),
                  classes: context.data.target.classes,
                }
              : { kind: 'regression', values }
        }
        const result = await callHook(context, hook, {
          data: features?.test,
          target: targetRows(context.data.target, context.data.testRows),
          ...(predictions ? { predictions } : {}),
          config: cfg,
        })
        if (result.type !== 'metrics') badResult(hook, `must return metrics, got ${result.type}`)
        Object.assign(context.metrics, result.metrics)
        context.evaluatedByHook = true
        context.log(
          'warn',
          `The test metrics (${Object.keys(result.metrics).join(', ')}) were computed by hook ${hook.name}, not by Butterfly`,
        )
        break
      }
      case 'override_explainability': {
        const result = await callHook(context, hook, { data: context.features?.test, config: cfg })
        if (result.type !== 'importances') badResult(hook, `must return importances, got ${result.type}`)
        context.importances = result.importances
        break
      }
      default:
        badResult(hook, 'is not an override hook')
    }
  }
}
