/**
 * Feature engineering block (`system/feature_engineering@1`): calendar parts of datetime columns, log1p of
 * skewed non-negative numbers, and optional pairwise products of the numeric features most associated
 * with the target. Every statistic (skew, association, scaling) comes from the training rows only.
 */
import type { BlockConfig } from '../../../domain/pipeline.ts'
import type { FeatureMatrix, Target } from '../../frame.ts'
import { getColumn } from '../../frame.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { createConfigReader } from '../configCheck.ts'
import type { EngineContext } from '../engineContext.ts'
import type { DatetimePart, FeatureRecipe, FeatureStep } from '../featureRecipe.ts'
import { applyFeatureRecipe, datetimePart, fitAffine } from '../featureRecipe.ts'

/** Settings of the Feature Engineering block. */
export interface FeatureEngineeringConfig {
  /** Replace each datetime column by its UTC year, month, day, weekday and hour (those that vary). Default true. */
  datetimeParts: boolean
  /** log1p numeric columns whose training skewness exceeds `skewThreshold` in absolute value and that are ≥ 0. Default false. */
  logTransform: boolean
  /** Default 1. */
  skewThreshold: number
  /** Add products of pairs among the `interactionTopK` numeric features most associated with the target. Default false. */
  interactions: boolean
  /** Default 4 (→ 6 products). */
  interactionTopK: number
}

const label = 'Feature Engineering'
const datetimeParts: readonly DatetimePart[] = ['year', 'month', 'day', 'weekday', 'hour']

export function defaultFeatureEngineeringConfig(): FeatureEngineeringConfig & BlockConfig {
  return {
    datetimeParts: true,
    logTransform: false,
    skewThreshold: 1,
    interactions: false,
    interactionTopK: 4,
  }
}

export function validateFeatureEngineeringConfig(config: unknown): FeatureEngineeringConfig {
  const d = defaultFeatureEngineeringConfig()
  const read = createConfigReader(label, config)
  const out: FeatureEngineeringConfig = {
    datetimeParts: read.boolean('datetimeParts', d.datetimeParts),
    logTransform: read.boolean('logTransform', d.logTransform),
    skewThreshold: read.number('skewThreshold', d.skewThreshold, 'a number > 0', (v) => v > 0),
    interactions: read.boolean('interactions', d.interactions),
    interactionTopK: read.integer('interactionTopK', d.interactionTopK, 2, 20),
  }
  read.rejectUnknown()
  return out
}

/** Sample skewness (Fisher–Pearson, biased, as scipy.stats.skew). 0 for constant input. */
export function skewness(values: Float64Array): number {
  const n = values.length
  if (n < 3) return 0
  let mean = 0
  for (const v of values) mean += v
  mean /= n
  let m2 = 0
  let m3 = 0
  for (const v of values) {
    const d = v - mean
    m2 += d * d
    m3 += d * d * d
  }
  m2 /= n
  m3 /= n
  return m2 > 0 ? m3 / m2 ** 1.5 : 0
}

/** |Pearson correlation| with the target (regression, binary) or the correlation ratio η (multiclass). */
function associationWithTarget(feature: Float64Array, target: Target): number {
  const n = feature.length
  let mean = 0
  for (const v of feature) mean += v
  mean /= n
  let total = 0
  for (const v of feature) total += (v - mean) ** 2
  if (total === 0) return 0
  if (target.kind === 'classification' && target.classes.length > 2) {
    const k = target.classes.length
    const sums = new Float64Array(k)
    const counts = new Float64Array(k)
    for (let i = 0; i < n; i++) {
      sums[target.codes[i]] += feature[i]
      counts[target.codes[i]]++
    }
    let between = 0
    for (let c = 0; c < k; c++) if (counts[c] > 0) between += counts[c] * (sums[c] / counts[c] - mean) ** 2
    return Math.sqrt(between / total)
  }
  const y = target.kind === 'classification' ? Float64Array.from(target.codes) : target.values
  let yMean = 0
  for (const v of y) yMean += v
  yMean /= n
  let sxy = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    sxy += (feature[i] - mean) * (y[i] - yMean)
    syy += (y[i] - yMean) ** 2
  }
  return syy > 0 ? Math.abs(sxy / Math.sqrt(total * syy)) : 0
}

/**
 * Rewrites `recipe` per `config` using the training rows: datetime parts, log transforms (scaled like the
 * rest), then interactions computed from the training features `train` and target `trainTarget`.
 */
export function fitFeatureEngineering(
  recipe: FeatureRecipe,
  context: Pick<EngineContext, 'data'>,
  config: FeatureEngineeringConfig,
): FeatureRecipe {
  const { frame, trainRows } = context.data
  const steps: FeatureStep[] = []
  for (const step of recipe.steps) {
    if (step.kind !== 'numeric') {
      steps.push(step)
      continue
    }
    const column = getColumn(frame, step.source)
    const filled = new Float64Array(trainRows.length)
    if (column.type === 'numeric')
      for (let i = 0; i < trainRows.length; i++) {
        const v = column.values[trainRows[i]]
        filled[i] = Number.isNaN(v) ? step.fill : v
      }
    if (config.datetimeParts && column.kind === 'datetime') {
      for (const part of datetimeParts) {
        const values = filled.map((v) => datetimePart(v, part))
        if (values.every((v) => v === values[0])) continue // a part that never varies carries no information
        steps.push({
          kind: 'datetime_part',
          source: step.source,
          output: `${step.source}__${part}`,
          part,
          fill: step.fill,
          affine: fitAffine(values, recipe.scaling),
        })
      }
      continue
    }
    if (config.logTransform && column.kind !== 'datetime' && filled.every((v) => v >= 0)) {
      const distinct = new Set(filled.subarray(0, Math.min(filled.length, 1000)))
      if (distinct.size > 2 && Math.abs(skewness(filled)) > config.skewThreshold) {
        const logged = filled.map(Math.log1p)
        steps.push({
          ...step,
          output: `log1p(${step.source})`,
          log: true,
          affine: fitAffine(logged, recipe.scaling),
        })
        continue
      }
    }
    steps.push(step)
  }
  const next: FeatureRecipe = { ...recipe, steps }
  if (!config.interactions) return next
  const train: FeatureMatrix = applyFeatureRecipe(next, frame, trainRows)
  const trainTarget = targetOfRows(context.data.target, trainRows)
  const numericOutputs = new Set(
    steps
      .filter((s) => s.kind === 'numeric' || s.kind === 'datetime_part')
      .map((s) => (s as { output: string }).output),
  )
  const ranked = train.names
    .map((name, j) => ({
      name,
      score: numericOutputs.has(name) ? associationWithTarget(train.columns[j], trainTarget) : -1,
    }))
    .filter((f) => f.score >= 0)
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1))
    .slice(0, config.interactionTopK)
  for (let a = 0; a < ranked.length; a++)
    for (let b = a + 1; b < ranked.length; b++)
      steps.push({
        kind: 'interaction',
        left: ranked[a].name,
        right: ranked[b].name,
        output: `${ranked[a].name}*${ranked[b].name}`,
      })
  return { ...recipe, steps }
}

function targetOfRows(target: Target, rows: Int32Array): Target {
  if (target.kind === 'classification')
    return {
      ...target,
      codes: rows.length ? Int32Array.from(rows, (r) => target.codes[r]) : new Int32Array(0),
    }
  return { ...target, values: Float64Array.from(rows, (r) => target.values[r]) }
}

export function runFeatureEngineering(
  context: EngineContext,
  config: FeatureEngineeringConfig,
): Promise<void> {
  const features = context.features
  if (!features) throw new Error('Feature engineering needs the preprocessing block to run first')
  const before = features.train.names.length
  const recipe = fitFeatureEngineering(features.recipe, context, config)
  context.features = {
    recipe,
    train: applyFeatureRecipe(recipe, context.data.frame, context.data.trainRows),
    test: applyFeatureRecipe(recipe, context.data.frame, context.data.testRows),
    alteredByHook: features.alteredByHook,
  }
  context.log('info', `Feature engineering: ${before} → ${context.features.train.names.length} features`, {
    ...config,
  })
  return Promise.resolve()
}

export const featureEngineeringBlock: BlockDefinition<FeatureEngineeringConfig> = {
  type: 'feature_engineering',
  logicRef: systemLogicRef('feature_engineering'),
  defaults: defaultFeatureEngineeringConfig,
  validate: validateFeatureEngineeringConfig,
  run: runFeatureEngineering,
}

registerBlock(featureEngineeringBlock)
