/** Issue 13, bug 8: a single candidate is said to be unvalidated, not "validation accuracy = NaN". */
import { expect, newExperiment, test } from './fixtures.ts'

test('a single candidate model reads "not validated: the only candidate" in the table and the log', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  const candidates = page.getByRole('group', { name: 'Candidate models' })
  await candidates.getByRole('checkbox', { name: 'Automatic choice' }).uncheck()
  for (const family of ['Gradient-boosted trees', 'Multilayer perceptron', 'Random forest'])
    await candidates.getByRole('checkbox', { name: family }).uncheck()
  await expect(candidates.getByRole('checkbox', { name: 'Logistic / softmax regression' })).toBeChecked()
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })

  const table = page.getByRole('table', { name: 'Model selection' })
  const row = table.getByRole('row', { name: /Logistic/ })
  await expect(row).toContainText('not validated: the only candidate')
  await expect(row).not.toContainText('—')
  await expect(row).not.toContainText('0 ms')
  const log = page.getByRole('log', { name: 'Run log' })
  await expect(log).toContainText('not validated, as it is the only candidate')
  await expect(log).not.toContainText('NaN')
})
