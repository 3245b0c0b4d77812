/** A pipeline snapshot rendered for people: global settings, each block's configuration and the exact hook code. */
import { For, Show } from 'solid-js'
import type { JsonValue } from '../../domain/hash.ts'
import type { PipelineSnapshot } from '../../domain/pipeline.ts'
import { blockLabels } from '../../domain/pipeline.ts'
import { describeConfigValue } from '../../domain/snapshotDiff.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'

/** A block's setting in words (lists and objects too: the card never shows raw JSON). */
export function formatConfigValue(value: JsonValue | undefined): string {
  return describeConfigValue(value)
}

export function SnapshotView(props: { snapshot: PipelineSnapshot }) {
  const s = () => props.snapshot
  return (
    <div class="snapshot">
      <dl class="facts">
        <div>
          <dt>Target</dt>
          <dd>{s().task.target}</dd>
        </div>
        <div>
          <dt>Task</dt>
          <dd>{s().task.taskType}</dd>
        </div>
        <div>
          <dt>Metric</dt>
          <dd>{metricLabel(s().task.metric)}</dd>
        </div>
        <div>
          <dt>Seed</dt>
          <dd>{s().globalConfig.seed}</dd>
        </div>
        <div>
          <dt>Test fraction</dt>
          <dd>{s().globalConfig.testFraction}</dd>
        </div>
        <div>
          <dt>Backend</dt>
          <dd>{s().globalConfig.backend}</dd>
        </div>
        <Show when={s().task.excludedColumns.length > 0}>
          <div class="wide">
            <dt>Excluded columns</dt>
            <dd>{s().task.excludedColumns.join(', ')}</dd>
          </div>
        </Show>
        <Show when={s().task.columnKinds}>
          {(kinds) => (
            <div class="wide">
              <dt>Column kinds (corrected)</dt>
              <dd>
                {Object.entries(kinds())
                  .map(([name, kind]) => `${name}: ${kind}`)
                  .join(', ')}
              </dd>
            </div>
          )}
        </Show>
      </dl>
      <ol class="block-list">
        <For each={s().blocks}>
          {(block, i) => (
            <li>
              <strong>
                {i() + 1}. {blockLabels[block.type]}
              </strong>{' '}
              <code class="muted small">{block.logicRef}</code>
              <table class="data-table kv">
                <tbody>
                  <For each={Object.entries(block.config)}>
                    {([key, value]) => (
                      <tr>
                        <th scope="row">{key}</th>
                        <td>{formatConfigValue(value)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <For each={block.hooks}>
                {(hook) => (
                  <div class="hook-code">
                    <p>
                      Hook <strong>{hook.name}</strong> <code>{hook.kind}</code> · SHA-256{' '}
                      <code data-testid="snapshot-hook-hash">{hook.codeHash}</code>
                    </p>
                    <section aria-label={`Code of hook ${hook.name} used by this run`}>
                      <pre class="code">{hook.code}</pre>
                    </section>
                  </div>
                )}
              </For>
            </li>
          )}
        </For>
      </ol>
    </div>
  )
}
