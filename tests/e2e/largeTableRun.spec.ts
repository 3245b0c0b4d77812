import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, openApp, test } from './fixtures.ts'

/**
 * 30,000 rows × 8 columns (240,000 cells): six numbers, a 4-level category and a binary target that
 * depends on two of the numbers and the category, with a little seeded noise.
 */
function tableCsv(rows = 30_000): Buffer {
  let state = 12345
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const lines = ['f1,f2,f3,f4,f5,f6,shop,target']
  for (let r = 0; r < rows; r++) {
    const f = Array.from({ length: 6 }, () => Math.round(random() * 1000) / 100)
    const shop = ['north', 'south', 'east', 'west'][Math.floor(random() * 4)]
    const score = f[0] - f[1] + (shop === 'north' ? 2 : 0) + (random() - 0.5) * 2
    lines.push(`${f.join(',')},${shop},${score > 0.5 ? 'yes' : 'no'}`)
  }
  return Buffer.from(`${lines.join('\n')}\n`)
}

/** Imports the generated table and creates an experiment predicting `target`; waits for its page. */
async function experimentOnLargeTable(page: Page) {
  await openApp(page)
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: 'shops.csv', mimeType: 'text/csv', buffer: tableCsv() })
  await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
  await expect(page.getByTestId('row-count')).toHaveText('30,000')
  await page.getByRole('button', { name: 'New experiment' }).click()
  const dialog = page.getByRole('dialog', { name: /^New experiment on / })
  await expect(dialog.getByLabel('Target column')).toBeVisible({ timeout: 60_000 })
  await dialog.getByLabel('Target column').selectOption('target')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page).toHaveURL(/\/experiments\/exp_/, { timeout: 60_000 })
}

/** Opens "Run settings" and streams tables past `cells` cells, as a person types it. */
async function streamPast(page: Page, cells: string) {
  await page.getByText('Run settings').click()
  const threshold = page.getByLabel('Stream tables larger than (cells)')
  await threshold.fill(cells)
  await threshold.press('Enter')
  await threshold.blur()
}

test('a table past the "stream tables larger than" setting trains in the tab streamed from DuckDB in chunks, and the run page says so (screenshots)', async ({
  page,
}) => {
  // Model selection compares four candidates before the refit, and the CLI reruns the same: minutes on 2 shared cores.
  test.setTimeout(420_000)
  await experimentOnLargeTable(page)
  await streamPast(page, '100000')
  await expect(page.getByTestId('large-cells-note')).toContainText(
    '30,000 rows × 8 columns = 240,000 cells: runs stream it',
  )
  await page.screenshot({ path: 'test-results/large-table-run-settings.png', fullPage: true })

  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 })
  const log = page.getByRole('log', { name: 'Run log' })
  await expect(log).toContainText(
    'Large table: 30000 rows × 8 columns, more than the 100000 cells a run loads whole, streamed in chunks of',
  )
  await expect(log).toContainText(/Memory estimate: .* allowed \(/)
  // The default candidates are compared on a seeded subsample (here every one of the 24,000-odd training
  // rows: the table is small), the winner refitted on all training rows; the leaderboard says how.
  await expect(log).toContainText(
    /Model selection compares the candidates on a seeded subsample of \d+ of the sample's \d+ training rows \(all [\d,]+ training rows of the sample\); the winner is then refitted on all \d+ training rows/,
  )
  const leaderboard = page.getByRole('table', { name: 'Model selection' })
  for (const family of ['Logistic / softmax regression', 'Gradient-boosted trees', 'Random forest'])
    await expect(leaderboard.getByRole('rowheader').filter({ hasText: family })).toHaveCount(1)
  const chosenRow = leaderboard.getByRole('row').filter({ hasText: '✓ chosen' })
  await expect(chosenRow).toHaveCount(1)
  await expect(chosenRow).toContainText(/compared on a seeded subsample of [\d,]+ training rows/)
  const chosenModel = (await page.getByTestId('chosen-model').textContent())!
  await expect(chosenRow.getByRole('rowheader')).toContainText(chosenModel)
  const accuracy = Number(await page.locator('[data-metric="accuracy"]').textContent())
  expect(accuracy).toBeGreaterThan(0.8)
  await page.screenshot({ path: 'test-results/large-table-run-page.png' })
  await leaderboard.scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/large-table-run-leaderboard.png' })

  // One path below the app and the CLI: the headless runner, streaming the same file past the same
  // threshold, gives exactly the metrics the tab's run stored.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download metrics.json' }).click(),
  ])
  const tabMetrics = JSON.parse(await readFile(await download.path(), 'utf8')).metrics
  const dir = await mkdtemp(join(tmpdir(), 'butterfly-large-run-'))
  await writeFile(join(dir, 'shops.csv'), tableCsv())
  const cli = spawnSync(
    process.execPath,
    ['src/cli/bin.mjs', 'run', '--data', join(dir, 'shops.csv'), '--target', 'target'].concat([
      '--out',
      join(dir, 'result.json'),
      '--large-cells',
      '100000',
    ]),
    { encoding: 'utf8', timeout: 300_000 },
  )
  expect(cli.status, cli.stdout + cli.stderr).toBe(0)
  expect(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')).metrics).toEqual(tabMetrics)
  expect(cli.stdout + cli.stderr).toContain(
    'opened (streamed, too large to load whole) shops.csv: 30000 rows × 8 columns',
  )
  // The plots draw as they come into view: the evaluation's, made from the streamed test rows.
  await page.getByRole('heading', { name: 'Evaluation plots' }).scrollIntoViewIfNeeded()
  await page.mouse.wheel(0, 600)
  await page.waitForTimeout(1500)
  await page.screenshot({ path: 'test-results/large-table-run-plots.png' })
  await log.scrollIntoViewIfNeeded()
  await log.screenshot({ path: 'test-results/large-table-run-log.png' })

  // The setting stays for the next visit; cleared, the table is loaded whole again.
  await page.goBack()
  await page.getByText('Run settings').click()
  await expect(page.getByLabel('Stream tables larger than (cells)')).toHaveValue('100000')
  await page.getByLabel('Stream tables larger than (cells)').fill('')
  await page.getByLabel('Stream tables larger than (cells)').press('Enter')
  await expect(page.getByTestId('large-cells-note')).toContainText('runs load it whole')
})

test('a streamed run that would not fit in what the browser offers fails at once with a sentence, never left running', async ({
  page,
}) => {
  // A browser that says one JS heap may hold only 1 MB.
  await page.addInitScript(() => {
    Object.defineProperty(performance, 'memory', {
      configurable: true,
      value: { jsHeapSizeLimit: 1024 * 1024, totalJSHeapSize: 0, usedJSHeapSize: 0 },
    })
  })
  await experimentOnLargeTable(page)
  await streamPast(page, '100000')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await expect(page.getByTestId('run-status')).toHaveText('failed', { timeout: 60_000 })
  await expect(page.getByRole('main')).toContainText(
    /This run would need about [\d.]+ MiB of memory \(30000 rows × at least 7 features\), more than the 1 MiB it may use \(the browser's JS heap limit\)/,
  )
  await page.screenshot({ path: 'test-results/large-table-run-refused.png', fullPage: true })
})

test('Cancel during a streamed run ends it "cancelled"; the table is released and the next streamed run completes', async ({
  page,
}) => {
  await experimentOnLargeTable(page)
  await streamPast(page, '100000')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await page.getByRole('button', { name: 'Cancel run' }).click()
  await expect(page.getByTestId('run-status')).toHaveText('cancelled')
  // The data worker serves the next run (its reads of the cancelled one were closed).
  await page
    .getByRole('link', { name: /shops · target/ })
    .first()
    .click()
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 })
  await expect(page.getByRole('log', { name: 'Run log' })).toContainText('Large table: 30000 rows')
})

test('the MLP chosen on a streamed table is refitted on every training row by streamed mini-batches: the run page shows the epoch and the time left, the leaderboard and the log say how (screenshots)', async ({
  page,
}) => {
  test.setTimeout(420_000)
  await experimentOnLargeTable(page)
  await streamPast(page, '100000')
  const candidates = page.getByRole('group', { name: 'Candidate models' })
  await candidates.getByRole('checkbox', { name: 'Automatic choice' }).uncheck()
  for (const family of ['Logistic / softmax regression', 'Gradient-boosted trees', 'Random forest']) {
    const box = candidates.getByRole('checkbox', { name: family })
    if ((await box.count()) > 0 && (await box.isChecked())) await box.uncheck()
  }
  await candidates.getByRole('checkbox', { name: 'Multilayer perceptron' }).check()
  // The progress line of the streamed epochs lasts seconds (the tab's backend is fast): a MutationObserver
  // keeps every one shown, instead of a poll that may fall between them.
  await page.evaluate(() => {
    const seen: string[] = []
    ;(window as unknown as { streamedLines: string[] }).streamedLines = seen
    new MutationObserver(() => {
      const line = (document.querySelector('[aria-live="polite"]')?.textContent ?? '').match(
        /epoch \d of \d over the streamed training rows: \d+%(, about [\d a-z]+? left)?/,
      )
      if (line && seen.at(-1) !== line[0]) seen.push(line[0])
    }).observe(document.body, { childList: true, subtree: true, characterData: true })
  })
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await page.waitForFunction(
    () => (window as unknown as { streamedLines: string[] }).streamedLines.length > 0,
    undefined,
    { timeout: 240_000, polling: 'raf' },
  )
  await page.screenshot({ path: 'test-results/large-table-mlp-streaming.png' })
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 300_000 })
  // While the epochs streamed: the epoch, how far it was and (once a little was done) the time left.
  const lines = await page.evaluate(() => (window as unknown as { streamedLines: string[] }).streamedLines)
  expect(
    lines.some((line) => /^epoch 1 of \d over the streamed training rows: \d+%, about .* left$/.test(line)),
    lines.join('\n'),
  ).toBe(true)
  const log = page.getByRole('log', { name: 'Run log' })
  await expect(log).toContainText(
    /mlp on all \d+ training rows: from its fit on the \d+ rows it was compared on, \d epochs? of Adam steps over the streamed training rows/,
  )
  await expect(log).toContainText(/mlp: \d streamed epochs? in [\d.]+ s; training loss by epoch/)
  const chosenRow = page
    .getByRole('table', { name: 'Model selection' })
    .getByRole('row')
    .filter({ hasText: '✓ chosen' })
  await expect(chosenRow).toContainText(
    /refitted on all [\d,]+ training rows: fitted on the [\d,]+ rows it was compared on, then \d epochs? of mini-batches streamed over [\d,]+ training rows/,
  )
  const accuracy = Number(await page.locator('[data-metric="accuracy"]').textContent())
  expect(accuracy).toBeGreaterThan(0.8)
  await page.screenshot({ path: 'test-results/large-table-mlp-run-page.png' })
  await chosenRow.scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/large-table-mlp-leaderboard.png' })
})
