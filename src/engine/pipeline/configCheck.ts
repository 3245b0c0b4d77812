/**
 * Small readers that turn a block's stored JSON config into its typed config, filling defaults for
 * missing keys and rejecting wrong values with a message that names the block, the setting, the rule
 * and the value: "Setting 'encoding' of block 'Preprocessing' must be one of onehot, ordinal, frequency, got 'x'".
 */
import { ValidationError } from '../../domain/errors.ts'

/** Reads settings of one block; every reader throws ValidationError('invalid-argument') on a bad value. */
export interface ConfigReader {
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T
  number(key: string, fallback: number, rule: string, check: (v: number) => boolean): number
  integer(key: string, fallback: number, min: number, max?: number): number
  boolean(key: string, fallback: boolean): boolean
  string(key: string, fallback: string): string
  /** The raw value, or `fallback` when absent. */
  raw(key: string): unknown
  fail(key: string, rule: string, value: unknown): never
  /** Throws on keys that no reader asked for (typos in hand-edited pipelines). */
  rejectUnknown(): void
}

export function createConfigReader(blockLabel: string, config: unknown): ConfigReader {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new ValidationError(
      'invalid-argument',
      `Config of block '${blockLabel}' must be an object, got ${JSON.stringify(config)}`,
    )
  const record = config as Record<string, unknown>
  const seen = new Set<string>()
  const fail = (key: string, rule: string, value: unknown): never => {
    throw new ValidationError(
      'invalid-argument',
      `Setting '${key}' of block '${blockLabel}' must be ${rule}, got ${JSON.stringify(value) ?? String(value)}`,
    )
  }
  const get = (key: string): unknown => {
    seen.add(key)
    return record[key]
  }
  return {
    oneOf(key, allowed, fallback) {
      const value = get(key)
      if (value === undefined) return fallback
      if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
        fail(key, `one of ${allowed.join(', ')}`, value)
      return value as (typeof allowed)[number]
    },
    number(key, fallback, rule, check) {
      const value = get(key)
      if (value === undefined) return fallback
      if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) fail(key, rule, value)
      return value as number
    },
    integer(key, fallback, min, max) {
      const value = get(key)
      if (value === undefined) return fallback
      const rule = max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < min ||
        (max !== undefined && value > max)
      )
        fail(key, rule, value)
      return value as number
    },
    boolean(key, fallback) {
      const value = get(key)
      if (value === undefined) return fallback
      if (typeof value !== 'boolean') fail(key, 'true or false', value)
      return value as boolean
    },
    string(key, fallback) {
      const value = get(key)
      if (value === undefined) return fallback
      if (typeof value !== 'string') fail(key, 'a string', value)
      return value as string
    },
    raw: get,
    fail,
    rejectUnknown() {
      const unknown = Object.keys(record).filter((key) => !seen.has(key))
      if (unknown.length > 0)
        throw new ValidationError(
          'invalid-argument',
          `Block '${blockLabel}' has unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${[...seen].join(', ')})`,
        )
    },
  }
}
