/** Numbers, sizes, durations and dates formatted for people. */

const integer = new Intl.NumberFormat('en-US')
// Four-digit values such as years read better without a separator (2009, but 10,000).
const plain = new Intl.NumberFormat('en-US', { useGrouping: 'min2' })
const compact = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4, useGrouping: 'min2' })

export function formatCount(n: number): string {
  return integer.format(n)
}

export function formatNumber(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value !== 'number') return String(value)
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value)) return plain.format(value)
  const abs = Math.abs(value)
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return value.toExponential(3)
  return compact.format(value)
}

const grouped4 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 })
const ungrouped4 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4, useGrouping: false })
const ungroupedInteger = new Intl.NumberFormat('en-US', { useGrouping: false })
const short = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 })

/**
 * Numbers shown side by side (a column's min, max, mean, sd) in one format, chosen by the largest:
 * grouped digits below a million, whole from a thousand (`1,300 · 215,245 · 4.5`), short scale from a million (`500M · 1.2B`),
 * exponents only when every value is tiny. Never `500000000` beside `1.000e+9`. Separators only when the
 * largest has five digits or more, for all values alike: years read `1900 · 2009`, not `1,900 · 2,009`
 * (the same four-digit rule as {@link formatNumber} and the grid).
 */
export function formatNumbersAlike(values: readonly unknown[]): string[] {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const largest = Math.max(0, ...finite.map(Math.abs))
  const format = (v: number) => {
    if (v === 0) return '0'
    if (largest >= 1e6) return short.format(v)
    if (largest < 1e-3) return v.toExponential(2)
    const grouping = largest >= 10_000
    if (Math.abs(v) >= 1000) return (grouping ? integer : ungroupedInteger).format(Math.round(v))
    return (grouping ? grouped4 : ungrouped4).format(v)
  }
  return values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? format(v) : formatNumber(v)))
}

export { formatBytes } from '../storage/datasetImport.ts'

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`
  const m = Math.floor(s / 60)
  return `${m} min ${Math.round(s - m * 60)} s`
}

export function formatDate(epochMs: number): string {
  return new Date(epochMs).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })
}

export function shortHash(hash: string): string {
  return hash.slice(0, 12)
}

/** Whole seconds under a minute ("27 s"), minutes and seconds above. */
export function timeLeft(seconds: number): string {
  return seconds < 60 ? `${Math.ceil(seconds)} s` : formatDuration(1000 * Math.ceil(seconds))
}

/**
 * Seconds left in a step that moves through bytes, from how fast it went since the step began; undefined
 * until a couple of seconds of it have been seen (an early rate is mostly noise).
 */
export function bytesEtaSeconds(
  step: { startedAt: number; startBytes: number },
  now: number,
  bytesDone: number,
  totalBytes: number,
): number | undefined {
  const seconds = (now - step.startedAt) / 1000
  const moved = bytesDone - step.startBytes
  if (seconds < 2 || moved <= 0 || bytesDone >= totalBytes) return undefined
  return (seconds * (totalBytes - bytesDone)) / moved
}
