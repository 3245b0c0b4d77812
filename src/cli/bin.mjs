#!/usr/bin/env node
// `npx butterfly …` from the repository: register tsx's loader, then run the TypeScript CLI as is
// (the same file `npm run butterfly -- …` runs), with the caller's arguments and exit code.
import { register } from 'tsx/esm/api'

register()
await import('./butterfly.ts')
