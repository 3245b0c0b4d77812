/**
 * Writes the sample classification and regression reports to a folder (default `report-sample/`) so
 * the HTML and its charts can be looked at: `npx tsx scripts/render-report-sample.ts [outDir]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderReportHtml } from '../src/outputs/report/reportHtml.ts'
import {
  classificationReportInput,
  regressionReportInput,
} from '../tests/fixtures/report/sampleReportInputs.ts'

const outDir = process.argv[2] ?? 'report-sample'
mkdirSync(outDir, { recursive: true })
for (const [name, input] of [
  ['classification', classificationReportInput()],
  ['regression', regressionReportInput()],
] as const) {
  const started = performance.now()
  const html = renderReportHtml(input)
  const ms = performance.now() - started
  const file = join(outDir, `${name}-report.html`)
  writeFileSync(file, html)
  console.log(JSON.stringify({ report: name, file, bytes: html.length, renderMs: Math.round(ms) }))
}
