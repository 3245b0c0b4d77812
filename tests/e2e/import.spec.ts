import { cspViolations, dropFiles, expect, importWithPicker, openApp, readFixture, test } from './fixtures.ts'

test.describe('dataset import', () => {
  test('drag in penguins.csv and see the right schema and profile; it survives a reload', async ({
    page,
  }) => {
    await openApp(page)
    await expect(page.getByTestId('dropzone')).toContainText(
      'Drop a CSV or Parquet file, or a run bundle (.butterfly.zip), here',
    )
    // DuckDB starts with the page; the panel says so until it is up (and would say why it failed).
    await expect(page.getByTestId('engine-status')).toHaveText('', { timeout: 60_000 })
    await dropFiles(page, 'main', [
      { name: 'penguins.csv', bytes: readFixture('datasets/penguins.csv'), type: 'text/csv' },
    ])
    await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
    await expect(page.getByRole('heading', { level: 1 })).toContainText('penguins')
    await expect(page.getByTestId('row-count')).toHaveText('344')
    await expect(page.getByTestId('column-count')).toHaveText('8')
    const schema = page.getByRole('table', { name: 'Schema and profile' })
    await expect(schema.getByRole('row')).toHaveCount(9)
    const sex = schema.getByRole('row', { name: /^sex/ })
    await expect(sex.getByRole('cell').nth(1)).toHaveText('categorical')
    await expect(page.getByTestId('missing-sex')).toHaveText('11')
    await expect(
      schema
        .getByRole('row', { name: /^bill_length_mm/ })
        .getByRole('cell')
        .nth(1),
    ).toHaveText('numeric')
    await expect(page.getByRole('img', { name: 'Histogram of bill_length_mm' })).toBeVisible()
    // The row preview comes from DuckDB in the data worker.
    const grid = page.getByRole('grid', { name: 'Rows of penguins' })
    await expect(grid.getByText('Adelie').first()).toBeVisible()
    const hash = await page.getByTestId('dataset-hash').textContent()
    expect(hash).toMatch(/^[0-9a-f]{64}$/)

    await page.reload()
    await expect(page.getByTestId('missing-sex')).toHaveText('11')
    await expect(
      page.getByRole('grid', { name: 'Rows of penguins' }).getByText('Torgersen').first(),
    ).toBeVisible()
    await expect(
      page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'penguins' }),
    ).toBeVisible()
    expect(await cspViolations(page)).toEqual([])
  })

  test('long text is cut short in the row preview, with the whole value in the profile', async ({ page }) => {
    await openApp(page)
    const long = `start ${'lorem ipsum '.repeat(20)}end`
    await page.getByLabel('Import a data file').setInputFiles({
      name: 'notes.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`id,note\n1,${long}\n2,short\n`),
    })
    await expect(page.getByTestId('row-count')).toHaveText('2')
    const grid = page.getByRole('grid', { name: 'Rows of notes' })
    await expect(grid.getByText('short', { exact: true })).toBeVisible()
    await expect(grid.getByText(`${long.slice(0, 59)}…`, { exact: true })).toBeVisible()
    await expect(grid.getByText(long, { exact: true })).toHaveCount(0)
    await expect(page.getByRole('table', { name: 'Schema and profile' })).toContainText(long)
  })

  test('the Parquet version gives the same schema and profile', async ({ page }) => {
    await openApp(page)
    await page.getByLabel('Import a data file').setInputFiles({
      name: 'penguins.parquet',
      mimeType: 'application/octet-stream',
      buffer: readFixture('datasets/penguins.parquet'),
    })
    await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
    await expect(page.getByTestId('row-count')).toHaveText('344')
    await expect(page.getByTestId('column-count')).toHaveText('8')
    await expect(page.getByTestId('missing-sex')).toHaveText('11')
    await expect(
      page
        .getByRole('table', { name: 'Schema and profile' })
        .getByRole('row', { name: /^species/ })
        .getByRole('cell')
        .nth(1),
    ).toHaveText('categorical')
  })

  test('importing the same file twice finds the existing dataset', async ({ page }) => {
    await openApp(page)
    await importWithPicker(page, 'datasets/iris.csv')
    const first = page.url()
    await page.getByRole('link', { name: 'Butterfly home' }).click()
    await importWithPicker(page, 'datasets/iris.csv', 'iris-copy.csv')
    expect(page.url()).toBe(first)
    await expect(page.getByRole('status')).toContainText('already imported as “iris” v1')
    await page.getByRole('link', { name: 'Butterfly home' }).click()
    await expect(
      page.getByRole('table', { name: 'Datasets in this workspace' }).getByRole('row'),
    ).toHaveCount(2)
  })

  test('different bytes under the same name become version 2, listed together', async ({ page }) => {
    await openApp(page)
    await page
      .getByLabel('Import a data file')
      .setInputFiles({ name: 'scores.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') })
    await expect(page).toHaveURL(/\/datasets\//)
    await page.getByRole('link', { name: 'Butterfly home' }).click()
    await page
      .getByLabel('Import a data file')
      .setInputFiles({ name: 'scores.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n3,4\n') })
    await expect(page.getByRole('heading', { level: 1 })).toContainText('v2')
    await expect(page.getByRole('navigation', { name: 'Versions' }).getByRole('link')).toHaveCount(2)
  })
})

const badInputs: { label: string; name: string; bytes: Buffer; message: RegExp }[] = [
  { label: 'empty file', name: 'empty.csv', bytes: Buffer.alloc(0), message: /is empty/ },
  {
    label: 'header only',
    name: 'header.csv',
    bytes: Buffer.from('a,b,c\n'),
    message: /header but no data rows/,
  },
  {
    label: 'ragged rows',
    name: 'ragged.csv',
    bytes: Buffer.from('a,b,c\n1,2,3\n4,5\n'),
    message: /Line 3 has 2 fields but the header has 3/,
  },
  {
    label: 'binary junk named .csv',
    name: 'junk.csv',
    bytes: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    message: /not text/,
  },
  {
    label: 'truncated Parquet',
    name: 'cut.parquet',
    bytes: readFixture('datasets/penguins.parquet').subarray(0, 3000),
    message: /truncated or corrupt/,
  },
  {
    label: 'corrupt Parquet',
    name: 'bad.parquet',
    bytes: Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(500, 7), Buffer.from('PAR1')]),
    message: /truncated or corrupt/,
  },
  {
    label: 'UTF-16 text (hostile corpus)',
    name: 'utf16-bom.csv',
    bytes: readFixture('hostile/utf16-bom.csv'),
    message: /This file is UTF-16 text\. Save it as UTF-8/,
  },
  {
    label: 'a NUL byte inside a field (hostile corpus)',
    name: 'nul-in-field.csv',
    bytes: readFixture('hostile/nul-in-field.csv'),
    message: /Line 3 holds a NUL byte/,
  },
  {
    label: 'a NUL byte 330 KB into the file, past the preflight (hostile corpus)',
    name: 'nul-after-64kb.csv',
    bytes: readFixture('hostile/nul-after-64kb.csv'),
    message: /Line 24001 holds a NUL byte .*this looks like a binary file, not text/,
  },
  {
    label: 'one column and 1,000 blank lines (hostile corpus)',
    name: 'one-column-blank-lines.csv',
    bytes: readFixture('hostile/one-column-blank-lines.csv'),
    message: /no values: all of its 1,000 rows are blank/,
  },
  {
    label: 'an unclosed quote (hostile corpus)',
    name: 'unclosed-quote.csv',
    bytes: readFixture('hostile/unclosed-quote.csv'),
    message: /A quoted field of this file is never closed/,
  },
  {
    label: 'a field of 8 MB on line 2',
    name: 'long-field.csv',
    bytes: Buffer.from(`id,doc\n1,${'a'.repeat(8_000_000)}\n2,b\n`),
    message: /Line 2 is 8\.0 MB long/,
  },
  {
    label: 'unsupported extension',
    name: 'sheet.xlsx',
    bytes: Buffer.from('PK'),
    message: /drop a \.csv, \.tsv or \.parquet file/,
  },
]

test.describe('bad input gets a specific message and leaves nothing behind', () => {
  for (const input of badInputs) {
    test(input.label, async ({ page }) => {
      await openApp(page)
      await page
        .getByLabel('Import a data file')
        .setInputFiles({ name: input.name, mimeType: 'application/octet-stream', buffer: input.bytes })
      await expect(page.getByRole('alert')).toContainText(input.message)
      await expect(page.getByRole('alert')).toContainText(`Could not import “${input.name}”`)
      // A sentence, never the table engine's own text.
      await expect(page.getByRole('alert')).not.toContainText(/CSV Error|Error:|DuckDB|Binder|unreachable/)
      await expect(page.getByText('No datasets yet')).toBeVisible()
      const leftovers = await page.evaluate(async () => {
        const root = await navigator.storage.getDirectory()
        const files: string[] = []
        const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
          for await (const [name, handle] of (
            dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
          ).entries()) {
            if (handle.kind === 'directory')
              await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`)
            else files.push(`${prefix}${name}`)
          }
        }
        await walk(root, '')
        return files
      })
      expect(leftovers).toEqual([])
    })
  }

  test('hostile column names stay inert', async ({ page }) => {
    await openApp(page)
    await page.getByLabel('Import a data file').setInputFiles({
      name: 'hostile.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('x,"a""; DROP TABLE x; --"\n1,2\n3,4\n'),
    })
    await expect(page.getByTestId('row-count')).toHaveText('2')
    await expect(
      page
        .getByRole('table', { name: 'Schema and profile' })
        .getByRole('rowheader', { name: 'a"; DROP TABLE x; --' }),
    ).toBeVisible()
  })

  test('a fraction after the first 20,480 whole numbers of a column is kept, not rounded', async ({
    page,
  }) => {
    // DuckDB types a column from its first rows and cast a later '2.5' to BIGINT by rounding it to 3.
    const lines = ['a,b']
    for (let i = 0; i < 30_000; i++) lines.push(`${i % 7},x`)
    lines.push('2.5,y')
    await openApp(page)
    await page.getByLabel('Import a data file').setInputFiles({
      name: 'late-fraction.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${lines.join('\n')}\n`),
    })
    await expect(page.getByTestId('row-count')).toHaveText('30,001', { timeout: 60_000 })
    const a = page.getByRole('table', { name: 'Schema and profile' }).getByRole('row', { name: /^a\b/ })
    await expect(a.getByRole('cell').nth(0)).toHaveText('DOUBLE')
    // 0…6 and 2.5: eight distinct values (rounded, 2.5 would have become a ninth 3, leaving seven).
    await expect(a.getByRole('cell').nth(3)).toHaveText('8')
  })

  test('a file larger than the free storage is refused before any work', async ({ page }) => {
    await page.addInitScript(() => {
      navigator.storage.estimate = async () => ({ quota: 10_000, usage: 9_000 })
    })
    await openApp(page)
    await page.getByLabel('Import a data file').setInputFiles({
      name: 'penguins.csv',
      mimeType: 'text/csv',
      buffer: readFixture('datasets/penguins.csv'),
    })
    await expect(page.getByRole('alert')).toContainText(
      '“penguins.csv” is 15.2 kB but only 1.0 kB of browser storage is free: free at least 14.2 kB more',
    )
    await expect(page.getByText('No datasets yet')).toBeVisible()
  })
})

test.describe('wide and tricky files import as in the CLI', () => {
  test('a CSV of 20 rows × 2,000 columns imports and is profiled', async ({ page }) => {
    const columns = Array.from({ length: 2000 }, (_, c) => `c${c}`)
    const rows = Array.from({ length: 20 }, (_, r) => columns.map((_, c) => ((r * 131 + c * 17) % 997) / 10))
    await openApp(page)
    await page.getByLabel('Import a data file').setInputFiles({
      name: 'wide.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${columns.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`),
    })
    await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 120_000 })
    await expect(page.getByTestId('row-count')).toHaveText('20')
    await expect(page.getByTestId('column-count')).toHaveText(/^2,?000$/)
    // Past 300 columns the distinct counts are estimated, and shown as such.
    const profile = page.getByRole('table', { name: 'Schema and profile' })
    await expect(profile.getByRole('row').nth(1)).toContainText('≈')
    await page.screenshot({ path: 'test-results/wide-estimated-distinct.png' })
    // Finding one column among 2,000: only its row stays shown.
    await page.getByLabel('Find a column').fill('c1999')
    await expect(page.getByTestId('column-filter-count')).toHaveText(/^1 of 2,?000 columns$/)
    await expect(profile.getByRole('rowheader', { name: 'c1999', exact: true })).toBeVisible()
    await expect(profile.getByRole('rowheader', { name: 'c0', exact: true })).toBeHidden()
    await page.screenshot({ path: 'test-results/wide-column-search.png' })
  })

  test('Yes/No stays text, “A” and “a”, a repeated name and an empty name all load, a semicolon file has its columns', async ({
    page,
  }) => {
    await openApp(page)
    await importWithPicker(page, 'hostile/yes-no-target.csv')
    await expect(page.getByTestId('row-count')).toHaveText('30')
    const schema = page.getByRole('table', { name: 'Schema and profile' })
    await expect(
      schema
        .getByRole('row', { name: /^churn/ })
        .getByRole('cell')
        .nth(1),
    ).toHaveText('categorical')
    await expect(schema).toContainText('Yes')
    await openApp(page)
    await importWithPicker(page, 'hostile/case-duplicate.csv')
    await expect(page.getByTestId('row-count')).toHaveText('3')
    await expect(
      page.getByRole('table', { name: 'Schema and profile' }).getByRole('row', { name: /^a_1/ }),
    ).toBeVisible()
    // The rename is said, not only done (issue 12.3: duplicate names renamed visibly).
    await expect(page.getByRole('status').filter({ hasText: 'Column 2 “a” is named “a_1”' })).toBeVisible()
    // A name written twice and a column with no name load too, each new name said.
    await openApp(page)
    await importWithPicker(page, 'hostile/duplicate-name.csv')
    await expect(page.getByRole('status').filter({ hasText: 'Column 3 “a” is named “a_1”' })).toBeVisible()
    await openApp(page)
    await importWithPicker(page, 'hostile/empty-name.csv')
    await expect(
      page
        .getByRole('status')
        .filter({ hasText: 'Column 2 has no name in the header, so it is named “column1”' }),
    ).toBeVisible()
    await openApp(page)
    await importWithPicker(page, 'hostile/semicolon.csv')
    await expect(page.getByTestId('column-count')).toHaveText('3')
  })
})
