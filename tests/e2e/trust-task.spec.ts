/** Issue 13, bugs 3–5: the task a new experiment proposes, and what the page shows after a target change. */
import { confirmNewExperiment, expect, importWithPicker, newExperiment, openApp, test } from './fixtures.ts'

test('a housing table proposes Sale_Price (named like a price), not the last column, and says why', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/housing.csv')
  await expect(page.getByLabel('Target column')).toHaveValue('Sale_Price')
  await expect(page.getByLabel('Task type')).toHaveValue('regression')
  await expect(
    page.getByText("Target 'Sale_Price': its name contains a common prediction target"),
  ).toBeVisible()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('housing · Sale_Price')
})

test('after a target change the select, the name and the reasons all show the new target', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/housing.csv')
  const target = page.getByLabel('Target column')
  await expect(target).toHaveValue('Sale_Price')

  await target.selectOption('Gr_Liv_Area')
  const heading = page.getByRole('heading', { level: 1 })
  await expect(heading).toHaveText('housing · Gr_Liv_Area')
  // What the person sees in the select, not only the element's value property.
  await expect(target.locator('option:checked')).toHaveText('Gr_Liv_Area')
  await expect(target).toHaveValue('Gr_Liv_Area')
  const why = page.getByRole('group').filter({ hasText: 'Why these choices' })
  await expect(why).toContainText("Target 'Gr_Liv_Area': chosen by the user")
  await expect(why).not.toContainText('Sale_Price')

  await page.reload()
  await expect(page.getByLabel('Target column')).toHaveValue('Gr_Liv_Area')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('housing · Gr_Liv_Area')
})

test('a name gets "(2)" only when another experiment already has it', async ({ page }) => {
  await newExperiment(page, 'datasets/iris.csv')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('iris · species')

  await openApp(page)
  await importWithPicker(page, 'datasets/housing.csv')
  await confirmNewExperiment(page)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('housing · Sale_Price')

  await page.goBack()
  await expect(page).toHaveURL(/\/datasets\/ds_/)
  await confirmNewExperiment(page)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('housing · Sale_Price (2)')
})

test('"New experiment" asks first: the suggested target and task with reasons, editable; Cancel and Escape create nothing', async ({
  page,
}) => {
  await openApp(page)
  await importWithPicker(page, 'datasets/housing.csv')
  const datasetUrl = page.url()
  const open = async () => {
    await page.getByRole('button', { name: 'New experiment' }).click()
    const dialog = page.getByRole('dialog', { name: 'New experiment on housing' })
    await expect(dialog.getByLabel('Target column')).toHaveValue('Sale_Price', { timeout: 60_000 })
    await expect(dialog.getByLabel('Task type')).toHaveValue('regression')
    await expect(
      dialog.getByText("Target 'Sale_Price': its name contains a common prediction target"),
    ).toBeVisible()
    await expect(dialog.getByText(/^Task regression: the target is numeric/)).toBeVisible()
    return dialog
  }

  let dialog = await open()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  dialog = await open()
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(page).toHaveURL(datasetUrl)
  await page.goto(datasetUrl.replace(/\/datasets\/.*$/, ''))
  await expect(page.getByText('No experiments yet')).toBeVisible()

  await page.goto(datasetUrl)
  dialog = await open()
  await dialog.getByLabel('Target column').selectOption('MS_SubClass')
  await expect(dialog.getByText("Target 'MS_SubClass': chosen by the user")).toBeVisible()
  await expect(dialog.getByLabel('Task type')).toHaveValue('multiclass')
  // A task the target cannot have is refused with a sentence, and the select goes back to the task Create uses.
  await dialog.getByLabel('Task type').selectOption('regression')
  await expect(dialog.getByRole('alert')).toHaveText(
    "Target 'MS_SubClass' is not numeric; a regression task needs numbers",
  )
  await expect(dialog.getByLabel('Task type')).toHaveValue('multiclass')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page).toHaveURL(/\/experiments\/exp_/, { timeout: 60_000 })
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('housing · MS_SubClass')
  await expect(page.getByLabel('Target column')).toHaveValue('MS_SubClass')
  await expect(page.getByLabel('Task type')).toHaveValue('multiclass')
})
