/**
 * Issue 13.15: comparing runs across experiments of one dataset. A run of another experiment is added on
 * the compare page; one with the same target is compared (better/worse, a note that its test rows differ),
 * one with another target is shown without differences, with a note saying why it is not comparable.
 */
import type { Page } from '@playwright/test'
import { confirmNewExperiment, expect, newExperiment, test } from './fixtures.ts'

async function holdoutRun(page: Page, seed?: string) {
  await page.getByLabel('Validation scheme').selectOption('holdout')
  if (seed) {
    await page.getByLabel('Seed').fill(seed)
    await page.getByLabel('Seed').press('Tab')
  }
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
}

async function toDataset(page: Page) {
  await page.getByRole('navigation').getByRole('link', { name: 'iris', exact: true }).first().click()
  await expect(page).toHaveURL(/\/datasets\/ds_/)
}

test('compare adds runs of other experiments on the dataset and says which metrics are not comparable', async ({
  page,
}) => {
  test.setTimeout(420_000)
  await newExperiment(page, 'datasets/iris.csv')
  await holdoutRun(page)

  // A second experiment predicting a measurement (regression), then a third with the species again.
  await toDataset(page)
  await page.getByRole('button', { name: 'New experiment' }).click()
  const dialog = page.getByRole('dialog', { name: /^New experiment on / })
  await dialog.getByLabel('Target column').selectOption('petal length (cm)', { timeout: 60_000 })
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page).toHaveURL(/\/experiments\/exp_/, { timeout: 60_000 })
  await holdoutRun(page)
  await toDataset(page)
  await confirmNewExperiment(page)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('iris · species (2)')
  await holdoutRun(page, '7')

  // One run picked in its experiment, the others added on the compare page.
  await page.getByRole('link', { name: 'iris · species (2)', exact: true }).first().click()
  await page.getByRole('checkbox', { name: 'Select run 1 for comparison' }).check()
  await page.getByRole('button', { name: 'Compare selected runs (1)' }).click()
  const add = page.getByLabel('Add a run of this dataset')
  await expect(add.locator('option')).toHaveText([
    'Choose a run…',
    /^iris · species · Run 1 · accuracy \d/,
    /^iris · petal length \(cm\) · Run 1 · /,
  ])
  await add.selectOption({ label: (await add.locator('option').nth(1).textContent()) ?? '' })
  await page.getByRole('button', { name: 'Add to the comparison' }).click()
  const metrics = page.getByRole('table', { name: 'Metrics' })
  await expect(metrics.getByRole('columnheader', { name: /iris · species · Run 1/ })).toBeVisible()
  const note = page.getByRole('note', { name: 'Comparability' })
  await expect(note).toHaveText(
    'iris · species · Run 1 was tested on other rows than the baseline (seed 7 → 42): part of a difference can be the luck of the split.',
  )
  await expect(page.getByRole('list', { name: 'Changes from the baseline' })).toContainText(
    'iris · species · Run 1: Global: seed 7 → 42',
  )

  await add.selectOption({ index: 1 })
  await page.getByRole('button', { name: 'Add to the comparison' }).click()
  await expect(metrics.getByRole('columnheader', { name: /petal length \(cm\) · Run 1/ })).toBeVisible()
  await expect(note).toContainText(
    'iris · petal length (cm) · Run 1 is not comparable with the baseline: it predicts petal length (cm), the baseline species; it is regression, the baseline multiclass. Its metrics measure something else, so no differences are shown for it.',
  )
  // Its regression metrics are shown as they are, never as better or worse than the baseline's.
  const rmse = page.getByTestId('compare-rmse-2')
  await expect(rmse).toContainText('(not comparable)')
  await expect(rmse.locator('.better, .worse')).toHaveCount(0)
  await page.screenshot({ path: 'test-results/compare-across-experiments.png', fullPage: true })

  // Removing a run takes it out of the page and the URL.
  await page
    .getByRole('button', { name: 'Remove iris · petal length (cm) · Run 1 from the comparison' })
    .click()
  await expect(metrics.getByRole('columnheader')).toHaveCount(3)
  await expect(note).not.toContainText('not comparable')
})
