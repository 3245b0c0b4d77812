import { readFile } from 'node:fs/promises'
import type { Page } from '@playwright/test'
import { expect, newExperiment, test } from './fixtures.ts'

async function completedRun(page: Page, fixture: string) {
  await newExperiment(page, fixture)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
}

test('a classification run shows every plot, downloads its report, and the report opens offline', async ({
  page,
  context,
}) => {
  await completedRun(page, 'datasets/breast_cancer.csv')
  const plots = page.getByRole('region', { name: 'Evaluation plots' })
  for (const title of [/^Confusion matrix/, /^ROC/, /^Precision/, /^Calibration/]) {
    await expect(plots.getByRole('img', { name: title }).first()).toBeVisible()
  }
  const explanations = page.getByRole('region', { name: 'Explanations' })
  await expect(explanations.getByRole('img', { name: /importance/i }).first()).toBeVisible()
  await expect(explanations.getByRole('img', { name: /partial dependence/i }).first()).toBeVisible()
  const [svg] = await Promise.all([
    page.waitForEvent('download'),
    plots
      .getByRole('button', { name: /^Download ROC.* as SVG$/ })
      .first()
      .click(),
  ])
  expect(await readFile(await svg.path(), 'utf8')).toContain('<svg')
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    plots
      .getByRole('button', { name: /^Download ROC.* as PNG$/ })
      .first()
      .click(),
  ])
  expect((await readFile(await png.path())).subarray(1, 4).toString()).toBe('PNG')

  const [report] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download report.html' }).click(),
  ])
  const html = await readFile(await report.path(), 'utf8')
  expect(html).not.toMatch(/(src|href)="https?:/)
  await context.setOffline(true)
  const reader = await context.newPage()
  await reader.setContent(html)
  await expect(reader.getByRole('heading', { level: 1 })).toBeVisible()
  expect(await reader.locator('figure svg').count()).toBeGreaterThan(5)
  await expect(reader.getByText('roc_auc').first()).toBeVisible()
  await context.setOffline(false)
})

test('a regression run shows residuals and predicted vs actual', async ({ page }) => {
  await completedRun(page, 'datasets/diabetes.csv')
  const plots = page.getByRole('region', { name: 'Evaluation plots' })
  await expect(plots.getByRole('img', { name: /^Residuals/ })).toBeVisible()
  await expect(plots.getByRole('img', { name: /^Predicted/ })).toBeVisible()
  await expect(page.locator('[data-metric="r2"]')).toBeVisible()
})

test('comparing two runs shows the changed setting and the metric difference', async ({ page }) => {
  await completedRun(page, 'datasets/iris.csv')
  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  await page.getByLabel('Seed').fill('7')
  await page.getByLabel('Seed').press('Tab')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  await page.getByRole('checkbox', { name: 'Select run 1 for comparison' }).check()
  await page.getByRole('checkbox', { name: 'Select run 2 for comparison' }).check()
  await page.getByRole('button', { name: /Compare selected runs/ }).click()
  const settings = page.getByRole('table', { name: 'Pipeline differences' })
  await expect(settings.getByRole('row', { name: /Global › seed/ })).toContainText('42')
  await expect(settings.getByRole('row', { name: /Global › seed/ })).toContainText('7')
  await expect(
    page.getByRole('table', { name: 'Metrics' }).getByRole('row', { name: /^Accuracy/ }),
  ).toBeVisible()
  await expect(page.getByRole('region', { name: 'Plots' }).getByRole('img', { name: /ROC/ })).toBeVisible()

  // The change in words, against the baseline (Run 1 until another is picked).
  const changes = page.getByRole('list', { name: 'Changes from the baseline' })
  await expect(changes).toHaveText('Run 2: Global: seed 42 → 7')
  // Log loss: lower is better, so a positive difference reads "worse" (and is coloured so).
  const logLoss = page.getByTestId('compare-log_loss-1')
  const text = (await logLoss.textContent()) ?? ''
  const sign = /\(([+-])/.exec(text)?.[1]
  if (sign) {
    await expect(logLoss.locator('span')).toHaveClass(sign === '+' ? 'worse' : 'better')
    await expect(logLoss).toContainText(sign === '+' ? 'worse' : 'better')
  }

  await page.getByLabel('Baseline run').selectOption({ label: 'Run 2' })
  await expect(page).toHaveURL(/baseline=run_/)
  await expect(changes).toHaveText('Run 1: Global: seed 7 → 42')
  await expect(
    page.getByRole('table', { name: 'Metrics' }).getByRole('columnheader', { name: /Run 2/ }),
  ).toContainText('(baseline)')
  if (sign) {
    const first = page.getByTestId('compare-log_loss-0')
    await expect(first.locator('span')).toHaveClass(sign === '+' ? 'better' : 'worse')
  }
})
