/**
 * Faults in the browser: a reload in the middle of an import. After it, the app removes what the
 * interrupted import left in storage, says so, and nothing is left: no file without its record, no
 * record without its file; the same file imports again.
 */
import type { Page } from '@playwright/test'
import { expect, newExperiment, nextRunCompletes, openApp, test } from './fixtures.ts'

/** A CSV large enough that its import spends seconds in each phase (about 5 MB). */
function bigCsv(): Buffer {
  const lines = ['id,a,b,c,label']
  for (let i = 0; i < 200_000; i++)
    lines.push(`${i},${(i * 7919) % 1000},${(i * 31) % 97},x${i % 13},${i % 2 ? 'yes' : 'no'}`)
  return Buffer.from(`${lines.join('\n')}\n`)
}

/** Every file in the Origin Private File System, as paths. */
async function opfsFiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = []
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [name, handle] of (
        dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
      ).entries()) {
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`)
        else out.push(`${prefix}${name}`)
      }
    }
    await walk(await navigator.storage.getDirectory(), '')
    return out.sort()
  })
}

for (const phase of ['Loading into the table engine', 'Profiling columns']) {
  test(`a reload during "${phase}" leaves nothing behind, and the person is told what was cleaned`, async ({
    page,
  }) => {
    test.setTimeout(300_000)
    const csv = bigCsv()
    await openApp(page)
    // The page reloads itself the moment the phase is shown: the profile of this file can take less time
    // than a poll from the test takes to notice it, and then the reload came after the import.
    await page.evaluate((phase) => {
      new MutationObserver((_, observer) => {
        if (!document.body.textContent?.includes(phase)) return
        observer.disconnect()
        location.reload()
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    }, phase)
    const reloaded = page.waitForEvent('load', { timeout: 60_000 })
    await page
      .getByLabel('Import a data file')
      .setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: csv })
    await reloaded
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    const notice = page.getByRole('status', { name: 'Storage cleaned up' })
    // When the interrupted import had begun storing the file (a .partial, or the whole file without its
    // record), the person is told it was removed.
    const leftBehind = (await opfsFiles(page)).filter((path) => /\/datasets\//.test(path))
    if (leftBehind.length > 0 || (await notice.count()) > 0)
      await expect(notice).toContainText(/^Cleaned up after an interrupted import: removed 1 file \(/)
    await expect
      .poll(async () => (await opfsFiles(page)).filter((path) => /\/datasets\//.test(path)))
      .toEqual([])
    await expect(
      page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'big' }),
    ).toHaveCount(0)

    // The workspace is usable: the same file imports, and its one file is what its record names.
    await page
      .getByLabel('Import a data file')
      .setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: csv })
    await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 120_000 })
    await expect(page.getByTestId('row-count')).toHaveText('200,000')
    const hash = await page.getByTestId('dataset-hash').textContent()
    expect((await opfsFiles(page)).filter((path) => /\/datasets\//.test(path))).toEqual([
      expect.stringMatching(new RegExp(`/datasets/${hash}\\.csv$`)),
    ])
  })
}

test('a run worker that crashes mid-run fails the run (never stuck in "running"), and the next run completes', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/credit_data.csv')
  await page.getByLabel('Validation scheme').selectOption('kfold')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  // The run worker was started when the experiment page opened (kept warm for the run): the only one.
  const runWorkers = page.workers().filter((worker) => /run\.worker/.test(worker.url()))
  expect(runWorkers).toHaveLength(1)
  // The fault: an error nothing in the worker catches, while the run is training.
  await runWorkers[0].evaluate(() => {
    setTimeout(() => {
      throw new Error('injected crash')
    }, 0)
  })
  await expect(page.getByTestId('run-status')).toHaveText('failed', { timeout: 30_000 })
  await expect(page.getByTestId('run-failure')).toContainText(/The run's worker crashed \(.*injected crash\)/)
  await page.screenshot({ path: 'test-results/fault-worker-crash.png' })
  await page.reload()
  await expect(page.getByTestId('run-status')).toHaveText('failed')
  // The workspace is usable: the next run completes.
  await nextRunCompletes(page, /credit_data · Status/)
})

test('storage quota exceeded while the file is stored: a clear sentence, no orphan file, no record', async ({
  page,
}) => {
  test.setTimeout(300_000)
  const csv = bigCsv()
  await openApp(page)
  await expect(page.getByTestId('engine-status')).toHaveText('', { timeout: 90_000 })
  // The fault, in the data worker (which stores files): a small quota, so writing the file's bytes
  // past the first megabyte fails the way a full origin does.
  const dataWorker = page.workers().find((worker) => /data\.worker/.test(worker.url()))
  expect(dataWorker).toBeDefined()
  await dataWorker!.evaluate(() => {
    const proto = FileSystemWritableFileStream.prototype
    const write = proto.write
    let written = 0
    proto.write = async function (this: FileSystemWritableFileStream, data: FileSystemWriteChunkType) {
      written += data instanceof Blob ? data.size : ArrayBuffer.isView(data) ? data.byteLength : 0
      if (written > 1_000_000) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      return write.call(this, data)
    }
  })
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: csv })
  // The file the person chose, the room it needs and what to do; no internal path, hash or engine text.
  await expect(page.getByRole('alert')).toContainText(
    /“big\.csv” \([\d.]+ MB\) could not be saved: the browser's storage for this site is full\. Free at least [\d.]+ MB/,
    { timeout: 120_000 },
  )
  await expect(page.getByRole('alert')).toContainText('Open folder…')
  await page.screenshot({ path: 'test-results/fault-quota.png' })
  await expect(page.getByRole('alert')).not.toContainText(
    /QuotaExceededError|DOMException|datasets\/|[0-9a-f]{16}|\.partial/,
  )
  expect(await opfsFiles(page)).not.toContainEqual(expect.stringMatching(/\/datasets\//))
  await expect(
    page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'big' }),
  ).toHaveCount(0)
  // With room again (a fresh worker after a reload), the same file imports.
  await page.reload()
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: csv })
  await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 120_000 })
  await expect(page.getByTestId('row-count')).toHaveText('200,000')
})

test('a reload during model selection leaves no run "running", and the workspace runs on', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/credit_data.csv')
  await page.getByLabel('Validation scheme').selectOption('kfold')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page).toHaveURL(/\/runs\/run_/)
  await expect(page.getByText(/^Model Selection/)).toBeVisible({ timeout: 60_000 })
  await page.reload()
  await expect(page.getByTestId('run-status')).toHaveText('failed', { timeout: 30_000 })
  await expect(page.getByTestId('run-failure')).toContainText('interrupted')
  await nextRunCompletes(page, /credit_data · Status/)
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Run 2')
})

test('Cancel during model selection ends the run "cancelled", and the workspace runs on', async ({
  page,
}) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/credit_data.csv')
  await page.getByLabel('Validation scheme').selectOption('kfold')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByText(/^Model Selection/)).toBeVisible({ timeout: 60_000 })
  await page.getByRole('button', { name: 'Cancel run' }).click()
  await expect(page.getByTestId('run-status')).toHaveText('cancelled')
  await page.reload()
  await expect(page.getByTestId('run-status')).toHaveText('cancelled')
  await nextRunCompletes(page, /credit_data · Status/)
})

test('two tabs starting a run on the same experiment at once get runs 1 and 2', async ({ page, context }) => {
  test.setTimeout(300_000)
  await newExperiment(page, 'datasets/iris.csv')
  const other = await context.newPage()
  await other.goto(page.url())
  const run = page.getByRole('button', { name: 'Run', exact: true })
  const otherRun = other.getByRole('button', { name: 'Run', exact: true })
  await expect(otherRun).toBeEnabled({ timeout: 60_000 })
  await Promise.all([run.click(), otherRun.click()])
  const headings: string[] = []
  for (const tab of [page, other]) {
    await expect(tab).toHaveURL(/\/runs\/run_/)
    await expect(tab.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 })
    headings.push((await tab.getByRole('heading', { level: 1 }).textContent()) ?? '')
  }
  expect(headings.map((h) => /Run (\d+)/.exec(h)?.[1]).sort()).toEqual(['1', '2'])
  expect(new URL(page.url()).pathname).not.toBe(new URL(other.url()).pathname)
})
