/**
 * Memory by mapping in Chromium's renderer processes (issue 16), to run beside a bench: every INTERVAL ms
 * it appends one JSON line per renderer over 200 MB RSS with its RSS, the RSS of anonymous mappings under
 * 8 MB each (allocator pages: ArrayBuffers, malloc) and its mappings over 8 MB RSS, largest first (each
 * wasm memory is one of those: DuckDB's, the learner's). CDP's heap numbers leave wasm memory out; this
 * does not. `bench:scale:browser` writes each run phase's start with its epoch time to stderr, which lines
 * the samples up with the phases.
 *
 * Usage: npx tsx scripts/smaps-watch.ts OUT.jsonl [INTERVAL_MS=2000]   (Linux only; stop it with Ctrl-C)
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs'

const out = process.argv[2]
const every = Number(process.argv[3] ?? 2000)
if (!out || !Number.isFinite(every) || every <= 0) {
  process.stderr.write('usage: npx tsx scripts/smaps-watch.ts OUT.jsonl [INTERVAL_MS]\n')
  process.exit(1)
}

interface Mapping {
  start: string
  sizeMb: number
  rssMb: number
  perms: string
  name: string
}

/** Chromium renderer processes (the extension renderer left out). */
function renderers(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (
        cmdline.includes('chromium') &&
        cmdline.includes('--type=renderer') &&
        !cmdline.includes('--extension-process')
      )
        pids.push(pid)
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}

function sample(pid: number) {
  const maps: Mapping[] = []
  let current: Mapping | undefined
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      current = {
        start: head[1],
        sizeMb: (Number.parseInt(head[2], 16) - Number.parseInt(head[1], 16)) / 2 ** 20,
        rssMb: 0,
        perms: head[3],
        name: head[4],
      }
      maps.push(current)
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss && current) current.rssMb = Number(rss[1]) / 1024
  }
  const sum = (list: Mapping[]) => Math.round(list.reduce((total, m) => total + m.rssMb, 0))
  return {
    pid,
    rssMb: sum(maps),
    smallAnonRssMb: sum(maps.filter((m) => !m.name && m.rssMb < 8)),
    mappings: maps.length,
    large: maps
      .filter((m) => m.rssMb >= 8)
      .sort((a, b) => b.rssMb - a.rssMb)
      .map((m) => ({
        start: m.start,
        sizeMb: Math.round(m.sizeMb),
        rssMb: Math.round(m.rssMb),
        perms: m.perms,
        name: m.name,
      })),
  }
}

setInterval(() => {
  const t = Date.now()
  for (const pid of renderers()) {
    try {
      const s = sample(pid)
      if (s.rssMb > 200) appendFileSync(out, `${JSON.stringify({ t, ...s })}\n`)
    } catch {
      // Gone, or not ours to read.
    }
  }
}, every)
