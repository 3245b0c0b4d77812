import { expect, importWithPicker, openApp, test } from './fixtures.ts'

test('dataset page of a price table: find a column, one number format per profile, text left-aligned (screenshot)', async ({
  page,
}) => {
  await openApp(page)
  await importWithPicker(page, 'datasets/diamonds_head2000.csv')
  const schema = page.getByRole('table', { name: 'Schema and profile' })
  await expect(schema.getByRole('row', { name: /^price/ })).toContainText('min 326 · max 3099')

  const filter = page.getByLabel('Find a column')
  await filter.fill('CLA')
  await expect(schema.getByRole('row', { name: /^clarity/ })).toBeVisible()
  await expect(schema.getByRole('row', { name: /^price/ })).toBeHidden()
  await expect(page.getByTestId('column-filter-count')).toHaveText('1 of 10 columns')
  await filter.fill('')
  await expect(schema.getByRole('row', { name: /^price/ })).toBeVisible()

  // In the row grid, text (cut: "Ideal") sits left and numbers (carat) right.
  const grid = page.getByRole('grid', { name: 'Rows of diamonds_head2000' })
  const cell = (text: string) => grid.locator('td', { hasText: new RegExp(`^${text}$`) }).first()
  await expect(cell('Ideal')).toHaveCSS('text-align', 'left')
  await expect(cell('0.23')).toHaveCSS('text-align', 'right')
  await page.screenshot({ path: 'docs/screenshots/dataset-page-diamonds.png', fullPage: true })
})
