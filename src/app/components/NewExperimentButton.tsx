/** Creates an experiment on a dataset (the task is detected from its columns) and opens it. */
import { useNavigate } from '@solidjs/router'
import { createSignal, Show } from 'solid-js'
import type { Dataset } from '../../domain/dataset.ts'
import { errorMessage } from '../../domain/errors.ts'
import { createExperiment } from '../services/experiments.ts'

export function NewExperimentButton(props: { dataset: Dataset }) {
  const navigate = useNavigate()
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal('')
  return (
    <div class="actions">
      <button
        type="button"
        class="primary"
        disabled={busy()}
        onClick={async () => {
          setBusy(true)
          setError('')
          try {
            const experiment = await createExperiment(props.dataset)
            navigate(`/w/${experiment.workspaceId}/experiments/${experiment.id}`)
          } catch (e) {
            setError(errorMessage(e))
          } finally {
            setBusy(false)
          }
        }}
      >
        {busy() ? 'Detecting the task…' : 'New experiment'}
      </button>
      <Show when={error()}>
        <p role="alert" class="error">
          {error()}
        </p>
      </Show>
    </div>
  )
}
