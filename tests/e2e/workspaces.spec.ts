import { expect, importWithPicker, openApp, test } from './fixtures.ts'

test('workspaces can be created, renamed, switched and deleted (with confirmation)', async ({ page }) => {
  await openApp(page)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My workspace')
  const nav = page.getByRole('navigation', { name: 'Workspace' })

  await nav.getByRole('button', { name: 'New workspace' }).click()
  const create = page.getByRole('dialog', { name: 'New workspace' })
  await create.getByLabel('Workspace name').fill('Churn study')
  await create.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Churn study')
  await importWithPicker(page, 'datasets/iris.csv')

  await nav.getByRole('button', { name: 'Rename workspace' }).click()
  const rename = page.getByRole('dialog', { name: 'Rename workspace' })
  await rename.getByLabel('Workspace name').fill('Iris study')
  await rename.getByLabel('Workspace name').press('Enter')
  await expect(nav.getByRole('combobox', { name: 'Workspace' })).toContainText('Iris study')

  await nav.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: 'My workspace' })
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My workspace')
  await expect(page.getByText('No datasets yet')).toBeVisible()

  await nav.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: 'Iris study' })
  await expect(page.getByRole('table', { name: 'Datasets in this workspace' })).toContainText('iris')

  await nav.getByRole('button', { name: 'Delete workspace' }).click()
  const confirm = page.getByRole('dialog', { name: 'Delete workspace “Iris study”?' })
  await confirm.getByRole('button', { name: 'Keep it' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Iris study')
  await nav.getByRole('button', { name: 'Delete workspace' }).click()
  await confirm.getByRole('button', { name: 'Delete workspace and its files' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My workspace')
  await expect(nav.getByRole('combobox', { name: 'Workspace' }).locator('option')).toHaveCount(1)
  const files = await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory()
    const dir = await root.getDirectoryHandle('workspaces', { create: true })
    const names: string[] = []
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name)
    return names
  })
  expect(files.every((name) => !name.includes('Iris'))).toBe(true)
  expect(files).toHaveLength(0)
})

test('a picked folder becomes a workspace holding workspace.json and the files', async ({ page }) => {
  // Chromium's directory picker cannot be driven headlessly: hand the app a real directory handle (OPFS).
  await page.addInitScript(() => {
    ;(
      window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }
    ).showDirectoryPicker = async () =>
      (await navigator.storage.getDirectory()).getDirectoryHandle('picked-folder', { create: true })
  })
  await openApp(page)
  await page.getByRole('button', { name: 'Open folder…' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('picked-folder')
  await importWithPicker(page, 'datasets/iris.csv')
  const files = await page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-folder')
    const names: string[] = []
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name)
    return names.sort()
  })
  expect(files).toEqual(['datasets', 'workspace.json'])
})
