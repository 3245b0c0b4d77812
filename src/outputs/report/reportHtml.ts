/**
 * The self-contained HTML metrics report of a run: one file with inline CSS and inline SVG charts
 * (ECharts server-side rendering), no scripts and no external references, so it opens offline, can be
 * mailed, and renders the same in any browser. Runs without a DOM (Node, Web Workers, the CLI).
 */
import { lowerIsBetter } from '../../domain/task.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import {
  type ChartOption,
  calibrationOption,
  chartTitle,
  confusionMatrixOption,
  featureImportanceOption,
  legendRoom,
  partialDependenceOption,
  permutationImportanceOption,
  precisionRecallOption,
  predictedVsActualOption,
  residualsOption,
  rocCurveOption,
  rowChartHeight,
  shapSummaryOption,
  shapWaterfallOption,
  trainingCurveOption,
} from './chartOptions.ts'
import { type ChartTheme, formatChartNumber as fmt } from './chartTheme.ts'
import { renderChartSvg } from './echartsRuntime.ts'
import { outOfBagNote, storedChoiceRule } from './leaderboardRule.ts'
import {
  type ReportInput,
  type RunMetricsJson,
  rowExplanationTitle,
  type StoredEvaluationReport,
  type StoredLeaderboardEntry,
} from './reportInput.ts'
import { darkSchemeRules } from './svgTheme.ts'

/** Width of every report chart in CSS pixels (they scale down with the page). */
const CHART_WIDTH = 760
const DEFAULT_CHART_HEIGHT = 420
/** Beeswarm points per feature in the report (the app's interactive chart may show more). */
const REPORT_SHAP_POINTS = 250
/** Outputs (classes) that get a SHAP beeswarm in the report. */
const MAX_SHAP_OUTPUTS = 5

/** One plot of a report (also drawn on the run page): how to build it, its height and its description. */
export interface ReportFigure {
  /** Stable id, unique within a report (`roc`, `pdp-age`, `shap-summary-adelie`…); the HTML anchor is `fig-{id}`. */
  id: string
  /** The option at a palette and the width it is drawn at (default: half a page, 460 px). */
  build: (theme: ChartTheme, width?: number) => ChartOption
  /** Height in CSS pixels, enough from half a page's width up (legends wrap onto fewer rows when wider). */
  height: number
  /** Wants the page's full width (a confusion matrix of many classes). */
  wide?: boolean
  /** Renderer for an interactive chart: 'canvas' for point clouds that can hold thousands of rows. */
  renderer: 'svg' | 'canvas'
  /** Short description for screen readers, next to the title. */
  description: string
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/**
 * Prepares ECharts' SVG for inline use:
 * - the namespace declarations (URLs the HTML parser does not need) go, so the file holds no http(s)
 *   reference at all;
 * - the hover-style block goes (a static page has no hover states, and ECharts 6 writes
 *   `fill:[object Object]` into it for gradient fills);
 * - zrender's per-process instance ids (`zr12-…`, used by gradient and clip-path ids) are renamed to
 *   `idPrefix`, so ids are unique within the page and the same input gives the same bytes.
 */
function inlineSvg(svg: string, idPrefix: string): string {
  return svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/<style\s*><!\[CDATA\[[\s\S]*?\]\]>\s*<\/style>/g, '')
    .replace(/\sclass="zr\d+-cls-\d+"/g, '')
    .replace(/\bzr\d+-/g, `${idPrefix}-`)
    .replace(
      /^<svg width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/,
      '<svg width="$1" height="$2" focusable="false"',
    )
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

/** The plots a report holds for its input, in reading order. */
export function reportFigures(input: ReportInput): {
  evaluation: ReportFigure[]
  explanation: ReportFigure[]
} {
  const evaluation: ReportFigure[] = []
  const explanation: ReportFigure[] = []
  const stored = input.metrics.report
  const plots = input.plots
  if (stored?.kind === 'classification') {
    const confusionInput = { classes: stored.classes, confusion: stored.confusion }
    const side = Math.max(DEFAULT_CHART_HEIGHT, 140 + stored.classes.length * 34)
    // Past a dozen classes half a page leaves cells too narrow for their numbers and names.
    const wide = stored.classes.length > 12
    evaluation.push({
      id: 'confusion',
      build: (theme, width) => confusionMatrixOption(confusionInput, { theme, width }),
      height: side,
      wide,
      renderer: 'svg',
      description: 'Heatmap of test-row counts by true class (rows) and predicted class (columns).',
    })
    evaluation.push({
      id: 'confusion-normalized',
      build: (theme, width) => confusionMatrixOption(confusionInput, { theme, width, normalized: true }),
      height: side,
      wide,
      renderer: 'svg',
      description: 'Heatmap of each true class’s rows by predicted class, as shares; recall on the diagonal.',
    })
  }
  if (plots?.kind === 'classification') {
    evaluation.push(
      {
        id: 'roc',
        build: (theme, width) => rocCurveOption(plots.roc, { theme, width }),
        height: DEFAULT_CHART_HEIGHT + legendRoom(rocCurveOption(plots.roc)),
        renderer: 'svg',
        description: `ROC curves: ${plots.roc.map((c) => `${c.label} AUC ${fmt(c.auc, 3)}`).join(', ')}.`,
      },
      {
        id: 'precision-recall',
        build: (theme, width) => precisionRecallOption(plots.precisionRecall, { theme, width }),
        height: DEFAULT_CHART_HEIGHT + legendRoom(precisionRecallOption(plots.precisionRecall)),
        renderer: 'svg',
        description: `Precision–recall curves: ${plots.precisionRecall.map((c) => `${c.label} AP ${fmt(c.averagePrecision, 3)}`).join(', ')}.`,
      },
      {
        id: 'calibration',
        build: (theme, width) => calibrationOption(plots.calibration, { theme, width }),
        height: DEFAULT_CHART_HEIGHT + legendRoom(calibrationOption(plots.calibration)),
        renderer: 'svg',
        description: 'Observed fraction of positives against mean predicted probability per bin.',
      },
    )
  }
  if (plots?.kind === 'regression') {
    evaluation.push(
      {
        id: 'residuals',
        build: (theme, width) => residualsOption(plots.residuals, { theme, width }),
        height: DEFAULT_CHART_HEIGHT,
        renderer: 'canvas',
        description: 'Scatter of residuals (actual minus predicted) against predicted values.',
      },
      {
        id: 'predicted-vs-actual',
        build: (theme, width) => predictedVsActualOption(plots.residuals, { theme, width }),
        height: DEFAULT_CHART_HEIGHT,
        renderer: 'canvas',
        description: 'Scatter of predicted against actual values with the identity line.',
      },
    )
  }
  const curve = input.metrics.trainingCurve
  if (curve && curve.train.length > 0) {
    evaluation.push({
      id: 'training-curve',
      build: (theme, width) => trainingCurveOption(curve, { theme, width }),
      height: 360,
      renderer: 'svg',
      description: `Training${curve.validation?.length ? ' and validation' : ''} ${curve.loss} per ${curve.unit}.`,
    })
  }
  const importances = input.metrics.importances
  if (importances && Object.keys(importances).length > 0) {
    const rows = Math.min(20, Object.keys(importances).length)
    explanation.push({
      id: 'importance',
      build: (theme, width) => featureImportanceOption(importances, { theme, width }),
      height: rowChartHeight(rows),
      renderer: 'svg',
      description: 'Horizontal bars of feature importance, largest first.',
    })
  }
  const ex = input.explanation
  if (ex?.permutation && ex.permutation.features.length > 0) {
    const permutation = ex.permutation
    explanation.push({
      id: 'permutation',
      build: (theme, width) => permutationImportanceOption(permutation, { theme, width }),
      height: rowChartHeight(Math.min(20, permutation.features.length)),
      renderer: 'svg',
      description: `Mean drop in ${metricLabel(permutation.metric)} when each feature is shuffled, with ± one standard deviation.`,
    })
  }
  if (ex?.partialDependence) {
    const { outputs } = ex.partialDependence
    for (const feature of ex.partialDependence.features) {
      explanation.push({
        id: `pdp-${slug(feature.feature) || feature.featureIndex}`,
        build: (theme, width) =>
          partialDependenceOption(feature, outputs, { theme, width, levels: input.levels, units: ex.units }),
        height: 340 + legendRoom(partialDependenceOption(feature, outputs)),
        renderer: 'svg',
        description: `Average model output as ${feature.feature} varies.`,
      })
    }
  }
  const shap = ex?.shap
  if (shap) {
    // A beeswarm per output, capped: each is the largest figure of the report (one SVG node per point).
    shap.summary.slice(0, MAX_SHAP_OUTPUTS).forEach((summary, o) => {
      if (summary.length === 0) return
      const outputName = shap.outputs.length > 1 ? shap.outputs[o] : undefined
      explanation.push({
        id: `shap-summary${outputName ? `-${slug(outputName) || o}` : ''}`,
        build: (theme, width) =>
          shapSummaryOption(summary, {
            theme,
            width,
            outputName,
            maxFeatures: 15,
            maxPointsPerFeature: REPORT_SHAP_POINTS,
          }),
        height: rowChartHeight(Math.min(15, summary.length)),
        renderer: 'svg',
        description: 'Beeswarm of SHAP values per feature; colour shows the feature value from low to high.',
      })
    })
  }
  for (const [k, row] of (input.rowExplanations ?? []).entries()) {
    explanation.push({
      id: `row-explanation-${k + 1}`,
      build: (theme, width) =>
        shapWaterfallOption(row.explanation, {
          theme,
          width,
          title: rowExplanationTitle(row),
          axisName: row.axisName,
        }),
      height: rowChartHeight(Math.min(11, row.explanation.contributions.length)),
      renderer: 'svg',
      description: `Feature contributions of ${row.label}, from the expected value to the prediction.`,
    })
  }
  return { evaluation, explanation }
}

/**
 * One figure, drawn once. With both schemes asked for, it is drawn in the light palette and
 * `darkRules` receives the CSS that recolours it for the dark one (see svgTheme.ts).
 */
function renderFigure(figure: ReportFigure, themes: ChartTheme[], darkRules: string[]): string {
  const size = { width: CHART_WIDTH, height: figure.height }
  const both = themes.includes('light') && themes.includes('dark')
  const theme = both ? 'light' : themes[0]
  const option = figure.build(theme, CHART_WIDTH)
  const title = chartTitle(option)
  const label = escapeHtml(`${title}. ${figure.description}`)
  const svg = inlineSvg(renderChartSvg(option, size, theme), `${figure.id}-${theme}`)
  if (both) darkRules.push(...darkSchemeRules(svg, `#fig-${figure.id}`))
  return `<figure id="fig-${escapeHtml(figure.id)}">\n<div class="chart" role="img" aria-label="${label}">${svg}</div>\n<figcaption>${escapeHtml(title)}</figcaption>\n</figure>`
}

function value(v: number | null | undefined): string {
  return escapeHtml(fmt(v))
}

function table(
  headers: string[],
  rows: string[][],
  options: { caption?: string; numericFrom?: number } = {},
): string {
  const numericFrom = options.numericFrom ?? 1
  const head = headers
    .map((h, i) => `<th scope="col"${i >= numericFrom ? ' class="num"' : ''}>${h}</th>`)
    .join('')
  const body = rows
    .map(
      (cells) =>
        `<tr>${cells.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`)).join('')}</tr>`,
    )
    .join('\n')
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : ''
  return `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`
}

function definitionList(entries: [string, string][]): string {
  return `<dl class="facts">${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`
}

function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`
}

function lineageSection(input: ReportInput): string {
  const { lineage } = input.metrics
  const dataset = input.dataset
  const entries: [string, string][] = [
    ['Run id', code(lineage.runId)],
    ['Dataset', escapeHtml(dataset.name)],
    ['Dataset SHA-256', code(dataset.sha256 ?? lineage.datasetHash)],
    ['Dataset id', code(lineage.datasetId)],
    ['Pipeline snapshot hash', code(lineage.snapshotHash)],
    ['Seed', code(String(lineage.seed))],
    ['Backend', escapeHtml(lineage.backend ?? 'not recorded')],
  ]
  if (dataset.rows !== undefined)
    entries.splice(2, 0, [
      'Dataset size',
      escapeHtml(
        `${dataset.rows} rows${dataset.columns !== undefined ? ` × ${dataset.columns} columns` : ''}`,
      ),
    ])
  const hooks =
    lineage.hooks.length === 0
      ? '<p class="muted">No hooks: the pipeline ran with built-in blocks only.</p>'
      : table(
          ['Hook', 'Kind', 'Code SHA-256'],
          lineage.hooks.map((h) => [escapeHtml(h.name), code(h.kind), code(h.codeHash)]),
          { caption: 'Hooks and the hashes of their code', numericFrom: 99 },
        )
  return `<section id="lineage" aria-labelledby="lineage-h"><h2 id="lineage-h">Lineage</h2>\n${definitionList(entries)}\n${hooks}\n</section>`
}

function taskSection(metrics: RunMetricsJson, input: ReportInput): string {
  const { task } = metrics
  const entries: [string, string][] = [
    ['Target', code(task.target)],
    ['Task type', escapeHtml(task.taskType)],
  ]
  if (task.positiveClass !== undefined) entries.push(['Positive class', escapeHtml(task.positiveClass)])
  entries.push(['Selection metric', `${escapeHtml(metricLabel(task.metric))} ${code(task.metric)}`])
  if (task.excludedColumns.length > 0)
    entries.push(['Excluded columns', task.excludedColumns.map((c) => code(c)).join(', ')])
  const model = input.run?.model
  if (model) {
    entries.push(['Model', escapeHtml(model.family)])
    entries.push(['Hyperparameters', code(JSON.stringify(model.hyperparameters))])
  }
  entries.push([
    'Timings',
    escapeHtml(
      `fit ${fmt(metrics.timings.fitSeconds, 3)} s · predict ${fmt(metrics.timings.predictSeconds, 3)} s · total ${fmt(metrics.timings.totalSeconds, 3)} s`,
    ),
  ])
  if (metrics.droppedRows > 0)
    entries.push(['Rows dropped (missing target)', escapeHtml(String(metrics.droppedRows))])
  const warnings =
    task.warnings.length > 0
      ? `<ul class="warnings">${task.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
      : ''
  return `<section id="task" aria-labelledby="task-h"><h2 id="task-h">Task</h2>\n${definitionList(entries)}${warnings}\n</section>`
}

function metricsSection(metrics: RunMetricsJson): string {
  const names = Object.keys(metrics.metrics).sort()
  const scalar = table(
    ['Metric', 'Value', 'Better'],
    names.map((name) => [
      `${escapeHtml(metricLabel(name))} ${code(name)}${name === metrics.task.metric ? ' <span class="badge">selection metric</span>' : ''}`,
      value(metrics.metrics[name]),
      lowerIsBetter.has(name) ? 'lower' : 'higher',
    ]),
    {
      caption: metrics.evaluatedByHook
        ? 'Test-split metrics, computed by an override_evaluation hook, not by Butterfly'
        : 'Test-split metrics',
      numericFrom: 1,
    },
  )
  // Hook metrics stay apart from the engine's, in their own labelled table.
  const hookNames = Object.keys(metrics.hookMetrics ?? {}).sort()
  const hookTable =
    hookNames.length === 0
      ? ''
      : `<h3 id="hook-metrics">Hook metrics</h3>\n${table(
          ['Metric', 'Value'],
          hookNames.map((name) => [code(name), value(metrics.hookMetrics?.[name] ?? null)]),
          {
            caption:
              "Custom metrics returned by the run's hooks (the test-split metrics above are Butterfly's)",
          },
        )}`
  const report: StoredEvaluationReport | null | undefined = metrics.report
  let perClass = ''
  let confusion = ''
  if (report?.kind === 'classification') {
    perClass = `<h3 id="per-class">Per class</h3>\n${table(
      ['Class', 'Precision', 'Recall', 'F1', 'Support'],
      report.perClass.map((c) => [
        escapeHtml(c.label),
        value(c.precision),
        value(c.recall),
        value(c.f1),
        value(c.support),
      ]),
      { caption: 'Precision, recall and F1 of each class on the test split' },
    )}`
    const totals = report.confusion.map((row) => row.reduce((a, b) => a + b, 0))
    confusion = `<h3 id="confusion-table">Confusion matrix</h3>\n${table(
      ['True \\ predicted', ...report.classes.map(escapeHtml), 'Total'],
      report.confusion.map((row, t) => [
        escapeHtml(report.classes[t]),
        ...row.map((c) => value(c)),
        value(totals[t]),
      ]),
      { caption: 'Rows are true classes, columns predicted classes (test rows)' },
    )}`
  } else if (!report) {
    perClass = '<p class="muted">The evaluation was replaced by a hook; only its metrics are shown.</p>'
  }
  return `<section id="metrics" aria-labelledby="metrics-h"><h2 id="metrics-h">Metrics</h2>\n${scalar}\n${hookTable}\n${perClass}\n${confusion}\n</section>`
}

function leaderboardSection(metrics: RunMetricsJson): string {
  if (metrics.leaderboard.length === 0) return ''
  const interval = (e: StoredLeaderboardEntry) =>
    e.interval ? `${fmt(e.interval.low, 4)} – ${fmt(e.interval.high, 4)}` : '—'
  const rows = metrics.leaderboard.map((e) => [
    `${escapeHtml(e.family)}${e.chosen ? ' <span class="badge">chosen</span>' : ''}${e.tiedWithBest ? ' <span class="badge">tied with it</span>' : ''}${e.note ? `<br><small>${escapeHtml(e.note)}</small>` : ''}${e.outOfBag ? `<br><small>${escapeHtml(outOfBagNote)}</small>` : ''}`,
    code(JSON.stringify(e.hyperparameters)),
    code(e.metric),
    value(e.validationScore),
    e.std === undefined ? '—' : value(e.std),
    escapeHtml(interval(e)),
    escapeHtml(e.foldScores.map((s) => fmt(s, 3)).join(', ') || '—'),
    value(e.fitSeconds),
  ])
  const rule = storedChoiceRule(metrics.leaderboard)
  return `<section id="leaderboard" aria-labelledby="leaderboard-h"><h2 id="leaderboard-h">Model selection</h2>\n${table(
    [
      'Model',
      'Hyperparameters',
      'Metric',
      'Validation score (mean)',
      'SD',
      '95% interval',
      'Fold scores',
      'Fit (s)',
    ],
    rows,
    {
      caption: `Candidates compared on the validation folds${rule ? `; chosen: ${rule}` : ''}`,
      numericFrom: 3,
    },
  )}\n</section>`
}

function figuresSection(
  id: string,
  heading: string,
  figures: ReportFigure[],
  themes: ChartTheme[],
  darkRules: string[],
): string {
  if (figures.length === 0) return ''
  const nav = `<nav aria-label="${escapeHtml(heading)} figures"><ul class="toc">${figures.map((f) => `<li><a href="#fig-${escapeHtml(f.id)}">${escapeHtml(chartTitle(f.build(themes[0])))}</a></li>`).join('')}</ul></nav>`
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${escapeHtml(heading)}</h2>\n${nav}\n${figures.map((f) => renderFigure(f, themes, darkRules)).join('\n')}\n</section>`
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f7f7fb;--surface:#fff;--surface-2:#f0eff7;--text:#1b1a26;--muted:#5d5b70;--border:#dcdae8;--accent:#6d28d9;--accent-soft:#ede9fe;--warn:#b54708;--warn-soft:#fef0c7}
@media (prefers-color-scheme:dark){:root{--bg:#0f0f17;--surface:#181824;--surface-2:#20202f;--text:#ecebf5;--muted:#a5a3b8;--border:#33324a;--accent:#a78bfa;--accent-soft:#2e2550;--warn:#fdb022;--warn-soft:#3b2a0a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:860px;margin:0 auto;padding:24px 20px 48px}
header{margin-bottom:8px}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-top:.4rem;border-top:1px solid var(--border)}h3{font-size:1rem;margin:1.2rem 0 .4rem}
a{color:var(--accent)}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;font-size:.9rem;background:var(--surface);border:1px solid var(--border);border-radius:8px}
caption{caption-side:top;text-align:left;color:var(--muted);font-size:.85rem;padding:0 0 4px}
th,td{padding:5px 10px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{background:var(--surface-2);font-weight:600}
tbody th{font-weight:500}
.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;font-size:.75rem;padding:0 6px;border-radius:999px;background:var(--accent-soft);color:var(--accent)}
.warnings{background:var(--warn-soft);color:var(--warn);border-radius:8px;padding:8px 12px 8px 28px}
.toc{display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:0 0 8px;list-style:none;font-size:.85rem}
figure{margin:16px 0;background:var(--surface);border:1px solid var(--border);border-radius:8px;padding:8px;break-inside:avoid}
figcaption{color:var(--muted);font-size:.85rem;text-align:center;padding-top:4px}
.chart svg{display:block;width:100%;height:auto}
footer{margin-top:32px;color:var(--muted);font-size:.8rem}
`

/**
 * Renders the complete report: lineage, task, metrics tables (scalar, per class, confusion), the
 * model-selection leaderboard, then every plot the input has data for, each as inline SVG in every
 * requested theme. The output has no scripts, no external URLs and no `src` attributes; the same input
 * gives the same bytes.
 */
export function renderReportHtml(input: ReportInput): string {
  const themes: ChartTheme[] = input.themes?.length ? [...new Set(input.themes)] : ['light', 'dark']
  const metrics = input.metrics
  const runName =
    input.run?.number !== undefined ? `Run #${input.run.number}` : `Run ${metrics.lineage.runId}`
  const heading = input.run?.experimentName ? `${input.run.experimentName} · ${runName}` : runName
  const title = `${heading} — Butterfly report`
  const { evaluation, explanation } = reportFigures(input)
  const created =
    input.run?.createdAt !== undefined
      ? `Run started ${new Date(input.run.createdAt).toISOString().replace('T', ' ').slice(0, 16)} UTC · `
      : ''
  const subtitle = `${escapeHtml(metrics.task.taskType)} on ${escapeHtml(input.dataset.name)} · target ${code(metrics.task.target)}`
  const truncation =
    explanation.length > 0 && input.explanation?.shap?.truncated
      ? '<p class="muted">SHAP stopped at its time budget: not every sampled row was explained.</p>'
      : ''
  // Figures first: drawing them collects the CSS that recolours them for the dark scheme (screen only,
  // so print keeps the light drawing).
  const darkRules: string[] = []
  const figureSections = [
    figuresSection('evaluation-plots', 'Evaluation plots', evaluation, themes, darkRules),
    figuresSection('explanation-plots', 'Explanations', explanation, themes, darkRules),
  ].join('\n')
  const darkStyle = darkRules.length
    ? `\n<style>@media screen and (prefers-color-scheme:dark){\n${darkRules.join('\n')}\n}</style>`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="Butterfly">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>${darkStyle}
</head>
<body>
<main>
<header>
<h1>${escapeHtml(heading)}</h1>
<p class="muted">${subtitle}</p>
</header>
${lineageSection(input)}
${taskSection(metrics, input)}
${metricsSection(metrics)}
${leaderboardSection(metrics)}
${figureSections}
${truncation}
<footer>${escapeHtml(created)}Generated by Butterfly${input.generatedAt ? ` on ${escapeHtml(input.generatedAt)}` : ''}. Self-contained: no scripts, no network.</footer>
</main>
</body>
</html>
`
}
