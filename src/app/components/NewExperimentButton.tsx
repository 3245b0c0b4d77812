/**
 * "New experiment": opens a dialog that shows the suggested target and task with the reasons, both
 * editable, and creates the experiment only when the person confirms (Cancel or Escape create nothing).
 */
import { useNavigate } from '@solidjs/router'
import { createSignal, For, Show } from 'solid-js'
import type { Dataset } from '../../domain/dataset.ts'
import { errorMessage } from '../../domain/errors.ts'
import type { TaskDefinition, TaskType } from '../../domain/task.ts'
import { taskTypes } from '../../domain/task.ts'
import type { DetectTaskOptions } from '../../engine/pipeline/taskDetection.ts'
import { createExperiment, detectTaskFor } from '../services/experiments.ts'
import { Dialog } from './Dialog.tsx'

export function NewExperimentButton(props: { dataset: Dataset }) {
  const navigate = useNavigate()
  const [open, setOpen] = createSignal(false)
  const [busy, setBusy] = createSignal(false)
  const [task, setTask] = createSignal<TaskDefinition>()
  const [error, setError] = createSignal('')
  /** Each detection gets a number, so a slow earlier answer never overwrites a later choice. */
  let detection = 0
  let targetSelect: HTMLSelectElement | undefined
  let taskSelect: HTMLSelectElement | undefined

  const detect = async (options: DetectTaskOptions = {}) => {
    const mine = ++detection
    setBusy(true)
    setError('')
    try {
      const next = await detectTaskFor(props.dataset, options)
      if (mine === detection) setTask(next)
    } catch (e) {
      if (mine === detection) {
        setError(errorMessage(e))
        // A refused choice does not stay on screen: the selects show the task that Create would use.
        const current = task()
        if (current && targetSelect) targetSelect.value = current.target
        if (current && taskSelect) taskSelect.value = current.taskType
      }
    } finally {
      if (mine === detection) setBusy(false)
    }
  }
  const close = () => {
    detection++
    setOpen(false)
    setBusy(false)
  }
  const create = async () => {
    const chosen = task()
    if (!chosen || busy()) return
    setBusy(true)
    try {
      const experiment = await createExperiment(props.dataset, { task: chosen })
      setOpen(false)
      navigate(`/w/${experiment.workspaceId}/experiments/${experiment.id}`)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="actions">
      <button
        type="button"
        class="primary"
        onClick={() => {
          setTask(undefined)
          setOpen(true)
          void detect()
        }}
      >
        New experiment
      </button>
      <Dialog
        open={open()}
        title={`New experiment on ${props.dataset.name}`}
        onClose={close}
        onSubmit={() => void create()}
        actions={
          <>
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={busy() || !task()}>
              Create
            </button>
          </>
        }
      >
        <Show when={!task() && busy()}>
          <p role="status">Detecting the task…</p>
        </Show>
        <Show when={task()}>
          {(t) => (
            <>
              <p>
                Check the suggested target and task; change them if they are not what you want to predict.
              </p>
              <div class="form-grid">
                <div>
                  <label for="new-experiment-target">Target column</label>
                  <select
                    id="new-experiment-target"
                    ref={targetSelect}
                    disabled={busy()}
                    onChange={(e) => void detect({ target: e.currentTarget.value })}
                  >
                    <For each={props.dataset.schema}>
                      {(column) => (
                        <option value={column.name} selected={column.name === t().target}>
                          {column.name}
                        </option>
                      )}
                    </For>
                  </select>
                </div>
                <div>
                  <label for="new-experiment-task">Task type</label>
                  <select
                    id="new-experiment-task"
                    ref={taskSelect}
                    disabled={busy()}
                    onChange={(e) =>
                      void detect({ target: t().target, taskType: e.currentTarget.value as TaskType })
                    }
                  >
                    <For each={taskTypes}>
                      {(type) => (
                        <option value={type} selected={type === t().taskType}>
                          {type}
                        </option>
                      )}
                    </For>
                  </select>
                </div>
              </div>
              <ul aria-label="Why these choices">
                <For each={t().reasons.filter((r) => r.startsWith('Target ') || r.startsWith('Task '))}>
                  {(reason) => <li>{reason}</li>}
                </For>
              </ul>
              <Show when={t().warnings.length > 0}>
                <ul aria-label="Warnings" class="warning">
                  <For each={t().warnings}>{(warning) => <li>{warning}</li>}</For>
                </ul>
              </Show>
            </>
          )}
        </Show>
        <Show when={error()}>
          <p role="alert" class="error">
            {error()}
          </p>
        </Show>
      </Dialog>
    </div>
  )
}
