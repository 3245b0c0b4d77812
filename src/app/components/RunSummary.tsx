/**
 * The top of a finished run's page: how good the model is compared to what (the optimised metric beside
 * the feature-blind baseline), which model was chosen, how long it took, on how much data, what went
 * wrong on the way, and links to the page's sections.
 */
import { For, Show } from 'solid-js'
import type { Run } from '../../domain/run.ts'
import { lowerIsBetter } from '../../domain/task.ts'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import type { ReportInput, RunMetricsJson } from '../../outputs/report/reportInput.ts'
import { formatCount, formatDuration, formatNumber } from '../format.ts'
import { modelLabel } from '../modelCatalog.ts'

/** A section of the run page the summary links to. */
export interface RunSection {
  /** Id of the section's heading. */
  id: string
  label: string
}

export function RunSummary(props: {
  run: Run
  report: RunMetricsJson | undefined
  plotData: ReportInput | undefined
  sections: RunSection[]
}) {
  const task = () => props.report?.task ?? props.run.snapshot.task
  const metric = () => task().metric
  const value = () => props.run.metrics?.[metric()]
  const baselineValue = () => props.plotData?.baseline?.metrics[metric()] ?? undefined
  const verdict = () => {
    const v = value()
    const b = baselineValue()
    if (v === undefined || b === undefined || b === null || !Number.isFinite(v)) return undefined
    if (v === b) return 'same as the baseline'
    const better = lowerIsBetter.has(metric()) ? v < b : v > b
    return better ? 'better than the baseline' : 'worse than the baseline'
  }
  const rows = () => props.plotData?.dataset.rows
  const columns = () => props.plotData?.dataset.columns
  const warnings = () => [
    ...task().warnings,
    ...(props.report?.droppedRows
      ? [`${formatCount(props.report.droppedRows)} rows left out because their target is missing.`]
      : []),
    ...props.run.logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message),
  ]
  const scrollTo = (event: MouseEvent, id: string) => {
    event.preventDefault()
    const heading = document.getElementById(id)
    if (!heading) return
    heading.scrollIntoView({ block: 'start' })
    heading.setAttribute('tabindex', '-1')
    heading.focus({ preventScroll: true })
  }

  return (
    <section aria-labelledby="summary-title" class="run-summary">
      <h2 id="summary-title">Summary</h2>
      <dl class="facts" aria-labelledby="summary-title">
        <div>
          <dt>Optimised metric</dt>
          <dd>
            {metricLabel(metric())} <strong data-testid="summary-metric">{formatNumber(value())}</strong>
            <Show when={verdict()}>
              {(v) => (
                <span
                  class={`verdict ${v().startsWith('better') ? 'better' : v().startsWith('worse') ? 'worse' : ''}`}
                >
                  {' '}
                  {v()}
                </span>
              )}
            </Show>
          </dd>
        </div>
        <Show when={props.plotData?.baseline}>
          {(baseline) => (
            <div>
              <dt>Baseline</dt>
              <dd>
                <strong data-testid="summary-baseline">{formatNumber(baselineValue())}</strong>{' '}
                <span class="muted small">{baseline().description}</span>
              </dd>
            </div>
          )}
        </Show>
        <div>
          <dt>Chosen model</dt>
          <dd>{props.run.model ? modelLabel(props.run.model.family) : '—'}</dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{props.run.endedAt ? formatDuration(props.run.endedAt - props.run.startedAt) : '—'}</dd>
        </div>
        <div>
          <dt>Data</dt>
          <dd>
            <Show when={rows() !== undefined} fallback="—">
              {formatCount(rows() ?? 0)} rows
              <Show when={columns() !== undefined}> × {formatCount(columns() ?? 0)} columns</Show>
            </Show>
          </dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>
            {task().target} <span class="muted small">({task().taskType})</span>
          </dd>
        </div>
      </dl>
      <Show
        when={warnings().length > 0}
        fallback={
          <p class="muted small" data-testid="summary-warnings">
            No warnings.
          </p>
        }
      >
        <div class="notice" data-testid="summary-warnings">
          <strong>
            {warnings().length} warning{warnings().length === 1 ? '' : 's'}
          </strong>
          <ul>
            <For each={warnings()}>{(warning) => <li>{warning}</li>}</For>
          </ul>
        </div>
      </Show>
      <nav aria-label="Run sections" class="section-nav">
        <For each={props.sections}>
          {(section) => (
            <a class="chip" href={`#${section.id}`} onClick={(e) => scrollTo(e, section.id)}>
              {section.label}
            </a>
          )}
        </For>
      </nav>
    </section>
  )
}
