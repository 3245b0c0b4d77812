/**
 * Issue 13.17: the hook editor is large enough to write in and resizable, its API help is rendered (not
 * raw Markdown), and "Try on sample rows" runs the editor's code in the sandbox on the first rows of the
 * dataset, showing what it returned, its log or its error, without starting a run.
 */
import { expect, newExperiment, test, typeIntoEditor } from './fixtures.ts'

test('hook editor: about 20 lines and resizable, the API help rendered, a dry run on sample rows', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1400, height: 1000 })
  await newExperiment(page, 'datasets/penguins.csv')
  const hooks = page.getByLabel('Hooks of preprocessing')
  await hooks.getByRole('combobox', { name: 'preprocessing hook kind' }).selectOption('before_preprocessing')
  await hooks.getByRole('button', { name: 'Add before_preprocessing hook' }).click()
  const label = 'Code of hook before_preprocessing 1'
  await typeIntoEditor(
    page,
    label,
    `function hook(ctx) {
  log('rows', ctx.rowCount, 'held out', ctx.evalRowCount)
  const bill = ctx.data.bill_length_mm
  const depth = ctx.data.bill_depth_mm
  return { data: { bill_ratio: bill.map((b, i) => b / depth[i]) }, dropColumns: ['island'] }
}
`,
  )

  // Size: at least 20 lines of code visible, and the corner handle makes it taller.
  const editor = page.locator('.code-editor')
  const lines = await editor.evaluate((host) => {
    const line = host.querySelector('.cm-line')!.getBoundingClientRect().height
    return host.querySelector('.cm-scroller')!.clientHeight / line
  })
  expect(lines).toBeGreaterThanOrEqual(20)
  const box = (await editor.boundingBox())!
  await page.mouse.move(box.x + box.width - 3, box.y + box.height - 3)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width - 3, box.y + box.height + 150, { steps: 5 })
  await page.mouse.up()
  expect((await editor.boundingBox())!.height).toBeGreaterThan(box.height + 100)

  // The API help is rendered: headings, a table of ctx's fields, code as code, no Markdown marks.
  const help = page.getByRole('complementary', { name: 'Hook API' })
  await expect(help).toContainText('Returns undefined or { data?: { column: array }')
  await help.getByText('The hook API').click()
  await expect(help.getByRole('heading', { name: 'Writing a hook' })).toBeVisible()
  const fields = help.getByRole('table')
  await expect(fields.getByRole('columnheader')).toHaveText(['field', 'what it holds'])
  await expect(fields.getByRole('cell', { name: 'ctx.data', exact: true })).toBeVisible()
  await expect(fields.locator('code', { hasText: '(string | null)[]' }).first()).toBeVisible()
  const helpText = (await help.textContent()) ?? ''
  expect(helpText).not.toMatch(/`|\*\*|## |\|---/)

  // A dry run of the unsaved code: what it returned and its log, and no run.
  await hooks.getByRole('button', { name: 'Try on sample rows' }).click()
  const trial = hooks.getByRole('region', { name: 'Try on sample rows' })
  const result = trial.getByRole('list', { name: 'Hook result' })
  await expect(result.getByRole('listitem')).toHaveText([
    'Sets column bill_ratio: 2.09091, 2.27011, 2.23889, missing, 1.90155.',
    'Drops columns: island.',
  ])
  await expect(trial.getByRole('log', { name: 'Hook log' })).toHaveText('info: rows 5 held out 3')
  await expect(trial).toContainText('(not saved yet)')
  await expect(trial).toContainText('No run was started and nothing was saved.')
  await page.screenshot({ path: 'test-results/hook-editor-dry-run.png', fullPage: true })

  // An error names the hook and the line, as a run would.
  await typeIntoEditor(
    page,
    label,
    'function hook(ctx) {\n  return ctx.data.no_such_column.map((v) => v)\n}\n',
  )
  await hooks.getByRole('button', { name: 'Try on sample rows' }).click()
  await expect(trial.getByRole('alert')).toContainText("Hook 'before_preprocessing 1'")
  await expect(trial.getByRole('alert')).toContainText('line 2')
  await expect(result).toHaveCount(0)

  await expect(page.getByRole('region', { name: 'Runs' })).toContainText('No runs yet')
  await expect(hooks.getByRole('status')).toHaveText('Unsaved changes')
})
