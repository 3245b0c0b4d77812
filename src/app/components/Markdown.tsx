/** Help text written in the app's small Markdown (see markdown.ts), rendered as elements with text children. */
import { For, Match, Switch } from 'solid-js'
import { Dynamic } from 'solid-js/web'
import type { Inline } from '../markdown.ts'
import { parseInline, parseMarkdown } from '../markdown.ts'

export function InlineText(props: { content: Inline[] }) {
  return (
    <For each={props.content}>
      {(run) => (
        <Switch fallback={run.text}>
          <Match when={run.kind === 'code'}>
            <code>{run.text}</code>
          </Match>
          <Match when={run.kind === 'strong'}>
            <strong>{run.text}</strong>
          </Match>
        </Switch>
      )}
    </For>
  )
}

/** One line of inline Markdown (code spans, bold) as text. */
export function InlineMarkdown(props: { text: string }) {
  return <InlineText content={parseInline(props.text)} />
}

/** `headingOffset`: added to heading levels (a `#` inside a section's h3 becomes an h4). */
export function Markdown(props: { source: string; headingOffset?: number }) {
  return (
    <div class="markdown">
      <For each={parseMarkdown(props.source)}>
        {(block) => (
          <Switch>
            <Match when={block.kind === 'heading' && block}>
              {(b) => (
                <Dynamic component={`h${Math.min(6, b().level + (props.headingOffset ?? 0))}`}>
                  <InlineText content={b().content} />
                </Dynamic>
              )}
            </Match>
            <Match when={block.kind === 'paragraph' && block}>
              {(b) => (
                <p>
                  <InlineText content={b().content} />
                </p>
              )}
            </Match>
            <Match when={block.kind === 'list' && block}>
              {(b) => (
                <ul>
                  <For each={b().items}>
                    {(item) => (
                      <li>
                        <InlineText content={item} />
                      </li>
                    )}
                  </For>
                </ul>
              )}
            </Match>
            <Match when={block.kind === 'code' && block}>{(b) => <pre class="code">{b().text}</pre>}</Match>
            <Match when={block.kind === 'table' && block}>
              {(b) => (
                <table class="data-table">
                  <thead>
                    <tr>
                      <For each={b().header}>
                        {(cell) => (
                          <th scope="col">
                            <InlineText content={cell} />
                          </th>
                        )}
                      </For>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={b().rows}>
                      {(row) => (
                        <tr>
                          <For each={row}>
                            {(cell) => (
                              <td>
                                <InlineText content={cell} />
                              </td>
                            )}
                          </For>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              )}
            </Match>
          </Switch>
        )}
      </For>
    </div>
  )
}
