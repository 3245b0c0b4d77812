/** Issue 13, bug 7: the live progress names the block that runs now, never a model from an earlier block. */
import { expect, newExperiment, test } from './fixtures.ts'

test('during a run the progress line never shows a later block "fitting" an earlier block\'s model', async ({
  page,
}) => {
  // Every text the live progress line shows, as a person would have seen it.
  await page.addInitScript(() => {
    const seen: string[] = []
    ;(window as unknown as { __progress: string[] }).__progress = seen
    new MutationObserver(() => {
      for (const line of document.querySelectorAll('[aria-live="polite"] p')) {
        const text = line.textContent ?? ''
        if (text && seen.at(-1) !== text) seen.push(text)
      }
    }).observe(document, { subtree: true, childList: true, characterData: true })
  })
  await newExperiment(page, 'datasets/housing.csv')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  const seen = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress)
  // The sampling works: model selection was seen fitting its candidates.
  expect(seen.some((text) => /^Model Selection · fitting /.test(text))).toBe(true)
  const wrong = seen.filter((text) =>
    /^(Preprocessing|Feature Engineering|Evaluation|Explainability) · fitting/.test(text),
  )
  expect(wrong).toEqual([])
})
