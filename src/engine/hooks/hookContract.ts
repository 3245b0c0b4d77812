/**
 * The contract between the pipeline and a user hook: what the host passes in ({@link HookInput}), what
 * the hook sees as `ctx` inside the sandbox, and what each hook kind may return ({@link HookResult}).
 * The rules themselves live in hookResult.ts; the user-facing wording of them in hookApi.ts.
 */
import type { JsonValue } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import type { HookSnapshot } from '../../domain/pipeline.ts'
import type { CategoricalColumn, Column, DataFrame, FeatureMatrix, NumericColumn, Target } from '../frame.ts'
import { takeRows } from '../frame.ts'

/**
 * A table handed to a hook: the engine's {@link DataFrame} (numeric and categorical columns) or a
 * {@link FeatureMatrix} (numeric features only). Inside the sandbox both become `{ [column]: array }`:
 * numeric columns as `number[]` with `NaN` for a missing value, categorical columns as
 * `(string | null)[]` with `null` for a missing value.
 */
export type HookData = DataFrame | FeatureMatrix

/**
 * What the pipeline passes to one hook run. Only `config`, `metrics` and `seed` are required; the
 * pipeline passes what the stage has.
 *
 * Inside the sandbox the hook receives `ctx` with:
 * - `ctx.data`: `data` as named columns (`{}` when absent), `ctx.rowCount`: its row count (0 when absent);
 * - `ctx.target`: `target` as `number[]` (regression) or `(string|null)[]` class labels (classification);
 * - `ctx.predictions`: `predictions`, same encoding as `ctx.target`;
 * - `ctx.evalData`, `ctx.evalRowCount`, `ctx.evalTarget`: the held-out rows, when given;
 * - `ctx.config` (the block's configuration), `ctx.metrics` (the engine's metrics so far; non-finite values
 *   become `null`), `ctx.hookMetrics` (metrics earlier hooks returned, a separate namespace), `ctx.task`, `ctx.seed`, `ctx.stage`, `ctx.kind` — all plain JSON;
 * - `ctx.log(...args)`, also available as the globals `log` and `console.log/info/warn/error/debug`.
 */
export interface HookInput {
  /** The stage's table: raw columns (preprocessing), features (feature engineering, training), or eval rows (evaluation). */
  data?: HookData
  /** Target values for the rows of `data`. */
  target?: Target
  /** Predictions for the rows of `data` (evaluation, explainability). Classification predictions are codes into `classes`. */
  predictions?: Target
  /** Held-out rows (e.g. for `override_training`, whose `predictions` answer these rows). */
  evalData?: HookData
  /** Target values of `evalData`, when known. */
  evalTarget?: Target
  /** The block's configuration. */
  config: JsonValue
  /** Metrics the engine computed so far in the run. */
  metrics: Readonly<Record<string, number>>
  /** Metrics earlier hooks of the run returned (their own namespace; see EngineContext.hookMetrics). */
  hookMetrics?: Readonly<Record<string, number>>
  /** The run seed; `ctx.seed` and the hook's `Math.random` derive from it. */
  seed: number
  /** Task description for the hook (target name, task type, ...), plain JSON. */
  task?: JsonValue
}

/** A line written by the hook with `log`/`console.*`. */
export interface HookLogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
}

/**
 * Changes a before_/after_ hook asks for on a data stage. The pipeline applies them in this order:
 * `set`, then `drop`, then `keepRows` ({@link applyHookDataPatch} does exactly that on a DataFrame).
 */
export interface HookDataPatch {
  /** Columns to add (appended) or replace (same position), in the order the hook returned them. */
  set: Column[]
  /** Names of columns to remove. */
  drop: string[]
  /** Indices of the rows to keep, strictly ascending; `undefined` keeps every row. */
  keepRows: Int32Array | undefined
}

/**
 * What a hook run produced, by kind (see hookResult.ts for the rules, hookApi.ts for the user docs):
 * - `unchanged`: the hook returned `undefined` (any before_/after_ hook).
 * - `patch`: a before_/after_ hook returned `{ data?, dropColumns?, keepRows?, metrics? }`.
 * - `features`: override_preprocessing / override_feature_engineering returned numeric feature columns.
 * - `model-choice`: override_model_selection picked a model family and hyperparameters.
 * - `predictions`: override_training answered the eval rows itself.
 * - `metrics`: override_evaluation computed the metrics itself.
 * - `importances`: override_explainability computed feature importances itself.
 */
export type HookResult =
  | { type: 'unchanged' }
  | { type: 'patch'; data: HookDataPatch | undefined; metrics: Record<string, number> | undefined }
  | { type: 'features'; columns: NumericColumn[]; keepRows: Int32Array | undefined }
  | { type: 'model-choice'; family: string; hyperparameters: { [key: string]: JsonValue } }
  | { type: 'predictions'; predictions: Target }
  | { type: 'metrics'; metrics: Record<string, number> }
  | { type: 'importances'; importances: Record<string, number> }

/** Output of one successful hook run. Failures are thrown as `HookError` instead. */
export interface HookOutput {
  hookId: HookSnapshot['id']
  kind: HookKind
  result: HookResult
  logs: HookLogLine[]
  /** True when the hook wrote more than the log limit and later lines were dropped. */
  logTruncated: boolean
  /** Wall-clock time of the run in the sandbox, for the run log only (never part of results). */
  durationMs: number
}

/**
 * Runs one hook in the sandbox. Rejects with a `HookError` (codes cpu-time, memory, stack, output-size,
 * syntax, runtime, bad-result) whose message names the hook, its kind, the limit or expectation and
 * the user's line when known.
 */
export interface HookRunner {
  run(hook: HookSnapshot, input: HookInput): Promise<HookOutput>
}

/** Normalise either table shape to DataFrame columns (FeatureMatrix columns become numeric columns). */
export function hookDataColumns(data: HookData | undefined): { nRows: number; columns: Column[] } {
  if (!data) return { nRows: 0, columns: [] }
  if ('names' in data) {
    return {
      nRows: data.nRows,
      columns: data.names.map(
        (name, i): NumericColumn => ({ name, type: 'numeric', kind: 'numeric', values: data.columns[i] }),
      ),
    }
  }
  return data
}

/**
 * `frame` with `patch` applied: columns set (replaced in place or appended), then dropped, then rows
 * kept. Returns a new frame; `frame` is not modified.
 */
export function applyHookDataPatch(frame: DataFrame, patch: HookDataPatch): DataFrame {
  const columns = [...frame.columns]
  for (const column of patch.set) {
    const at = columns.findIndex((c) => c.name === column.name)
    if (at >= 0) columns[at] = column
    else columns.push(column)
  }
  const dropped = new Set(patch.drop)
  const patched: DataFrame = { nRows: frame.nRows, columns: columns.filter((c) => !dropped.has(c.name)) }
  return patch.keepRows ? takeRows(patched, patch.keepRows) : patched
}

/** A categorical column from codes (−1 = missing) and levels in any order, re-coded to sorted levels. */
export function categoricalColumn(
  name: string,
  codes: Int32Array,
  levels: readonly string[],
): CategoricalColumn {
  const order = levels.map((_, i) => i).sort((a, b) => compareCodePoints(levels[a], levels[b]))
  const remap = new Int32Array(levels.length)
  order.forEach((oldCode, newCode) => {
    remap[oldCode] = newCode
  })
  const sortedCodes = new Int32Array(codes.length)
  for (let i = 0; i < codes.length; i++) sortedCodes[i] = codes[i] < 0 ? -1 : remap[codes[i]]
  return {
    name,
    type: 'categorical',
    kind: 'categorical',
    codes: sortedCodes,
    levels: order.map((i) => levels[i]),
  }
}

function compareCodePoints(a: string, b: string): number {
  // Code-point order (the frame's level order), not UTF-16 unit order: they differ past U+FFFF, where
  // surrogates (D800–DFFF) must sort after E000–FFFF. Shift both ranges so unit order becomes code-point order.
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800
  if (unit >= 0xd800) return unit + 0x2000
  return unit
}
