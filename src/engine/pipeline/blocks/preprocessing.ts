/**
 * Preprocessing block (`system/preprocessing@1`): imputation, categorical encoding and scaling, fitted on
 * the training rows only, written as feature-recipe steps (see featureRecipe.ts) and materialised for
 * train and test rows. Defaults reproduce the reference pipeline of bench/PROTOCOL.md §3: median +
 * standard scaling for numbers, most frequent + one-hot for categories.
 */
import type { BlockConfig } from '../../../domain/pipeline.ts'
import type { CategoricalColumn, DataFrame } from '../../frame.ts'
import { getColumn } from '../../frame.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { createConfigReader } from '../configCheck.ts'
import type { EngineContext } from '../engineContext.ts'
import type { FeatureRecipe, FeatureStep } from '../featureRecipe.ts'
import { applyFeatureRecipe, fitAffine } from '../featureRecipe.ts'

export const numericImputations = ['median', 'mean', 'most_frequent', 'constant', 'indicator'] as const
export const categoricalImputations = ['most_frequent', 'constant'] as const
export const categoricalEncodings = ['onehot', 'ordinal', 'frequency'] as const
export const scalings = ['standard', 'minmax', 'none'] as const

/** Settings of the Preprocessing block. */
export interface PreprocessingConfig {
  /**
   * How a missing number is filled: training median (default), mean, most frequent value (ties → smallest),
   * `numericFillValue`, or 'indicator' = median plus a 0/1 "was missing" feature for columns with missing training values.
   */
  numericImputation: (typeof numericImputations)[number]
  /** Fill value for numericImputation 'constant'. Default 0. */
  numericFillValue: number
  /** How a missing category is filled: most frequent training level (ties → first by code point; default) or `categoricalFillValue`. */
  categoricalImputation: (typeof categoricalImputations)[number]
  /** Level used for categoricalImputation 'constant'. Default 'missing'. */
  categoricalFillValue: string
  /**
   * 'onehot' (default): one 0/1 feature per training level, in code-point order; levels beyond the
   * `maxOneHotLevels` most frequent share one 'other' feature; unseen levels → 'other' (or all zeros).
   * 'ordinal': level index in code-point order. 'frequency': the level's share of training rows.
   */
  encoding: (typeof categoricalEncodings)[number]
  /** Most one-hot features per column before the rest fold into 'other'. Default 50. */
  maxOneHotLevels: number
  /** Scaling of numeric features: 'standard' (z-score, default), 'minmax' ([0, 1] on training rows), 'none'. */
  scaling: (typeof scalings)[number]
}

const label = 'Preprocessing'

export function defaultPreprocessingConfig(): PreprocessingConfig & BlockConfig {
  return {
    numericImputation: 'median',
    numericFillValue: 0,
    categoricalImputation: 'most_frequent',
    categoricalFillValue: 'missing',
    encoding: 'onehot',
    maxOneHotLevels: 50,
    scaling: 'standard',
  }
}

export function validatePreprocessingConfig(config: unknown): PreprocessingConfig {
  const d = defaultPreprocessingConfig()
  const read = createConfigReader(label, config)
  const out: PreprocessingConfig = {
    numericImputation: read.oneOf('numericImputation', numericImputations, d.numericImputation),
    numericFillValue: read.number('numericFillValue', d.numericFillValue, 'a finite number', () => true),
    categoricalImputation: read.oneOf(
      'categoricalImputation',
      categoricalImputations,
      d.categoricalImputation,
    ),
    categoricalFillValue: read.string('categoricalFillValue', d.categoricalFillValue),
    encoding: read.oneOf('encoding', categoricalEncodings, d.encoding),
    maxOneHotLevels: read.integer('maxOneHotLevels', d.maxOneHotLevels, 1, 10_000),
    scaling: read.oneOf('scaling', scalings, d.scaling),
  }
  read.rejectUnknown()
  return out
}

/** Training values of a numeric column without missing ones. */
function presentValues(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length)
  let m = 0
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]]
    if (!Number.isNaN(v)) out[m++] = v
  }
  return out.subarray(0, m)
}

/** Median (mean of the two middle values for an even count), as numpy. NaN when empty. */
export function median(values: Float64Array): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function mostFrequentNumber(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort()
  let best = Number.NaN
  let bestCount = 0
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j < sorted.length && sorted[j] === sorted[i]) j++
    if (j - i > bestCount) {
      best = sorted[i]
      bestCount = j - i
    }
    i = j
  }
  return best
}

/** Counts of each level code over `rows` (missing rows are not counted). */
export function levelCounts(column: CategoricalColumn, rows: Int32Array): Int32Array {
  const counts = new Int32Array(column.levels.length)
  for (let i = 0; i < rows.length; i++) {
    const code = column.codes[rows[i]]
    if (code >= 0) counts[code]++
  }
  return counts
}

/** Fits the preprocessing steps for `columns` of `frame` on `trainRows`. */
export function fitPreprocessing(
  frame: DataFrame,
  columns: readonly string[],
  trainRows: Int32Array,
  config: PreprocessingConfig,
): FeatureStep[] {
  const steps: FeatureStep[] = []
  for (const name of columns) {
    const column = getColumn(frame, name)
    if (column.type === 'numeric') {
      const present = presentValues(column.values, trainRows)
      let fill: number
      switch (config.numericImputation) {
        case 'mean':
          fill = present.reduce((a, b) => a + b, 0) / present.length
          break
        case 'most_frequent':
          fill = mostFrequentNumber(present)
          break
        case 'constant':
          fill = config.numericFillValue
          break
        default:
          fill = median(present)
      }
      if (Number.isNaN(fill)) fill = config.numericImputation === 'constant' ? config.numericFillValue : 0
      const filled = new Float64Array(trainRows.length)
      for (let i = 0; i < trainRows.length; i++) {
        const v = column.values[trainRows[i]]
        filled[i] = Number.isNaN(v) ? fill : v
      }
      steps.push({
        kind: 'numeric',
        source: name,
        output: name,
        fill,
        log: false,
        affine: fitAffine(filled, config.scaling),
      })
      if (config.numericImputation === 'indicator' && present.length < trainRows.length)
        steps.push({ kind: 'missing_indicator', source: name, output: `${name}__missing` })
      continue
    }
    const counts = levelCounts(column, trainRows)
    let fill: string | null
    if (config.categoricalImputation === 'constant') fill = config.categoricalFillValue
    else {
      let best = -1
      for (let k = 0; k < counts.length; k++)
        if (counts[k] > 0 && (best < 0 || counts[k] > counts[best])) best = k
      fill = best >= 0 ? column.levels[best] : null
    }
    // Missing training values count towards the fill level.
    let missing = 0
    for (let i = 0; i < trainRows.length; i++) if (column.codes[trainRows[i]] < 0) missing++
    const seen = column.levels.map((level, k) => ({
      level,
      count: counts[k] + (level === fill ? missing : 0),
    }))
    if (fill !== null && missing > 0 && !column.levels.includes(fill))
      seen.push({ level: fill, count: missing })
    const present = seen.filter((s) => s.count > 0).sort((a, b) => compareCodePoints(a.level, b.level))
    const levels = present.map((s) => s.level)
    switch (config.encoding) {
      case 'ordinal':
        steps.push({ kind: 'ordinal', source: name, output: name, levels, fill: fill ?? levels[0] ?? '' })
        break
      case 'frequency': {
        const total = trainRows.length
        const frequencies = present.map((s) => s.count / total)
        const fillLevel = fill ?? ''
        const values = new Float64Array(trainRows.length)
        const index = new Map(levels.map((level, k) => [level, k]))
        for (let i = 0; i < trainRows.length; i++) {
          const code = column.codes[trainRows[i]]
          const level = code < 0 ? fillLevel : column.levels[code]
          values[i] = frequencies[index.get(level) ?? -1] ?? 0
        }
        steps.push({
          kind: 'frequency',
          source: name,
          output: `${name}__frequency`,
          levels,
          frequencies,
          fill: fillLevel,
          affine: fitAffine(values, config.scaling),
        })
        break
      }
      default: {
        let kept = levels
        let other = false
        if (levels.length > config.maxOneHotLevels) {
          // Keep the most frequent levels (ties → code-point order), then list them in code-point order.
          const top = [...present]
            .sort((a, b) => b.count - a.count || compareCodePoints(a.level, b.level))
            .slice(0, config.maxOneHotLevels)
          kept = top.map((s) => s.level).sort(compareCodePoints)
          other = true
        }
        const outputs = kept.map((level) => `${name}=${level}`)
        if (other) outputs.push(`${name}=__other__`)
        steps.push({ kind: 'onehot', source: name, outputs, levels: kept, other, fill })
      }
    }
  }
  return steps
}

/** Code-point order, the order of frame levels and of class labels. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!
    if (d !== 0) return d
  }
  return x.length - y.length
}

/** Builds the recipe on the context's training rows and materialises train and test features. */
export function runPreprocessing(context: EngineContext, config: PreprocessingConfig): Promise<void> {
  const { data } = context
  const steps = fitPreprocessing(data.frame, data.featureColumns, data.trainRows, config)
  const recipe: FeatureRecipe = { version: 1, scaling: config.scaling, steps }
  context.features = {
    recipe,
    train: applyFeatureRecipe(recipe, data.frame, data.trainRows),
    test: applyFeatureRecipe(recipe, data.frame, data.testRows),
    alteredByHook: false,
  }
  context.log(
    'info',
    `Preprocessing: ${data.featureColumns.length} columns → ${context.features.train.names.length} features`,
    {
      numericImputation: config.numericImputation,
      encoding: config.encoding,
      scaling: config.scaling,
    },
  )
  return Promise.resolve()
}

export const preprocessingBlock: BlockDefinition<PreprocessingConfig> = {
  type: 'preprocessing',
  logicRef: systemLogicRef('preprocessing'),
  defaults: defaultPreprocessingConfig,
  validate: validatePreprocessingConfig,
  run: runPreprocessing,
}

registerBlock(preprocessingBlock)
