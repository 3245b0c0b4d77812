/**
 * Two tabs of the same workspace importing the same file at the same moment make one dataset (the
 * hash check and the insert are atomic across tabs), not "v1" and "v2" over the same bytes.
 */
import { expect, openApp, test } from './fixtures.ts'

test('two tabs importing the same file at once make one dataset', async ({ page, context }) => {
  test.setTimeout(240_000)
  const other = await context.newPage()
  await openApp(page)
  await openApp(other)
  // Both tabs' table engines are up, so the two imports run side by side.
  for (const tab of [page, other])
    await expect(tab.getByTestId('engine-status')).toHaveText('', { timeout: 90_000 })
  const lines = ['id,a,b,label']
  for (let i = 0; i < 50_000; i++) lines.push(`${i},${(i * 7919) % 1000},x${i % 13},${i % 2 ? 'yes' : 'no'}`)
  const file = { name: 'same.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) }
  await Promise.all([
    page.getByLabel('Import a data file').setInputFiles(file),
    other.getByLabel('Import a data file').setInputFiles(file),
  ])
  // Each tab reaches the dataset; a tab that does not says what it shows instead (an error, a phase).
  for (const tab of [page, other])
    await expect
      .poll(
        async () =>
          /\/datasets\/ds_/.test(tab.url())
            ? 'on the dataset page'
            : `${tab.url()}: ${(await tab.getByRole('alert').allInnerTexts()).join(' | ')} ${(await tab.getByRole('status').allInnerTexts()).join(' | ')}`,
        { timeout: 120_000 },
      )
      .toBe('on the dataset page')
  // Both tabs show the same dataset, and the workspace lists it once, as version 1.
  expect(new URL(page.url()).pathname).toBe(new URL(other.url()).pathname)
  await page.reload()
  const nav = page.getByRole('navigation', { name: 'Workspace' })
  await expect(nav.getByRole('link', { name: /^same/ })).toHaveCount(1)
  await expect(nav.getByText(/\bv2\b/)).toHaveCount(0)
})
