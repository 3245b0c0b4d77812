/**
 * The small Markdown of the app's own help texts (the hook API): headings, paragraphs, `-` lists, pipe
 * tables, fenced code, and inline `code` and **bold**. Parsed to plain data that components render as
 * elements with text children, never as HTML, so no text can become markup.
 */

/** A run of inline text: plain, `code` or **bold**. */
export type Inline = { kind: 'text' | 'code' | 'strong'; text: string }

export type MarkdownBlock =
  | { kind: 'heading'; level: 1 | 2 | 3; content: Inline[] }
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'list'; items: Inline[][] }
  | { kind: 'table'; header: Inline[][]; rows: Inline[][][] }
  | { kind: 'code'; text: string }

/** Inline runs of `text`: backtick code spans (taken literally) and ** bold ** (which may hold code). */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = []
  const push = (kind: Inline['kind'], part: string) => {
    if (!part) return
    const last = out[out.length - 1]
    if (last && last.kind === kind && kind !== 'code') last.text += part
    else out.push({ kind, text: part })
  }
  let bold = false
  let i = 0
  while (i < text.length) {
    if (text[i] === '`') {
      const end = text.indexOf('`', i + 1)
      if (end > i) {
        push('code', text.slice(i + 1, end))
        i = end + 1
        continue
      }
    }
    if (text.startsWith('**', i) && (bold || text.indexOf('**', i + 2) > i + 2)) {
      bold = !bold
      i += 2
      continue
    }
    push(bold ? 'strong' : 'text', text[i])
    i++
  }
  return out
}

/** Cells of a `| a | b |` row; `\|` is a literal bar (inside code too). */
function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '')
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'))
}

export function parseMarkdown(source: string): MarkdownBlock[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const blocks: MarkdownBlock[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]
    if (!line.trim()) {
      i++
      continue
    }
    if (line.startsWith('```')) {
      const code: string[] = []
      i++
      while (i < lines.length && !lines[i].startsWith('```')) code.push(lines[i++])
      i++
      blocks.push({ kind: 'code', text: code.join('\n') })
      continue
    }
    const heading = /^(#{1,3}) (.*)$/.exec(line)
    if (heading) {
      blocks.push({
        kind: 'heading',
        level: heading[1].length as 1 | 2 | 3,
        content: parseInline(heading[2].trim()),
      })
      i++
      continue
    }
    if (line.trim().startsWith('|') && /^\s*\|?[\s:|-]+\|?\s*$/.test(lines[i + 1] ?? '')) {
      const header = tableCells(line).map(parseInline)
      const rows: Inline[][][] = []
      i += 2
      while (i < lines.length && lines[i].trim().startsWith('|'))
        rows.push(tableCells(lines[i++]).map(parseInline))
      blocks.push({ kind: 'table', header, rows })
      continue
    }
    if (/^\s*- /.test(line)) {
      const items: string[] = []
      while (i < lines.length && lines[i].trim()) {
        if (/^\s*- /.test(lines[i])) items.push(lines[i].replace(/^\s*- /, ''))
        else items[items.length - 1] += ` ${lines[i].trim()}`
        i++
      }
      blocks.push({ kind: 'list', items: items.map(parseInline) })
      continue
    }
    const text: string[] = []
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^(#{1,3} |```|\s*- )/.test(lines[i]) &&
      !lines[i].trim().startsWith('|')
    )
      text.push(lines[i++].trim())
    blocks.push({ kind: 'paragraph', content: parseInline(text.join(' ')) })
  }
  return blocks
}
