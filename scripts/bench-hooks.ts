/**
 * Hook sandbox round trip: a table of ROWS × COLS goes into QuickJS as `ctx.data`, the hook returns
 * every column, and the result comes back validated. Target: 100,000 × 20 in under 1 s.
 * Usage: npm run bench:hooks [-- --rows 100000 --cols 20 --repeats 5]. Prints a table, then JSON.
 */
import { loadavg } from 'node:os'
import type { Sha256Hex } from '../src/domain/hash.ts'
import type { HookId } from '../src/domain/ids.ts'
import type { HookSnapshot } from '../src/domain/pipeline.ts'
import { createRng } from '../src/domain/random.ts'
import type { Column, DataFrame } from '../src/engine/frame.ts'
import { HookSandbox } from '../src/engine/hooks/hookSandbox.ts'

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? Number(process.argv[at + 1]) : fallback
}

const rows = argument('rows', 100_000)
const cols = argument('cols', 20)
const repeats = argument('repeats', 5)

function makeFrame(categorical: number): DataFrame {
  const rng = createRng(1)
  const columns: Column[] = []
  for (let c = 0; c < cols; c++) {
    if (c < categorical) {
      const codes = new Int32Array(rows)
      for (let i = 0; i < rows; i++) codes[i] = rng.nextInt(12) - 1
      columns.push({
        name: `cat${c}`,
        type: 'categorical',
        kind: 'categorical',
        codes,
        levels: Array.from({ length: 11 }, (_, k) => `level_${k}`),
      })
    } else {
      const values = new Float64Array(rows)
      for (let i = 0; i < rows; i++) values[i] = rng.nextFloat() < 0.01 ? Number.NaN : rng.nextNormal()
      columns.push({ name: `num${c}`, type: 'numeric', kind: 'numeric', values })
    }
  }
  return { nRows: rows, columns }
}

function hook(code: string): HookSnapshot {
  return {
    id: 'hook_bench' as HookId,
    kind: 'before_preprocessing',
    name: 'bench',
    order: 0,
    sourceKind: 'inline',
    code,
    codeHash: '0'.repeat(64) as Sha256Hex,
  }
}

const cases = [
  {
    name: 'identity (all numeric)',
    frame: makeFrame(0),
    code: 'function hook(ctx) { const data = {}; for (const k in ctx.data) data[k] = ctx.data[k]; return { data } }',
  },
  {
    name: 'transform x*2 (all numeric)',
    frame: makeFrame(0),
    code: 'function hook(ctx) { const data = {}; for (const k in ctx.data) data[k] = ctx.data[k].map((v) => v * 2); return { data } }',
  },
  {
    name: 'identity (5 categorical + 15 numeric)',
    frame: makeFrame(5),
    code: 'function hook(ctx) { const data = {}; for (const k in ctx.data) data[k] = ctx.data[k]; return { data } }',
  },
  {
    name: 'one column read, one added',
    frame: makeFrame(0),
    code: 'function hook(ctx) { return { data: { twice: ctx.data.num3.map((v) => v * 2) } } }',
  },
  {
    name: 'all columns read, none returned',
    frame: makeFrame(0),
    code: 'function hook(ctx) { let n = 0; for (const k in ctx.data) n += ctx.data[k].length; log(n) }',
  },
]

const sandbox = new HookSandbox({ limits: { cpuTimeMs: 60_000 } })
const results: {
  case: string
  rows: number
  cols: number
  medianMs: number
  minMs: number
  maxMs: number
  medianCpuMs: number
}[] = []
for (const benchCase of cases) {
  const times: number[] = []
  // CPU time (user + system) of this process next to wall time: on a shared machine wall time also counts waiting.
  const cpuTimes: number[] = []
  // The first run also loads the wasm module; it is a warm-up and not counted.
  for (let r = 0; r <= repeats; r++) {
    const started = performance.now()
    const cpuStart = process.cpuUsage()
    const output = await sandbox.run(hook(benchCase.code), {
      data: benchCase.frame,
      config: {},
      metrics: {},
      seed: 1,
    })
    const elapsed = performance.now() - started
    const cpu = process.cpuUsage(cpuStart)
    const returned = output.result.type === 'patch' ? (output.result.data?.set.length ?? 0) : 0
    if (benchCase.name.startsWith('identity') && returned !== cols)
      throw new Error(`Bench hook returned ${returned} columns, expected ${cols}`)
    if (r > 0) {
      times.push(elapsed)
      cpuTimes.push((cpu.user + cpu.system) / 1000)
    }
  }
  times.sort((a, b) => a - b)
  cpuTimes.sort((a, b) => a - b)
  results.push({
    case: benchCase.name,
    rows,
    cols,
    medianMs: Math.round(times[Math.floor(times.length / 2)]),
    minMs: Math.round(times[0]),
    maxMs: Math.round(times[times.length - 1]),
    medianCpuMs: Math.round(cpuTimes[Math.floor(cpuTimes.length / 2)]),
  })
}

console.table(results)
console.log(
  JSON.stringify(
    { bench: 'hooks', node: process.version, loadAverage1m: loadavg()[0], repeats, targetMs: 1000, results },
    null,
    2,
  ),
)
