import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../../', import.meta.url)
const bin = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).bin.butterfly as string
const butterfly = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })

describe('the butterfly bin entry (npx butterfly)', () => {
  it('runs the TypeScript CLI: usage and exit code 2 without a command', () => {
    const result = butterfly()
    expect(result.stderr).toContain('butterfly: missing command (expected: run, verify, predict)')
    expect(result.stderr).toContain('usage: butterfly run --data FILE')
    expect(result.status).toBe(2)
  })

  it('passes arguments and exit codes through: verify on a missing file exits 1 with the reason', () => {
    const result = butterfly('verify', 'no-such-run.butterfly.zip')
    expect(result.stdout).toContain("REJECTED: cannot read 'no-such-run.butterfly.zip'")
    expect(result.status).toBe(1)
  })
})
