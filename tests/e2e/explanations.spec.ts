/**
 * Issue 13.13: explanations in the units of the data. A row's "why this prediction" names the dataset row
 * as the data grid numbers it and shows that row's values as the table holds them (years, square feet,
 * neighbourhood names), not standardised values or one-hot columns; partial dependence axes read in the
 * feature's units; a multiclass explanation says which class it explains and offers every class.
 */
import type { Page } from '@playwright/test'
import { expect, newExperiment, readFixture, test } from './fixtures.ts'

/** Unticks every candidate but gradient-boosted trees (TreeSHAP needs a tree model). */
async function boostedTreesOnly(page: Page) {
  const candidates = page.getByRole('group', { name: 'Candidate models' })
  await candidates.getByRole('checkbox', { name: 'Automatic choice' }).uncheck()
  const others = [
    'Logistic / softmax regression',
    'Linear (ridge) regression',
    'Multilayer perceptron',
    'Random forest',
  ]
  for (const family of others) {
    const box = candidates.getByRole('checkbox', { name: family })
    if ((await box.count()) > 0 && (await box.isChecked())) await box.uncheck()
  }
  await expect(candidates.getByRole('checkbox', { name: 'Gradient-boosted trees' })).toBeChecked()
}

/** The texts of the SVG chart named `name`. */
async function chartTexts(page: Page, name: RegExp): Promise<string[]> {
  const chart = page.getByRole('img', { name })
  await chart.scrollIntoViewIfNeeded()
  await expect(chart.locator('svg text').first()).toBeAttached({ timeout: 30_000 })
  return (await chart.locator('svg text').allTextContents()).map((t) => t.trim())
}

test('housing: why this prediction shows the dataset row and its values in the table’s units', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/housing.csv')
  await expect(page.getByLabel('Target column')).toHaveValue('Sale_Price')
  await boostedTreesOnly(page)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  // Metric names as the summary writes them (R²), not the keys (r2), in the test metrics too.
  const metrics = page.getByRole('table', { name: 'Test metrics' })
  await expect(metrics.getByRole('rowheader')).toContainText(['R²', 'RMSE', 'MAE'])
  await expect(metrics.getByRole('rowheader', { name: 'r2', exact: true })).toHaveCount(0)

  const rowSelect = page.getByLabel('Explain row')
  await rowSelect.scrollIntoViewIfNeeded()
  // Rows are numbered as the data grid numbers them: the dataset row, from 1.
  const optionTexts = await rowSelect.locator('option').allTextContents()
  expect(optionTexts.length).toBeGreaterThan(5)
  for (const text of optionTexts) expect(text).toMatch(/^Row [\d,]+$/)
  await rowSelect.selectOption({ index: 3 })
  const chosen = (await rowSelect.locator('option:checked').textContent())!
  const rowNumber = Number(chosen.replace(/^Row /, '').replaceAll(',', ''))

  const lines = readFixture('datasets/housing.csv').toString('utf8').trim().split('\n')
  const header = lines[0].split(',')
  const cells = lines[rowNumber].split(',')
  const value = (column: string) => cells[header.indexOf(column)]

  const texts = await chartTexts(page, new RegExp(`^Why this prediction: ${chosen}\\b`))
  // Each table column once, valued as the CSV holds it (no `Neighborhood=Edwards = 1`, no z-scores).
  for (const column of ['Neighborhood', 'MS_SubClass', 'Year_Built']) {
    expect(texts, `${column} in ${texts.join(' | ')}`).toContain(`${column} = ${value(column)}`)
  }
  const area = Number(value('Gr_Liv_Area'))
  expect(texts).toContain(`Gr_Liv_Area = ${area >= 10_000 ? area.toLocaleString('en-US') : area}`)
  expect(texts.filter((t) => /^\S+=\S+ = /.test(t))).toEqual([])
  await page.getByRole('img', { name: /^Why this prediction/ }).screenshot({
    path: 'test-results/explanations-housing-row.png',
  })

  // Partial dependence in the data's units: years on the Year_Built axis, not standardised values.
  const pdp = await chartTexts(page, /^Partial dependence on Year_Built\b/)
  const years = pdp.filter((t) => /^(18|19|20)\d\d$/.test(t))
  expect(years.length, pdp.join(' | ')).toBeGreaterThan(1)
  await page
    .getByRole('img', { name: /^Partial dependence on Year_Built\b/ })
    .screenshot({ path: 'test-results/explanations-housing-pdp.png' })
})

test('penguins: a multiclass explanation names its class and every class can be chosen', async ({ page }) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/penguins.csv')
  await boostedTreesOnly(page)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })

  const classSelect = page.getByLabel('for class', { exact: true })
  await classSelect.scrollIntoViewIfNeeded()
  const classes = await classSelect.locator('option').allTextContents()
  expect(classes.map((c) => c.replace(/ \(.*\)$/, ''))).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
  // The default is the class the model leans to for the row, and the title says which it is.
  const leaning = classes.find((c) => c.endsWith('(the class the model leans to)'))!.replace(/ \(.*\)$/, '')
  await expect(page.getByRole('img', { name: /^Why this prediction/ })).toHaveAccessibleName(
    new RegExp(`· class ${leaning}\\b`),
  )
  const other = ['Adelie', 'Chinstrap', 'Gentoo'].find((c) => c !== leaning)!
  await classSelect.selectOption({ label: other })
  await expect(page.getByRole('img', { name: /^Why this prediction/ })).toHaveAccessibleName(
    new RegExp(`· class ${other}\\b`),
  )
  // Categories by name in the row explanation (island, sex), not one-hot columns; the axis says what
  // boosted trees' SHAP values add up to.
  const texts = await chartTexts(page, /^Why this prediction/)
  expect(texts).toContain(`Score of ${other} (before softmax)`)
  expect(
    texts.some((t) => /^island = (Biscoe|Dream|Torgersen)$/.test(t)),
    texts.join(' | '),
  ).toBe(true)

  // SHAP summary for every class, one at a time.
  const shapSelect = page.getByLabel('SHAP summary for class')
  expect(await shapSelect.locator('option').allTextContents()).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
  await shapSelect.selectOption({ label: 'Gentoo' })
  await expect(page.getByRole('img', { name: /^SHAP summary · class Gentoo/ })).toBeVisible()
  await page.getByRole('img', { name: /^Why this prediction/ }).screenshot({
    path: 'test-results/explanations-penguins-row.png',
  })
})
