import { readFile } from 'node:fs/promises'
import { BlobReader, BlobWriter, TextReader, Uint8ArrayReader, ZipReader, ZipWriter } from '@zip.js/zip.js'
import { expect, newExperiment, test } from './fixtures.ts'

/** The bundle with its manifest's accuracy changed and every hashed file as it was (a lie no hash catches). */
async function withLyingManifest(bundle: Buffer): Promise<Buffer> {
  const reader = new ZipReader(new Uint8ArrayReader(new Uint8Array(bundle)), { useWebWorkers: false })
  const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
  for (const entry of await reader.getEntries()) {
    if (entry.directory || !entry.getData) continue
    const blob = await entry.getData(new BlobWriter())
    if (entry.filename !== 'manifest.json') await writer.add(entry.filename, new BlobReader(blob))
    else {
      const manifest = JSON.parse(await blob.text())
      manifest.run.metrics.accuracy = 0.123
      await writer.add(entry.filename, new TextReader(JSON.stringify(manifest)))
    }
  }
  await reader.close()
  return Buffer.from(await (await writer.close()).arrayBuffer())
}

test('export a run, import it into a second workspace with identical metrics and lineage, re-run it, and refuse a tampered bundle', async ({
  page,
}) => {
  await newExperiment(page, 'datasets/iris.csv')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  const accuracy = await page.locator('[data-metric="accuracy"]').textContent()
  const snapshotHash = await page.getByTestId('lineage-snapshot-hash').textContent()
  const datasetHash = await page.getByTestId('lineage-dataset-hash').textContent()
  await expect(page.getByRole('button', { name: 'Download notebook.ipynb' })).toBeVisible()

  await page.getByRole('button', { name: 'Export run bundle' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export run bundle' })
  await expect(dialog.getByRole('checkbox', { name: /Include the dataset file/ })).not.toBeChecked()
  await dialog.getByRole('checkbox', { name: /Include the dataset file/ }).check()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Export' }).click(),
  ])
  expect(download.suggestedFilename()).toMatch(/\.butterfly\.zip$/)
  const bundle = await readFile(await download.path())

  const nav = page.getByRole('navigation', { name: 'Workspace' })
  await nav.getByRole('button', { name: 'New workspace' }).click()
  await page.getByRole('dialog', { name: 'New workspace' }).getByLabel('Workspace name').fill('Receiver')
  await page.getByRole('dialog', { name: 'New workspace' }).getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Receiver')
  const receiverUrl = new RegExp(`${new URL(page.url()).pathname.match(/\/w\/ws_[^/]+/)?.[0]}/`)

  // One flipped byte: rejected with a message, nothing written.
  const tampered = Buffer.from(bundle)
  tampered[Math.floor(tampered.length / 2)] ^= 0xff
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: 'tampered.butterfly.zip', mimeType: 'application/zip', buffer: tampered })
  await expect(page.getByRole('alert')).toContainText('Could not import “tampered.butterfly.zip”')
  await expect(page.getByText('No datasets yet')).toBeVisible()
  await expect(page.getByText('No experiments yet')).toBeVisible()

  // A manifest that lies about a number while every hash matches: refused, naming the field.
  await page.getByLabel('Import a data file').setInputFiles({
    name: 'forged.butterfly.zip',
    mimeType: 'application/zip',
    buffer: await withLyingManifest(bundle),
  })
  await expect(page.getByRole('alert')).toContainText(
    /The manifest's run\.metrics\.accuracy is 0\.123 but the hashed metrics\.json says 0\.\d+/,
  )
  await page.screenshot({ path: 'test-results/forged-bundle.png' })
  await expect(page.getByText('No datasets yet')).toBeVisible()
  await expect(page.getByText('No experiments yet')).toBeVisible()

  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/zip', buffer: bundle })
  await expect(page).toHaveURL(/\/runs\/run_/, { timeout: 60_000 })
  await expect(page.getByTestId('run-origin')).toContainText('imported')
  // Issue 13 bug 10: short separate sentences with names, no raw ids, nothing "already here" that is not.
  const notice = page.getByRole('status').filter({ hasText: 'added' })
  await expect(notice).toContainText('Dataset “iris” added as version 1.')
  await expect(notice).toContainText('Experiment “iris · species” added.')
  await expect(notice).not.toContainText(/(run|exp|ds)_[0-9A-Za-z]{6}/)
  await expect(notice).not.toContainText('already exists here')
  await expect(page.locator('[data-metric="accuracy"]')).toHaveText(accuracy ?? '')
  await expect(page.getByTestId('lineage-snapshot-hash')).toHaveText(snapshotHash ?? '')
  await expect(page.getByTestId('lineage-dataset-hash')).toHaveText(datasetHash ?? '')
  await expect(
    page.getByRole('region', { name: 'Evaluation plots' }).getByRole('img', { name: /^ROC/ }).first(),
  ).toBeVisible()

  await page.getByRole('button', { name: 'Re-run' }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await expect(page.getByTestId('rerun-check')).toHaveText(/metrics match exactly/)

  // Issue 13 bug 1: the re-run belongs to the Receiver's experiment, not the origin's in the first workspace.
  await expect(page).toHaveURL(receiverUrl)
  await page.getByRole('heading', { level: 1 }).getByRole('link').click()
  await expect(page.getByRole('table', { name: 'Runs of this experiment' }).getByRole('row')).toHaveCount(3)
  await nav.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: 'My workspace' })
  await nav
    .getByRole('link', { name: /iris · species/ })
    .first()
    .click()
  await expect(page.getByRole('table', { name: 'Runs of this experiment' }).getByRole('row')).toHaveCount(2)
})
