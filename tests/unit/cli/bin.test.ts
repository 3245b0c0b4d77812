import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../../../', import.meta.url)
const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
const bin = packageJson.bin.butterfly as string
const butterfly = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })

describe('the butterfly bin entry (npx butterfly)', () => {
  it('runs the CLI (compiled when built, else TypeScript through tsx): usage and exit code 2 without a command', () => {
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

  it('--help prints the usage of every command on stdout and exits 0', () => {
    const result = butterfly('--help')
    expect(result.stdout).toContain('usage: butterfly run --data FILE')
    expect(result.stdout).toContain('butterfly export-dask RUN.butterfly.zip --out DIR')
    expect(result.status).toBe(0)
  })
})

describe('the compiled CLI (npm run build:cli)', () => {
  // The build command the package ships, into a folder of this test's own (beside build/cli, so the compiled
  // files find node_modules and package.json the same way), with esbuild's record of what imports what.
  const outdir = `build/cli-test-${process.pid}`
  const metafile = `${outdir}/meta.json`
  const entry = `${outdir}/butterfly.mjs`
  const compiled = (...args: string[]) =>
    spawnSync(process.execPath, [entry, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })

  beforeAll(() => {
    const command = (packageJson.scripts['build:cli'] as string)
      .split('&& ')
      .pop()
      ?.replace('--outdir=build/cli', `--outdir=${outdir} --metafile=${metafile}`)
    expect(command).toContain(`--outdir=${outdir}`)
    const built = spawnSync(`npx ${command}`, { cwd: root, encoding: 'utf8', shell: true, timeout: 60_000 })
    expect(built.stderr).toBe('')
    expect(built.status).toBe(0)
  })
  afterAll(() => rmSync(new URL(outdir, root), { recursive: true, force: true }))

  it('loads neither TF.js nor DuckDB before a command needs them', () => {
    const meta = JSON.parse(readFileSync(new URL(metafile, root), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>
    }
    // Everything the entry loads before its first line: its static imports, transitively.
    const loaded = new Set<string>()
    const visit = (output: string) => {
      for (const i of meta.outputs[output]?.imports ?? [])
        if (i.kind === 'import-statement' && !loaded.has(i.path)) {
          loaded.add(i.path)
          visit(i.path)
        }
    }
    visit(entry)
    expect([...loaded].filter((path) => !path.startsWith(outdir))).toEqual(['node:path'])
    // …while the run command does load both.
    const all = Object.values(meta.outputs).flatMap((o) => o.imports.map((i) => i.path))
    expect(all).toContain('@tensorflow/tfjs')
    expect(all).toContain('@duckdb/duckdb-wasm/blocking')
  })

  it('answers --help, says what run loads first, and passes exit codes through', () => {
    expect(compiled('--help').stdout).toContain('usage: butterfly run --data FILE')
    const run = compiled('run', '--data', 'no-such-table.csv', '--target', 'y', '--out', `${outdir}/r.json`)
    const lines = run.stderr.trim().split('\n')
    expect(lines[0]).toBe('loading no-such-table.csv…')
    expect(lines.at(-1)).toMatch(/^butterfly: .*no-such-table\.csv/)
    expect(run.status).toBe(1)
    const verify = compiled('verify', 'no-such-run.butterfly.zip')
    expect(verify.stdout).toContain("REJECTED: cannot read 'no-such-run.butterfly.zip'")
    expect(verify.status).toBe(1)
  })
})
