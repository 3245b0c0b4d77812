/**
 * Browser plumbing for benches that drive the production build in headless Chromium: serving `dist/`
 * with `vite preview`, launching Debian's Chromium with the e2e flags in a throw-away profile, and
 * sampling what a page costs while it works: JS heap of the page and of every (nested) worker over
 * CDP, main-thread long tasks, and the resident memory of Chromium's processes.
 */
import type { ChildProcess } from 'node:child_process'
import { execSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, CDPSession, Page } from '@playwright/test'
import { chromium } from '@playwright/test'
import { chromiumArgs } from '../../playwright.config.ts'

/** The Chromium the e2e tests use: BUTTERFLY_CHROMIUM, else `chromium` on the PATH. */
export function chromiumExecutable(): string {
  if (process.env.BUTTERFLY_CHROMIUM) return process.env.BUTTERFLY_CHROMIUM
  try {
    return execSync('command -v chromium', { encoding: 'utf8' }).trim()
  } catch {
    throw new Error('No Chromium found: install it (apt-get install -y chromium) or set BUTTERFLY_CHROMIUM')
  }
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** A running `vite preview` of `dist/`; `stop()` ends its whole process group. */
export interface PreviewServer {
  url: string
  stop(): void
}

/** Serves the build in `outDir` (default `root/dist`) on `port` and resolves once it answers HTTP. */
export async function startPreview(
  root: string,
  port: number,
  options: { outDir?: string; timeoutMs?: number } = {},
): Promise<PreviewServer> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const args = ['vite', 'preview', '--port', String(port), '--strictPort']
  if (options.outDir) args.push('--outDir', options.outDir)
  // Detached: npx starts vite as a child, and only killing the group stops both.
  const child: ChildProcess = spawn('npx', args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // Already gone.
      }
    }
  }
  const url = `http://localhost:${port}`
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vite preview exited (${child.exitCode}):\n${output}`)
    try {
      const response = await fetch(url)
      if (response.ok) return { url, stop }
    } catch {
      // Not listening yet.
    }
    await sleep(200)
  }
  stop()
  throw new Error(`vite preview did not answer on ${url} within ${timeoutMs} ms:\n${output}`)
}

/** A persistent context in a fresh profile folder (on-disk OPFS and IndexedDB, as a real user has). */
export interface BenchBrowser {
  context: BrowserContext
  page: Page
  profileDir: string
  close(): Promise<void>
}

export async function launchBenchBrowser(): Promise<BenchBrowser> {
  const profileDir = await mkdtemp(join(tmpdir(), 'butterfly-bench-profile-'))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumExecutable(),
    args: chromiumArgs,
    headless: true,
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    profileDir,
    async close() {
      await context.close().catch(() => undefined)
      await rm(profileDir, { recursive: true, force: true })
    },
  }
}

/** One main-thread task that the Long Tasks API reported (all are over 50 ms). */
export interface LongTask {
  startTime: number
  duration: number
}

/**
 * Records every long task of each document of `context` in `window.__benchLongTasks`, including those
 * before the observer was created (`buffered`). Call before the first navigation.
 */
export async function observeLongTasks(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const holder = window as unknown as { __benchLongTasks?: { startTime: number; duration: number }[] }
    holder.__benchLongTasks = []
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          holder.__benchLongTasks?.push({ startTime: entry.startTime, duration: entry.duration })
      }).observe({ type: 'longtask', buffered: true })
    } catch {
      // No Long Tasks API: the bench reports no tasks rather than failing.
    }
  })
}

/** Long tasks of the current document that started within [fromMs, toMs] of its `performance.now()`. */
export async function longTasksBetween(page: Page, fromMs: number, toMs: number): Promise<LongTask[]> {
  const tasks = await page.evaluate(
    () => (window as unknown as { __benchLongTasks?: LongTask[] }).__benchLongTasks ?? [],
  )
  return tasks.filter((task) => task.startTime >= fromMs && task.startTime <= toMs)
}

interface HeapUsage {
  usedSize: number
  totalSize: number
  backingStorageSize?: number
}

/** Peaks in bytes: JS heap (`usedSize`) and ArrayBuffer backing stores, which hold wasm memories. */
export interface HeapPeaks {
  samples: number
  page: { heap: number; buffers: number }
  /** Largest sum over all workers alive at one sample. */
  workers: { heap: number; buffers: number }
  /** Largest page + workers sum at one sample (not the sum of the separate peaks). */
  total: { heap: number; buffers: number }
  /** Each worker's own peak, by script URL (the file name only). */
  perWorker: Record<string, { heap: number; buffers: number }>
  /** The same peaks per phase the caller named ({@link HeapSampler.phase}) while sampling. */
  phases: Record<
    string,
    { total: { heap: number; buffers: number }; perWorker: Record<string, { heap: number; buffers: number }> }
  >
}

/**
 * Samples `Runtime.getHeapUsage` of a page and of all its workers, nested ones included, every
 * `intervalMs`. Workers are reached through CDP auto-attach in non-flattened mode: Playwright's
 * CDPSession cannot address flattened child sessions, but it can carry `Target.sendMessageToTarget`
 * and its `receivedMessageFromTarget` replies, recursively.
 */
export class HeapSampler {
  private nextId = 1_000_000
  private readonly pending = new Map<number, (result: unknown) => void>()
  /** Attached workers by session id: the chain of session ids from the page down, and the script URL. */
  private readonly workers = new Map<string, { path: string[]; url: string }>()
  private timer: ReturnType<typeof setInterval> | undefined
  private gcTimer: ReturnType<typeof setInterval> | undefined
  private busy = false
  private readonly peaks: HeapPeaks = {
    samples: 0,
    page: { heap: 0, buffers: 0 },
    workers: { heap: 0, buffers: 0 },
    total: { heap: 0, buffers: 0 },
    perWorker: {},
    phases: {},
  }
  /** The phase the next samples count toward (the caller sets it as the work moves on). */
  phase = ''

  private constructor(private readonly cdp: CDPSession) {}

  /** Attaches to `page` (call before the work starts: workers created later are attached as they start). */
  static async attach(page: Page): Promise<HeapSampler> {
    const cdp = await page.context().newCDPSession(page)
    const sampler = new HeapSampler(cdp)
    const untyped = cdp as unknown as { on(event: string, handler: (params: unknown) => void): void }
    untyped.on('Target.attachedToTarget', (params) => sampler.onEvent([], 'Target.attachedToTarget', params))
    untyped.on('Target.detachedFromTarget', (params) =>
      sampler.onEvent([], 'Target.detachedFromTarget', params),
    )
    untyped.on('Target.receivedMessageFromTarget', (params) =>
      sampler.onEvent([], 'Target.receivedMessageFromTarget', params),
    )
    await sampler.call([], 'Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false,
    })
    return sampler
  }

  start(intervalMs = 100): void {
    this.timer = setInterval(() => {
      if (this.busy) return
      this.busy = true
      this.sample()
        .catch(() => undefined)
        .finally(() => {
          this.busy = false
        })
    }, intervalMs)
  }

  /**
   * Diagnostic: a full garbage collection in the page and every worker each `intervalMs` (CDP
   * HeapProfiler.collectGarbage), to tell memory awaiting a collection from memory the allocators keep.
   */
  collectGarbageEvery(intervalMs: number): void {
    this.gcTimer = setInterval(() => {
      const targets = [[], ...[...this.workers.values()].map((w) => w.path)]
      for (const path of targets) this.call(path, 'HeapProfiler.collectGarbage').catch(() => undefined)
    }, intervalMs)
  }

  async stop(): Promise<HeapPeaks> {
    clearInterval(this.timer)
    clearInterval(this.gcTimer)
    while (this.busy) await sleep(20)
    await this.sample().catch(() => undefined)
    await this.cdp.detach().catch(() => undefined)
    return this.peaks
  }

  private async sample(): Promise<void> {
    const workerIds = [...this.workers.keys()]
    const [page, ...workers] = await Promise.all([
      this.call([], 'Runtime.getHeapUsage') as Promise<HeapUsage>,
      ...workerIds.map((id) =>
        (this.call(this.workers.get(id)?.path ?? [], 'Runtime.getHeapUsage') as Promise<HeapUsage>).catch(
          () => undefined,
        ),
      ),
    ])
    const peaks = this.peaks
    peaks.phases[this.phase] ??= { total: { heap: 0, buffers: 0 }, perWorker: {} }
    const phase = peaks.phases[this.phase]
    peaks.samples++
    bump(peaks.page, page)
    const sum = { usedSize: 0, backingStorageSize: 0, totalSize: 0 }
    workers.forEach((usage, i) => {
      if (!usage) return
      sum.usedSize += usage.usedSize
      sum.backingStorageSize += usage.backingStorageSize ?? 0
      const name = (this.workers.get(workerIds[i])?.url ?? '?').split('/').pop() ?? '?'
      peaks.perWorker[name] ??= { heap: 0, buffers: 0 }
      bump(peaks.perWorker[name], usage)
      phase.perWorker[name] ??= { heap: 0, buffers: 0 }
      bump(phase.perWorker[name], usage)
    })
    bump(peaks.workers, sum)
    const total = {
      usedSize: page.usedSize + sum.usedSize,
      backingStorageSize: (page.backingStorageSize ?? 0) + sum.backingStorageSize,
      totalSize: 0,
    }
    bump(peaks.total, total)
    bump(phase.total, total)
  }

  /** Sends `method` to the target at the end of `path` (session ids from the page down). */
  private call(path: string[], method: string, params: object = {}): Promise<unknown> {
    const send = this.cdp.send.bind(this.cdp) as (method: string, params?: object) => Promise<unknown>
    if (path.length === 0) return send(method, params)
    const id = this.nextId++
    let message = JSON.stringify({ id, method, params })
    for (let level = path.length - 1; level >= 1; level--)
      message = JSON.stringify({
        id: this.nextId++,
        method: 'Target.sendMessageToTarget',
        params: { sessionId: path[level], message },
      })
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${method}: no reply`))
      }, 10_000)
      this.pending.set(id, (result) => {
        clearTimeout(timeout)
        resolve(result)
      })
      send('Target.sendMessageToTarget', { sessionId: path[0], message }).catch((error: unknown) => {
        clearTimeout(timeout)
        this.pending.delete(id)
        reject(error)
      })
    })
  }

  private onEvent(path: string[], method: string, params: unknown): void {
    if (method === 'Target.attachedToTarget') {
      const { sessionId, targetInfo } = params as { sessionId: string; targetInfo: { url: string } }
      const childPath = [...path, sessionId]
      this.workers.set(sessionId, { path: childPath, url: targetInfo.url })
      // Nested workers (DuckDB's worker inside the data worker) attach through their parent.
      this.call(childPath, 'Target.setAutoAttach', {
        autoAttach: true,
        waitForDebuggerOnStart: false,
        flatten: false,
      }).catch(() => undefined)
    } else if (method === 'Target.detachedFromTarget') {
      this.workers.delete((params as { sessionId: string }).sessionId)
    } else if (method === 'Target.receivedMessageFromTarget') {
      const { sessionId, message } = params as { sessionId: string; message: string }
      const parsed = JSON.parse(message) as {
        id?: number
        result?: unknown
        method?: string
        params?: unknown
      }
      const resolve = parsed.id === undefined ? undefined : this.pending.get(parsed.id)
      if (resolve && parsed.id !== undefined) {
        this.pending.delete(parsed.id)
        resolve(parsed.result)
      } else if (parsed.method) {
        this.onEvent(this.workers.get(sessionId)?.path ?? [sessionId], parsed.method, parsed.params)
      }
    }
  }
}

function bump(peak: { heap: number; buffers: number }, usage: HeapUsage): void {
  peak.heap = Math.max(peak.heap, usage.usedSize)
  peak.buffers = Math.max(peak.buffers, usage.backingStorageSize ?? 0)
}

/** Peak resident memory of a browser's process tree (Linux /proc only; zeros elsewhere). */
export interface RssPeaks {
  /** Largest sum of VmRSS over all processes at one sample (memory shared between them counts in each). */
  sumBytes: number
  /**
   * Largest sum of Pss (proportional set size, /proc/PID/smaps_rollup) at one sample: memory shared by
   * several processes (shared-memory buffers passing a file between them) counted once in all.
   */
  pssBytes: number
  /**
   * Largest number of bytes of distinct physical pages resident in the process tree at one sample: each
   * page once, however many processes map it (the tree's own resident set; /proc/PID/pagemap, which
   * needs root). Sampled when the RSS sum is near its peak so far, at most once a second. 0 when pagemap
   * gives no page frame numbers.
   */
  uniqueBytes: number
  /** Largest VmHWM (the kernel's own high-water mark) of a single process. */
  maxProcessBytes: number
  /** That process's kind: `browser`, or its `--type` (renderer, gpu-process, utility…). */
  maxProcessKind?: string
  /** Each process kind's largest VmHWM. */
  perKindBytes?: Record<string, number>
  /**
   * Per phase the caller named ({@link RssSampler.phase}): the largest RSS sum at one sample, and each
   * process's largest VmRSS in it (its current size, not the lifetime high-water mark).
   */
  phases: Record<string, { sumBytes: number; perKindBytes: Record<string, number> }>
  processes: number
  /**
   * CPU seconds (user + system) the process tree used while sampling: unlike wall time, this hardly
   * changes when other programs compete for the cores.
   */
  cpuSeconds: number
}

/**
 * Samples the RSS of the Chromium processes of a profile: the browser is the process whose command
 * line names `profileDir`; renderers, GPU and utility processes are its descendants.
 */
export class RssSampler {
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly seen = new Set<number>()
  private sampled = false
  private readonly peaks: RssPeaks = {
    sumBytes: 0,
    pssBytes: 0,
    uniqueBytes: 0,
    maxProcessBytes: 0,
    processes: 0,
    cpuSeconds: 0,
    phases: {},
  }
  /** The phase the next samples count toward (the caller sets it as the work moves on). */
  phase = ''
  /** CPU ticks per process: first and latest sample. */
  private readonly ticks = new Map<number, { first: number; last: number }>()
  /** When the distinct pages were last counted (ms), and whether pagemap gives frame numbers at all. */
  private uniqueAt = 0
  private uniqueReadable = true

  constructor(private readonly profileDir: string) {}

  start(intervalMs = 100): void {
    if (!existsSync('/proc/self/status')) return
    this.timer = setInterval(() => this.sample(), intervalMs)
  }

  stop(): RssPeaks {
    clearInterval(this.timer)
    this.sample()
    this.peaks.processes = this.seen.size
    const hertz = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100
    let used = 0
    for (const { first, last } of this.ticks.values()) used += last - first
    this.peaks.cpuSeconds = used / hertz
    return this.peaks
  }

  private sample(): void {
    try {
      const parents = new Map<number, number>()
      const cpu = new Map<number, number>()
      const named = new Set<number>()
      for (const entry of readdirSync('/proc')) {
        const pid = Number(entry)
        if (!Number.isInteger(pid)) continue
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
          // The command name is parenthesised and may contain spaces: fields resume after the last ')'.
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
          parents.set(pid, Number(fields[1]))
          // utime and stime are fields 14 and 15 of /proc/PID/stat, 12 and 13 after the name.
          cpu.set(pid, Number(fields[11]) + Number(fields[12]))
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.profileDir)) named.add(pid)
        } catch {
          // The process ended while we looked.
        }
      }
      // Most of Chromium's processes carry the profile folder on their command line; the browser is the
      // one whose parent does not (process ids wrap around, so the lowest id is not always the browser).
      const tree = new Set([...named].filter((pid) => !named.has(parents.get(pid) ?? -1)))
      if (tree.size === 0) return
      for (let grew = true; grew; ) {
        grew = false
        for (const [pid, parent] of parents)
          if (!tree.has(pid) && tree.has(parent)) {
            tree.add(pid)
            grew = true
          }
      }
      let sum = 0
      let pss = 0
      this.peaks.phases[this.phase] ??= { sumBytes: 0, perKindBytes: {} }
      const phase = this.peaks.phases[this.phase]
      for (const pid of tree) {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8')
          const rss = kilobytes(status, 'VmRSS') * 1024
          sum += rss
          try {
            pss += kilobytes(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss') * 1024
          } catch {
            // No smaps_rollup (an older kernel): no PSS number.
          }
          const hwm = kilobytes(status, 'VmHWM') * 1024
          const kind = kinds.get(pid) ?? processKind(pid)
          kinds.set(pid, kind)
          this.peaks.perKindBytes ??= {}
          this.peaks.perKindBytes[kind] = Math.max(this.peaks.perKindBytes[kind] ?? 0, hwm)
          phase.perKindBytes[kind] = Math.max(phase.perKindBytes[kind] ?? 0, rss)
          if (hwm > this.peaks.maxProcessBytes) {
            this.peaks.maxProcessBytes = hwm
            this.peaks.maxProcessKind = kind
          }
          this.seen.add(pid)
          const ticks = cpu.get(pid) ?? 0
          const known = this.ticks.get(pid)
          // A process born after the first sample started from zero ticks.
          if (known) known.last = ticks
          else this.ticks.set(pid, { first: this.sampled ? 0 : ticks, last: ticks })
        } catch {
          // Gone.
        }
      }
      // Counting distinct pages reads every resident page's frame number: only near the peak, once a second.
      const now = Date.now()
      if (this.uniqueReadable && sum >= 0.97 * this.peaks.sumBytes && now - this.uniqueAt >= 1000) {
        this.uniqueAt = now
        const unique = distinctResidentBytes(tree)
        if (unique === null) this.uniqueReadable = false
        else this.peaks.uniqueBytes = Math.max(this.peaks.uniqueBytes, unique)
      }
      this.peaks.sumBytes = Math.max(this.peaks.sumBytes, sum)
      phase.sumBytes = Math.max(phase.sumBytes, sum)
      this.peaks.pssBytes = Math.max(this.peaks.pssBytes, pss)
      this.sampled = true
    } catch {
      // /proc unreadable: no RSS numbers.
    }
  }
}

/**
 * Bytes of the distinct physical pages resident in `pids`: for each mapping with resident pages
 * (/proc/PID/smaps), the page frame number of each present page (/proc/PID/pagemap: bit 63 present,
 * bits 0–54 the frame), marked once in a bitmap. Null when the frame numbers read as 0 (not root).
 */
export function distinctResidentBytes(pids: Iterable<number>): number | null {
  const pageSize = 4096
  let bitmap = new Uint32Array(1 << 16)
  let pages = 0
  let present = 0
  let framed = 0
  for (const pid of pids) {
    let smaps: string
    let fd: number
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8')
      fd = openSync(`/proc/${pid}/pagemap`, 'r')
    } catch {
      continue
    }
    try {
      const ranges = [
        ...smaps.matchAll(/^([0-9a-f]+)-([0-9a-f]+) [^\n]*\n(?:(?![0-9a-f]+-)[^\n]*\n)*?Rss:\s+(\d+) kB/gm),
      ]
      for (const [, from, to, rss] of ranges) {
        if (rss === '0') continue
        const first = Number.parseInt(from, 16) / pageSize
        const count = (Number.parseInt(to, 16) - Number.parseInt(from, 16)) / pageSize
        const entries = Buffer.alloc(count * 8)
        const read = readSync(fd, entries, 0, entries.length, first * 8)
        for (let k = 0; k + 8 <= read; k += 8) {
          const high = entries.readUInt32LE(k + 4)
          if ((high & 0x80000000) === 0) continue
          present++
          const frame = (high & 0x7fffff) * 0x100000000 + entries.readUInt32LE(k)
          if (frame === 0) continue
          framed++
          const word = Math.floor(frame / 32)
          if (word >= bitmap.length) {
            const grown = new Uint32Array(Math.max(word + 1, bitmap.length * 2))
            grown.set(bitmap)
            bitmap = grown
          }
          const bit = 1 << (frame % 32)
          if ((bitmap[word] & bit) === 0) {
            bitmap[word] |= bit
            pages++
          }
        }
      }
    } catch {
      // The process ended while we read it.
    } finally {
      closeSync(fd)
    }
  }
  return present > 0 && framed === 0 ? null : pages * pageSize
}

/** Process kinds by pid, read once per process. */
const kinds = new Map<number, string>()

function processKind(pid: number): string {
  try {
    // Chromium rewrites its processes' titles: the arguments are one space-separated string.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
    const type = /--type=(\S+)/.exec(cmdline)?.[1]
    const sub = /--utility-sub-type=(\S+)/.exec(cmdline)?.[1]
    return type ? `${type}${sub ? ` ${sub}` : ''} ${pid}` : `browser ${pid}`
  } catch {
    return `gone ${pid}`
  }
}

function kilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match ? Number(match[1]) : 0
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A V8 CPU profile as CDP's `Profiler.stop` returns it (times in microseconds). */
export interface CpuProfile {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  }[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** A sampling CPU profile of the page's main thread, started now; `pageStart` is its `performance.now()`. */
export async function startCpuProfile(
  page: Page,
): Promise<{ pageStart: number; stop(): Promise<CpuProfile> }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 })
  await cdp.send('Profiler.start')
  const pageStart = await page.evaluate(() => performance.now())
  return {
    pageStart,
    async stop() {
      const { profile } = await cdp.send('Profiler.stop')
      await cdp.detach().catch(() => undefined)
      return profile as unknown as CpuProfile
    },
  }
}

/**
 * The functions that used the most main-thread time between `fromMs` and `toMs` (milliseconds since
 * the profile started), by self time: what a long task was busy with. Names are minified in a
 * production build, so each comes with its file and line:column.
 */
export function hottestFrames(
  profile: CpuProfile,
  fromMs: number,
  toMs: number,
  top = 5,
): { frame: string; self_ms: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const self = new Map<string, number>()
  let t = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] / 1000
    const duration = (profile.timeDeltas[i + 1] ?? 0) / 1000
    if (t < fromMs || t > toMs) continue
    const frame = byId.get(profile.samples[i])
    if (!frame) continue
    const file = frame.url.split('/').pop() ?? ''
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : ''}`
    self.set(key, (self.get(key) ?? 0) + duration)
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, ms]) => ({ frame, self_ms: Math.round(ms) }))
}

/** A main-thread task from a Chromium trace: wall time, the thread's own CPU time, and what filled it. */
export interface TracedTask {
  wallMs: number
  /** CPU time of the main thread inside the task; far below `wallMs` means the OS ran other programs. */
  cpuMs: number
  /** Trace events inside the task with the longest total wall time. */
  top: { name: string; ms: number }[]
}

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  args?: { name?: string }
}

/**
 * Traces the page's renderer (timeline categories) until `stop()`, which returns its main thread's
 * tasks longer than 50 ms of wall time. Unlike the Long Tasks API, the trace tells a busy main thread
 * from one the OS set aside for other processes on a loaded machine.
 */
export async function startMainThreadTrace(page: Page): Promise<{ stop(): Promise<TracedTask[]> }> {
  const cdp = await page.context().newCDPSession(page)
  const untyped = cdp as unknown as {
    on(event: string, handler: (params: { value?: TraceEvent[] }) => void): void
    send(method: string, params?: object): Promise<unknown>
  }
  const events: TraceEvent[] = []
  let complete = () => {}
  const completed = new Promise<void>((resolve) => {
    complete = resolve
  })
  untyped.on('Tracing.dataCollected', (params) => events.push(...(params.value ?? [])))
  untyped.on('Tracing.tracingComplete', () => complete())
  await untyped.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink,gc',
    transferMode: 'ReportEvents',
  })
  return {
    async stop() {
      await untyped.send('Tracing.end')
      await completed
      await cdp.detach().catch(() => undefined)
      const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      const complete = (e: TraceEvent, pid: number, tid: number) =>
        e.pid === pid && e.tid === tid && e.ph === 'X'
      // The page's main thread is the renderer main thread with the most tasks.
      let best: TraceEvent[] = []
      for (const main of mains) {
        const own = events.filter((e) => complete(e, main.pid, main.tid))
        if (own.length > best.length) best = own
      }
      return best
        .filter((e) => e.name === 'RunTask' && (e.dur ?? 0) > 50_000)
        .map((task) => {
          const end = task.ts + (task.dur ?? 0)
          const names = new Map<string, number>()
          for (const e of best)
            if (e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end)
              names.set(e.name, (names.get(e.name) ?? 0) + (e.dur ?? 0) / 1000)
          return {
            wallMs: Math.round((task.dur ?? 0) / 1000),
            cpuMs: Math.round((task.tdur ?? 0) / 1000),
            top: [...names]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 4)
              .map(([name, ms]) => ({ name, ms: Math.round(ms) })),
          }
        })
    },
  }
}

export interface ScrollResult {
  /** Time from jumping the grid to its end until the last row's number is drawn. */
  to_last_row_ms: number
  /** While scrolling through the whole table in 20 steps. */
  longest_task_ms: number
  long_tasks_over_100ms: number
  long_tasks: LongTask[]
}

/**
 * Scrolls the dataset page's row preview from top to bottom in 20 jumps (each fetches a new window of
 * rows from DuckDB), waits for the last row to be drawn, and collects the main thread's long tasks.
 */
export async function scrollToLastRow(
  page: Page,
  expectedRows: string | undefined,
  longTaskLimit = 100,
): Promise<ScrollResult | undefined> {
  const grid = page.locator('regular-table')
  if ((await grid.count()) === 0 || !expectedRows) return undefined
  const from = await page.evaluate(() => performance.now())
  const started = performance.now()
  await grid.evaluate(async (element: Element) => {
    for (let step = 1; step <= 20; step++) {
      element.scrollTop = ((element.scrollHeight - element.clientHeight) * step) / 20
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 30)))
    }
  })
  await grid.getByText(expectedRows, { exact: true }).first().waitFor({ timeout: 60_000 })
  const toLastRow = performance.now() - started
  const to = await page.evaluate(() => performance.now())
  const tasks = await longTasksBetween(page, from, to)
  return {
    to_last_row_ms: Math.round(toLastRow),
    longest_task_ms: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
    long_tasks_over_100ms: tasks.filter((t) => t.duration > longTaskLimit).length,
    long_tasks: tasks.filter((t) => t.duration > longTaskLimit),
  }
}

/** Newest modification time of the files a build of `root` reads (sources, public assets, configs). */
function newestSourceMtime(root: string): number {
  let newest = 0
  const visit = (path: string) => {
    if (!existsSync(path)) return
    const stat = statSync(path)
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry))
    else newest = Math.max(newest, stat.mtimeMs)
  }
  for (const path of ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'])
    visit(join(root, path))
  return newest
}

/**
 * The build to serve: `dist/` when it is there and newer than every source; built with `npx vite build`
 * when missing. A stale `dist/` is left alone (others test against it) and a private build in the OS
 * temp folder (one per checkout) is benched instead, as with `rebuild`.
 */
export function ensureBuild(root: string, rebuild: boolean, who: string): string {
  const dist = join(root, 'dist')
  const checkout = createHash('sha256').update(root).digest('hex').slice(0, 8)
  const privateDist = join(tmpdir(), `butterfly-bench-dist-${checkout}`)
  const fresh = (dir: string) =>
    existsSync(join(dir, 'index.html')) &&
    statSync(join(dir, 'index.html')).mtimeMs >= newestSourceMtime(root)
  let outDir = dist
  if (existsSync(join(dist, 'index.html')) && !rebuild) {
    if (fresh(dist)) return dist
    if (fresh(privateDist)) return privateDist
    outDir = privateDist
    process.stderr.write(`${who}: dist/ is older than the sources; building into ${outDir}…\n`)
  } else if (rebuild) {
    outDir = privateDist
    process.stderr.write(`${who}: building into ${outDir}…\n`)
  } else {
    process.stderr.write(`${who}: no dist/, building the app (npx vite build)…\n`)
  }
  const args = outDir === dist ? ['vite', 'build'] : ['vite', 'build', '--outDir', outDir, '--emptyOutDir']
  // Vite's output (bundler timings) would bury the results: shown only when the build fails.
  const build = spawnSync('npx', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (build.status !== 0)
    throw new Error(`vite build failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`)
  return outDir
}
