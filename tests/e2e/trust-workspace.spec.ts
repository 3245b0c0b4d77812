/** Issue 13, bug 2: after a reload on a non-default workspace's URL the switcher names that workspace. */
import { expect, importWithPicker, openApp, test } from './fixtures.ts'

test('the workspace switcher shows the workspace of the URL after a reload', async ({ page }) => {
  await openApp(page)
  const nav = page.getByRole('navigation', { name: 'Workspace' })
  await nav.getByRole('button', { name: 'New workspace' }).click()
  const create = page.getByRole('dialog', { name: 'New workspace' })
  await create.getByLabel('Workspace name').fill('Housing study')
  await create.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Housing study')
  await importWithPicker(page, 'datasets/iris.csv')

  const switcher = nav.getByRole('combobox', { name: 'Workspace' })
  for (const url of [page.url(), new URL(page.url()).pathname.replace(/\/datasets\/.*$/, '')]) {
    await page.goto(url)
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    // What the select displays (its checked option), not only its value property.
    await expect(switcher.locator('option:checked')).toHaveText('Housing study')
    await expect(switcher).toHaveValue(/^ws_/)
  }
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Housing study')
})
