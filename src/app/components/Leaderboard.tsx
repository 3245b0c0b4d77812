/**
 * The run page's model-selection table: per candidate the mean validation score ± its standard deviation, the 95%
 * interval of the mean, its fit time, and whether it is the chosen model or statistically tied with it, with the
 * choice rule written under the table (issue 15's honest leaderboard). Runs stored before the intervals existed
 * show their means alone and no rule.
 */
import { For, Show } from 'solid-js'
import { metricLabel } from '../../engine/metrics/metricInfo.ts'
import { outOfBagNote, storedChoiceRule } from '../../outputs/report/leaderboardRule.ts'
import type { StoredLeaderboardEntry } from '../../outputs/report/reportInput.ts'
import { formatDuration, formatNumber } from '../format.ts'
import { modelLabel } from '../modelCatalog.ts'

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

export function Leaderboard(props: { entries: StoredLeaderboardEntry[] }) {
  const withIntervals = () => props.entries.some((e) => e.interval)
  const rule = () => storedChoiceRule(props.entries, modelLabel)
  return (
    <section aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">Model selection</h2>
      <table
        class="data-table leaderboard"
        aria-labelledby="leaderboard-title"
        aria-describedby="leaderboard-rule"
      >
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" class="num">
              Validation {metricLabel(props.entries[0].metric)}
              <Show when={withIntervals()}> (mean ± SD)</Show>
            </th>
            <Show when={withIntervals()}>
              <th scope="col" class="num">
                95% interval
              </th>
            </Show>
            <th scope="col" class="num">
              Fit time
            </th>
            <th scope="col">Chosen</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.entries}>
            {(entry) => (
              <tr classList={{ selected: entry.chosen }}>
                <th scope="row">
                  {modelLabel(entry.family)}
                  <Show when={entry.note}>
                    <div class="muted small">{entry.note}</div>
                  </Show>
                  <Show when={entry.outOfBag}>
                    <div class="muted small">{outOfBagNote}</div>
                  </Show>
                </th>
                <Show
                  when={finite(entry.validationScore)}
                  fallback={
                    <td colSpan={withIntervals() ? 3 : 2} class="muted">
                      {props.entries.length === 1
                        ? 'Not validated: it was the only candidate'
                        : 'no validation score'}
                    </td>
                  }
                >
                  <td class="num">
                    {formatNumber(entry.validationScore)}
                    <Show when={finite(entry.std)}> ± {formatNumber(entry.std)}</Show>
                  </td>
                  <Show when={withIntervals()}>
                    <td class="num">
                      {entry.interval && finite(entry.interval.low) && finite(entry.interval.high)
                        ? `${formatNumber(entry.interval.low)} – ${formatNumber(entry.interval.high)}`
                        : '—'}
                    </td>
                  </Show>
                  <td class="num">{formatDuration(entry.fitSeconds * 1000)}</td>
                </Show>
                <td>
                  {entry.chosen ? (
                    '✓ chosen'
                  ) : entry.tiedWithBest ? (
                    <span title="Not significantly worse than the chosen model (corrected resampled t-test, 5%)">
                      tied with it
                    </span>
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <Show when={rule()}>
        <p id="leaderboard-rule" class="muted small">
          Chosen: {rule()}.
        </p>
      </Show>
    </section>
  )
}
