import { execSync } from 'node:child_process'
import { defineConfig } from '@playwright/test'

function chromiumPath(): string {
  if (process.env.BUTTERFLY_CHROMIUM) return process.env.BUTTERFLY_CHROMIUM
  try {
    return execSync('command -v chromium', { encoding: 'utf8' }).trim()
  } catch {
    throw new Error('No Chromium found: install it (apt-get install -y chromium) or set BUTTERFLY_CHROMIUM')
  }
}

/**
 * End-to-end tests drive the production build (vite preview) in Debian's Chromium. Playwright's own
 * browser download cannot work here: BUTTERFLY_CHROMIUM or `chromium` on the PATH is used instead.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-gpu',
]

/** BUTTERFLY_PORT lets a second test run share the machine with another one. */
const port = Number(process.env.BUTTERFLY_PORT ?? 4173)

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs },
    trace: 'off',
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
})
