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

  // The test rows as a new file, without the target column.
  const lines = readFixture('datasets/breast_cancer.csv').toString('utf8').trim().split('\n')
  const header = lines[0].split(',')
  const target = header.indexOf('diagnosis')
  const testRows = runPredictions.slice(1).map((row) => Number(row[0]))
  const newFile = [
    header.filter((_, i) => i !== target).join(','),
    ...testRows.map((r) =>
      lines[r + 1]
        .split(',')
        .filter((_, i) => i !== target)
        .join(','),
    ),
  ].join('\n')

  await page
    .getByLabel('Use a model package file')
    .setInputFiles({ name: 'model-package.json', mimeType: 'application/json', buffer: packageBytes })
  await page
    .getByLabel('Predict on a data file')
    .setInputFiles({ name: 'new-patients.csv', mimeType: 'text/csv', buffer: Buffer.from(newFile) })
  await expect(page.getByRole('status').filter({ hasText: 'Predicted' })).toHaveText(
    `Predicted ${testRows.length} rows of new-patients.csv.`,
  )
  // A preview of the first rows, probabilities rounded, before anything is downloaded.
  const preview = page.getByRole('table', { name: 'Predictions preview' })
  await expect(preview.getByRole('columnheader')).toHaveText([
    'row',
    'predicted',
    'proba_benign',
    'proba_malignant',
  ])
  await expect(preview.getByRole('row')).toHaveCount(1 + Math.min(10, testRows.length))
  const firstRow = preview.getByRole('row').nth(1).getByRole('cell')
  await expect(firstRow.nth(1)).toHaveText(runPredictions[1][runPredictions[0].indexOf('y_pred')])
  await expect(firstRow.nth(2)).toHaveText(
    Number(runPredictions[1][runPredictions[0].indexOf('proba_benign')]).toFixed(3),
  )
  const [predictionsDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download new-patients-predictions.csv' }).click(),
  ])
  const predicted = parseCsv(await readFile(await predictionsDownload.path(), 'utf8'))
  expect(predicted[0]).toEqual(['row', 'predicted', 'proba_benign', 'proba_malignant'])
  const runHeader = runPredictions[0]
  for (let i = 1; i < predicted.length; i++) {
    expect(predicted[i][1]).toBe(runPredictions[i][runHeader.indexOf('y_pred')])
    expect(Number(predicted[i][2])).toBe(Number(runPredictions[i][runHeader.indexOf('proba_benign')]))
    expect(Number(predicted[i][3])).toBe(Number(runPredictions[i][runHeader.indexOf('proba_malignant')]))
  }

  // Missing columns are named.
  await page
    .getByLabel('Predict on a data file')
    .setInputFiles({ name: 'partial.csv', mimeType: 'text/csv', buffer: Buffer.from('mean radius\n1.5\n') })
  await expect(page.getByRole('alert')).toContainText('Missing columns: mean texture')
})
