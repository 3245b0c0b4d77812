/** Main-thread access to the workspace database, and Dexie live queries as Solid signals. */
import { liveQuery } from 'dexie'
import type { Accessor } from 'solid-js'
import { createEffect, createMemo, createSignal, onCleanup } from 'solid-js'
import { openDb } from '../../storage/db.ts'

export const db = openDb()

/**
 * A signal holding the latest result of `query(key)`, re-run whenever `key()` changes and whenever the
 * tables it read change (in this tab, another tab or a worker: Dexie broadcasts its mutations).
 */
export function createLiveQuery<K, T>(
  key: Accessor<K>,
  query: (key: K) => Promise<T>,
): Accessor<T | undefined> {
  const [value, setValue] = createSignal<T | undefined>(undefined)
  // Only a new key value re-subscribes (an experiment edit must not re-read its unchanged dataset).
  const stableKey = createMemo(key)
  createEffect(() => {
    const current = stableKey()
    const subscription = liveQuery(() => query(current)).subscribe({
      next: (result) => setValue(() => result),
      error: (error) => console.error('Live query failed', error),
    })
    onCleanup(() => subscription.unsubscribe())
  })
  return value
}
