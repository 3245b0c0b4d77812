/** The draft pipeline: the six blocks in order, each with its configuration form, and the global settings. */

import type { JSX } from 'solid-js'
import { createEffect, createSignal, For, Index, on, Show } from 'solid-js'
import type { Dataset } from '../../domain/dataset.ts'
import { errorMessage } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { JsonValue } from '../../domain/hash.ts'
import type { Block, BlockConfig, GlobalConfig, Pipeline } from '../../domain/pipeline.ts'
import { blockLabels } from '../../domain/pipeline.ts'
import { testRowCount } from '../../engine/pipeline/split.ts'
import type { FieldContext, FieldSpec } from '../blockForms.ts'
import { blockDescriptions, blockForms } from '../blockForms.ts'
import { shortHash } from '../format.ts'
import { modelCatalog } from '../modelCatalog.ts'
import type { PipelineDraft } from '../services/experiments.ts'
import { restorePipelineDraft, updateBlockConfig, updateGlobalConfig } from '../services/experiments.ts'

/** How many draft edits can be undone. */
const maxUndo = 50

export function PipelineEditor(props: {
  experiment: Experiment
  pipeline: Pipeline
  /** The experiment's dataset, when loaded: settings that depend on its size say what they resolve to. */
  dataset?: Dataset
  hooks?: (block: Block) => JSX.Element
}) {
  const trainingRows = () => {
    const rows = props.dataset?.rowCount
    return rows !== undefined && rows > 1
      ? rows - testRowCount(rows, props.pipeline.globalConfig.testFraction)
      : undefined
  }
  const [error, setError] = createSignal('')
  // Undo for draft edits: the state before each edit, newest last, for as long as this page is open.
  const [history, setHistory] = createSignal<{ draft: PipelineDraft; change: string }[]>([])
  createEffect(
    on(
      () => props.experiment.id,
      () => setHistory([]),
      { defer: true },
    ),
  )
  const apply = async (change: string, action: () => Promise<void>) => {
    setError('')
    const before = { blocks: props.pipeline.blocks, globalConfig: props.pipeline.globalConfig }
    try {
      await action()
      setHistory((entries) => [...entries.slice(-(maxUndo - 1)), { draft: before, change }])
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  const undo = async () => {
    const last = history().at(-1)
    if (!last) return
    setError('')
    try {
      await restorePipelineDraft(props.experiment, last.draft)
      setHistory((entries) => entries.slice(0, -1))
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  const setField = (block: Block, field: FieldSpec, value: JsonValue) =>
    apply(`${blockLabels[block.type]}: ${field.label}`, () => {
      const config: Record<string, JsonValue> = { ...block.config, [field.key]: value }
      // An optional number cleared: the setting goes, its default applies (and the hash is as before).
      if (value === null) delete config[field.key]
      return updateBlockConfig(props.experiment, block.id, config as BlockConfig)
    })
  const setGlobal = (label: string, patch: Partial<GlobalConfig>) =>
    apply(label, () => updateGlobalConfig(props.experiment, patch))
  // Ctrl+Z / Cmd+Z undoes the last draft edit, except where a text field or the code editor has its own undo.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key.toLowerCase() !== 'z' || !(event.ctrlKey || event.metaKey) || event.shiftKey) return
    const target = event.target as HTMLElement
    const typing =
      target.closest('.cm-editor') !== null ||
      target instanceof HTMLTextAreaElement ||
      (target instanceof HTMLInputElement && !['checkbox', 'radio'].includes(target.type))
    if (typing || history().length === 0) return
    event.preventDefault()
    void undo()
  }

  return (
    <section class="card" aria-labelledby="pipeline-title" onKeyDown={onKeyDown}>
      <div class="card-heading">
        <h2 id="pipeline-title">Pipeline</h2>
        <div class="undo">
          <Show when={history().at(-1)}>
            {(last) => <span class="muted small">Last change: {last().change}</span>}
          </Show>
          <button
            type="button"
            class="button"
            disabled={history().length === 0}
            aria-keyshortcuts="Control+Z Meta+Z"
            onClick={() => void undo()}
          >
            Undo
          </button>
        </div>
      </div>
      <p class="muted small">
        Version <code data-testid="pipeline-version">{shortHash(props.pipeline.versionHash)}</code>: the draft
        is editable; runs keep the snapshot they ran.
      </p>
      <Show when={error()}>
        <p role="alert" class="error">
          {error()}
        </p>
      </Show>
      <fieldset class="global-config">
        <legend>Global settings</legend>
        <div class="form-grid">
          <div>
            <label for="global-seed">Seed</label>
            <input
              id="global-seed"
              type="number"
              min="0"
              step="1"
              value={props.pipeline.globalConfig.seed}
              onChange={(e) => setGlobal('Seed', { seed: Number(e.currentTarget.value) })}
            />
          </div>
          <div>
            <label for="global-test-fraction">Test fraction</label>
            <input
              id="global-test-fraction"
              type="number"
              min="0.05"
              max="0.5"
              step="0.05"
              value={props.pipeline.globalConfig.testFraction}
              onChange={(e) => setGlobal('Test fraction', { testFraction: Number(e.currentTarget.value) })}
            />
          </div>
          <div>
            <label for="global-backend">TF.js backend</label>
            <select
              id="global-backend"
              value={props.pipeline.globalConfig.backend}
              onChange={(e) =>
                setGlobal('TF.js backend', { backend: e.currentTarget.value as GlobalConfig['backend'] })
              }
            >
              <option value="auto">auto (fastest measured)</option>
              <option value="wasm">wasm</option>
              <option value="cpu">cpu</option>
              <option value="webgl">webgl</option>
              <option value="webgpu">webgpu</option>
            </select>
          </div>
        </div>
      </fieldset>
      <ol class="block-list">
        <Index each={props.pipeline.blocks}>
          {(block, index) => (
            <li aria-labelledby={`block-${block().id}`}>
              <details open={index < 3}>
                <summary id={`block-${block().id}`}>
                  {index + 1}. {blockLabels[block().type]}
                </summary>
                <p class="muted small">{blockDescriptions[block().type]}</p>
                <Show
                  when={blockForms[block().type].length > 0}
                  fallback={<p class="muted small">No settings.</p>}
                >
                  <div class="form-grid">
                    <For each={blockForms[block().type]}>
                      {(field) => (
                        <Field
                          field={field}
                          block={block()}
                          experiment={props.experiment}
                          trainingRows={trainingRows()}
                          onChange={(value) => setField(block(), field, value)}
                        />
                      )}
                    </For>
                  </div>
                </Show>
                {props.hooks?.(block())}
              </details>
            </li>
          )}
        </Index>
      </ol>
    </section>
  )
}

function Field(props: {
  field: FieldSpec
  block: Block
  experiment: Experiment
  trainingRows?: number
  onChange: (value: JsonValue) => void
}) {
  const id = () => `${props.block.type}-${props.field.key}`
  const context = (): FieldContext => ({ config: props.block.config, trainingRows: props.trainingRows })
  const value = () => props.block.config[props.field.key]
  const field = props.field
  switch (field.kind) {
    case 'select':
      return (
        <div>
          <label for={id()}>{field.label}</label>
          <select id={id()} value={String(value())} onChange={(e) => props.onChange(e.currentTarget.value)}>
            <For each={field.options}>
              {(option) => <option value={option}>{field.optionLabel?.(option, context()) ?? option}</option>}
            </For>
          </select>
          <Show when={field.hint?.(context())}>
            {(hint) => (
              <p class="muted small" data-testid={`${id()}-hint`}>
                {hint()}
              </p>
            )}
          </Show>
        </div>
      )
    case 'number':
      return (
        <div>
          <label for={id()}>{field.label}</label>
          <input
            id={id()}
            type="number"
            min={field.min}
            max={field.max}
            step={field.step ?? (field.integer ? 1 : 'any')}
            placeholder={field.placeholder}
            title={field.help}
            value={field.placeholder && value() === undefined ? '' : Number(value())}
            onChange={(e) =>
              props.onChange(
                field.placeholder && e.currentTarget.value === '' ? null : Number(e.currentTarget.value),
              )
            }
          />
        </div>
      )
    case 'checkbox':
      return (
        <label class="checkbox">
          <input
            type="checkbox"
            checked={value() === true}
            onChange={(e) => props.onChange(e.currentTarget.checked)}
          />
          {field.label}
        </label>
      )
    case 'text':
      return (
        <div>
          <label for={id()}>{field.label}</label>
          <input
            id={id()}
            value={String(value() ?? '')}
            onChange={(e) => props.onChange(e.currentTarget.value)}
          />
        </div>
      )
    case 'candidates': {
      const task = () => props.experiment.task.taskType
      const families = () => modelCatalog.filter((m) => m.tasks.includes(task()))
      const selected = () => {
        const current = value()
        if (current === 'auto')
          return new Set(
            families()
              .filter((m) => m.auto)
              .map((m) => m.family),
          )
        return new Set((current as { family: string }[]).map((c) => c.family))
      }
      return (
        <fieldset class="candidates" style={{ 'grid-column': '1 / -1' }}>
          <legend>{field.label}</legend>
          <label class="checkbox">
            <input
              type="checkbox"
              checked={value() === 'auto'}
              onChange={(e) =>
                props.onChange(
                  e.currentTarget.checked ? 'auto' : [...selected()].map((family) => ({ family })),
                )
              }
            />
            Automatic choice
          </label>
          <For each={families()}>
            {(model) => (
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={selected().has(model.family)}
                  onChange={(e) => {
                    const next = new Set(selected())
                    if (e.currentTarget.checked) next.add(model.family)
                    else next.delete(model.family)
                    props.onChange(
                      families()
                        .filter((m) => next.has(m.family))
                        .map((m) => ({ family: m.family })),
                    )
                  }}
                />
                {model.label}
              </label>
            )}
          </For>
        </fieldset>
      )
    }
  }
}
