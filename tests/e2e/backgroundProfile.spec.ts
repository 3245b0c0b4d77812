import { expect, openApp, test } from './fixtures.ts'

/** 300,000 rows: a number with a missing value every 10th row, a 3-level category, a binary target. */
function tableCsv(): Buffer {
  const lines = ['x,level,target']
  for (let r = 0; r < 300_000; r++)
    lines.push(`${r % 10 === 9 ? '' : (r % 1000) / 10},${['a', 'b', 'c'][r % 3]},${r % 2}`)
  return Buffer.from(`${lines.join('\n')}\n`)
}

test('a large table is queryable before its profile is done: rows and schema first, the profile fills in with its progress, stated as sampled (screenshots)', async ({
  page,
}) => {
  // Every state the profile's status takes, with whether rows and schema were on the page at that moment
  // (the running state may last only a moment on a table this small, so it is recorded as it happens).
  await page.addInitScript(() => {
    const seen: { state: string; rows: string; schema: boolean; progressbar: boolean }[] = []
    ;(window as unknown as { __profileStates: typeof seen }).__profileStates = seen
    new MutationObserver(() => {
      const status = document.querySelector('[data-testid="profile-status"]')
      const state = status?.getAttribute('data-state')
      if (!state || seen.at(-1)?.state === state) return
      seen.push({
        state,
        rows: document.querySelector('[data-testid="row-count"]')?.textContent ?? '',
        schema: document.querySelector('table.schema-table') !== null,
        progressbar: document.querySelector('progress[aria-label="Profile progress"]') !== null,
      })
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
  })
  await openApp(page)
  // Tables past 1,000 rows count as large here (the app's default is 1,000,000).
  await page.evaluate(() => localStorage.setItem('butterfly.largeTableRows', '1000'))
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: 'wide_rows.csv', mimeType: 'text/csv', buffer: tableCsv() })
  await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
  await expect(page.getByTestId('row-count')).toHaveText('300,000')
  const schema = page.getByRole('table', { name: 'Schema and profile' })
  // Missing counts are exact from the start.
  await expect(schema.getByRole('row', { name: /^x/ }).getByTestId('missing-x')).toHaveText('30,000')

  const status = page.getByTestId('profile-status')
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  const states = await page.evaluate(
    () => (window as unknown as { __profileStates: unknown[] }).__profileStates,
  )
  expect(states[0]).toEqual({ state: 'running', rows: '300,000', schema: true, progressbar: true })
  expect(states.at(-1)).toMatchObject({ state: 'done', progressbar: false })

  // Filled: summaries over all rows, histograms from the stated sample, top values of the category.
  await expect(status).toContainText('Profile of all 300,000 rows')
  await expect(status).toContainText(
    /distinct counts are estimated \(≈\); histograms are drawn from a seeded uniform sample of [\d,]+ rows/,
  )
  const x = schema.getByRole('row', { name: /^x/ })
  await expect(x).toContainText('min 0 · max 99.8')
  await expect(x.getByRole('img', { name: 'Histogram of x' })).toBeVisible()
  await expect(schema.getByRole('row', { name: /^level/ })).toContainText('a (100,000)')
  await expect(page.getByRole('progressbar', { name: 'Profile progress' })).toHaveCount(0)
  await page.screenshot({ path: 'test-results/background-profile-done.png', fullPage: true })

  // After a reload the completed profile is what the page shows: no second profile runs.
  await page.reload()
  await expect(status).toHaveAttribute('data-state', 'done')
  await expect(x).toContainText('min 0 · max 99.8')
})
