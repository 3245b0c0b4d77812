import { readFile } from 'node:fs/promises'
import { expect, newExperiment, nextRunCompletes, test } from './fixtures.ts'

test('penguins: detected multiclass task on species, a run with defaults completes with metrics and artifacts', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/penguins.csv')
  await expect(page.getByLabel('Target column')).toHaveValue('species')
  await expect(page.getByLabel('Task type')).toHaveValue('multiclass')
  await expect(page.getByLabel('Metric to optimize')).toHaveValue('accuracy')
  await expect(page.getByText('Why these choices')).toBeVisible()

  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  const accuracy = Number(await page.locator('[data-metric="accuracy"]').textContent())
  expect(accuracy).toBeGreaterThan(0.9)
  await expect(page.getByTestId('lineage-backend')).toHaveText(/wasm|cpu|webgl|webgpu/)
  await expect(page.getByRole('table', { name: 'Model selection' }).getByRole('row')).not.toHaveCount(1)

  for (const name of ['metrics.json', 'run.log']) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Download ${name}` }).click(),
    ])
    expect(download.suggestedFilename()).toBe(name)
  }
  const modelButton = page.getByRole('button', { name: /^Download model-(logistic|mlp|gbdt|rf|tree)\./ })
  const [modelDownload] = await Promise.all([page.waitForEvent('download'), modelButton.click()])
  expect(modelDownload.suggestedFilename()).toMatch(/^model-(logistic|mlp|gbdt|rf|tree)\.(json|bin)$/)
  // A neural model also exports as standard TF.js model files (model.json + weights).
  await expect(page.getByTestId('chosen-model')).toHaveText('Logistic / softmax regression')
  const [tfjsDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download tfjs-model.json' }).click(),
  ])
  const tfjsModel = JSON.parse(
    await (await import('node:fs/promises')).readFile(await tfjsDownload.path(), 'utf8'),
  )
  expect(tfjsModel.format).toBe('layers-model')
  await expect(
    page.getByRole('button', { name: `Download ${tfjsModel.weightsManifest[0].paths[0]}` }),
  ).toBeVisible()
  const metricsDownload = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download metrics.json' }).click(),
  ])
  const text = await (await import('node:fs/promises')).readFile(await metricsDownload[0].path(), 'utf8')
  expect(JSON.parse(text).metrics.accuracy).toBeCloseTo(accuracy, 3)
})

test('changing a setting gives a second run with a different snapshot hash; the first stays as it was', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  const firstUrl = page.url()
  const firstHash = await page.getByTestId('lineage-snapshot-hash').textContent()
  const firstAccuracy = await page.locator('[data-metric="accuracy"]').textContent()

  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  const version = await page.getByTestId('pipeline-version').textContent()
  await page.getByLabel('Scaling').selectOption('minmax')
  await expect(page.getByTestId('pipeline-version')).not.toHaveText(version ?? '')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  const secondHash = await page.getByTestId('lineage-snapshot-hash').textContent()
  expect(secondHash).not.toBe(firstHash)
  await expect(
    page.getByRole('table', { name: 'Run 2' }).or(page.getByRole('heading', { level: 1 })),
  ).toContainText('Run 2')

  await page.goto(firstUrl)
  await expect(page.getByTestId('lineage-snapshot-hash')).toHaveText(firstHash ?? '')
  await expect(page.locator('[data-metric="accuracy"]')).toHaveText(firstAccuracy ?? '')
  await expect(page.getByRole('row', { name: /scaling/ })).toContainText('standard')
})

test('Cancel stops a run at once: it is "cancelled" (not failed) and offers no bundle export', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/credit_data.csv')
  await page.getByLabel('Validation scheme').selectOption('kfold')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await page.getByRole('button', { name: 'Cancel run' }).click()
  await expect(page.getByTestId('run-status')).toHaveText('cancelled')
  const cancelledUrl = page.url()
  await expect(page.getByRole('status').filter({ hasText: 'Cancelled' })).toContainText(
    'the run was stopped before it finished',
  )
  await expect(page.getByTestId('run-failure')).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Re-run' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Export run bundle' })).toHaveCount(0)
  // The app works on: the next run completes, in a new worker (the cancelled one was terminated, not kept).
  await nextRunCompletes(page, /credit_data · Status/)
  await expect(page.getByRole('log', { name: 'Run log' })).toContainText(
    'Run worker: first run in this worker',
  )
  // The cancelled run stays cancelled after a fresh load of its page.
  await page.goto(cancelledUrl)
  await expect(page.getByTestId('run-status')).toHaveText('cancelled')
  await expect(page.getByRole('button', { name: 'Export run bundle' })).toHaveCount(0)
})

test('the run worker warms up while the page is open and is reused by the next run: the logs say so, and metrics and model are the same', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  const runLog = page.getByRole('log', { name: 'Run log' })
  const runButton = page.getByRole('button', { name: 'Run', exact: true })
  const metricsOf = async () =>
    Object.fromEntries(
      await Promise.all(
        (await page.locator('[data-metric]').all()).map(async (cell) => [
          await cell.getAttribute('data-metric'),
          await cell.textContent(),
        ]),
      ),
    )
  const modelBytes = async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download model-package.json' }).click(),
    ])
    // What the run fitted: the model's bytes and everything it predicts with, without the run's id and time.
    const {
      createdAt: _,
      provenance: __,
      ...fitted
    } = JSON.parse((await readFile(await download.path())).toString('utf8'))
    return fitted
  }

  // The worker started with the page and has done its practice run: the first run is warm too.
  await expect(runButton).toHaveAttribute('data-run-worker', 'warm', { timeout: 60_000 })
  await runButton.click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  await expect(runLog).toContainText(
    'Run worker: first run in this worker, warmed up ahead by a practice run on a generated table',
  )
  const first = {
    metrics: await metricsOf(),
    hash: await page.getByTestId('lineage-snapshot-hash').textContent(),
  }
  const firstModel = await modelBytes()
  expect(Object.keys(first.metrics)).toContain('accuracy')

  await page
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  // Kept after the run, so warm at once.
  await expect(runButton).toHaveAttribute('data-run-worker', 'warm')
  await runButton.click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  await expect(runLog).toContainText('Run worker: reused (run 2 in this worker')
  await expect(page.getByTestId('lineage-snapshot-hash')).toHaveText(first.hash ?? '')
  expect(await metricsOf()).toEqual(first.metrics)
  // The same snapshot and seed in a warm worker fit the same model, byte for byte.
  expect(await modelBytes()).toEqual(firstModel)
  expect(firstModel.model.bytes.length).toBeGreaterThan(100)
})

test('a run left running by a reload is marked failed (interrupted) and the app works on', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/credit_data.csv')
  await page.getByLabel('Validation scheme').selectOption('kfold')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('running')
  await page.reload()
  await expect(page.getByTestId('run-status')).toHaveText('failed')
  await expect(page.getByTestId('run-failure')).toContainText('interrupted')
  await page
    .getByRole('link', { name: /credit_data · Status/ })
    .first()
    .click()
  await expect(page.getByRole('table', { name: 'Runs of this experiment' })).toContainText(
    'failed (interrupted)',
  )
})
