/** An experiment: its task, its draft pipeline, the Run button and its runs. */
import { A, useNavigate, useParams } from '@solidjs/router'
import { createSignal, onMount, Show } from 'solid-js'
import { errorMessage } from '../../domain/errors.ts'
import type { ExperimentId, WorkspaceId } from '../../domain/ids.ts'
import { Dialog } from '../components/Dialog.tsx'
import { HookPanel } from '../components/HookPanel.tsx'
import { PipelineEditor } from '../components/PipelineEditor.tsx'
import { RunSettings } from '../components/RunSettings.tsx'
import { RunsTable } from '../components/RunsTable.tsx'
import { TaskEditor } from '../components/TaskEditor.tsx'
import { createLiveQuery, db } from '../services/db.ts'
import { renameExperiment, updateTask } from '../services/experiments.ts'
import { idleWorkerWarm, prewarmRunWorker, startRun } from '../services/runs.ts'

export function ExperimentPage() {
  const params = useParams<{ workspaceId: WorkspaceId; experimentId: ExperimentId }>()
  const navigate = useNavigate()
  // The run worker starts while the person reads the page, not after they click Run.
  onMount(prewarmRunWorker)
  const experiment = createLiveQuery(
    () => params.experimentId,
    (id) => db.experiments.get(id),
  )
  const dataset = createLiveQuery(
    () => experiment()?.datasetId,
    (id) => (id ? db.datasets.get(id) : Promise.resolve(undefined)),
  )
  const pipeline = createLiveQuery(
    () => experiment()?.pipelineId,
    (id) => (id ? db.pipelines.get(id) : Promise.resolve(undefined)),
  )
  const runs = createLiveQuery(
    () => params.experimentId,
    (id) => db.runs.where('experimentId').equals(id).toArray(),
  )
  const [error, setError] = createSignal('')
  const [starting, setStarting] = createSignal(false)
  const [renaming, setRenaming] = createSignal(false)
  const [newName, setNewName] = createSignal('')

  const run = async () => {
    setError('')
    setStarting(true)
    try {
      const runId = await startRun(params.experimentId)
      navigate(`/w/${params.workspaceId}/runs/${runId}`)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setStarting(false)
    }
  }

  return (
    <Show
      when={experiment() && dataset() && pipeline()}
      fallback={<p class="loading">Loading experiment…</p>}
    >
      <div class="page">
        <header class="page-header">
          <h1>{experiment()!.name}</h1>
          <p class="muted">
            On dataset{' '}
            <A href={`/w/${params.workspaceId}/datasets/${dataset()!.id}`}>
              {dataset()!.name} v{dataset()!.version}
            </A>{' '}
            · {dataset()!.rowCount.toLocaleString('en-US')} rows
          </p>
          <div class="actions">
            <button
              type="button"
              class="primary"
              onClick={run}
              disabled={starting()}
              data-run-worker={idleWorkerWarm() ? 'warm' : 'starting'}
            >
              {starting() ? 'Starting…' : 'Run'}
            </button>
            <button
              type="button"
              onClick={() => {
                setNewName(experiment()!.name)
                setRenaming(true)
              }}
            >
              Rename experiment
            </button>
          </div>
          <RunSettings rowCount={dataset()!.rowCount} columnCount={dataset()!.schema.length} />
          <Dialog
            open={renaming()}
            title="Rename experiment"
            onClose={() => setRenaming(false)}
            onSubmit={async () => {
              try {
                await renameExperiment(params.experimentId, newName())
                setRenaming(false)
              } catch (e) {
                setError(errorMessage(e))
              }
            }}
            actions={
              <>
                <button type="button" onClick={() => setRenaming(false)}>
                  Cancel
                </button>
                <button type="submit" class="primary">
                  Rename
                </button>
              </>
            }
          >
            <label for="experiment-name">Experiment name</label>
            <input
              id="experiment-name"
              value={newName()}
              onInput={(e) => setNewName(e.currentTarget.value)}
              required
              autofocus
            />
          </Dialog>
          <Show when={error()}>
            <p role="alert" class="error-box">
              {error()}
            </p>
          </Show>
        </header>
        <RunsTable runs={runs() ?? []} metric={experiment()!.task.metric} workspaceId={params.workspaceId} />
        <TaskEditor
          experiment={experiment()!}
          dataset={dataset()!}
          onChange={(patch) => updateTask(params.experimentId, patch).catch((e) => setError(errorMessage(e)))}
        />
        <PipelineEditor
          experiment={experiment()!}
          pipeline={pipeline()!}
          dataset={dataset()!}
          hooks={(block) => <HookPanel experiment={experiment()!} pipeline={pipeline()!} block={block} />}
        />
      </div>
    </Show>
  )
}
