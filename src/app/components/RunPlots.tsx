/**
 * The plots of a completed run, drawn from its report-data artifact with the same figure list as its
 * HTML report, plus a per-row SHAP explanation of any explained test row the user picks.
 */
import { createMemo, createSignal, For, Show } from 'solid-js'
import { rowChartHeight, shapWaterfallOption } from '../../outputs/report/chartOptions.ts'
import { reportFigures } from '../../outputs/report/reportHtml.ts'
import type { ReportExplanation, ReportInput } from '../../outputs/report/reportInput.ts'
import { rowExplanationsFromShap, shapLeaningOutput } from '../../outputs/report/reportInput.ts'
import { Chart } from '../charts/Chart.tsx'

export function RunPlots(props: { input: ReportInput }) {
  const figures = createMemo(() => reportFigures(props.input))
  const explanation = () => figures().explanation.filter((f) => !f.id.startsWith('row-explanation'))
  return (
    <>
      <section aria-labelledby="plots-title">
        <h2 id="plots-title">Evaluation plots</h2>
        <div class="grid-2">
          <For each={figures().evaluation}>
            {(figure) => (
              <Chart
                option={figure.build}
                height={figure.height}
                description={figure.description}
                renderer={
                  figure.id.startsWith('resid') || figure.id.startsWith('predicted') ? 'canvas' : 'svg'
                }
              />
            )}
          </For>
        </div>
      </section>
      <Show when={explanation().length > 0}>
        <section aria-labelledby="explain-title">
          <h2 id="explain-title">Explanations</h2>
          <div class="grid-2">
            <For each={explanation()}>
              {(figure) => (
                <Chart option={figure.build} height={figure.height} description={figure.description} />
              )}
            </For>
          </div>
          <Show when={props.input.explanation?.shap}>
            {(_) => (
              <RowExplanation
                explanation={props.input.explanation!}
                featureNames={props.input.metrics.featureNames}
              />
            )}
          </Show>
        </section>
      </Show>
    </>
  )
}

function RowExplanation(props: { explanation: ReportExplanation; featureNames: string[] }) {
  const shap = () => props.explanation.shap!
  const [position, setPosition] = createSignal(0)
  // Explain the output the model leans to for this row (its predicted class, or the only output).
  const row = createMemo(
    () =>
      rowExplanationsFromShap(
        shap(),
        props.explanation.featureNames ?? props.featureNames,
        [position()],
        shapLeaningOutput(shap(), position()),
      )[0],
  )
  return (
    <div class="row-explanation">
      <label for="explain-row">Explain test row</label>{' '}
      <select
        id="explain-row"
        value={position()}
        onChange={(e) => setPosition(Number(e.currentTarget.value))}
      >
        <For each={shap().rowIndex}>{(rowIndex, i) => <option value={i()}>Test row {rowIndex}</option>}</For>
      </select>
      <Show when={row()}>
        {(r) => (
          <Chart
            option={(theme) =>
              shapWaterfallOption(r().explanation, {
                theme,
                title: `Why this prediction: ${r().label}`,
                outputName: r().outputName,
              })
            }
            height={rowChartHeight(Math.min(11, r().explanation.contributions.length))}
            description={`Feature contributions of ${r().label}, from the expected value to the prediction.`}
          />
        )}
      </Show>
    </div>
  )
}
