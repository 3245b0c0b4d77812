/** Helpers over typed arrays shared by the engine's modules. */

/** The parts one after another in one new array made by `make` (e.g. `(n) => new Float64Array(n)`). */
export function concatTyped<T extends Float64Array | Int32Array | Uint8Array>(
  parts: readonly T[],
  make: (n: number) => T,
): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
