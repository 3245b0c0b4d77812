import { readFile } from 'node:fs/promises'
import { dropFiles, expect, newExperiment, test } from './fixtures.ts'

test('the experiment list shows run counts and best metrics, and a run bundle dropped on the page is imported', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  const home = page.getByRole('link', { name: 'Butterfly home' })
  const experiments = page.getByRole('region', { name: 'Experiments' })
  const iris = experiments.getByRole('listitem').filter({ hasText: 'iris · species' })

  // An experiment without runs says so.
  await home.click()
  await expect(iris.getByTestId('experiment-runs')).toHaveText('· no runs yet')
  // The import panel says it takes run bundles.
  const importPanel = page.getByRole('region', { name: 'Import data or a run' })
  await expect(importPanel).toContainText('Drop a CSV or Parquet file, or a run bundle (.butterfly.zip)')
  await expect(importPanel.getByLabel('Import a data file or run bundle')).toBeAttached()

  // Two runs with different seeds: the count and the best optimised metric of the two.
  await iris.getByRole('link').click()
  const accuracies: number[] = []
  for (const seed of ['42', '7']) {
    await page.getByLabel('Seed').fill(seed)
    await page.getByLabel('Seed').press('Tab')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
    accuracies.push(Number(await page.locator('[data-metric="accuracy"]').textContent()))
    if (accuracies.length < 2)
      await page
        .getByRole('link', { name: /iris · species/ })
        .first()
        .click()
  }
  const best = Math.max(...accuracies)

  // Export the last run's bundle, then drop it on a second workspace's page.
  await page.getByRole('button', { name: 'Export run bundle' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export run bundle' })
  await dialog.getByRole('checkbox', { name: /Include the dataset file/ }).check()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Export' }).click(),
  ])
  const bundle = await readFile(await download.path())

  await home.click()
  await expect(iris.getByTestId('experiment-runs')).toHaveText(`· 2 runs · best Accuracy ${best}`)
  await page.screenshot({ path: 'test-results/experiment-list.png', fullPage: true })

  const nav = page.getByRole('navigation', { name: 'Workspace' })
  await nav.getByRole('button', { name: 'New workspace' }).click()
  await page.getByRole('dialog', { name: 'New workspace' }).getByLabel('Workspace name').fill('Receiver')
  await page.getByRole('dialog', { name: 'New workspace' }).getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Receiver')
  await expect(page.getByText('No experiments yet')).toBeVisible()
  await expect(page.getByTestId('engine-status')).toHaveText('', { timeout: 60_000 })
  await dropFiles(page, 'main', [
    { name: download.suggestedFilename(), bytes: bundle, type: 'application/zip' },
  ])
  await expect(page).toHaveURL(/\/runs\/run_/, { timeout: 60_000 })
  await expect(page.getByTestId('run-origin')).toContainText('imported')
  await expect(page.locator('[data-metric="accuracy"]')).toHaveText(String(accuracies[1]))

  await home.click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Receiver')
  await expect(iris.getByTestId('experiment-runs')).toHaveText(`· 1 run · best Accuracy ${accuracies[1]}`)
})
