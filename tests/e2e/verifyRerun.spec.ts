import { spawnSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, newExperiment, test } from './fixtures.ts'

/** A run made in the browser re-runs headless (`butterfly verify --rerun`) to the same numbers. */
for (const dataset of ['iris', 'penguins'])
  test(`a ${dataset} run exported from the app with its data re-runs with butterfly verify --rerun, every metric equal`, async ({
    page,
  }) => {
    await newExperiment(page, `datasets/${dataset}.csv`)
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })

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
