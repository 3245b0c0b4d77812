import { spawnSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, newExperiment, test } from './fixtures.ts'

/**
 * A run made in the browser re-runs headless (`butterfly verify --rerun`) to the same numbers. Churn's
 * target holds Yes/No (issue 12): the default run must take `Yes` as its positive class, never `1` or
 * `true`, and Node must read the column the same way.
 */
const cases = [
  { dataset: 'iris', runTimeout: 180_000 },
  { dataset: 'penguins', runTimeout: 180_000 },
  { dataset: 'churn', runTimeout: 240_000, positiveClass: 'Yes' },
]
for (const { dataset, runTimeout, positiveClass } of cases)
  test(`a ${dataset} run exported from the app with its data re-runs with butterfly verify --rerun, every metric equal`, async ({
    page,
  }) => {
    test.setTimeout(runTimeout + 360_000)
    await newExperiment(page, `datasets/${dataset}.csv`)
    if (positiveClass) {
      await expect(page.getByLabel('Task type')).toHaveValue('binary')
      await expect(page.getByLabel('Positive class').locator('option:checked')).toHaveText(positiveClass)
    }
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: runTimeout })
    await expect(page.getByTestId('run-failure')).toHaveCount(0)
    await page.screenshot({ path: `test-results/verify-rerun-${dataset}.png`, fullPage: true })

    await page.getByRole('button', { name: 'Export run bundle' }).click()
    const dialog = page.getByRole('dialog', { name: 'Export run bundle' })
    await dialog.getByRole('checkbox', { name: /Include the dataset file/ }).check()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Export' }).click(),
    ])
    const path = join(await mkdtemp(join(tmpdir(), 'butterfly-rerun-')), download.suggestedFilename())
    await download.saveAs(path)

    const verify = spawnSync(process.execPath, ['src/cli/bin.mjs', 'verify', path, '--rerun'], {
      encoding: 'utf8',
      timeout: 300_000,
    })
    const lines = verify.stdout.trim().split('\n')
    expect(lines[0]).toContain('every SHA-256 matches')
    const metricLines = lines.filter((line) => / {2}(match|MISMATCH) {2}/.test(line))
    expect(metricLines.length, verify.stdout + verify.stderr).toBeGreaterThanOrEqual(5)
    expect(
      metricLines.filter((line) => line.includes('MISMATCH')),
      verify.stdout,
    ).toEqual([])
    expect(lines.at(-1)).toBe(`rerun reproduces all ${metricLines.length} metrics exactly`)
    expect(verify.status).toBe(0)
  })
