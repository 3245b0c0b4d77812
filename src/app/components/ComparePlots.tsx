/** Overlaid ROC curves (classification, per chosen class) or residual clouds (regression) of several runs. */
import { createResource, createSignal, For, Show } from 'solid-js'
import type { Run } from '../../domain/run.ts'
import { legendRoom, residualOverlayOption, rocOverlayOption } from '../../outputs/report/chartOptions.ts'
import type { ChartTheme } from '../../outputs/report/chartTheme.ts'
import type { ReportInput } from '../../outputs/report/reportInput.ts'
import { Chart } from '../charts/Chart.tsx'
import { modelLabel } from '../modelCatalog.ts'
import { readArtifactJson } from '../services/artifacts.ts'
import { db } from '../services/db.ts'

async function loadReportData(runs: Run[]): Promise<{ run: Run; input: ReportInput }[]> {
  const out: { run: Run; input: ReportInput }[] = []
  for (const run of runs) {
    const artifact = await db.artifacts
      .where('runId')
      .equals(run.id)
      .filter((a) => a.fileName === 'report-data.json')
      .first()
    if (artifact) out.push({ run, input: await readArtifactJson<ReportInput>(artifact) })
  }
  return out
}

export function ComparePlots(props: { runs: Run[]; runName?: (run: Run) => string }) {
  const [data] = createResource(() => props.runs, loadReportData)
  const [classIndex, setClassIndex] = createSignal(0)
  const name = (run: Run) =>
    `${props.runName?.(run) ?? `Run ${run.number}`}${run.model ? ` · ${modelLabel(run.model.family)}` : ''}`
  const classification = () => (data() ?? []).filter((d) => d.input.plots?.kind === 'classification')
  const regression = () => (data() ?? []).filter((d) => d.input.plots?.kind === 'regression')
  const labels = () => {
    const first = classification()[0]?.input.plots
    return first?.kind === 'classification' ? first.roc.map((c) => c.label) : []
  }
  // One legend entry per run, wrapped onto rows: each chart grows by the rows it needs at half a page.
  const rocOption = (theme: ChartTheme, width?: number) =>
    rocOverlayOption(
      classification().flatMap((d) => {
        const plots = d.input.plots
        if (plots?.kind !== 'classification') return []
        const curve = plots.roc[Math.min(classIndex(), plots.roc.length - 1)]
        return curve ? [{ name: name(d.run), curve }] : []
      }),
      { theme, width },
    )
  const residualOption = (theme: ChartTheme, width?: number) =>
    residualOverlayOption(
      regression().flatMap((d) =>
        d.input.plots?.kind === 'regression' ? [{ name: name(d.run), curve: d.input.plots.residuals }] : [],
      ),
      { theme, width },
    )
  return (
    <section aria-labelledby="compare-plots-title">
      <h2 id="compare-plots-title">Plots</h2>
      <Show when={classification().length >= 2}>
        <Show when={labels().length > 1}>
          <label for="compare-class">ROC curve of class</label>{' '}
          <select
            id="compare-class"
            value={classIndex()}
            onChange={(e) => setClassIndex(Number(e.currentTarget.value))}
          >
            <For each={labels()}>{(label, i) => <option value={i()}>{label}</option>}</For>
          </select>
        </Show>
        <Chart
          option={rocOption}
          height={360 + legendRoom(rocOption('light'))}
          description="ROC curves of the compared runs, one line per run."
        />
      </Show>
      <Show when={regression().length >= 2}>
        <Chart
          renderer="canvas"
          option={residualOption}
          height={360 + legendRoom(residualOption('light'))}
          description="Residuals against predictions of the compared runs, one colour per run."
        />
      </Show>
      <Show when={data() && classification().length < 2 && regression().length < 2}>
        <p class="muted">Overlaid plots need two completed runs of the same task with test predictions.</p>
      </Show>
    </section>
  )
}
