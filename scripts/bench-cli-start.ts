/**
 * How quickly the headless CLI starts its work (issue 15.6): spawns the CLI several times per way of starting it
 * and times the first output line of `butterfly --help` and of `butterfly run` up to its "loading …" line
 * (for a build without that line, its first line). Ways: `compiled` (node build/cli/butterfly.mjs, what the
 * bin runs when `npm run build:cli` has built it), `bin` (src/cli/bin.mjs, the compiled CLI after its check
 * that src/ is not newer), `tsx` (tsx transpiling src/cli/butterfly.ts, the fallback
 * and `npm run butterfly`). Target: under 1 s to the first line. Prints JSON (also to --out FILE) and a table.
 * One sitting on a shared 2-core machine varies by ±25%: compare ways in the same sitting.
 *
 * npm run bench:cli-start -- [--reps 5] [--out bench-results/cli-start.json] [--ways compiled,tsx]
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../', import.meta.url).pathname
const argValue = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const reps = Number(argValue('--reps') ?? 5)
const outPath = argValue('--out')
const compiled = join(root, 'build/cli/butterfly.mjs')
const ways: Record<string, string[]> = {
  compiled: [compiled],
  // What `npx butterfly` runs: the compiled CLI after checking that no file under src/ is newer.
  bin: [join(root, 'src/cli/bin.mjs')],
  tsx: ['--import', 'tsx', join(root, 'src/cli/butterfly.ts')],
}
const chosen = (argValue('--ways') ?? Object.keys(ways).join(',')).split(',')
if (chosen.some((way) => way !== 'tsx') && !existsSync(compiled))
  throw new Error('build/cli/butterfly.mjs is missing: run `npm run build:cli` first (or pass --ways tsx)')

interface Timing {
  first_line_ms: number
  work_line_ms: number
  exit_ms: number
  first_line: string
}

/** Spawns the CLI; times the first line on stdout or stderr and the first line matching `work`. */
function timeStart(nodeArgs: string[], work: RegExp): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, nodeArgs, { cwd: root })
    let firstLineMs = -1
    let workLineMs = -1
    let firstLine = ''
    let text = ''
    const onData = (chunk: Buffer) => {
      const now = performance.now() - started
      text += chunk.toString()
      const lines = text.split('\n')
      if (firstLineMs < 0 && lines.length > 1) {
        firstLineMs = now
        firstLine = lines[0]
      }
      if (workLineMs < 0 && lines.slice(0, -1).some((line) => work.test(line))) {
        workLineMs = now
        // The run itself is not what is measured: stop it once it has started its work.
        if (child.exitCode === null) child.kill()
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', () => {
      if (firstLineMs < 0) return reject(new Error(`no output from node ${nodeArgs.join(' ')}`))
      const exitMs = performance.now() - started
      resolve({
        first_line_ms: Math.round(firstLineMs),
        work_line_ms: Math.round(workLineMs < 0 ? firstLineMs : workLineMs),
        exit_ms: Math.round(exitMs),
        first_line: firstLine,
      })
    })
  })
}

const out = mkdtempSync(join(tmpdir(), 'butterfly-cli-start-'))
const data = join(root, 'tests/fixtures/datasets/breast_cancer.csv')
const commands: Record<string, { args: string[]; work: RegExp }> = {
  help: { args: ['--help'], work: /usage: butterfly/ },
  run: {
    args: ['run', '--data', data, '--target', 'diagnosis', '--out', join(out, 'result.json')],
    work: /^loading |^loaded /,
  },
}

const results: {
  way: string
  command: string
  reps: number
  first_line_ms: { min: number; median: number; max: number }
  work_line_ms: { min: number; median: number; max: number }
  first_line: string
}[] = []
const range = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] }
}
try {
  for (const [command, { args, work }] of Object.entries(commands))
    for (const way of chosen) {
      const timings: Timing[] = []
      // One untimed start first, so every way meets a warm file cache.
      await timeStart([...ways[way], ...args], work)
      for (let i = 0; i < reps; i++) timings.push(await timeStart([...ways[way], ...args], work))
      results.push({
        way,
        command,
        reps,
        first_line_ms: range(timings.map((t) => t.first_line_ms)),
        work_line_ms: range(timings.map((t) => t.work_line_ms)),
        first_line: timings[0].first_line,
      })
    }
} finally {
  rmSync(out, { recursive: true, force: true })
}

const json = JSON.stringify({ node: process.version, target_ms: 1000, results }, null, 1)
if (outPath) writeFileSync(outPath, json)
console.log(json)
console.log(
  '\nCLI start: first output line, and for run the line that starts its work (min / median / max ms)',
)
console.log('command  way        first line              work starts')
const cell = (r: { min: number; median: number; max: number }) =>
  `${r.min} / ${r.median} / ${r.max}`.padEnd(24)
for (const r of results)
  console.log(`${r.command.padEnd(9)}${r.way.padEnd(11)}${cell(r.first_line_ms)}${cell(r.work_line_ms)}`)
