import { defineConfig } from 'vitest/config'

// Unit tests run in Node (no jsdom): domain, engine and storage (fake-indexeddb) are written to need no DOM.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
