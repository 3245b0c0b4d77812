/**
 * The hooks of one block: add (written inline or loaded from a .js file), edit in CodeMirror with the
 * hook API (rendered from its Markdown) next to the editor, reorder, reload a file, delete. Saving stores
 * the code and its SHA-256. "Try on sample rows" runs the editor's code in the sandbox on the first rows
 * of the dataset and shows what it returned, its log or its error, without starting a run.
 */
import { createSignal, For, Show } from 'solid-js'
import { errorMessage } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { JsonValue } from '../../domain/hash.ts'
import type { Hook, HookKind } from '../../domain/hook.ts'
import { hookTimings } from '../../domain/hook.ts'
import type { Block, Pipeline } from '../../domain/pipeline.ts'
import { hookApiOverview, hookExamples, hookReturnDoc, hookTemplate } from '../../engine/hooks/hookApi.ts'
import { shortHash } from '../format.ts'
import { createLiveQuery, db } from '../services/db.ts'
import type { DryRunView } from '../services/hookDryRun.ts'
import { dryRunHook } from '../services/hookDryRun.ts'
import { addHook, deleteHook, moveHook, updateHookSource } from '../services/hooks.ts'
import { editorSandbox } from '../services/sandbox.ts'
import { CodeEditor } from './CodeEditor.tsx'
import { InlineMarkdown, Markdown } from './Markdown.tsx'

/** The hook whose editor is open; module-level so it survives re-renders of the pipeline. */
const [editing, setEditing] = createSignal<string | undefined>()

export function HookPanel(props: { experiment: Experiment; pipeline: Pipeline; block: Block }) {
  const hooks = createLiveQuery(
    () => props.block.hookIds.join(','),
    async () => (await db.hooks.bulkGet(props.block.hookIds)).filter((h): h is Hook => !!h),
  )
  const [kind, setKind] = createSignal<HookKind>(`before_${props.block.type}` as HookKind)
  const [error, setError] = createSignal('')
  const attempt = async (action: () => Promise<unknown>) => {
    setError('')
    try {
      await action()
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  const kindLabel = `${props.block.type.replace('_', ' ')} hook kind`

  return (
    <section class="hooks" aria-label={`Hooks of ${props.block.type}`}>
      <h3>Hooks</h3>
      <Show
        when={(hooks() ?? []).length > 0}
        fallback={
          <p class="muted small">No hooks. Add one to change or replace this stage with your own code.</p>
        }
      >
        <ul class="hook-list">
          <For each={hooks()}>
            {(hook, index) => (
              <li>
                <div class="hook-row">
                  <strong>{hook.name}</strong> <code>{hook.kind}</code>{' '}
                  <span class="muted small">
                    {hook.source.kind === 'file' ? `file ${hook.source.fileName}` : 'inline'} · SHA-256{' '}
                    <code>{shortHash(hook.codeHash)}</code>
                  </span>
                  <div class="actions">
                    <button
                      type="button"
                      class="small"
                      onClick={() => setEditing(editing() === hook.id ? undefined : hook.id)}
                    >
                      {editing() === hook.id ? 'Close editor' : `Edit ${hook.name}`}
                    </button>
                    <button
                      type="button"
                      class="small"
                      disabled={index() === 0}
                      onClick={() => attempt(() => moveHook(props.experiment, props.block.id, hook.id, -1))}
                    >
                      Move up
                    </button>
                    <button
                      type="button"
                      class="small"
                      disabled={index() === (hooks()?.length ?? 0) - 1}
                      onClick={() => attempt(() => moveHook(props.experiment, props.block.id, hook.id, 1))}
                    >
                      Move down
                    </button>
                    <Show when={hook.source.kind === 'file'}>
                      <label class="button small">
                        Reload file
                        <input
                          type="file"
                          accept=".js,.mjs,text/javascript"
                          class="visually-hidden"
                          aria-label={`Reload ${hook.name} from a file`}
                          onChange={async (e) => {
                            const file = e.currentTarget.files?.[0]
                            if (file)
                              await attempt(async () =>
                                updateHookSource(props.experiment, hook.id, {
                                  kind: 'file',
                                  fileName: file.name,
                                  code: await file.text(),
                                }),
                              )
                          }}
                        />
                      </label>
                    </Show>
                    <button
                      type="button"
                      class="small danger"
                      onClick={() => attempt(() => deleteHook(props.experiment, hook.id))}
                    >
                      Delete {hook.name}
                    </button>
                  </div>
                </div>
                <Show when={editing() === hook.id}>
                  <HookEditor
                    hook={hook}
                    experiment={props.experiment}
                    pipeline={props.pipeline}
                    block={props.block}
                    onSave={(code) =>
                      attempt(() =>
                        updateHookSource(
                          props.experiment,
                          hook.id,
                          hook.source.kind === 'file' ? { ...hook.source, code } : { kind: 'inline', code },
                        ),
                      )
                    }
                  />
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <div class="actions">
        <label for={`hook-kind-${props.block.id}`} class="visually-hidden">
          {kindLabel}
        </label>
        <select
          id={`hook-kind-${props.block.id}`}
          aria-label={kindLabel}
          value={kind()}
          onChange={(e) => setKind(e.currentTarget.value as HookKind)}
        >
          <For each={hookTimings}>
            {(timing) => (
              <option value={`${timing}_${props.block.type}`}>{`${timing}_${props.block.type}`}</option>
            )}
          </For>
        </select>
        <button
          type="button"
          class="small"
          onClick={() =>
            attempt(async () => {
              const hook = await addHook(props.experiment, props.block.id, kind(), {
                kind: 'inline',
                code: hookTemplate(kind()),
              })
              setEditing(hook.id)
            })
          }
        >
          Add {kind()} hook
        </button>
        <label class="button small">
          Load hook from a .js file
          <input
            type="file"
            accept=".js,.mjs,text/javascript"
            class="visually-hidden"
            aria-label={`Load a ${props.block.type} hook from a .js file`}
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0]
              if (file)
                await attempt(async () =>
                  addHook(props.experiment, props.block.id, kind(), {
                    kind: 'file',
                    fileName: file.name,
                    code: await file.text(),
                  }),
                )
              e.currentTarget.value = ''
            }}
          />
        </label>
      </div>
      <Show when={error()}>
        <p role="alert" class="error">
          {error()}
        </p>
      </Show>
    </section>
  )
}

function HookEditor(props: {
  hook: Hook
  experiment: Experiment
  pipeline: Pipeline
  block: Block
  onSave: (code: string) => Promise<void>
}) {
  const [code, setCode] = createSignal(props.hook.source.code)
  const [saved, setSaved] = createSignal(true)
  const [trial, setTrial] = createSignal<DryRunView | undefined>()
  const [trying, setTrying] = createSignal(false)
  const example = () =>
    hookExamples[props.hook.kind.slice(props.hook.kind.indexOf('_') + 1) as keyof typeof hookExamples]
  const tryOnSampleRows = async () => {
    setTrying(true)
    try {
      setTrial(
        await dryRunHook({
          hook: props.hook,
          code: code(),
          experiment: props.experiment,
          config: props.block.config as JsonValue,
          seed: props.pipeline.globalConfig.seed,
        }),
      )
    } finally {
      setTrying(false)
    }
  }
  return (
    <div class="hook-editor">
      <div class="hook-editor-main">
        <CodeEditor
          value={props.hook.source.code}
          label={`Code of hook ${props.hook.name}`}
          onChange={(next) => {
            setCode(next)
            setSaved(next === props.hook.source.code)
          }}
          checkSyntax={(source) => editorSandbox().checkSyntax(source)}
        />
        <div class="actions">
          <button
            type="button"
            class="primary small"
            disabled={saved()}
            onClick={async () => {
              await props.onSave(code())
              setSaved(true)
            }}
          >
            Save hook
          </button>
          <button type="button" class="small" disabled={trying()} onClick={tryOnSampleRows}>
            {trying() ? 'Trying…' : 'Try on sample rows'}
          </button>
          <span class="muted small" role="status">
            {saved() ? 'Saved' : 'Unsaved changes'}
          </span>
        </div>
        <Show when={trial()}>
          {(view) => (
            <section class="hook-trial" aria-label="Try on sample rows">
              <p class="muted small">
                The code in the editor{saved() ? '' : ' (not saved yet)'} ran in the sandbox on the first{' '}
                {view().dataRows} rows of the dataset as <code>ctx.data</code>
                {view().evalRows > 0 ? ` and the next ${view().evalRows} as ctx.evalData` : ''}, columns as in
                the table (a run gives stages after preprocessing numeric features instead). No run was
                started and nothing was saved.
              </p>
              <Show
                when={view().error === undefined}
                fallback={
                  <p role="alert" class="error">
                    {view().error}
                  </p>
                }
              >
                <ul aria-label="Hook result" class="changes">
                  <For each={view().lines}>{(line) => <li>{line}</li>}</For>
                </ul>
              </Show>
              <Show when={view().logs.length > 0}>
                <pre class="log" role="log" aria-label="Hook log">
                  {view()
                    .logs.map((l) => `${l.level}: ${l.message}`)
                    .join('\n')}
                </pre>
              </Show>
            </section>
          )}
        </Show>
      </div>
      <aside class="hook-docs" aria-label="Hook API">
        <p>
          <strong>{props.hook.kind}</strong>: <InlineMarkdown text={hookReturnDoc(props.hook.kind)} />
        </p>
        <details>
          <summary>Example for this stage: {example().title}</summary>
          <pre class="code">{example().code}</pre>
        </details>
        <details>
          <summary>The hook API</summary>
          <Markdown source={hookApiOverview} headingOffset={3} />
        </details>
      </aside>
    </div>
  )
}
