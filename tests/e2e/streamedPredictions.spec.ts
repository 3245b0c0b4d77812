import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { confirmNewExperiment, expect, openApp, test } from './fixtures.ts'

/**
 * `rows` rows: an order id, six numbers, a 4-level category and (for training) a binary target that
 * depends on two numbers and the category, with a little seeded noise.
 */
function ordersCsv(rows: number, options: { seed: number; target?: boolean; drop?: string }): Buffer {
  let state = options.seed
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const names = [
    'order_id',
    'f1',
    'f2',
    'f3',
    'f4',
    'f5',
    'f6',
    'shop',
    ...(options.target ? ['target'] : []),
  ]
  const keep = names.map((name) => name !== options.drop)
  const lines = [names.filter((_, i) => keep[i]).join(',')]
  for (let r = 0; r < rows; r++) {
    const f = Array.from({ length: 6 }, () => Math.round(random() * 1000) / 100)
    const shop = ['north', 'south', 'east', 'west'][Math.floor(random() * 4)]
    const score = f[0] - f[1] + (shop === 'north' ? 2 : 0) + (random() - 0.5) * 2
    const fields = [`O-${String(r).padStart(7, '0')}`, ...f.map(String), shop]
    if (options.target) fields.push(score > 0.5 ? 'yes' : 'no')
    lines.push(fields.filter((_, i) => keep[i]).join(','))
  }
  return Buffer.from(`${lines.join('\n')}\n`)
}

/** Trains gradient boosting on 3,000 orders and opens the finished run's page. */
async function trainedRun(page: Page) {
  await openApp(page)
  await page.getByLabel('Import a data file').setInputFiles({
    name: 'orders.csv',
    mimeType: 'text/csv',
    buffer: ordersCsv(3000, { seed: 7, target: true }),
  })
  await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
  // The suggested task: 'target', the last column, as a yes/no class.
  await confirmNewExperiment(page)
  const candidates = page.getByRole('group', { name: 'Candidate models' })
  await candidates.getByRole('checkbox', { name: 'Automatic choice' }).uncheck()
  for (const family of ['Logistic / softmax regression', 'Multilayer perceptron', 'Random forest'])
    await candidates.getByRole('checkbox', { name: family }).uncheck()
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
}

/** Predicts `file` in the run page's panel; waits for the status line. */
async function predictOn(page: Page, name: string, buffer: Buffer) {
  await page.getByLabel('Predict on a data file').setInputFiles({ name, mimeType: 'text/csv', buffer })
}

/** The first line where two texts differ (its number and both versions), or undefined when equal. */
function firstDifference(a: string, b: string): string | undefined {
  if (a === b) return undefined
  const [x, y] = [a.split('\n'), b.split('\n')]
  const i = x.findIndex((line, k) => line !== y[k])
  const at = i < 0 ? x.length : i
  return `line ${at + 1}: ${x[at]} ≠ ${y[at]} (${x.length} vs ${y.length} lines)`
}

async function downloadPredictions(page: Page): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download predictions' }).click(),
  ])
  expect(download.suggestedFilename()).toBe('new-orders-predictions.csv')
  return readFile(await download.path(), 'utf8')
}

test('predictions on a file past the streaming threshold stream to a file on disk with progress, ETA and Cancel, equal the whole-table path byte for byte, and agree with the CLI (screenshots)', async ({
  page,
}) => {
  test.setTimeout(500_000)
  await trainedRun(page)
  const panel = page.getByRole('region', { name: 'Predict on new data' })
  const fresh = ordersCsv(30_000, { seed: 99 })

  // Under the threshold (the default 64M cells): the table is held whole, as before.
  await predictOn(page, 'new-orders.csv', fresh)
  await expect(panel.getByRole('status')).toHaveText('Predicted 30,000 rows of new-orders.csv.', {
    timeout: 120_000,
  })
  const whole = await downloadPredictions(page)

  // Past a lowered threshold (30,000 rows × 8 columns = 240,000 cells > 100,000): streamed in chunks.
  await page.goBack()
  await page.getByText('Run settings').click()
  const threshold = page.getByLabel('Stream tables larger than (cells)')
  await threshold.fill('100000')
  await threshold.press('Enter')
  await threshold.blur()
  await page.goForward()
  await predictOn(page, 'new-orders.csv', fresh)
  await expect(panel.getByRole('status')).toHaveText('Predicted 30,000 rows of new-orders.csv.', {
    timeout: 120_000,
  })
  const preview = panel.getByRole('table', { name: 'Predictions preview' })
  await expect(preview.getByRole('columnheader')).toHaveText([
    'order_id',
    'row',
    'predicted',
    'proba_no',
    'proba_yes',
  ])
  await expect(preview.getByRole('row')).toHaveCount(11)
  await expect(preview.getByRole('row').nth(1).getByRole('cell').first()).toHaveText('O-0000000')
  await expect(preview.getByRole('row').nth(10).getByRole('cell')).toHaveCount(5)
  await expect(preview.getByRole('row').nth(10).getByRole('cell').nth(1)).toHaveText('9')
  await panel.screenshot({ path: 'test-results/streamed-predictions-done.png' })
  const streamed = await downloadPredictions(page)
  const lines = streamed.trim().split('\n')
  expect(lines).toHaveLength(30_001)
  expect(lines[0]).toBe('order_id,row,predicted,proba_no,proba_yes')
  expect(lines[30_000].startsWith('O-0029999,29999,')).toBe(true)
  // Compared line by line: a failing toBe on two 2 MB strings would spend minutes on its diff.
  expect(firstDifference(streamed, whole)).toBeUndefined()

  // The headless CLI, streaming the same file with the same model package, writes the same rows, keys
  // and classes; probabilities agree to the last bits (Node's and Chromium's floating point may differ there).
  const dir = await mkdtemp(join(tmpdir(), 'butterfly-streamed-predict-'))
  const [packageDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download model-package.json' }).click(),
  ])
  await writeFile(join(dir, 'model-package.json'), await readFile(await packageDownload.path()))
  await writeFile(join(dir, 'new-orders.csv'), fresh)
  const cli = spawnSync(
    process.execPath,
    ['src/cli/bin.mjs', 'predict', '--model', join(dir, 'model-package.json')].concat([
      '--data',
      join(dir, 'new-orders.csv'),
      '--out',
      join(dir, 'cli.csv'),
    ]),
    { encoding: 'utf8', timeout: 300_000 },
  )
  expect(cli.status, cli.stdout + cli.stderr).toBe(0)
  expect(cli.stdout + cli.stderr).toContain('streaming new-orders.csv: 30000 rows × 8 columns')
  const cliLines = (await readFile(join(dir, 'cli.csv'), 'utf8')).trim().split('\n')
  expect(cliLines).toHaveLength(lines.length)
  // Plain checks in the loop, one expect after it (an expect per line costs seconds per thousand).
  const disagreements = lines.filter((line, i) => {
    const [tab, node] = [line.split(','), cliLines[i].split(',')]
    if (node.slice(0, 3).join() !== tab.slice(0, 3).join()) return true
    return i > 0 && [3, 4].some((j) => !(Math.abs(Number(node[j]) - Number(tab[j])) < 1e-12))
  })
  expect(disagreements).toEqual([])

  // A larger file shows rows done, the time left and Cancel; cancelled, nothing is offered.
  await predictOn(page, 'big-orders.csv', ordersCsv(400_000, { seed: 5 }))
  await expect(panel.getByTestId('predict-progress')).toContainText(
    / of 400,000 rows · about \d+ (s|min \d+ s) left/,
    {
      timeout: 120_000,
    },
  )
  await panel.screenshot({ path: 'test-results/streamed-predictions-progress.png' })
  await panel.getByRole('button', { name: 'Cancel' }).click()
  await expect(panel.getByRole('status')).toHaveText('Prediction cancelled: nothing was written.')
  await expect(panel.getByRole('button', { name: 'Download predictions' })).toHaveCount(0)
  await expect(panel.getByRole('progressbar')).toHaveCount(0)

  // Bad input still gets a sentence: a missing column, and rows that do not match the header.
  await predictOn(page, 'no-f6.csv', ordersCsv(30_000, { seed: 3, drop: 'f6' }))
  await expect(panel.getByRole('alert')).toHaveText('Could not predict: Missing columns: f6')
  const ragged = Buffer.concat([ordersCsv(30_000, { seed: 4 }), Buffer.from('O-x,1,2\n')])
  await predictOn(page, 'ragged.csv', ragged)
  await expect(panel.getByRole('alert')).toContainText(
    'Could not predict: Line 30002 has 3 fields but the header has 8',
  )
  await panel.screenshot({ path: 'test-results/streamed-predictions-error.png' })
})
