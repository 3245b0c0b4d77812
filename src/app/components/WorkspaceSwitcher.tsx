/** Switch, create, rename and delete workspaces, and open a folder as a workspace where the browser can. */
import { createSignal, For, Show } from 'solid-js'
import { errorMessage } from '../../domain/errors.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import type { Workspace } from '../../domain/workspace.ts'
import {
  addWorkspace,
  deleteWorkspace,
  openFolderWorkspace,
  renameWorkspace,
  switchWorkspace,
} from '../../storage/workspaces.ts'
import { db } from '../services/db.ts'
import { Dialog } from './Dialog.tsx'

type Mode = 'none' | 'create' | 'rename' | 'delete'

export function WorkspaceSwitcher(props: {
  workspaces: Workspace[]
  currentId?: WorkspaceId
  onSwitch: (id: WorkspaceId) => void
}) {
  const [mode, setMode] = createSignal<Mode>('none')
  const [name, setName] = createSignal('')
  const [error, setError] = createSignal('')
  const current = () => props.workspaces.find((w) => w.id === props.currentId)
  const canPickFolder = typeof window !== 'undefined' && 'showDirectoryPicker' in window

  const open = (next: Mode) => {
    setError('')
    setName(next === 'rename' ? (current()?.name ?? '') : '')
    setMode(next)
  }
  const close = () => setMode('none')
  const run = async (action: () => Promise<WorkspaceId | undefined>) => {
    try {
      const id = await action()
      close()
      if (id) {
        await switchWorkspace(db, id)
        props.onSwitch(id)
      }
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  const pickFolder = async () => {
    try {
      const picker = (
        window as unknown as { showDirectoryPicker: (o: object) => Promise<FileSystemDirectoryHandle> }
      ).showDirectoryPicker
      const handle = await picker({ mode: 'readwrite', id: 'butterfly-workspace' })
      const workspace = await openFolderWorkspace(db, handle)
      props.onSwitch(workspace.id)
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') return
      setMode('none')
      setError(errorMessage(e))
    }
  }

  return (
    <div class="workspace-switcher">
      <label for="workspace-select">Workspace</label>
      <select
        id="workspace-select"
        value={props.currentId ?? ''}
        onChange={async (event) => {
          const id = event.currentTarget.value as WorkspaceId
          await switchWorkspace(db, id)
          props.onSwitch(id)
        }}
      >
        <For each={props.workspaces}>
          {(workspace) => (
            <option value={workspace.id} selected={workspace.id === props.currentId}>
              {workspace.name}
              {workspace.storage.kind === 'folder' ? ' (folder)' : ''}
            </option>
          )}
        </For>
      </select>
      <div class="workspace-actions">
        <button type="button" class="small" onClick={() => open('create')}>
          New workspace
        </button>
        <button type="button" class="small" onClick={() => open('rename')} disabled={!current()}>
          Rename workspace
        </button>
        <button type="button" class="small danger" onClick={() => open('delete')} disabled={!current()}>
          Delete workspace
        </button>
        <Show when={canPickFolder}>
          <button type="button" class="small" onClick={pickFolder}>
            Open folder…
          </button>
        </Show>
      </div>

      <Show when={mode() === 'none' && error()}>
        <p role="alert" class="error">
          {error()}
        </p>
      </Show>

      <Dialog
        open={mode() === 'create' || mode() === 'rename'}
        title={mode() === 'create' ? 'New workspace' : 'Rename workspace'}
        onClose={close}
        onSubmit={() =>
          run(async () =>
            mode() === 'create'
              ? (await addWorkspace(db, name())).id
              : (await renameWorkspace(db, props.currentId!, name())).id,
          )
        }
        actions={
          <>
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" class="primary">
              {mode() === 'create' ? 'Create' : 'Rename'}
            </button>
          </>
        }
      >
        <label for="workspace-name">Workspace name</label>
        <input
          id="workspace-name"
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
          autofocus
          required
          maxLength={120}
        />
        <Show when={error()}>
          <p role="alert" class="error">
            {error()}
          </p>
        </Show>
      </Dialog>

      <Dialog
        open={mode() === 'delete'}
        title={`Delete workspace “${current()?.name ?? ''}”?`}
        onClose={close}
        onSubmit={() => run(async () => (await deleteWorkspace(db, props.currentId!)).id)}
        actions={
          <>
            <button type="button" onClick={close} autofocus>
              Keep it
            </button>
            <button type="submit" class="danger">
              Delete workspace and its files
            </button>
          </>
        }
      >
        <p>
          This removes every dataset, experiment and run of this workspace, and their files. It cannot be
          undone.
        </p>
        <Show when={error()}>
          <p role="alert" class="error">
            {error()}
          </p>
        </Show>
      </Dialog>
    </div>
  )
}
