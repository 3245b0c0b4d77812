import { describe, expect, it } from 'vitest'
import { hookApiOverview, hookReturnDoc } from '../engine/hooks/hookApi.ts'
import { parseInline, parseMarkdown } from './markdown.ts'

describe('parseInline', () => {
  it('splits code spans and bold, leaving other characters as text', () => {
    expect(parseInline('Returns `{ data?: {...} }`. **`NaN` for a missing value**; 2 * 3')).toEqual([
      { kind: 'text', text: 'Returns ' },
      { kind: 'code', text: '{ data?: {...} }' },
      { kind: 'text', text: '. ' },
      { kind: 'code', text: 'NaN' },
      { kind: 'strong', text: ' for a missing value' },
      { kind: 'text', text: '; 2 * 3' },
    ])
    expect(parseInline('<img src=x onerror=alert(1)>')).toEqual([
      { kind: 'text', text: '<img src=x onerror=alert(1)>' },
    ])
  })
})

describe('parseMarkdown', () => {
  it('reads headings, paragraphs joined across lines, lists, fenced code and tables with escaped bars', () => {
    const blocks = parseMarkdown(
      '# Title\n\nOne\nline.\n\n- a\n- b `c`\n\n```\nx = 1\n```\n\n| field | what |\n|---|---|\n| `ctx.data` | `(string \\| null)[]` |\n',
    )
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, content: [{ kind: 'text', text: 'Title' }] },
      { kind: 'paragraph', content: [{ kind: 'text', text: 'One line.' }] },
      {
        kind: 'list',
        items: [
          [{ kind: 'text', text: 'a' }],
          [
            { kind: 'text', text: 'b ' },
            { kind: 'code', text: 'c' },
          ],
        ],
      },
      { kind: 'code', text: 'x = 1' },
      {
        kind: 'table',
        header: [[{ kind: 'text', text: 'field' }], [{ kind: 'text', text: 'what' }]],
        rows: [[[{ kind: 'code', text: 'ctx.data' }], [{ kind: 'code', text: '(string | null)[]' }]]],
      },
    ])
  })

  it('leaves no Markdown syntax in the text of the hook API help', () => {
    const blocks = [
      ...parseMarkdown(hookApiOverview),
      ...parseMarkdown(hookReturnDoc('before_preprocessing')),
    ]
    expect(blocks.filter((b) => b.kind === 'table')).toHaveLength(1)
    expect(blocks.filter((b) => b.kind === 'heading').map((b) => b.kind === 'heading' && b.level)).toEqual([
      1, 2, 2, 2, 2,
    ])
    const texts = JSON.stringify(blocks)
      .match(/"kind":"(text|strong)","text":"[^"]*"/g)!
      .join('\n')
    expect(texts).not.toMatch(/`|\*\*|^#|\|---/m)
  })
})
