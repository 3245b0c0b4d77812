import { beforeAll, describe, expect, it } from 'vitest'
import {
  classificationReportInput,
  regressionReportInput,
} from '../../../tests/fixtures/report/sampleReportInputs.ts'
import { escapeHtml, renderReportHtml, reportFigures } from './reportHtml.ts'

const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
])

/**
 * A basic well-formedness check: every non-void element is closed in order, attribute values are quoted,
 * and every `&` starts an entity. Returns the problems found (empty when well formed).
 */
function wellFormednessProblems(html: string): string[] {
  const problems: string[] = []
  if (!html.startsWith('<!doctype html>')) problems.push('missing doctype')
  const body = html.replace(/^<!doctype html>/, '').replace(/<style>[\s\S]*?<\/style>/g, '<style></style>')
  const stack: string[] = []
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*(\/?)>/g
  let last = 0
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    const between = body.slice(last, match.index)
    if (between.includes('<'))
      problems.push(`stray '<' before offset ${match.index}: ${between.slice(0, 60)}`)
    last = tag.lastIndex
    const [, closing, rawName, , selfClosing] = match
    const name = rawName.toLowerCase()
    if (closing) {
      const open = stack.pop()
      if (open !== name) {
        problems.push(`</${name}> closes <${open}> at offset ${match.index}`)
        break
      }
    } else if (!selfClosing && !VOID_ELEMENTS.has(name)) stack.push(name)
  }
  if (body.slice(last).includes('<')) problems.push('stray < after the last tag')
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`)
  const badAmpersand = body.match(/&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/)
  if (badAmpersand)
    problems.push(
      `bare & at ${badAmpersand.index}: ${body.slice(badAmpersand.index ?? 0, (badAmpersand.index ?? 0) + 30)}`,
    )
  return problems
}

/** The inner HTML of `<figure id="fig-{id}">`, or undefined. */
function figure(html: string, id: string): string | undefined {
  return html.match(new RegExp(`<figure id="fig-${id}">([\\s\\S]*?)</figure>`))?.[1]
}

function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/https?:\/\//i)
  expect(html).not.toMatch(/\ssrc\s*=/i)
  expect(html).not.toMatch(/\shref\s*=\s*"(?!#)/i)
  expect(html).not.toMatch(/<script|<link|<iframe|<img|@import/i)
  // Only same-document references (gradients, clip paths).
  expect(html).not.toMatch(/url\((?!#)/i)
}

describe('well-formedness checker', () => {
  it('finds unclosed tags, bad nesting and bare ampersands', () => {
    expect(wellFormednessProblems('<!doctype html><html><body><p>a &amp; b</p></body></html>')).toEqual([])
    expect(wellFormednessProblems('<!doctype html><html><p></html>')).not.toEqual([])
    expect(wellFormednessProblems('<!doctype html><div><span></div></span>')).not.toEqual([])
    expect(wellFormednessProblems('<!doctype html><p>a & b</p>')).not.toEqual([])
  })
})

describe('renderReportHtml: classification', () => {
  let html = ''
  beforeAll(() => {
    html = renderReportHtml(classificationReportInput())
  })

  it('is well-formed, self-contained HTML without scripts', () => {
    expect(wellFormednessProblems(html)).toEqual([])
    expectSelfContained(html)
    expect(html).toContain('<meta charset="utf-8">')
    expect(html).toContain('@media (prefers-color-scheme:dark)')
  })

  it('holds the lineage: run id, dataset name and SHA-256, snapshot hash, seed, backend, hook code hash', () => {
    const lineage = html.match(/<section id="lineage"[\s\S]*?<\/section>/)?.[0] ?? ''
    expect(lineage).toContain('run-cls-1')
    expect(lineage).toContain('penguins')
    expect(lineage).toContain('a'.repeat(64))
    expect(lineage).toContain('b'.repeat(64))
    expect(lineage).toContain('<dt>Seed</dt><dd><code>42</code>')
    expect(lineage).toContain('<dt>Backend</dt><dd>cpu')
    expect(lineage).toContain('Clip outliers')
    expect(lineage).toContain('c'.repeat(64))
  })

  it('holds the task, the metric tables, the confusion table and the leaderboard', () => {
    for (const id of ['task', 'metrics', 'per-class', 'confusion-table', 'leaderboard'])
      expect(html).toContain(`id="${id}"`)
    expect(html).toContain('<code>species</code>')
    expect(html).toMatch(
      /<th scope="row">Balanced accuracy <code>balanced_accuracy<\/code><\/th><td class="num">0\.\d+<\/td>/,
    )
    expect(html).toMatch(/<th scope="row">Chinstrap<\/th>(<td class="num">[\d.]+<\/td>){4}/)
    expect(html).toContain('<span class="badge">chosen</span>')
    expect(html).toContain('<code>accuracy</code> <span class="badge">selection metric</span>')
    // The unvalidated candidate's score (JSON null) shows as a dash.
    expect(html).toMatch(/mlp[\s\S]*?<td class="num">—<\/td>/)
    // Each validated candidate's spread, its interval, the tie with the chosen one and the choice rule.
    expect(html).toMatch(
      /logistic <span class="badge">tied with it<\/span><\/th>[\s\S]*?<td class="num">0\.9<\/td><td class="num">0\.0082<\/td><td class="num">0\.8746 – 0\.9254<\/td>/,
    )
    expect(html).not.toMatch(/gbdt <span class="badge">chosen<\/span> <span class="badge">tied/)
    expect(html).toContain(
      'Candidates compared on the validation folds; chosen: best mean over 3 validation folds; tied with it (corrected resampled t-test, 5%): logistic',
    )
  })

  it('draws every classification plot once as inline SVG, recoloured for the dark scheme by CSS', () => {
    const ids = [
      'confusion',
      'confusion-normalized',
      'roc',
      'precision-recall',
      'calibration',
      'training-curve',
      'importance',
      'permutation',
      'pdp-bill-length-mm',
      'pdp-flipper-length-mm',
      'shap-summary-adelie',
      'shap-summary-chinstrap',
      'shap-summary-gentoo',
      'row-explanation-1',
    ]
    const darkStyle = html.slice(
      html.indexOf('<style>@media screen and (prefers-color-scheme:dark){'),
      html.indexOf('</head>'),
    )
    expect(darkStyle.length).toBeGreaterThan(100)
    for (const id of ids) {
      const inner = figure(html, id)
      expect(inner, id).toBeDefined()
      expect(inner?.match(/<svg /g)?.length, id).toBe(1)
      expect(inner).toMatch(/class="chart" role="img" aria-label="[^"]+"/)
      // The figure's background and text get their dark colours on screen in the dark scheme.
      expect(darkStyle).toContain(`#fig-${id} [fill="#ffffff"]{fill:rgb(24,24,36)}`)
      expect(darkStyle).toContain(`#fig-${id} [fill="#1b1a26"]{fill:rgb(236,235,245)}`)
      expect(inner).toMatch(/<figcaption>[^<]+<\/figcaption>/)
    }
    expect(figure(html, 'roc')).toContain('AUC')
    expect(figure(html, 'residuals')).toBeUndefined()
  })

  it('escapes feature names in tables and charts', () => {
    expect(html).not.toContain('ratio <a&b>')
    expect(html).toContain('ratio &lt;a&amp;b&gt;')
  })
})

describe('renderReportHtml: regression', () => {
  let html = ''
  beforeAll(() => {
    html = renderReportHtml(regressionReportInput())
  })

  it('is well-formed and self-contained', () => {
    expect(wellFormednessProblems(html)).toEqual([])
    expectSelfContained(html)
  })

  it('holds the regression sections and plots, and none of the classification ones', () => {
    for (const id of ['lineage', 'task', 'metrics', 'leaderboard', 'evaluation-plots', 'explanation-plots'])
      expect(html).toContain(`id="${id}"`)
    for (const id of [
      'residuals',
      'predicted-vs-actual',
      'training-curve',
      'importance',
      'permutation',
      'pdp-bmi',
      'shap-summary',
      'row-explanation-1',
    ]) {
      expect(figure(html, id)?.match(/<svg /g)?.length, id).toBe(1)
    }
    for (const id of ['confusion', 'roc', 'calibration']) expect(figure(html, id), id).toBeUndefined()
    expect(html).not.toContain('id="per-class"')
    expect(html).toContain('No hooks')
    expect(html).toContain('d'.repeat(64))
    expect(html).toContain('Column “total” may leak the target')
  })
})

describe('reportFigures', () => {
  it('lists the regression figures in reading order, point clouds on canvas', () => {
    const { evaluation, explanation } = reportFigures(regressionReportInput())
    expect(evaluation.map((f) => [f.id, f.renderer])).toEqual([
      ['residuals', 'canvas'],
      ['predicted-vs-actual', 'canvas'],
      ['training-curve', 'svg'],
    ])
    expect(explanation.map((f) => f.id)).toEqual([
      'importance',
      'permutation',
      'pdp-bmi',
      'pdp-bp',
      'shap-summary',
      'row-explanation-1',
    ])
    expect(evaluation[0].build('dark').backgroundColor).toBe('#181824')
  })
})

describe('renderReportHtml: options', () => {
  it('renders one theme when asked, and the same input gives the same bytes', () => {
    const input = {
      ...regressionReportInput(),
      themes: ['dark' as const],
    }
    const first = renderReportHtml(input)
    expect(first).not.toContain('class="chart chart-light"')
    expect(first).not.toContain('class="chart chart-dark"')
    expect(figure(first, 'residuals')?.match(/<svg /g)?.length).toBe(1)
    // The beeswarm's colour bar is a gradient: its id must not depend on how many charts ran before.
    expect(figure(first, 'shap-summary')).toMatch(/url\(#shap-summary-dark-/)
    expect(renderReportHtml(input)).toBe(first)
  })

  it('works without an evaluation report (replaced by a hook) or plot data', () => {
    const input = regressionReportInput()
    const html = renderReportHtml({
      ...input,
      metrics: { ...input.metrics, report: undefined, trainingCurve: null, importances: null },
      plots: undefined,
      explanation: undefined,
      rowExplanations: undefined,
      themes: ['light'],
    })
    expect(wellFormednessProblems(html)).toEqual([])
    expect(html).toContain('replaced by a hook')
    expect(html).not.toContain('<svg')
  })

  it('shows hook metrics in their own table and says when a hook computed the test metrics (issue 14.6)', () => {
    const input = regressionReportInput()
    const plain = renderReportHtml({ ...input, themes: ['light'] })
    expect(plain).not.toContain('Hook metrics')
    expect(plain).not.toContain('computed by an override_evaluation hook')
    const html = renderReportHtml({
      ...input,
      metrics: { ...input.metrics, hookMetrics: { lift: 2.5, r2: 0.01 }, evaluatedByHook: true },
      themes: ['light'],
    })
    expect(wellFormednessProblems(html)).toEqual([])
    expect(html).toContain('Test-split metrics, computed by an override_evaluation hook, not by Butterfly')
    const hookTable = html.slice(
      html.indexOf('<h3 id="hook-metrics">'),
      html.indexOf('</table>', html.indexOf('<h3 id="hook-metrics">')),
    )
    expect(hookTable).toContain('<code>lift</code>')
    expect(hookTable).toContain('<code>r2</code>')
    // The engine's r2 is still the one in the main table.
    const mainTable = html.slice(html.indexOf('id="metrics-h"'), html.indexOf('<h3 id="hook-metrics">'))
    expect(mainTable).not.toContain('0.01')
  })

  it('escapeHtml escapes the five HTML special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  })
})
