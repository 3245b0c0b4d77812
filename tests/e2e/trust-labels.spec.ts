/** Issue 13, bug 6: a Yes/No target shows its real labels, Yes is the positive class, the default run completes. */
import { expect, newExperiment, test } from './fixtures.ts'

test('a Yes/No churn target offers its two labels, picks the event label (never 1) as positive class, and the default run completes', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/churn.csv')
  await expect(page.getByLabel('Target column')).toHaveValue('Churn')
  await expect(page.getByLabel('Task type')).toHaveValue('binary')
  // The loader keeps a two-valued text column as text (issue 12.3): the labels are the file's own.
  const positive = page.getByLabel('Positive class')
  await expect(positive.locator('option')).toHaveText(['No', 'Yes'])
  await expect(positive.locator('option:checked')).toHaveText('Yes')
  await expect(page.getByText("Positive class 'Yes': it reads as the event of interest")).toBeVisible()

  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 })
  await expect(page.getByTestId('run-failure')).toHaveCount(0)
})
