import { expect, openApp, readFixture, test } from './fixtures.ts'

test('after one online visit the app loads and imports a file with the network off', async ({
  page,
  context,
}) => {
  await openApp(page)
  // Wait until the service worker controls the page (the whole shell and every wasm/worker is precached).
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, {
    timeout: 90_000,
  })
  const precached = await page.evaluate(async () => {
    const keys = await caches.keys()
    const urls: string[] = []
    for (const key of keys)
      for (const request of await (await caches.open(key)).keys()) urls.push(new URL(request.url).pathname)
    return urls
  })
  expect(precached.some((url) => /duckdb-eh.*\.wasm$/.test(url))).toBe(true)
  expect(precached.some((url) => /parquet_wasm_bg.*\.wasm$/.test(url))).toBe(true)
  expect(precached.some((url) => /data\.worker.*\.js$/.test(url))).toBe(true)

  await context.setOffline(true)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My workspace')
  await page.getByLabel('Import a data file').setInputFiles({
    name: 'penguins.parquet',
    mimeType: 'application/octet-stream',
    buffer: readFixture('datasets/penguins.parquet'),
  })
  await expect(page.getByTestId('row-count')).toHaveText('344', { timeout: 60_000 })
  await page.goto('/w/nowhere/datasets/none').catch(() => undefined)
  await expect(page.getByText('Loading dataset…')).toBeVisible()
  await context.setOffline(false)
})
