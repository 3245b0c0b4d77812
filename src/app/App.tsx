/**
 * Routes: every page is deep-linkable under its workspace. Pages other than the workspace home load on
 * first visit (their own chunks: charts, the grid, the code editor), so opening the app evaluates a small
 * script instead of one 1.6 MB task (issue 13.20).
 */
import { Navigate, Route, Router } from '@solidjs/router'
import type { ParentProps } from 'solid-js'
import { createResource, lazy, Show } from 'solid-js'
import { ensureDefaultWorkspace } from '../storage/workspaces.ts'
import { CleanupNotice } from './components/CleanupNotice.tsx'
import { Shell } from './components/Shell.tsx'
import { NotFoundPage } from './pages/NotFoundPage.tsx'
import { WorkspaceHome } from './pages/WorkspaceHome.tsx'
import { db } from './services/db.ts'
import { sweepOrphansAtStart } from './services/orphans.ts'
import { startupRecovery } from './services/runs.ts'

const DatasetPage = lazy(() => import('./pages/DatasetPage.tsx').then((m) => ({ default: m.DatasetPage })))
const ExperimentPage = lazy(() =>
  import('./pages/ExperimentPage.tsx').then((m) => ({ default: m.ExperimentPage })),
)
const RunPage = lazy(() => import('./pages/RunPage.tsx').then((m) => ({ default: m.RunPage })))
const ComparePage = lazy(() => import('./pages/ComparePage.tsx').then((m) => ({ default: m.ComparePage })))

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
