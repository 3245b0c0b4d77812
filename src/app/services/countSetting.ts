/**
 * This browser's whole-number settings kept in localStorage (the import's large-table rows, the runs'
 * streaming threshold): read as a non-negative integer, or undefined when unset or not one.
 */
export function readCountSetting(key: string): number | undefined {
  const value = Number(globalThis.localStorage?.getItem(key) ?? Number.NaN)
  return Number.isInteger(value) && value >= 0 ? value : undefined
}

/** Stores `value` (rounded down, at least 0) under `key`, or clears it when undefined. */
export function writeCountSetting(key: string, value: number | undefined): void {
  if (value === undefined) globalThis.localStorage?.removeItem(key)
  else globalThis.localStorage?.setItem(key, String(Math.max(0, Math.floor(value))))
}
