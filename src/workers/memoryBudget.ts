/**
 * What a large-table run may hold in a browser tab (issue 16): the smallest of the default limit (the engine's defaultLargeMemoryBytes), what
 * Chromium says one JS heap may grow to (`performance.memory.jsHeapSizeLimit`) and half of the device's
 * memory as the browser reports it (`navigator.deviceMemory`, in GiB, rounded by the browser), each
 * where present. The run checks its estimate against it before reading a row, and names the bound.
 */
// No engine import here: the page reads browserMemory() and must not load the engine for it.

/** The browser's own numbers, where it gives them. */
export interface BrowserMemory {
  jsHeapSizeLimit?: number
  deviceMemoryGiB?: number
}

/** The numbers of this thread's browser (the page's or a worker's). */
export function browserMemory(): BrowserMemory {
  const limit = (globalThis.performance as { memory?: { jsHeapSizeLimit?: number } } | undefined)?.memory
    ?.jsHeapSizeLimit
  const device = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory
  return {
    ...(typeof limit === 'number' && limit > 0 ? { jsHeapSizeLimit: limit } : {}),
    ...(typeof device === 'number' && device > 0 ? { deviceMemoryGiB: device } : {}),
  }
}

/** The bytes a large run may hold here, and a phrase saying where the number comes from. */
export function memoryBudget(memory: BrowserMemory, fallback: number): { bytes: number; basis: string } {
  const bounds: { bytes: number; basis: string }[] = [{ bytes: fallback, basis: 'the default limit' }]
  if (memory.jsHeapSizeLimit !== undefined)
    bounds.push({ bytes: memory.jsHeapSizeLimit, basis: "the browser's JS heap limit" })
  if (memory.deviceMemoryGiB !== undefined)
    bounds.push({
      bytes: (memory.deviceMemoryGiB * 1024 ** 3) / 2,
      basis: `half of this device's ${memory.deviceMemoryGiB} GiB of memory, as the browser reports it`,
    })
  return bounds.reduce((least, bound) => (bound.bytes < least.bytes ? bound : least))
}
