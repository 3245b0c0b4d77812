/**
 * The plots of a completed run, drawn from its report-data artifact with the same figure list as its
 * HTML report, plus a per-row SHAP explanation of any explained test row the user picks.
 */
import { createMemo, createSignal, For, Show } from 'solid-js'
import type { ShapExplanation } from '../../engine/explain/explainModel.ts'
import { rowChartHeight, shapSummaryOption, shapWaterfallOption } from '../../outputs/report/chartOptions.ts'
import { reportFigures } from '../../outputs/report/reportHtml.ts'
import type { ReportExplanation, ReportInput } from '../../outputs/report/reportInput.ts'
import {
  explainedRowLabel,
  rowExplanationsFromShap,
  rowExplanationTitle,
  shapLeaningOutput,
} from '../../outputs/report/reportInput.ts'
import { Chart } from '../charts/Chart.tsx'

export function RunPlots(props: { input: ReportInput }) {
  const figures = createMemo(() => reportFigures(props.input))
  // Row explanations and SHAP beeswarms are drawn below with their own row and class selectors.
  const explanation = () =>
    figures().explanation.filter(
      (f) => !f.id.startsWith('row-explanation') && !f.id.startsWith('shap-summary'),
    )
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
                class={figure.wide ? 'chart-wide' : undefined}
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
                <Chart
                  option={figure.build}
                  height={figure.height}
                  description={figure.description}
                  class={figure.wide ? 'chart-wide' : undefined}
                />
              )}
            </For>
          </div>
          <Show when={props.input.explanation?.shap}>{(shap) => <ShapSummary shap={shap()} />}</Show>
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

/** The SHAP beeswarm of one output, with a selector over every class of a multiclass model. */
function ShapSummary(props: { shap: ShapExplanation }) {
  const [output, setOutput] = createSignal(0)
  const summary = () => props.shap.summary[output()] ?? []
  const outputName = () => (props.shap.outputs.length > 1 ? props.shap.outputs[output()] : undefined)
  return (
    <Show when={props.shap.summary.some((s) => s.length > 0)}>
      <div class="shap-summary">
        <Show when={props.shap.outputs.length > 1}>
          <label for="shap-class">SHAP summary for class</label>{' '}
          <select id="shap-class" value={output()} onChange={(e) => setOutput(Number(e.currentTarget.value))}>
            <For each={props.shap.outputs}>{(name, o) => <option value={o()}>{name}</option>}</For>
          </select>
        </Show>
        <Chart
          option={(theme, width) =>
            shapSummaryOption(summary(), {
              theme,
              width,
              maxFeatures: 15,
              ...(outputName()
                ? { outputName: outputName(), title: `SHAP summary · class ${outputName()}` }
                : {}),
            })
          }
          height={rowChartHeight(Math.min(15, summary().length))}
          description="Beeswarm of SHAP values per feature; colour shows the feature value from low to high."
        />
      </div>
    </Show>
  )
}

function RowExplanation(props: { explanation: ReportExplanation; featureNames: string[] }) {
  const shap = () => props.explanation.shap!
  const [position, setPosition] = createSignal(0)
  // undefined: the output the model leans to for this row (its predicted class, or the only output).
  const [chosenOutput, setChosenOutput] = createSignal<number>()
  const leaning = createMemo(() => shapLeaningOutput(shap(), position()))
  const output = () => chosenOutput() ?? leaning()
  const row = createMemo(
    () =>
      rowExplanationsFromShap(
        shap(),
        props.explanation.featureNames ?? props.featureNames,
        [position()],
        output(),
        props.explanation.units,
      )[0],
  )
  return (
    <div class="row-explanation">
      <label for="explain-row">Explain row</label>{' '}
      <select
        id="explain-row"
        value={position()}
        onChange={(e) => {
          setPosition(Number(e.currentTarget.value))
          setChosenOutput(undefined)
        }}
      >
        <For each={shap().rowIndex}>
          {(_, i) => <option value={i()}>{explainedRowLabel(shap(), i())}</option>}
        </For>
      </select>
      <Show when={shap().outputs.length > 1}>
        {' '}
        <label for="explain-class">for class</label>{' '}
        <select
          id="explain-class"
          value={output()}
          onChange={(e) => setChosenOutput(Number(e.currentTarget.value))}
        >
          <For each={shap().outputs}>
            {(name, o) => (
              <option value={o()}>
                {o() === leaning() ? `${name} (the class the model leans to)` : name}
              </option>
            )}
          </For>
        </select>
      </Show>
      <Show when={row()}>
        {(r) => (
          <Chart
            option={(theme, width) =>
              shapWaterfallOption(r().explanation, {
                theme,
                width,
                title: rowExplanationTitle(r()),
                axisName: r().axisName,
              })
            }
            height={rowChartHeight(Math.min(11, r().explanation.contributions.length))}
            description={`Feature contributions of ${r().label}${r().outputName && r().outputName !== 'prediction' ? ` to class ${r().outputName}` : ''}, from the expected value to the prediction.`}
          />
        )}
      </Show>
    </div>
  )
}
