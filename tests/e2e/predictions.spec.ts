import { readFile } from 'node:fs/promises'
import { expect, newExperiment, readFixture, test } from './fixtures.ts'

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(','))
}

test('boosted trees chosen: the model package downloads, reloads, and predicts the test rows exactly as the run did', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/breast_cancer.csv')
  const candidates = page.getByRole('group', { name: 'Candidate models' })
  await candidates.getByRole('checkbox', { name: 'Automatic choice' }).uncheck()
  for (const family of ['Logistic / softmax regression', 'Multilayer perceptron', 'Random forest']) {
    await candidates.getByRole('checkbox', { name: family }).uncheck()
  }
  await expect(candidates.getByRole('checkbox', { name: 'Gradient-boosted trees' })).toBeChecked()
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await expect(page.getByTestId('chosen-model')).toHaveText('Gradient-boosted trees')
  // A run of tree models only never starts TF.js, and says so.
  await expect(page.getByRole('log', { name: 'Run log' })).toContainText(
    "TF.js backend: cpu (not started: every candidate is a tree model, which runs in Butterfly's own code)",
  )
  await expect(page.getByTestId('lineage-backend')).toHaveText(/cpu/)

  const [packageDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download model-package.json' }).click(),
  ])
  const packageBytes = await readFile(await packageDownload.path())
  expect(JSON.parse(packageBytes.toString('utf8')).format).toBe('butterfly/model-package')
  const [testDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download test-predictions.csv' }).click(),
  ])
  const runPredictions = parseCsv(await readFile(await testDownload.path(), 'utf8'))

  // The test rows as a new file, without the target column, with the patients' ids in front.
  const lines = readFixture('datasets/breast_cancer.csv').toString('utf8').trim().split('\n')
  const header = lines[0].split(',')
  const target = header.indexOf('diagnosis')
  const testRows = runPredictions.slice(1).map((row) => Number(row[0]))
  const patientId = (i: number) => `P-${String(1000 + testRows[i])}`
  const newFile = [
    ['patient_id', ...header.filter((_, i) => i !== target)].join(','),
    ...testRows.map((r, i) =>
      [patientId(i), ...lines[r + 1].split(',').filter((_, i) => i !== target)].join(','),
    ),
  ].join('\n')

  await page
    .getByLabel('Use a model package file')
    .setInputFiles({ name: 'model-package.json', mimeType: 'application/json', buffer: packageBytes })
  let downloads = 0
  page.on('download', () => downloads++)
  await page
    .getByLabel('Predict on a data file')
    .setInputFiles({ name: 'new-patients.csv', mimeType: 'text/csv', buffer: Buffer.from(newFile) })
  await expect(page.getByRole('status').filter({ hasText: 'Predicted' })).toHaveText(
    `Predicted ${testRows.length} rows of new-patients.csv.`,
  )
  // A preview of the first rows, the input's id column kept, probabilities rounded, before any download.
  const preview = page.getByRole('table', { name: 'Predictions preview' })
  const expectedHeader = ['patient_id', 'row', 'predicted', 'proba_benign', 'proba_malignant']
  await expect(preview.getByRole('columnheader')).toHaveText(expectedHeader)
  await expect(preview.getByRole('row')).toHaveCount(1 + Math.min(10, testRows.length))
  const runHeader = runPredictions[0]
  for (const i of [0, 1, 9]) {
    const cells = preview
      .getByRole('row')
      .nth(i + 1)
      .getByRole('cell')
    await expect(cells.nth(0)).toHaveText(patientId(i))
    await expect(cells.nth(1)).toHaveText(String(i))
    await expect(cells.nth(2)).toHaveText(runPredictions[i + 1][runHeader.indexOf('y_pred')])
    await expect(cells.nth(3)).toHaveText(
      Number(runPredictions[i + 1][runHeader.indexOf('proba_benign')]).toFixed(3),
    )
    await expect(cells.nth(4)).toHaveText(/^[01]\.\d{3}$/)
  }
  await page.getByRole('region', { name: 'Predict on new data' }).screenshot({
    path: 'test-results/predictions-preview.png',
  })
  // Nothing was downloaded until the button is clicked.
  expect(downloads).toBe(0)
  const [predictionsDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download predictions' }).click(),
  ])
  expect(predictionsDownload.suggestedFilename()).toBe('new-patients-predictions.csv')
  const predicted = parseCsv(await readFile(await predictionsDownload.path(), 'utf8'))
  expect(predicted[0]).toEqual(expectedHeader)
  expect(predicted).toHaveLength(1 + testRows.length)
  for (let i = 1; i < predicted.length; i++) {
    expect(predicted[i][0]).toBe(patientId(i - 1))
    expect(predicted[i][2]).toBe(runPredictions[i][runHeader.indexOf('y_pred')])
    // The file keeps every digit.
    expect(Number(predicted[i][3])).toBe(Number(runPredictions[i][runHeader.indexOf('proba_benign')]))
    expect(Number(predicted[i][4])).toBe(Number(runPredictions[i][runHeader.indexOf('proba_malignant')]))
  }

  // Missing columns are named.
  await page
    .getByLabel('Predict on a data file')
    .setInputFiles({ name: 'partial.csv', mimeType: 'text/csv', buffer: Buffer.from('mean radius\n1.5\n') })
  await expect(page.getByRole('alert')).toContainText('Missing columns: mean texture')
})
