/**
 * What differs between pipeline snapshots, as flat, labelled settings: only the settings whose value is
 * not the same in every snapshot. Used to compare runs ("scaling: standard → minmax").
 */
import type { PipelineSnapshot } from './pipeline.ts'
import { blockLabels } from './pipeline.ts'

export interface SettingDifference {
  /** Readable path, e.g. "Preprocessing › scaling". */
  setting: string
  /** The value in each snapshot, in the order given, in words ({@link describeConfigValue}; '—' when absent). */
  values: string[]
}

/**
 * A configuration value in words, never JSON: lists as `rf, gbdt`, objects as `alpha 1, depth 3`, empty
 * lists and objects and null as `none` (a snapshot card or a compare row must not show `["rf"]` or `{}`).
 */
export function describeConfigValue(value: unknown): string {
  if (value === undefined) return '—'
  if (value === null) return 'none'
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(describeConfigValue).join(', ')
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
    if (entries.length === 0) return 'none'
    return entries
      .map(([key, inner]) => {
        const text = describeConfigValue(inner)
        return typeof inner === 'object' && inner !== null && text !== 'none'
          ? `${key} (${text})`
          : `${key} ${text}`
      })
      .join(', ')
  }
  return String(value)
}

/** Flattens a snapshot into readable setting paths with display values. */
export function flattenSnapshot(snapshot: PipelineSnapshot): Map<string, string> {
  const out = new Map<string, string>()
  const show = describeConfigValue
  out.set('Task › target', snapshot.task.target)
  out.set('Task › type', snapshot.task.taskType)
  out.set('Task › metric', snapshot.task.metric)
  out.set('Task › positive class', show(snapshot.task.positiveClass))
  out.set('Task › excluded columns', [...snapshot.task.excludedColumns].sort().join(', ') || 'none')
  const kinds = Object.entries(snapshot.task.columnKinds ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))
  if (kinds.length > 0)
    out.set('Task › column kinds', kinds.map(([name, kind]) => `${name}: ${kind}`).join(', '))
  out.set('Global › seed', String(snapshot.globalConfig.seed))
  out.set('Global › test fraction', String(snapshot.globalConfig.testFraction))
  out.set('Global › backend', snapshot.globalConfig.backend)
  out.set('Dataset › hash', snapshot.datasetHash)
  for (const block of snapshot.blocks) {
    const label = blockLabels[block.type]
    out.set(`${label} › logic`, block.logicRef)
    for (const [key, value] of Object.entries(block.config)) out.set(`${label} › ${key}`, show(value))
    out.set(
      `${label} › hooks`,
      block.hooks.map((h) => `${h.kind} ${h.codeHash.slice(0, 12)}`).join(', ') || 'none',
    )
  }
  return out
}

export function diffSnapshots(snapshots: readonly PipelineSnapshot[]): SettingDifference[] {
  const flat = snapshots.map(flattenSnapshot)
  const keys = new Set(flat.flatMap((f) => [...f.keys()]))
  const differences: SettingDifference[] = []
  for (const setting of keys) {
    const values = flat.map((f) => f.get(setting) ?? '—')
    if (new Set(values).size > 1) differences.push({ setting, values })
  }
  return differences
}

/**
 * Why the metrics of `other` cannot be read against those of `base`, in words (empty when they can): a
 * different target, task type, positive class or dataset means the metrics measure different things.
 */
export function incomparableReasons(base: PipelineSnapshot, other: PipelineSnapshot): string[] {
  const reasons: string[] = []
  if (base.task.target !== other.task.target)
    reasons.push(`it predicts ${other.task.target}, the baseline ${base.task.target}`)
  if (base.task.taskType !== other.task.taskType)
    reasons.push(`it is ${other.task.taskType}, the baseline ${base.task.taskType}`)
  else if (
    base.task.target === other.task.target &&
    (base.task.positiveClass ?? '') !== (other.task.positiveClass ?? '')
  )
    reasons.push(
      `its positive class is ${describeConfigValue(other.task.positiveClass)}, the baseline's ${describeConfigValue(base.task.positiveClass)}`,
    )
  if (base.datasetHash !== other.datasetHash) reasons.push('it used different data')
  return reasons
}

/**
 * How the test rows of `other` differ from those of `base` (empty when both split the same rows the same
 * way): the split follows the seed and the test fraction, so a difference between the runs includes the
 * luck of the split.
 */
export function splitDifferences(base: PipelineSnapshot, other: PipelineSnapshot): string[] {
  const out: string[] = []
  if (base.globalConfig.seed !== other.globalConfig.seed)
    out.push(`seed ${base.globalConfig.seed} → ${other.globalConfig.seed}`)
  if (base.globalConfig.testFraction !== other.globalConfig.testFraction)
    out.push(`test fraction ${base.globalConfig.testFraction} → ${other.globalConfig.testFraction}`)
  return out
}
