/**
 * Issue 13: full-page screenshots of the housing table's dataset page, run page and compare page, for a
 * person to look at (test-results/housing-*.png). The assertions check what each page must say.
 */
import { confirmNewExperiment, expect, importWithPicker, openApp, test } from './fixtures.ts'

test('housing: dataset, run and compare pages, saved as full-page screenshots', async ({ page }) => {
  // Two default runs on 300 rows and three full-page screenshots.
  test.setTimeout(420_000)
  await openApp(page)
  await importWithPicker(page, 'datasets/housing.csv')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^housing/)
  const schema = page.getByRole('table', { name: 'Schema and profile' })
  // Years read as years; separators only in columns with five-digit values, for all their numbers.
  await expect(schema.getByRole('row', { name: /^Year_Built/ })).toContainText(
    'min 1900 · max 2009 · mean 1957',
  )
  await expect(schema.getByRole('row', { name: /^Lot_Area/ })).toContainText('min 4,037 · max 19,981')
  await page.screenshot({ path: 'test-results/housing-dataset.png', fullPage: true })

  await confirmNewExperiment(page)
  await expect(page.getByLabel('Target column')).toHaveValue('Sale_Price')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  const summary = page.getByRole('region', { name: 'Summary' })
  await expect(summary).toContainText('Sale_Price (regression)')
  await expect(summary).toContainText(/always predicting the mean/)
  // Settings and the chosen model's parameters in words, never raw JSON (`{}`, `{"alpha":1}`).
  const snapshot = page.getByRole('region', { name: 'Pipeline snapshot' })
  await expect(snapshot.getByRole('row', { name: /^overrides/ })).toHaveText(/overrides\s*none/)
  await expect(snapshot).not.toContainText('{')
  await expect(page.getByText(/^Chosen model:/)).not.toContainText('{')
  await page.screenshot({ path: 'test-results/housing-run.png', fullPage: true })

  const experimentLink = page.getByRole('link', { name: /housing · Sale_Price/ }).first()
  await experimentLink.click()
  await page.getByLabel('Seed').fill('7')
  await page.getByLabel('Seed').press('Tab')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await experimentLink.click()
  await page.getByRole('checkbox', { name: 'Select run 1 for comparison' }).check()
  await page.getByRole('checkbox', { name: 'Select run 2 for comparison' }).check()
  await page.getByRole('button', { name: /Compare selected runs/ }).click()
  await expect(page.getByRole('list', { name: 'Changes from the baseline' })).toHaveText(
    'Run 2: Global: seed 42 → 7',
  )
  // Charts draw one per task after the page: the screenshot waits for the plot to be drawn.
  await expect(
    page.getByRole('region', { name: 'Plots' }).locator('[data-drawn="true"]').first(),
  ).toBeVisible()
  await page.waitForTimeout(1000) // its entry animation, so the screenshot shows the points
  await page.screenshot({ path: 'test-results/housing-compare.png', fullPage: true })
})
