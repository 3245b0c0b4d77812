import type { Plugin } from 'vite'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import solid from 'vite-plugin-solid'

/**
 * Only our own origin: scripts, workers, wasm, data. 'wasm-unsafe-eval' lets DuckDB, parquet-wasm,
 * TF.js and QuickJS compile their wasm; nothing may be fetched from elsewhere. Inline styles are
 * allowed because chart tooltips and the grid set style attributes (see shared notes/libraries.md).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "manifest-src 'self'",
].join('; ')

/**
 * Headers the production server must send (README "Deploying"). The CSP as a header adds
 * `frame-ancestors 'none'`, which a `<meta>` tag cannot carry: no other site may frame the app.
 */
export const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': `${contentSecurityPolicy}; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
}

/** The CSP also travels inside the built index.html, so any static host serves the app with it. */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'butterfly-csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      return html.replace(
        '<meta charset="UTF-8" />',
        `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}" />`,
      )
    },
  }
}

export default defineConfig({
  plugins: [
    solid(),
    contentSecurityPolicyMeta(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'icons/*.png'],
      manifest: {
        name: 'Butterfly',
        short_name: 'Butterfly',
        description: 'Local-first machine learning on tabular data, in your browser',
        theme_color: '#6d28d9',
        background_color: '#0f0f17',
        display: 'standalone',
        start_url: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,mjs,css,html,wasm,svg,png,ico,webmanifest}'],
        // DuckDB's wasm alone is 34 MB: every wasm the app needs offline must fit.
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // Control the page on the first visit, so it works offline without a second load.
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: [
      '@duckdb/duckdb-wasm',
      'quickjs-emscripten-core',
      '@jitl/quickjs-wasmfile-release-sync',
      'parquet-wasm',
    ],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 5000, sourcemap: false },
  preview: { port: 4173, strictPort: true, headers: securityHeaders },
})
