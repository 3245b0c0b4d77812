/**
 * Issue 13.12: the run page's charts stay legible at the size they are drawn. On the six-class glass
 * table every class is in the ROC legend (wrapped onto rows, never paged behind arrows), the confusion
 * matrix's cell numbers fit their cells, and no chart title is cut at the chart's edges.
 */
import type { Locator, Page } from '@playwright/test'
import { confirmNewExperiment, expect, importWithPicker, openApp, test } from './fixtures.ts'

/** Texts of the SVG chart named `name` with their boxes on the page. */
async function chartTexts(page: Page, name: RegExp | Locator) {
  const chart = name instanceof RegExp ? page.getByRole('img', { name }) : name
  await chart.scrollIntoViewIfNeeded({ timeout: 30_000 })
  await expect(chart.locator('svg text').first()).toBeAttached({ timeout: 30_000 })
  const box = (await chart.boundingBox())!
  const texts = await chart.locator('svg text').evaluateAll((nodes) =>
    nodes.map((node) => {
      const r = (node as SVGGraphicsElement).getBoundingClientRect()
      return { text: node.textContent ?? '', x0: r.left, x1: r.right, y0: r.top, y1: r.bottom }
    }),
  )
  return { box, texts: texts.filter((t) => t.text.trim() !== '') }
}

test('glass: six classes, every legend entry shown, cell numbers inside their cells, titles whole', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await openApp(page)
  await importWithPicker(page, 'datasets/glass.csv')
  await confirmNewExperiment(page)
  await expect(page.getByLabel('Target column')).toHaveValue('Type')
  await page.getByText('Column kinds', { exact: true }).click()
  await page.getByLabel('Kind of Type').selectOption('categorical')
  await expect(page.getByLabel('Task type')).toHaveValue('multiclass')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })

  const roc = await chartTexts(page, /^ROC curves/)
  const entries = roc.texts.filter((t) => /^\d \(AUC [\d.]+\)$/.test(t.text))
  expect(entries.map((t) => t.text[0]).sort(), roc.texts.map((t) => t.text).join(' | ')).toEqual([
    '1',
    '2',
    '3',
    '5',
    '6',
    '7',
  ])
  // A paged legend writes its page as "1/2".
  expect(roc.texts.filter((t) => /^\d+\/\d+$/.test(t.text))).toEqual([])

  for (const name of [/^Confusion matrix\. /, /^Confusion matrix \(normalised/]) {
    const { texts } = await chartTexts(page, name)
    const cells = texts.filter((t) => /^\d+%?$/.test(t.text))
    // 36 cells and the 12 class names on the axes.
    expect(cells.length).toBe(48)
    // Cell numbers on one row never touch: each fits its cell.
    const rows = new Map<number, typeof cells>()
    for (const c of cells) rows.set(Math.round(c.y0), [...(rows.get(Math.round(c.y0)) ?? []), c])
    for (const row of rows.values()) {
      row.sort((a, b) => a.x0 - b.x0)
      for (let i = 1; i < row.length; i++) expect(row[i].x0).toBeGreaterThan(row[i - 1].x1 + 4)
    }
  }

  // Titles (the topmost text of each chart) inside their chart, for every chart on the page.
  const figures = page.locator('figure.chart-figure')
  for (let i = 0; i < (await figures.count()); i++) {
    const { box, texts } = await chartTexts(page, figures.nth(i).locator('.chart-plot'))
    const title = texts.reduce((top, t) => (t.y0 < top.y0 ? t : top))
    expect(title.x0, title.text).toBeGreaterThanOrEqual(box.x - 1)
    expect(title.x1, title.text).toBeLessThanOrEqual(box.x + box.width + 1)
  }
  await page.screenshot({ path: 'test-results/legibility-glass-run.png', fullPage: true })
  for (const [name, file] of [
    [/^ROC curves/, 'roc'],
    [/^Confusion matrix \(normalised/, 'confusion'],
    [/^Partial dependence on /, 'pdp'],
    [/^SHAP summary/, 'shap'],
  ] as const) {
    await page
      .getByRole('img', { name })
      .first()
      .screenshot({ path: `test-results/legibility-glass-${file}.png` })
  }
})

test('housing: the compare page overlays both runs’ residuals, its legend wrapped under the plot', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await openApp(page)
  await importWithPicker(page, 'datasets/housing.csv')
  await confirmNewExperiment(page)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  const experimentLink = page.getByRole('link', { name: /housing · Sale_Price/ }).first()
  await experimentLink.click()
  await page.getByLabel('Seed').fill('7')
  await page.getByLabel('Seed').press('Tab')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await experimentLink.click()
  await page.getByRole('checkbox', { name: 'Select run 1 for comparison' }).check()
  await page.getByRole('checkbox', { name: 'Select run 2 for comparison' }).check()
  await page.getByRole('button', { name: /Compare selected runs/ }).click()
  const chart = page.getByRole('region', { name: 'Plots' }).getByRole('img', { name: /^Residuals by run/ })
  await chart.scrollIntoViewIfNeeded({ timeout: 60_000 })
  await expect(chart.locator('canvas')).toBeAttached({ timeout: 30_000 })
  // The chart grows by the legend rows it needs (the two run names take at most two rows at half a page).
  expect([360, 382]).toContain((await chart.boundingBox())!.height)
  await page.waitForTimeout(500)
  await chart.screenshot({ path: 'test-results/legibility-housing-compare-residuals.png' })
})
