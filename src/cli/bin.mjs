#!/usr/bin/env node
// `npx butterfly …` from the repository: runs the compiled CLI (build/cli/butterfly.mjs, `npm run build:cli`) when
// it is there and no TypeScript file under src/ is newer than it; otherwise registers tsx's loader and runs the
// TypeScript CLI as is (the same file `npm run butterfly -- …` runs). Same arguments, same exit code.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const src = fileURLToPath(new URL('../', import.meta.url))
const compiled = fileURLToPath(new URL('../../build/cli/butterfly.mjs', import.meta.url))

/** Modification time of the compiled CLI, or -1 when it is missing. */
function builtAt() {
  try {
    return statSync(compiled).mtimeMs
  } catch {
    return -1
  }
}

/** Whether some .ts file under src/ changed after the build (a stale build must not run). */
function newerSource(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (newerSource(path, since)) return true
    } else if (entry.name.endsWith('.ts') && statSync(path).mtimeMs > since) return true
  }
  return false
}

const since = builtAt()
if (since >= 0 && !newerSource(src, since)) await import(pathToFileURL(compiled).href)
else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('./butterfly.ts')
}
