/**
 * Shared Playwright fixtures: every test fails if any request leaves the app's origin (workers and
 * nested workers included) or if the page reports a Content-Security-Policy violation.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { test as base, expect } from '@playwright/test'

export const test = base.extend<{ foreignRequests: string[] }>({
  foreignRequests: [
    async ({ context, baseURL }, use) => {
      const origin = new URL(baseURL ?? 'http://localhost:4173').origin
      const foreign: string[] = []
      await context.route('**/*', (route) => {
        const url = route.request().url()
        if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:'))
          return route.continue()
        foreign.push(url)
        return route.abort('blockedbyclient')
      })
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const holder = window as unknown as { __cspViolations?: string[] }
          holder.__cspViolations ??= []
          holder.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`)
        })
      })
      await use(foreign)
      expect(foreign, 'requests that left the origin').toEqual([])
    },
    { auto: true },
  ],
})

export { expect }

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
}

/** Drops files on `target` the way a person drags them from the desktop. */
export async function dropFiles(
  page: Page,
  target: string,
  files: { name: string; bytes: Buffer | Uint8Array; type?: string }[],
) {
  const payload = files.map((f) => ({
    name: f.name,
    type: f.type ?? '',
    base64: Buffer.from(f.bytes).toString('base64'),
  }))
  const dataTransfer = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer()
    for (const item of items) {
      const binary = atob(item.base64)
      const bytes = new Uint8Array(binary.length)
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
      transfer.items.add(new File([bytes], item.name, { type: item.type }))
    }
    return transfer
  }, payload)
  await page.locator(target).dispatchEvent('dragenter', { dataTransfer })
  await page.locator(target).dispatchEvent('dragover', { dataTransfer })
  await page.locator(target).dispatchEvent('drop', { dataTransfer })
}

export function readFixture(name: string): Buffer {
  return readFileSync(fixturePath(name))
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])
}

/** Opens the app and waits for the current workspace's page. */
export async function openApp(page: Page) {
  await page.goto('/')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await expect(page).toHaveURL(/\/w\/ws_/)
}

/** Imports a fixture file with the labelled file picker and waits for its dataset page. */
export async function importWithPicker(page: Page, fixture: string, name = fixture.split('/').pop()!) {
  await page
    .getByLabel('Import a data file')
    .setInputFiles({ name, mimeType: 'text/csv', buffer: readFixture(fixture) })
  await expect(page).toHaveURL(/\/datasets\/ds_/, { timeout: 60_000 })
}

/**
 * From a dataset page: "New experiment", then Create in its confirm dialog with the suggested task, as a
 * person who accepts the suggestion does; waits for the experiment's page.
 */
export async function confirmNewExperiment(page: Page) {
  await page.getByRole('button', { name: 'New experiment' }).click()
  const dialog = page.getByRole('dialog', { name: /^New experiment on / })
  await expect(dialog.getByLabel('Target column')).toBeVisible({ timeout: 60_000 })
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page).toHaveURL(/\/experiments\/exp_/, { timeout: 60_000 })
}

/** Opens the app, imports a fixture and starts a new experiment on it (with the detected task). */
export async function newExperiment(page: Page, fixture: string) {
  await openApp(page)
  await importWithPicker(page, fixture)
  await confirmNewExperiment(page)
}

/**
 * After a fault: back to the experiment (`experiment`: its link's name) and a hold-out run that completes,
 * which shows the workspace is usable.
 */
export async function nextRunCompletes(page: Page, experiment: RegExp) {
  await page.getByRole('link', { name: experiment }).first().click()
  await page.getByLabel('Validation scheme').selectOption('holdout')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 })
}

/** Replaces the text of the code editor labelled `label` with `code`. */
export async function typeIntoEditor(page: Page, label: string, code: string) {
  const editor = page.getByRole('textbox', { name: label })
  await editor.click()
  await page.keyboard.press('ControlOrMeta+A')
  await page.keyboard.press('Delete')
  // insertText types without key events, so the editor's auto-closing brackets stay out of the way.
  await page.keyboard.insertText(code)
}
