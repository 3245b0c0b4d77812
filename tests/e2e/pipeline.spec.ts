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

test('an experiment is renamed in a dialog; Cancel keeps the old name and the sidebar follows', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  const heading = page.getByRole('heading', { level: 1 })
  const original = (await heading.textContent()) ?? ''

  await page.getByRole('button', { name: 'Rename experiment' }).click()
  const dialog = page.getByRole('dialog', { name: 'Rename experiment' })
  await expect(dialog.getByLabel('Experiment name')).toHaveValue(original)
  await dialog.getByLabel('Experiment name').fill('Discarded name')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await expect(heading).toHaveText(original)

  await page.getByRole('button', { name: 'Rename experiment' }).click()
  await dialog.getByLabel('Experiment name').fill('Iris baseline')
  await dialog.getByLabel('Experiment name').press('Enter')
  await expect(dialog).toBeHidden()
  await expect(heading).toHaveText('Iris baseline')
  await expect(
    page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: /Iris baseline/ }),
  ).toBeVisible()
  await page.reload()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Iris baseline')
})
