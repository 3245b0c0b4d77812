/**
 * The user-facing hook API documentation, as data: what `ctx` holds, what each kind may return, and one
 * example per stage. The app shows it next to the hook editor; hookApi.test.ts runs every example in
 * the sandbox, so the docs cannot drift from what the sandbox accepts.
 */
import type { HookKind } from '../../domain/hook.ts'
import { hookBlockType, hookTiming } from '../../domain/hook.ts'
import type { BlockType } from '../../domain/pipeline.ts'
import { acceptsDataPatch, expectedShape } from './hookResult.ts'
import { defaultHookLimits, formatBytes } from './limits.ts'

/** One example hook for a stage, ready to paste into the editor. */
export interface HookExample {
  kind: HookKind
  title: string
  code: string
}

/** General documentation of the hook API (markdown). */
export const hookApiOverview = `# Writing a hook

A hook is JavaScript that defines \`function hook(ctx) { ... }\`. It runs in a sandbox (QuickJS) before,
after or instead of a pipeline stage. It sees only \`ctx\` and standard JavaScript: there is no network,
no DOM, no storage, no \`fetch\`, \`require\`, \`importScripts\` or timers. \`async function hook\` works
(there is nothing to wait for but your own promises).

## ctx

| field | what it holds |
|---|---|
| \`ctx.data\` | the stage's table as named columns: \`{ column: array }\`. Numeric columns are \`number[]\` with **\`NaN\` for a missing value**; text/categorical columns are \`(string \\| null)[]\` with **\`null\` for a missing value**. |
| \`ctx.rowCount\` | number of rows of \`ctx.data\` |
| \`ctx.target\` | target values for those rows, when the stage has them: \`number[]\` (regression) or class labels \`string[]\` |
| \`ctx.predictions\` | model predictions for those rows (evaluation), same form as \`ctx.target\` |
| \`ctx.evalData\`, \`ctx.evalRowCount\` | held-out rows, when the stage has them (e.g. \`override_training\` predicts them) |
| \`ctx.config\` | the block's configuration (JSON) |
| \`ctx.metrics\` | metrics Butterfly computed so far (JSON; a non-finite value shows as \`null\`) |
| \`ctx.hookMetrics\` | metrics earlier hooks of the run returned |
| \`ctx.task\` | the task: target column, task type, metric, classes |
| \`ctx.seed\` | the run seed |
| \`ctx.stage\`, \`ctx.kind\` | e.g. \`"preprocessing"\`, \`"before_preprocessing"\` |
| \`ctx.log(...)\` | write to the run log (also \`log(...)\` and \`console.log/info/warn/error/debug\`) |

Changing \`ctx\` changes nothing: **return** what should change. Returning \`undefined\` from a before_/after_
hook leaves everything as it was.

## Determinism

\`Math.random()\` is seeded from the run seed (and the hook's kind and position), so a rerun gives the same
numbers. The clock is fixed: \`Date.now()\` and \`new Date()\` give 1970-01-01T00:00:00Z.

## Limits

Each run may use ${defaultHookLimits.cpuTimeMs / 1000} s of CPU, ${formatBytes(defaultHookLimits.memoryBytes)} of memory
(including the data), ${formatBytes(defaultHookLimits.stackBytes)} of stack (deep recursion fails) and return
${formatBytes(defaultHookLimits.outputBytes)}. Logs past ${formatBytes(defaultHookLimits.logChars)} are dropped. Breaking a limit, a syntax error,
a thrown error or a wrong return shape stops the run with a message naming the hook and the line.

## Returned columns

A returned column is an array with exactly \`ctx.rowCount\` items: only numbers (\`NaN\` or \`null\` for missing),
only strings (\`null\` for missing), or only booleans (stored as 1/0). \`keepRows\` is either one boolean per
row or a list of row indices (0-based); rows keep their order. Names \`__proto__\`, \`constructor\` and
\`prototype\` are reserved.
`

/** What a hook of `kind` may return, in one or two sentences of markdown. */
export function hookReturnDoc(kind: HookKind): string {
  const timing = hookTiming(kind)
  const stage = hookBlockType(kind)
  const shape = `\`${expectedShape(kind)}\``
  if (timing !== 'override') {
    return acceptsDataPatch(kind)
      ? `Returns ${shape}. \`data\` adds or replaces columns, \`dropColumns\` removes columns, \`keepRows\` filters the training rows (held-out rows are never dropped), \`metrics\` adds custom metrics to the run, shown apart as hook metrics (a built-in metric such as accuracy is never replaced).`
      : `Returns ${shape}: custom metrics added to the run, shown apart as hook metrics (a built-in metric such as accuracy is never replaced). There is no table to change at this point.`
  }
  const what: Record<BlockType, string> = {
    preprocessing:
      'replaces preprocessing: return the numeric features the model will see (the target is not a feature). Optional `keepRows` filters the training rows.',
    feature_engineering: 'replaces feature engineering: return the full numeric feature set.',
    model_selection:
      'replaces model selection: name a registered model family (e.g. `"gbdt"`) and its hyperparameters; training then fits it.',
    training:
      'replaces training: a JavaScript hook cannot hand back a model object, so it predicts the held-out rows directly, one prediction per `ctx.evalData` row (numbers for regression, class labels for classification). No model is stored for the run.',
    evaluation:
      'replaces evaluation: return the metrics of the run (finite numbers); the run is marked as evaluated by a hook wherever they are shown.',
    explainability: 'replaces explainability: return one importance score per feature (finite numbers).',
  }
  return `Returns ${shape}; it ${what[stage]}`
}

/** One example per stage (the kinds were chosen to show each return shape once). */
export const hookExamples: Record<BlockType, HookExample> = {
  preprocessing: {
    kind: 'before_preprocessing',
    title: 'Log-transform a skewed column and drop rows with a missing value',
    code: `function hook(ctx) {
  const income = ctx.data.income
  if (!income) return undefined // this dataset has no "income" column: change nothing
  ctx.log('rows before:', ctx.rowCount)
  return {
    data: { log_income: income.map((v) => (Number.isNaN(v) ? NaN : Math.log1p(Math.max(v, 0)))) },
    dropColumns: ['income'],
    keepRows: income.map((v) => !Number.isNaN(v)),
  }
}
`,
  },
  feature_engineering: {
    kind: 'after_feature_engineering',
    title: 'Add the product of the first two features',
    code: `function hook(ctx) {
  const [a, b] = Object.keys(ctx.data)
  if (b === undefined) return undefined
  const x = ctx.data[a]
  const y = ctx.data[b]
  return { data: { [a + '_x_' + b]: x.map((v, i) => v * y[i]) } }
}
`,
  },
  model_selection: {
    kind: 'override_model_selection',
    title: 'Always use gradient boosting, with more trees on larger data',
    code: `function hook(ctx) {
  return {
    family: 'gbdt',
    hyperparameters: { learning_rate: 0.05, max_iter: ctx.rowCount > 10000 ? 500 : 200 },
  }
}
`,
  },
  training: {
    kind: 'override_training',
    title: 'A baseline: predict the most frequent class (or the mean) for every held-out row',
    code: `function hook(ctx) {
  const target = ctx.target
  let guess
  if (typeof target[0] === 'number') {
    const known = target.filter((v) => !Number.isNaN(v))
    guess = known.reduce((sum, v) => sum + v, 0) / known.length
  } else {
    const counts = {}
    for (const label of target) if (label !== null) counts[label] = (counts[label] || 0) + 1
    guess = Object.keys(counts).sort((p, q) => counts[q] - counts[p])[0]
  }
  return { predictions: new Array(ctx.evalRowCount).fill(guess) }
}
`,
  },
  evaluation: {
    kind: 'after_evaluation',
    title: 'Add an error rate next to the accuracy',
    code: `function hook(ctx) {
  if (typeof ctx.metrics.accuracy !== 'number') return undefined
  return { metrics: { error_rate: 1 - ctx.metrics.accuracy } }
}
`,
  },
  explainability: {
    kind: 'override_explainability',
    title: 'Rank features by their variance (a naive importance)',
    code: `function hook(ctx) {
  const importances = {}
  for (const [name, values] of Object.entries(ctx.data)) {
    const finite = values.filter(Number.isFinite)
    const mean = finite.reduce((sum, v) => sum + v, 0) / (finite.length || 1)
    importances[name] = finite.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (finite.length || 1)
  }
  return { importances }
}
`,
  },
}

/** A starting template for a new hook of `kind`, shown in an empty editor. */
export function hookTemplate(kind: HookKind): string {
  return `// ${kind}: ${hookReturnDoc(kind).replace(/`/g, '')}
function hook(ctx) {
  return undefined
}
`
}
