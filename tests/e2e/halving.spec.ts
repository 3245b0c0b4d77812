import { confirmNewExperiment, expect, openApp, test } from './fixtures.ts'

/** A step in x1 and a bump in x2 (trees fit it, a straight line does not), seeded noise. */
function stepCsv(rows: number): Buffer {
  let state = 12345
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state / 2 ** 32
  }
  const lines = ['x1,x2,y']
  for (let i = 0; i < rows; i++) {
    const x1 = next() * 10
    const x2 = next() * 10
    const y = (x1 > 5 ? 3 : 0) + (Math.abs(x2 - 5) < 1 ? 2 : 0) + 0.3 * (next() - 0.5)
    lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${y.toFixed(4)}`)
  }
  return Buffer.from(`${lines.join('\n')}\n`)
}

test('a large table: model selection races by successive halving, and the leaderboard and log say who stopped at the rung and why', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await openApp(page)
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: 'steps.csv', mimeType: 'text/csv', buffer: stepCsv(16_000) })
  await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
  await confirmNewExperiment(page)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 })

  // 16,000 rows: 12,800 training rows, of which a 20% hold-out leaves 10,240 to fit on.
  const log = page.getByRole('log', { name: 'Run log' })
  await expect(log).toContainText(
    /Successive halving \([\d,]+ fit rows ≥ 10,000\): each candidate first fitted on a seeded 25% of them/,
  )
  const leaderboard = page.getByRole('table', { name: 'Model selection' })
  const linear = leaderboard.getByRole('row', { name: /Linear/ })
  await expect(linear).toContainText('stopped after the successive-halving rung')
  await expect(linear).toContainText(/trails (gbdt|rf)'s 0\.\d{4} on the same rows/)
  await expect(linear).not.toContainText('✓ chosen')
  await linear.scrollIntoViewIfNeeded()
  await leaderboard.screenshot({ path: 'test-results/halving-leaderboard.png' })
})
