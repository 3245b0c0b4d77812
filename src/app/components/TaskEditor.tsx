/** The experiment's task: what was detected and why, and every part editable by hand. */
import { For, Show } from 'solid-js'
import type { Dataset, LogicalKind } from '../../domain/dataset.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { TaskType } from '../../domain/task.ts'
import {
  defaultMetricFor,
  effectiveKind,
  kindChoicesFor,
  kindCorrections,
  metricsFor,
  taskTypes,
} from '../../domain/task.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import { CategoryBars } from './CategoryBars.tsx'

export function TaskEditor(props: {
  experiment: Experiment
  dataset: Dataset
  onChange: (patch: Partial<Experiment['task']>) => void
}) {
  const task = () => props.experiment.task
  const targetProfile = () => props.dataset.profile.find((p) => p.name === task().target)
  const classLabels = () => (targetProfile()?.topValues ?? []).map((v) => v.value)
  return (
    <section class="card" aria-labelledby="task-title">
      <h2 id="task-title">
        Task <span class="chip">{task().mode === 'auto' ? 'detected' : 'edited by hand'}</span>
      </h2>
      <div class="form-grid">
        <div>
          <label for="task-target">Target column</label>
          <select
            id="task-target"
            value={task().target}
            onChange={(e) => props.onChange({ target: e.currentTarget.value })}
          >
            <For each={props.dataset.schema}>
              {(column) => (
                <option value={column.name} selected={column.name === task().target}>
                  {column.name}
                </option>
              )}
            </For>
          </select>
        </div>
        <div>
          <label for="task-type">Task type</label>
          <select
            id="task-type"
            value={task().taskType}
            onChange={(e) => {
              const taskType = e.currentTarget.value as TaskType
              props.onChange({ taskType, metric: defaultMetricFor(taskType) })
            }}
          >
            <For each={taskTypes}>
              {(type) => (
                <option value={type} selected={type === task().taskType}>
                  {type}
                </option>
              )}
            </For>
          </select>
        </div>
        <Show when={task().taskType === 'binary'}>
          <div>
            <label for="task-positive">Positive class</label>
            <select
              id="task-positive"
              value={task().positiveClass ?? ''}
              onChange={(e) => props.onChange({ positiveClass: e.currentTarget.value })}
            >
              <For each={classLabels()}>
                {(label) => (
                  <option value={label} selected={label === task().positiveClass}>
                    {label}
                  </option>
                )}
              </For>
            </select>
          </div>
        </Show>
        <div>
          <label for="task-metric">Metric to optimize</label>
          <select
            id="task-metric"
            value={task().metric}
            onChange={(e) =>
              props.onChange({ metric: e.currentTarget.value as Experiment['task']['metric'] })
            }
          >
            <For each={metricsFor(task().taskType)}>
              {(metric) => (
                <option value={metric} selected={metric === task().metric}>
                  {metricLabel(metric)}
                </option>
              )}
            </For>
          </select>
        </div>
      </div>
      <fieldset class="excluded">
        <legend>Excluded columns</legend>
        <div class="checkbox-grid">
          <For each={props.dataset.schema.filter((c) => c.name !== task().target)}>
            {(column) => (
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={task().excludedColumns.includes(column.name)}
                  onChange={(e) => {
                    const excluded = new Set(task().excludedColumns)
                    if (e.currentTarget.checked) excluded.add(column.name)
                    else excluded.delete(column.name)
                    props.onChange({
                      excludedColumns: props.dataset.schema.map((c) => c.name).filter((n) => excluded.has(n)),
                    })
                  }}
                />
                {column.name} <span class="muted small">({effectiveKind(task(), column)})</span>
              </label>
            )}
          </For>
        </div>
      </fieldset>
      <details class="column-kinds" open={task().columnKinds !== undefined}>
        <summary>Column kinds</summary>
        <p class="muted small">
          How this experiment reads each column (numbers that are classes can be read as categories). The
          dataset keeps the kinds inferred at import.
        </p>
        <div class="form-grid">
          <For each={props.dataset.schema.filter((c) => kindChoicesFor(c).length > 0)}>
            {(column) => {
              const kind = () => effectiveKind(task(), column)
              const top = () => props.dataset.profile.find((p) => p.name === column.name)?.topValues
              return (
                <div>
                  <label for={`kind-${column.name}`}>Kind of {column.name}</label>
                  <select
                    id={`kind-${column.name}`}
                    value={kind()}
                    onChange={(e) =>
                      props.onChange({
                        columnKinds: kindCorrections(props.dataset.schema, {
                          ...task().columnKinds,
                          [column.name]: e.currentTarget.value as LogicalKind,
                        }),
                      })
                    }
                  >
                    <For each={kindChoicesFor(column)}>
                      {(choice) => (
                        <option value={choice} selected={choice === kind()}>
                          {choice}
                          {choice === column.kind ? ' (inferred)' : ''}
                        </option>
                      )}
                    </For>
                  </select>
                  <Show when={kind() === 'categorical' && top()}>
                    {(values) => <CategoryBars values={values()} label={column.name} />}
                  </Show>
                </div>
              )
            }}
          </For>
        </div>
      </details>
      <Show when={task().reasons.length > 0}>
        <details open>
          <summary>Why these choices</summary>
          <ul>
            <For each={task().reasons}>{(reason) => <li>{reason}</li>}</For>
          </ul>
        </details>
      </Show>
      <For each={task().warnings}>
        {(warning) => (
          <p class="warning" role="note">
            ⚠ {warning}
          </p>
        )}
      </For>
    </section>
  )
}
