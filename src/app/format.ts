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
