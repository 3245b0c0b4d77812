/** Tells the person what the start-up sweep removed (files left by an interrupted import). */
import { Show } from 'solid-js'
import { cleanupNotice, dismissCleanupNotice } from '../services/orphans.ts'

export function CleanupNotice() {
  return (
    <Show when={cleanupNotice()}>
      {(text) => (
        <div role="status" class="notice" aria-label="Storage cleaned up">
          <span>{text()}</span>{' '}
          <button type="button" onClick={dismissCleanupNotice}>
            Dismiss
          </button>
        </div>
      )}
    </Show>
  )
}
