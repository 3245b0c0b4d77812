import { expect, newExperiment, test } from './fixtures.ts'

test('pipeline edits can be undone with the Undo button and with Ctrl+Z, back to the same version', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')

  const pipeline = page.getByRole('region', { name: 'Pipeline' })
  const undo = pipeline.getByRole('button', { name: 'Undo' })
  const version = page.getByTestId('pipeline-version')
  await expect(undo).toBeDisabled()
  const original = (await version.textContent()) ?? ''
  const originalSeed = await page.getByLabel('Seed').inputValue()

  await page.getByLabel('Scaling').selectOption('minmax')
  await expect(version).not.toHaveText(original)
  const afterScaling = (await version.textContent()) ?? ''
  await page.getByLabel('Seed').fill('7')
  await page.getByLabel('Seed').press('Tab')
  await expect(version).not.toHaveText(afterScaling)
  await expect(pipeline).toContainText('Last change: Seed')

  // The newest edit goes first: the seed, then the scaling.
  await undo.click()
  await expect(page.getByLabel('Seed')).toHaveValue(originalSeed)
  await expect(version).toHaveText(afterScaling)
  await expect(page.getByLabel('Scaling')).toHaveValue('minmax')
  await expect(pipeline).toContainText('Last change: Preprocessing: Scaling')

  await page.getByLabel('Scaling').focus()
  await page.keyboard.press('Control+z')
  await expect(page.getByLabel('Scaling')).toHaveValue('standard')
  await expect(version).toHaveText(original)
  await expect(undo).toBeDisabled()

  // The restored draft is what is stored: it survives a reload.
  await page.reload()
  await expect(page.getByLabel('Scaling')).toHaveValue('standard')
  await expect(page.getByTestId('pipeline-version')).toHaveText(original)
})
