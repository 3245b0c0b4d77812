import { expect, newExperiment, test } from './fixtures.ts'

test('run page: the summary at the top says how good the model is compared to a baseline, and links to sections', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })

  const summary = page.getByRole('region', { name: 'Summary' })
  await expect(summary).toBeVisible()
  await expect(summary).toContainText('Optimised metricAccuracy')
  // Iris has three equal classes: the majority-class baseline is about one third.
  await expect(summary).toContainText(/always predicting '.+' \(\d+% of the test rows\)/)
  const baseline = Number(await page.getByTestId('summary-baseline').textContent())
  expect(baseline).toBeGreaterThan(0.2)
  expect(baseline).toBeLessThan(0.5)
  const metric = Number(await page.getByTestId('summary-metric').textContent())
  expect(metric).toBe(Number(await page.locator('[data-metric="accuracy"]').textContent()))
  await expect(summary).toContainText('better than the baseline')
  await expect(summary).toContainText(`Chosen model${await page.getByTestId('chosen-model').textContent()}`)
  await expect(summary).toContainText(/rows × 5 columns/)
  await expect(summary).toContainText('species (multiclass)')

  // The summary comes before the other sections.
  const summaryTop = (await summary.boundingBox())!.y
  const metricsTop = (await page.getByRole('heading', { name: 'Test metrics' }).boundingBox())!.y
  expect(summaryTop).toBeLessThan(metricsTop)

  const nav = page.getByRole('navigation', { name: 'Run sections' })
  await nav.getByRole('link', { name: 'Lineage' }).click()
  const lineage = page.getByRole('heading', { name: 'Lineage' })
  await expect(lineage).toBeFocused()
  await expect(lineage).toBeInViewport()
  await nav.getByRole('link', { name: 'Timings and log' }).click()
  await expect(page.getByRole('heading', { name: 'Block timings and log' })).toBeInViewport()

  // The workspace home lists the experiment with its run count and best optimised metric.
  await page.getByRole('link', { name: 'Butterfly home' }).click()
  const experiments = page.getByRole('region', { name: 'Experiments' })
  await expect(experiments.getByRole('listitem').filter({ hasText: 'iris' })).toContainText(
    `1 run · best Accuracy ${metric}`,
  )
  // The import panel says it takes run bundles too.
  await expect(page.getByRole('region', { name: 'Import data' })).toContainText('run bundle (.butterfly.zip)')
})

test('run page of a price table: the regression summary against the mean predictor (screenshot)', async ({
  page,
}) => {
  // Two random-forest runs on 2,000 rows and a compare page: longer than the default two minutes.
  test.setTimeout(420_000)
  await newExperiment(page, 'datasets/diamonds_head2000.csv')
  await page.getByLabel('Target column').selectOption('price')
  await expect(page.getByLabel('Task type')).toHaveValue('regression')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  const summary = page.getByRole('region', { name: 'Summary' })
  await expect(summary).toContainText(/always predicting the mean, [\d.]+/)
  // The mean predictor scores R² = 0 on the rows whose mean it predicts.
  await expect(page.getByTestId('summary-baseline')).toHaveText('0')
  await expect(summary).toContainText('price (regression)')
  await expect(summary).toContainText('2,000 rows × 10 columns')
  // The chosen model's settings are words that wrap inside the page, never raw JSON (an ensemble's
  // members were one long JSON string running off the right edge).
  await expect(page.getByRole('main')).not.toContainText('{"family"')
  const main = page.getByRole('main')
  expect(await main.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
  if ((await page.getByTestId('chosen-model').textContent())?.startsWith('Ensemble'))
    await expect(
      page.getByRole('list', { name: 'Ensemble members' }).getByRole('listitem').first(),
    ).toContainText(/ × 0\.\d\d: /)
  await page.screenshot({ path: 'docs/screenshots/run-page-diamonds.png', fullPage: false })

  // A second run with another seed, then both side by side.
  const experimentLink = page.getByRole('link', { name: /diamonds_head2000 · price/ }).first()
  await experimentLink.click()
  await page.getByLabel('Seed').fill('7')
  await page.getByLabel('Seed').press('Tab')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
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
  await page.screenshot({ path: 'docs/screenshots/compare-page-diamonds.png', fullPage: true })
})
