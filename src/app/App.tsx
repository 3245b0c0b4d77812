/** Routes: every page is deep-linkable under its workspace. */
import { Navigate, Route, Router } from '@solidjs/router'
import type { ParentProps } from 'solid-js'
import { createResource, Show } from 'solid-js'
import { ensureDefaultWorkspace } from '../storage/workspaces.ts'
import { CleanupNotice } from './components/CleanupNotice.tsx'
import { Shell } from './components/Shell.tsx'
import { ComparePage } from './pages/ComparePage.tsx'
import { DatasetPage } from './pages/DatasetPage.tsx'
import { ExperimentPage } from './pages/ExperimentPage.tsx'
import { NotFoundPage } from './pages/NotFoundPage.tsx'
import { RunPage } from './pages/RunPage.tsx'
import { WorkspaceHome } from './pages/WorkspaceHome.tsx'
import { db } from './services/db.ts'
import { sweepOrphansAtStart } from './services/orphans.ts'
import { startupRecovery } from './services/runs.ts'

function CurrentWorkspaceRedirect() {
  const [workspace] = createResource(() => ensureDefaultWorkspace(db))
  return (
    <Show when={workspace()} fallback={<p class="loading">Opening your workspace…</p>}>
      {(w) => <Navigate href={`/w/${w().id}`} />}
    </Show>
  )
}

function Root(props: ParentProps) {
  return (
    <Shell>
      <CleanupNotice />
      {props.children}
    </Shell>
  )
}

export function App() {
  void startupRecovery()
  void sweepOrphansAtStart()
  return (
    <Router root={Root}>
      <Route path="/" component={CurrentWorkspaceRedirect} />
      <Route path="/w/:workspaceId" component={WorkspaceHome} />
      <Route path="/w/:workspaceId/datasets/:datasetId" component={DatasetPage} />
      <Route path="/w/:workspaceId/experiments/:experimentId" component={ExperimentPage} />
      <Route path="/w/:workspaceId/runs/:runId" component={RunPage} />
      <Route path="/w/:workspaceId/compare" component={ComparePage} />
      <Route path="*" component={NotFoundPage} />
    </Router>
  )
}
