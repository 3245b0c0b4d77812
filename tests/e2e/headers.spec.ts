/**
 * The production server (vite preview) sends the security headers of README "Deploying" on the page,
 * on scripts and wasm, and on the service worker; and another site cannot frame the app.
 */
import { expect, test } from '@playwright/test'

const expected = {
  'content-security-policy': /(^|; )frame-ancestors 'none'(;|$)/,
  'x-frame-options': /^DENY$/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^no-referrer$/,
  'cross-origin-opener-policy': /^same-origin$/,
  'cross-origin-resource-policy': /^same-origin$/,
  'permissions-policy': /camera=\(\)/,
}

test('the production server sends the security headers on every kind of response', async ({ request }) => {
  const page = await request.get('/')
  expect(page.ok()).toBe(true)
  const html = await page.text()
  const script = html.match(/<script[^>]+src="([^"]+\.js)"/)?.[1]
  expect(script, 'the page loads a script').toBeTruthy()
  const paths = ['/', '/index.html', script!, '/sw.js', '/manifest.webmanifest']
  for (const path of paths) {
    const response = await request.get(path)
    expect(response.status(), path).toBe(200)
    const headers = response.headers()
    for (const [name, pattern] of Object.entries(expected))
      expect(headers[name], `${name} on ${path}`).toMatch(pattern)
    // The header policy is the meta policy plus frame-ancestors: the same sources everywhere.
    expect(headers['content-security-policy'], path).toContain("default-src 'self'")
    expect(headers['content-security-policy'], path).toContain("script-src 'self' 'wasm-unsafe-eval'")
  }
})

test('another page cannot frame the app', async ({ page, baseURL }) => {
  // about:blank is another origin than the app: frame-ancestors 'none' must stop the frame loading.
  const refused = page.waitForEvent('console', (message) =>
    /^Framing '.*' violates .*"frame-ancestors 'none'"/.test(message.text()),
  )
  await page.setContent(`<iframe title="embedded" src="${baseURL}/" width="600" height="400"></iframe>`)
  await refused
  const frame = page.frames().find((f) => f !== page.mainFrame())
  // The frame shows the browser's own "refused" page, never the app.
  await expect.poll(() => frame?.url()).toMatch(/^chrome-error:/)
})
