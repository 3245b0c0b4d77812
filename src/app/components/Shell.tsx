/**
 * The app frame: a sidebar with the workspace switcher and the workspace's datasets and experiments,
 * and the main pane for the current route.
 */
import { A, useLocation, useNavigate } from '@solidjs/router'
import type { ParentProps } from 'solid-js'
import { createMemo, For, Show } from 'solid-js'
import type { WorkspaceId } from '../../domain/ids.ts'
import { listWorkspaces } from '../../storage/workspaces.ts'
import { createLiveQuery, db } from '../services/db.ts'
import { WorkspaceSwitcher } from './WorkspaceSwitcher.tsx'

export function Shell(props: ParentProps) {
  const location = useLocation()
  const workspaceId = createMemo(
    () => /^\/w\/([^/]+)/.exec(location.pathname)?.[1] as WorkspaceId | undefined,
  )
  const workspaces = createLiveQuery(
    () => 0,
    () => listWorkspaces(db),
  )
  const datasets = createLiveQuery(workspaceId, (id) =>
    id ? db.datasets.where('workspaceId').equals(id).sortBy('importedAt') : Promise.resolve([]),
  )
  const experiments = createLiveQuery(workspaceId, (id) =>
    id ? db.experiments.where('workspaceId').equals(id).sortBy('createdAt') : Promise.resolve([]),
  )
  const navigate = useNavigate()

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <nav class="sidebar" aria-label="Workspace">
        <A href="/" class="brand" aria-label="Butterfly home">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>Butterfly</span>
        </A>
        <WorkspaceSwitcher
          workspaces={workspaces() ?? []}
          currentId={workspaceId()}
          onSwitch={(id) => navigate(`/w/${id}`)}
        />
        <Show when={workspaceId()}>
          {(id) => (
            <>
              <h2 class="sidebar-heading" id="datasets-heading">
                Datasets
              </h2>
              <ul class="sidebar-list" aria-labelledby="datasets-heading">
                <For each={datasets()} fallback={<li class="muted">None yet</li>}>
                  {(dataset) => (
                    <li>
                      <A href={`/w/${id()}/datasets/${dataset.id}`} activeClass="active">
                        {dataset.name}
                        <Show when={dataset.version > 1}>
                          <span class="version"> v{dataset.version}</span>
                        </Show>
                      </A>
                    </li>
                  )}
                </For>
              </ul>
              <h2 class="sidebar-heading" id="experiments-heading">
                Experiments
              </h2>
              <ul class="sidebar-list" aria-labelledby="experiments-heading">
                <For each={experiments()} fallback={<li class="muted">None yet</li>}>
                  {(experiment) => (
                    <li>
                      <A href={`/w/${id()}/experiments/${experiment.id}`} activeClass="active">
                        {experiment.name}
                      </A>
                    </li>
                  )}
                </For>
              </ul>
            </>
          )}
        </Show>
      </nav>
      <main id="main" class="main" tabindex="-1">
        {props.children}
      </main>
    </div>
  )
}
