import type { Page } from '@playwright/test'
import { expect, newExperiment, test, typeIntoEditor } from './fixtures.ts'

const ratioHook = `function hook(ctx) {
  const bill = ctx.data.bill_length_mm
  const depth = ctx.data.bill_depth_mm
  return { data: { bill_ratio: bill.map((b, i) => b / depth[i]) } }
}
`

/** A new iris experiment whose evaluation block has one hook of `kind`, loaded from a file. */
async function irisWithEvaluationHook(page: Page, kind: string, fileName: string, code: string) {
  await newExperiment(page, 'datasets/iris.csv')
  await page.getByText('5. Evaluation').click()
  const hooks = page.getByLabel('Hooks of evaluation')
  await hooks.getByRole('combobox', { name: 'evaluation hook kind' }).selectOption(kind)
  await hooks
    .getByLabel('Load a evaluation hook from a .js file')
    .setInputFiles({ name: fileName, mimeType: 'text/javascript', buffer: Buffer.from(code) })
  await expect(hooks.getByText(`file ${fileName}`)).toBeVisible()
}

test('a before_preprocessing hook written in the editor adds a feature; editing it never changes the past run', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/penguins.csv')
  const experimentUrl = page.url()

  const hooks = page.getByLabel('Hooks of preprocessing')
  await hooks.getByRole('combobox', { name: 'preprocessing hook kind' }).selectOption('before_preprocessing')
  await hooks.getByRole('button', { name: 'Add before_preprocessing hook' }).click()
  await typeIntoEditor(page, 'Code of hook before_preprocessing 1', ratioHook)
  await expect(page.getByRole('complementary', { name: 'Hook API' })).toContainText('before_preprocessing')
  await hooks.getByRole('button', { name: 'Save hook' }).click()
  await expect(hooks.getByRole('status')).toHaveText('Saved')

  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  const firstRunUrl = page.url()
  await expect(
    page
      .getByRole('table', { name: 'Feature importance' })
      .getByRole('rowheader', { name: /bill_ratio/ })
      .first(),
  ).toBeVisible()
  const hookHash = await page.getByTestId('lineage-hook-hash').textContent()
  expect(hookHash).toMatch(/^[0-9a-f]{64}$/)
  const accuracy = await page.locator('[data-metric="accuracy"]').textContent()
  await expect(page.getByLabel('Code of hook before_preprocessing 1 used by this run')).toContainText(
    'bill_ratio',
  )

  // Edit the hook: the past run keeps its code, hash and metrics.
  await page.goto(experimentUrl)
  await page
    .getByLabel('Hooks of preprocessing')
    .getByRole('button', { name: 'Edit before_preprocessing 1' })
    .click()
  await typeIntoEditor(
    page,
    'Code of hook before_preprocessing 1',
    ratioHook.replaceAll('bill_ratio', 'bill_product').replace('b / depth[i]', 'b * depth[i]'),
  )
  await page.getByLabel('Hooks of preprocessing').getByRole('button', { name: 'Save hook' }).click()
  await expect(page.getByLabel('Hooks of preprocessing').getByRole('status')).toHaveText('Saved')

  await page.goto(firstRunUrl)
  await expect(page.getByTestId('lineage-hook-hash')).toHaveText(hookHash ?? '')
  await expect(page.getByLabel('Code of hook before_preprocessing 1 used by this run')).toContainText(
    'bill_ratio',
  )
  await expect(page.getByLabel('Code of hook before_preprocessing 1 used by this run')).not.toContainText(
    'bill_product',
  )
  await expect(page.locator('[data-metric="accuracy"]')).toHaveText(accuracy ?? '')
})

test('a hook that breaks a limit fails the run with a message naming the hook and the limit; the next run works', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  const hooks = page.getByLabel('Hooks of preprocessing')
  await hooks.getByRole('button', { name: 'Add before_preprocessing hook' }).click()
  await typeIntoEditor(
    page,
    'Code of hook before_preprocessing 1',
    'function hook(ctx) {\n  while (true) {}\n}\n',
  )
  await hooks.getByRole('button', { name: 'Save hook' }).click()
  await expect(hooks.getByRole('status')).toHaveText('Saved')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('failed', { timeout: 120_000 })
  await expect(page.getByTestId('run-failure')).toContainText('before_preprocessing 1')
  await expect(page.getByTestId('run-failure')).toContainText(/CPU|time/i)

  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  await page
    .getByLabel('Hooks of preprocessing')
    .getByRole('button', { name: 'Delete before_preprocessing 1' })
    .click()
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
})

test('syntax errors are marked in the editor before any run', async ({ page }) => {
  await newExperiment(page, 'datasets/iris.csv')
  const hooks = page.getByLabel('Hooks of preprocessing')
  await hooks.getByRole('button', { name: 'Add before_preprocessing hook' }).click()
  await typeIntoEditor(page, 'Code of hook before_preprocessing 1', 'function hook(ctx) {\n  return {\n}\n')
  await expect(page.locator('.cm-lint-marker-error').first()).toBeVisible({ timeout: 30_000 })
})

test('a file-based hook is read and hashed when loaded; the stored code changes only when the file is reloaded', async ({
  page,
}) => {
  // A full run plus the checks around it: more than the default two minutes on a busy machine.
  test.setTimeout(240_000)
  // accuracy is a built-in metric: the hook's 0.01 must not replace it (issue 14.6).
  const first = 'function hook(ctx) {\n  return { metrics: { answer: 42, accuracy: 0.01 } }\n}\n'
  await irisWithEvaluationHook(page, 'after_evaluation', 'answer.js', first)
  const version = await page.getByTestId('pipeline-version').textContent()

  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  const hookMetrics = page.getByRole('table', { name: 'Hook metrics' })
  await expect(hookMetrics.getByRole('row', { name: /answer/ })).toContainText('42')
  await expect(hookMetrics.getByRole('row', { name: /accuracy/ })).toContainText('0.01')
  const testMetrics = page.getByRole('table', { name: 'Test metrics' })
  await expect(testMetrics.getByRole('row', { name: /^Accuracy/ })).not.toContainText('0.01')
  await expect(testMetrics.getByRole('row', { name: /answer/ })).toHaveCount(0)
  await page.getByRole('heading', { name: 'Hook metrics' }).scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/hook-metrics.png' })

  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  const second = first.replace('42', '43')
  await page
    .getByLabel('Hooks of evaluation')
    .getByLabel('Reload answer.js from a file')
    .setInputFiles({ name: 'answer.js', mimeType: 'text/javascript', buffer: Buffer.from(second) })
  await expect(page.getByTestId('pipeline-version')).not.toHaveText(version ?? '')
})

test('metrics from an override_evaluation hook are marked as computed by a hook on the run page and in the runs table', async ({
  page,
}) => {
  test.setTimeout(240_000)
  const code = 'function hook(ctx) {\n  return { metrics: { accuracy: 0.5 } }\n}\n'
  await irisWithEvaluationHook(page, 'override_evaluation', 'judge.js', code)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await expect(page.getByRole('heading', { name: 'Test metrics (computed by a hook)' })).toBeVisible()
  await expect(page.getByRole('note')).toContainText('An override_evaluation hook computed these metrics')
  await expect(
    page
      .getByRole('table', { name: 'Test metrics (computed by a hook)' })
      .getByRole('row', { name: /^Accuracy/ }),
  ).toContainText('0.5')
  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  await expect(page.getByText('(by a hook)')).toBeVisible()
})
