/**
 * Issue 13 bug 11: a class stored as numbers (glass `Type`) can be read as categories. The correction
 * lives on the experiment's task (shown as bars, kept across reloads and target changes, frozen into the
 * run's snapshot and used by the run); the imported dataset keeps the kind inferred at import.
 */
import { readFile } from 'node:fs/promises'
import { confirmNewExperiment, expect, importWithPicker, openApp, test } from './fixtures.ts'

test('glass: Type read as categories on the experiment, used by the run, dataset unchanged', async ({
  page,
}) => {
  await openApp(page)
  await importWithPicker(page, 'datasets/glass.csv')
  const datasetUrl = page.url()
  await confirmNewExperiment(page)
  const target = page.getByLabel('Target column')
  await expect(target).toHaveValue('Type')

  await page.getByText('Column kinds', { exact: true }).click()
  const kind = page.getByLabel('Kind of Type')
  await expect(kind).toHaveValue('numeric')
  await expect(page.getByRole('img', { name: /^Bar chart of Type/ })).toHaveCount(0)
  await kind.selectOption('categorical')
  await expect(kind).toHaveValue('categorical')
  // Bars of the six classes and their counts, not a continuous histogram.
  await expect(page.getByRole('img', { name: /^Bar chart of Type/ })).toHaveAttribute(
    'aria-label',
    /2 76.*1 70.*7 29.*3 17.*5 13.*6 9/,
  )

  await page.reload()
  await expect(page.getByLabel('Kind of Type')).toHaveValue('categorical')

  // Type as a feature of another target: the correction belongs to the experiment and stays.
  await page.getByLabel('Target column').selectOption('RI')
  await expect(page.getByLabel('Task type')).toHaveValue('regression')
  await expect(page.getByLabel('Kind of Type')).toHaveValue('categorical')

  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await expect(page.getByText('Column kinds (corrected)')).toBeVisible()
  await expect(page.getByText('Type: categorical')).toBeVisible()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download model-package.json' }).click(),
  ])
  const pkg = JSON.parse(await readFile(await download.path(), 'utf8')) as {
    inputColumns: { name: string; type: string }[]
  }
  expect(pkg.inputColumns.find((c) => c.name === 'Type')?.type).toBe('categorical')
  expect(pkg.inputColumns.find((c) => c.name === 'Na')?.type).toBe('numeric')

  // The dataset keeps its inferred kind and says where kinds are corrected.
  await page.goto(datasetUrl)
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'Type', exact: true }) })
  await expect(row.getByRole('cell').nth(1)).toHaveText('numeric')
  await expect(row.getByRole('img', { name: 'Histogram of Type' })).toBeVisible()
  await expect(page.getByTestId('kind-note')).toContainText("change the column's kind in its Task card")
})

test('dataset page: categorical columns are drawn as bars of their most frequent values', async ({
  page,
}) => {
  await openApp(page)
  await importWithPicker(page, 'datasets/penguins.csv')
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'island', exact: true }) })
  await expect(row.getByRole('img', { name: /^Bar chart of island: Biscoe \d+/ })).toBeVisible()
})
