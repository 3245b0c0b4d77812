/**
 * Resource limits of one hook run in the QuickJS sandbox. Every run gets a fresh QuickJS runtime with
 * these limits, so a hook can use at most this much CPU, memory, stack and output, and nothing it does
 * survives into the next run.
 */

/** Per-hook limits. All sizes in bytes, times in milliseconds. */
export interface HookLimits {
  /**
   * CPU (wall-clock) time the hook may run inside the VM, including building `ctx` and encoding the
   * result. Enforced by the QuickJS interrupt handler; exceeding it fails with code `cpu-time`.
   */
  cpuTimeMs: number
  /** Heap of the QuickJS runtime, including the input data copied in. Exceeding it fails with `memory`. */
  memoryBytes: number
  /**
   * VM stack. Must stay at or below {@link maxStackBytes}: above it the *host* wasm stack can overflow
   * before QuickJS notices, which kills the whole wasm instance (see notes/browser-stack.md §4).
   */
  stackBytes: number
  /** Size of the marshalled result (column buffers plus JSON). Exceeding it fails with `output-size`. */
  outputBytes: number
  /** Characters of `log(...)` output kept per run; later lines are dropped and `logTruncated` is set. */
  logChars: number
}

/** Largest stack size that is safe in a Chromium worker (256 KiB already overflowed the host there). */
export const maxStackBytes = 128 * 1024

/** Safe defaults: 5 s CPU, 256 MiB heap, 128 KiB stack, 64 MiB result, 1 MiB of logs. */
export const defaultHookLimits: Readonly<HookLimits> = Object.freeze({
  cpuTimeMs: 5_000,
  memoryBytes: 256 * 1024 * 1024,
  stackBytes: maxStackBytes,
  outputBytes: 64 * 1024 * 1024,
  logChars: 1024 * 1024,
})

/**
 * Defaults overridden by `overrides`, checked. Throws a RangeError naming the limit when a value is not
 * a positive finite number or the stack exceeds {@link maxStackBytes}.
 */
export function resolveHookLimits(overrides: Partial<HookLimits> = {}): HookLimits {
  const limits: HookLimits = { ...defaultHookLimits }
  for (const key of Object.keys(defaultHookLimits) as (keyof HookLimits)[]) {
    const value = overrides[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new RangeError(`Hook limit '${key}' must be a positive finite number, got ${String(value)}`)
    limits[key] = value
  }
  if (limits.stackBytes > maxStackBytes)
    throw new RangeError(
      `Hook limit 'stackBytes' must be at most ${maxStackBytes} (128 KiB), got ${limits.stackBytes}`,
    )
  return limits
}

/** `1048576` → `1 MiB`, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`
  return `${bytes} B`
}
