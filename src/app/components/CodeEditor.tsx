/**
 * CodeMirror 6 for hook code: JavaScript highlighting, bracket matching, search (Ctrl/Cmd-F) and syntax
 * errors marked as you type (checked in the QuickJS sandbox worker, the same parser the run uses).
 */
import { javascript } from '@codemirror/lang-javascript'
import type { Diagnostic } from '@codemirror/lint'
import { linter, lintGutter } from '@codemirror/lint'
import { basicSetup, EditorView } from 'codemirror'
import { onCleanup, onMount } from 'solid-js'

export function CodeEditor(props: {
  value: string
  label: string
  onChange: (code: string) => void
  checkSyntax?: (
    code: string,
  ) => Promise<{ ok: true } | { ok: false; line: number; column: number; message: string }>
}) {
  let host!: HTMLDivElement
  let view: EditorView | undefined
  onMount(() => {
    const syntaxLinter = linter(
      async (editor): Promise<Diagnostic[]> => {
        if (!props.checkSyntax) return []
        const code = editor.state.doc.toString()
        const result = await props.checkSyntax(code).catch(() => ({ ok: true as const }))
        if (result.ok) return []
        const line = editor.state.doc.line(Math.min(Math.max(1, result.line), editor.state.doc.lines))
        const from = Math.min(line.from + Math.max(0, result.column - 1), line.to)
        return [
          {
            from,
            to: Math.max(from + 1, line.to),
            severity: 'error',
            message: `Line ${result.line}: ${result.message}`,
          },
        ]
      },
      { delay: 400 },
    )
    view = new EditorView({
      doc: props.value,
      parent: host,
      extensions: [
        basicSetup,
        javascript(),
        lintGutter(),
        syntaxLinter,
        EditorView.contentAttributes.of({ 'aria-label': props.label }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) props.onChange(update.state.doc.toString())
        }),
      ],
    })
  })
  onCleanup(() => view?.destroy())
  return <div ref={host} class="code-editor" />
}
