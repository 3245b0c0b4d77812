/**
 * Benchmark of Butterfly's tree models against the scikit-learn reference results.
 *
 *   npx tsx scripts/bench-models.ts [--models gbdt,rf] [--datasets a,b] [--mode auto|cli|direct]
 *                                   [--encoding native|protocol] [--synthetic FILE.csv | --no-synthetic]
 *   npx tsx scripts/bench-models.ts --quality [--models rf] [--datasets a,b] [--seeds 5] [--cv] [--hp JSON]
 *                                   [--encoding protocol]
 *
 * For every dataset in ../shared/datasets/* (relative to the repository root; env BUTTERFLY_SHARED
 * names another shared folder, e.g. from a git worktree) it fits each model on
 * the stored hold-out split and scores the test rows, either through the headless runner
 * (`src/cli/butterfly.ts run ...`, mode 'cli', the default when that script exists) or directly
 * (mode 'direct': a small CSV loader here, categoricals as native codes, or with --encoding protocol
 * the reference pipeline's median imputation and one-hot encoding). It then runs the scale
 * test: gbdt on the 1M-row synthetic file of ../shared/bench/make_synthetic.py (100 iterations,
 * 31 leaves, early stopping off), generated into a temp folder when missing and python3 with
 * scikit-learn is available (env PYTHON picks the interpreter; the file path can also come from env
 * BUTTERFLY_SYNTHETIC). Prints a JSON blob, then tables. Fit times are wall and CPU seconds: on a
 * shared machine the CPU seconds are the steadier number.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createRng } from '../src/domain/random.ts'
import type { TaskType } from '../src/domain/task.ts'
import type { FeatureMatrix, Target } from '../src/engine/frame.ts'
import '../src/engine/models/gbdt.ts'
import '../src/engine/models/rf.ts'
import '../src/engine/models/tree.ts'
import { getModelFamily, type Hyperparameters } from '../src/engine/models/model.ts'

const root = resolve(import.meta.dirname, '..')
const shared = process.env.BUTTERFLY_SHARED ?? resolve(root, '..', 'shared')
const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const models = (flag('models') ?? 'gbdt,rf').split(',')
const onlyDatasets = flag('datasets')?.split(',')
const cliPath = join(root, 'src', 'cli', 'butterfly.ts')
const mode = flag('mode') ?? (existsSync(cliPath) ? 'auto' : 'direct')
/** 'native': categorical codes split natively, NaN kept; 'protocol': the baseline's preprocessing (median imputation, one-hot). */
const encoding = flag('encoding') ?? 'native'
const baselineKey: Record<string, string> = { gbdt: 'hist_gb', rf: 'random_forest', tree: 'random_forest' }

interface Meta {
  name: string
  target: string
  task: TaskType
  positive_class?: string
  categorical_columns: string[]
  column_names?: string[]
}

interface Loaded {
  X: FeatureMatrix
  y: Target
  nRows: number
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

/**
 * Parses a plain decimal field (sign, digits, optional fraction) exactly like Number(): an integer
 * mantissa below 2^53 divided by an exact power of ten is one correctly rounded operation. Anything
 * else (exponents, too many digits, text) falls back to Number() on the decoded field.
 */
function parseNumber(buf: Buffer, start: number, end: number): number {
  if (start === end) return Number.NaN
  let i = start
  let negative = false
  if (buf[i] === 45) {
    negative = true
    i++
  }
  let mantissa = 0
  let digits = 0
  let scale = 0
  let seenDot = false
  for (; i < end; i++) {
    const c = buf[i]
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48)
      digits++
      if (seenDot) scale++
    } else if (c === 46 && !seenDot) seenDot = true
    else return Number(buf.toString('utf8', start, end))
  }
  if (digits === 0 || digits > 15 || scale > 22) return Number(buf.toString('utf8', start, end))
  const value = scale > 0 ? mantissa / POW10[scale] : mantissa
  return negative ? -value : value
}

/** Reads a field starting at `pos`: returns [fieldStart, fieldEnd, nextPos, quotedText | null]. */
function scanField(buf: Buffer, pos: number): [number, number, number, string | null] {
  if (buf[pos] === 34) {
    let text = ''
    let i = pos + 1
    let from = i
    for (;;) {
      if (buf[i] === 34) {
        text += buf.toString('utf8', from, i)
        if (buf[i + 1] === 34) {
          text += '"'
          i += 2
          from = i
          continue
        }
        i++
        break
      }
      i++
    }
    return [0, 0, i + 1, text]
  }
  let i = pos
  while (i < buf.length && buf[i] !== 44 && buf[i] !== 10 && buf[i] !== 13) i++
  let next = i
  if (buf[next] === 13) next++
  return [pos, i, next + 1, null]
}

/**
 * CSV loader straight into typed arrays (no per-row objects): categorical columns listed in meta.json
 * and a classification target become codes of their sorted levels, other columns numbers; an empty
 * field is missing.
 */
function load(csvPath: string, meta: Meta): Loaded {
  const buf = readFileSync(csvPath)
  let headerEnd = buf.indexOf(10)
  const header = buf.toString('utf8', 0, headerEnd).replace(/\r$/, '').split(',')
  headerEnd++
  let nRows = 0
  for (let i = headerEnd; i < buf.length; i++) if (buf[i] === 10) nRows++
  if (buf.length > headerEnd && buf[buf.length - 1] !== 10) nRows++
  const categorical = new Set(meta.categorical_columns)
  const isText = header.map((h) => categorical.has(h) || (h === meta.target && meta.task !== 'regression'))
  const values = header.map(() => new Float64Array(nRows))
  const dictionaries = header.map(() => new Map<string, number>())
  let pos = headerEnd
  for (let row = 0; row < nRows; row++) {
    for (let c = 0; c < header.length; c++) {
      const [start, end, next, quoted] = scanField(buf, pos)
      pos = next
      if (isText[c]) {
        const text = quoted ?? buf.toString('utf8', start, end)
        if (text === '') values[c][row] = Number.NaN
        else {
          const dict = dictionaries[c]
          let code = dict.get(text)
          if (code === undefined) {
            code = dict.size
            dict.set(text, code)
          }
          values[c][row] = code
        }
      } else values[c][row] = quoted === null ? parseNumber(buf, start, end) : Number(quoted || Number.NaN)
    }
  }
  // Recode first-seen codes into sorted-level codes.
  const levelsOf = header.map((_, c) => {
    if (!isText[c]) return [] as string[]
    const levels = [...dictionaries[c].keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const remap = new Float64Array(levels.length)
    for (const [text, code] of dictionaries[c]) remap[code] = levels.indexOf(text)
    const column = values[c]
    for (let i = 0; i < nRows; i++) if (!Number.isNaN(column[i])) column[i] = remap[column[i]]
    return levels
  })
  const names: string[] = []
  const features: Float64Array[] = []
  const levels: number[] = []
  let y: Target | undefined
  for (let c = 0; c < header.length; c++) {
    if (header[c] === meta.target) {
      y =
        meta.task === 'regression'
          ? { kind: 'regression', values: values[c] }
          : { kind: 'classification', codes: Int32Array.from(values[c]), classes: levelsOf[c] }
      continue
    }
    names.push(header[c])
    features.push(values[c])
    levels.push(isText[c] ? levelsOf[c].length : 0)
  }
  if (!y) throw new Error(`Target '${meta.target}' not in ${csvPath}`)
  return { X: { nRows, names, columns: features, categoricalLevels: levels }, y, nRows }
}

/**
 * The reference protocol's preprocessing (PROTOCOL.md §3), fitted on the training rows: numeric
 * columns median-imputed first, then categoricals imputed with the most frequent level (ties: the
 * smallest) and one-hot encoded (sorted levels; unseen levels give all zeros). Scaling is left out:
 * trees are invariant to it.
 */
function protocolEncode(X: FeatureMatrix, trainRows: Uint32Array): FeatureMatrix {
  const names: string[] = []
  const columns: Float64Array[] = []
  X.columns.forEach((column, j) => {
    if (X.categoricalLevels[j] > 0) return
    const seen = Float64Array.from(trainRows, (r) => column[r])
      .filter((v) => !Number.isNaN(v))
      .sort()
    const mid = seen.length >> 1
    const median = seen.length % 2 ? seen[mid] : (seen[mid - 1] + seen[mid]) / 2
    names.push(X.names[j])
    columns.push(column.map((v) => (Number.isNaN(v) ? median : v)))
  })
  X.columns.forEach((column, j) => {
    const levels = X.categoricalLevels[j]
    if (levels === 0) return
    const counts = new Float64Array(levels)
    for (const r of trainRows) if (!Number.isNaN(column[r])) counts[column[r]]++
    let mostFrequent = 0
    for (let c = 1; c < levels; c++) if (counts[c] > counts[mostFrequent]) mostFrequent = c
    for (let c = 0; c < levels; c++) {
      if (counts[c] === 0) continue
      names.push(`${X.names[j]}=${c}`)
      columns.push(column.map((v) => ((Number.isNaN(v) ? mostFrequent : v) === c ? 1 : 0)))
    }
  })
  return { nRows: X.nRows, names, columns, categoricalLevels: names.map(() => 0) }
}

function rowsOf(X: FeatureMatrix, rows: Uint32Array): FeatureMatrix {
  return { ...X, nRows: rows.length, columns: X.columns.map((col) => Float64Array.from(rows, (r) => col[r])) }
}

function targetOf(y: Target, rows: Uint32Array): Target {
  if (y.kind === 'regression') return { ...y, values: Float64Array.from(rows, (r) => y.values[r]) }
  return { ...y, codes: Int32Array.from(rows, (r) => y.codes[r]) }
}

function rocAuc(scores: Float64Array, positive: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b])
  let rankSum = 0
  let nPos = 0
  let i = 0
  while (i < order.length) {
    let j = i
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++
    const rank = (i + j) / 2 + 1
    for (let q = i; q <= j; q++) if (positive[order[q]]) rankSum += rank
    i = j + 1
  }
  for (const p of positive) nPos += p
  const nNeg = positive.length - nPos
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

async function evaluate(
  family: string,
  train: { X: FeatureMatrix; y: Target },
  test: { X: FeatureMatrix; y: Target },
  task: TaskType,
  positiveIndex: number,
  hp: Hyperparameters = {},
  seed = 42,
): Promise<{
  metrics: Record<string, number>
  fit_s: number
  fit_cpu_s: number
  meta: Record<string, unknown>
}> {
  const fam = getModelFamily(family)
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  const model = await fam.fit(
    train.X,
    train.y,
    { ...fam.defaults(task), ...hp },
    { task, rng: createRng(seed) },
  )
  const fit_s = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStarted)
  const fit_cpu_s = (cpu.user + cpu.system) / 1e6
  const metrics: Record<string, number> = {}
  const n = test.X.nRows
  if (test.y.kind === 'regression') {
    const pred = await model.predict(test.X)
    let se = 0
    let ae = 0
    let mean = 0
    for (let i = 0; i < n; i++) mean += test.y.values[i] / n
    let ss = 0
    for (let i = 0; i < n; i++) {
      const d = pred[i] - test.y.values[i]
      se += d * d
      ae += Math.abs(d)
      ss += (test.y.values[i] - mean) ** 2
    }
    metrics.rmse = Math.sqrt(se / n)
    metrics.mae = ae / n
    metrics.r2 = 1 - se / ss
  } else {
    const k = test.y.classes.length
    const proba = await model.predictProba(test.X)
    const pred = await model.predict(test.X)
    let correct = 0
    let ll = 0
    for (let i = 0; i < n; i++) {
      if (pred[i] === test.y.codes[i]) correct++
      ll -= Math.log(Math.min(Math.max(proba[i * k + test.y.codes[i]], 1e-15), 1 - 1e-15))
    }
    metrics.accuracy = correct / n
    metrics.log_loss = ll / n
    if (k === 2) {
      const scores = Float64Array.from({ length: n }, (_, i) => proba[i * 2 + positiveIndex])
      const positive = Uint8Array.from(test.y.codes, (c) => (c === positiveIndex ? 1 : 0))
      metrics.roc_auc = rocAuc(scores, positive)
    }
  }
  return { metrics, fit_s, fit_cpu_s, meta: model.trainingMetadata }
}

function runCli(
  family: string,
  dir: string,
  name: string,
  meta: Meta,
): { metrics: Record<string, number>; fit_s: number } {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-models-')), 'result.json')
  execFileSync(
    'npx',
    [
      'tsx',
      cliPath,
      'run',
      '--data',
      join(dir, `${name}.csv`),
      '--target',
      meta.target,
      '--split',
      join(dir, `${name}.split.json`),
      '--model',
      family,
      '--seed',
      '42',
      '--out',
      out,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] },
  )
  const result = JSON.parse(readFileSync(out, 'utf8'))
  return { metrics: result.metrics, fit_s: result.timings?.fit_s ?? Number.NaN }
}

interface Row {
  dataset: string
  model: string
  metric: string
  butterfly: number
  sklearn: number | null
  fit_s: number
  /** CPU seconds of the fit (direct mode): steadier than wall time on a shared machine. */
  fit_cpu_s: number | null
  sklearn_fit_s: number | null
  xgboost: number | null
  via: string
}

async function benchDatasets(): Promise<Row[]> {
  const datasetsDir = join(shared, 'datasets')
  if (!existsSync(datasetsDir)) {
    console.error(`No shared datasets at ${datasetsDir}; skipping the dataset benchmark.`)
    return []
  }
  const baselinesPath = join(shared, 'bench', 'baselines.json')
  const baselines = existsSync(baselinesPath)
    ? JSON.parse(readFileSync(baselinesPath, 'utf8'))
    : { datasets: {} }
  const rows: Row[] = []
  for (const name of readdirSync(datasetsDir).sort()) {
    const dir = join(datasetsDir, name)
    if (!existsSync(join(dir, 'meta.json')) || (onlyDatasets && !onlyDatasets.includes(name))) continue
    const meta: Meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))
    const split = JSON.parse(readFileSync(join(dir, `${name}.split.json`), 'utf8'))
    let data: Loaded | null = null
    for (const family of models) {
      let result: { metrics: Record<string, number>; fit_s: number; fit_cpu_s?: number; via: string } | null =
        null
      if (mode !== 'direct') {
        try {
          result = { ...runCli(family, dir, name, meta), via: 'cli' }
        } catch (error) {
          if (mode === 'cli') throw error
          console.error(`${name}/${family}: the headless runner failed; running the model directly instead.`)
        }
      }
      if (!result) {
        data ??= load(join(dir, `${name}.csv`), meta)
        const isTest = new Uint8Array(data.nRows)
        for (const i of split.holdout.test_indices as number[]) isTest[i] = 1
        const testRows = Uint32Array.from(split.holdout.test_indices as number[])
        const trainRows = Uint32Array.from(Array.from(isTest.keys()).filter((i) => !isTest[i]))
        const positiveIndex =
          data.y.kind === 'classification' ? data.y.classes.indexOf(meta.positive_class ?? '') : -1
        const X = encoding === 'protocol' ? protocolEncode(data.X, trainRows) : data.X
        const direct = await evaluate(
          family,
          { X: rowsOf(X, trainRows), y: targetOf(data.y, trainRows) },
          { X: rowsOf(X, testRows), y: targetOf(data.y, testRows) },
          meta.task,
          positiveIndex,
        )
        result = { ...direct, via: 'direct' }
      }
      const metric = meta.task === 'regression' ? 'rmse' : 'accuracy'
      const ref = baselines.datasets?.[name]?.models
      const refRun = ref?.[baselineKey[family]]?.holdout?.n_jobs_1
      rows.push({
        dataset: name,
        model: family,
        metric,
        butterfly: result.metrics[metric],
        sklearn: refRun?.metrics?.[metric] ?? null,
        fit_s: result.fit_s,
        fit_cpu_s: result.fit_cpu_s ?? null,
        sklearn_fit_s: refRun?.fit_s ?? null,
        xgboost: ref?.xgboost?.holdout?.n_jobs_1?.metrics?.[metric] ?? null,
        via: result.via,
      })
      const last = rows[rows.length - 1]
      console.error(
        `${name}/${family} (${last.via}): ${metric} ${fmt(last.butterfly)} vs sklearn ${fmt(last.sklearn)}, fit ${fmt(last.fit_s, 2)} s`,
      )
    }
  }
  return rows
}

async function benchSynthetic(): Promise<Record<string, unknown> | null> {
  if (args.includes('--no-synthetic')) return null
  let path = flag('synthetic') ?? process.env.BUTTERFLY_SYNTHETIC
  if (!path) {
    const dir = join(tmpdir(), 'butterfly_synthetic')
    path = join(dir, 'synthetic_1m.csv')
    const generator = join(shared, 'bench', 'make_synthetic.py')
    if (!existsSync(path) && existsSync(generator)) {
      try {
        console.error(`Generating ${path} with make_synthetic.py ...`)
        execFileSync(process.env.PYTHON ?? 'python3', [generator, '--out', dir], {
          stdio: ['ignore', 'ignore', 'inherit'],
        })
      } catch {
        console.error(
          'Could not generate the synthetic file (needs python3 with scikit-learn and pandas); skipping.',
        )
      }
    }
  }
  if (!existsSync(path)) {
    console.error(`No synthetic file at ${path}; skipping the scale test.`)
    return null
  }
  const metaPath = path.replace(/\.csv$/, '.meta.json')
  const meta: Meta = existsSync(metaPath)
    ? JSON.parse(readFileSync(metaPath, 'utf8'))
    : {
        name: 'synthetic',
        target: 'target',
        task: 'binary',
        categorical_columns: ['cat_a', 'cat_b', 'cat_c'],
      }
  const loadStarted = performance.now()
  const data = load(path, { ...meta, task: 'binary' })
  const load_s = (performance.now() - loadStarted) / 1000
  const loadPeakMib = peakRssMib()
  const rssBeforeFit = process.memoryUsage().rss
  const peakReset = resetPeakRss()
  const fam = getModelFamily('gbdt')
  const cpuStarted = process.cpuUsage()
  const started = performance.now()
  const model = await fam.fit(
    data.X,
    data.y,
    { ...fam.defaults('binary'), early_stopping: false, max_iter: 100, max_leaf_nodes: 31 },
    { task: 'binary', rng: createRng(42) },
  )
  const fit_s = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStarted)
  const fit_cpu_s = (cpu.user + cpu.system) / 1e6
  const pred = await model.predict(data.X)
  const fitPeakMib = peakRssMib()
  let correct = 0
  const y = data.y as Extract<Target, { kind: 'classification' }>
  for (let i = 0; i < data.nRows; i++) if (pred[i] === y.codes[i]) correct++
  const sklearnFit = sklearnHgbFitSeconds(data.nRows)
  return {
    file: path,
    rows: data.nRows,
    load_s,
    fit_s,
    fit_cpu_s,
    train_accuracy: correct / data.nRows,
    sklearn_hgb_1thread_fit_s: sklearnFit,
    ratio_to_sklearn: sklearnFit ? fit_s / sklearnFit : null,
    ratio_to_sklearn_cpu: sklearnFit ? fit_cpu_s / sklearnFit : null,
    // Linux VmHWM: the process's peak resident set; reset after loading when /proc/self/clear_refs allows.
    peak_rss_fit_mib: peakReset ? fitPeakMib : null,
    peak_rss_process_mib: Math.max(loadPeakMib ?? 0, fitPeakMib ?? 0),
    rss_before_fit_mib: rssBeforeFit / 2 ** 20,
    iterations: model.trainingMetadata.iterations,
  }
}

/**
 * sklearn HGB's single-threaded fit time (one-hot pipeline) for a synthetic file of `rows` rows, from
 * ../shared/bench/synthetic_results.json; 44.9 s (baselines.md) for 1M rows when that file is absent.
 */
function sklearnHgbFitSeconds(rows: number): number | null {
  const path = join(shared, 'bench', 'synthetic_results.json')
  if (existsSync(path)) {
    const results = JSON.parse(readFileSync(path, 'utf8'))
    const match = (results.timings ?? []).find(
      (t: { rows: number; model: string; threads: number }) =>
        t.rows === rows && t.threads === 1 && t.model.startsWith('HistGradientBoosting'),
    )
    if (match) return match.fit_s
  }
  return rows === 1_000_000 ? 44.9 : null
}

/** Peak resident set size so far (Linux VmHWM), in MiB; null elsewhere. */
function peakRssMib(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return match ? Number(match[1]) / 1024 : null
  } catch {
    return null
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so the next reading covers the fit only. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

function fmt(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits)
}

interface QualityRow {
  dataset: string
  model: string
  metric: string
  holdout_mean: number
  holdout_sd: number
  holdout_seeds: number[]
  sklearn_holdout: number | null
  cv_mean: number | null
  sklearn_cv_mean: number | null
  fit_cpu_s_mean: number
}

/**
 * --quality: each model (default rf) on every dataset over the stored hold-out split with seeds
 * 1..S (--seeds S, default 5) and, with --cv, on the stored 5 CV folds (seed 42), next to
 * scikit-learn's numbers in baselines.json for the same splits (RandomForest-200 for rf; one
 * random_state, so its seed noise is not known), on the dataset's main metric (ROC-AUC, accuracy or
 * R², and accuracy too for classification). --hp '{"n_estimators":200}' overrides hyperparameters; --encoding protocol one-hot encodes as
 * the reference pipeline does. Direct mode.
 */
async function benchQuality(): Promise<QualityRow[]> {
  const datasetsDir = join(shared, 'datasets')
  const baselines = JSON.parse(readFileSync(join(shared, 'bench', 'baselines.json'), 'utf8'))
  const seeds = Number(flag('seeds') ?? '5')
  const hp: Hyperparameters = JSON.parse(flag('hp') ?? '{}')
  const out: QualityRow[] = []
  for (const name of readdirSync(datasetsDir).sort()) {
    const dir = join(datasetsDir, name)
    if (!existsSync(join(dir, 'meta.json')) || (onlyDatasets && !onlyDatasets.includes(name))) continue
    const meta: Meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))
    const split = JSON.parse(readFileSync(join(dir, `${name}.split.json`), 'utf8'))
    const data = load(join(dir, `${name}.csv`), meta)
    // Classification is also scored by accuracy when the main metric is ROC-AUC.
    const main: string = baselines.datasets[name].main_metric
    const metrics = meta.task !== 'regression' && main !== 'accuracy' ? [main, 'accuracy'] : [main]
    const positiveIndex =
      data.y.kind === 'classification' ? data.y.classes.indexOf(meta.positive_class ?? '') : -1
    const run = async (testRows: Uint32Array, seed: number, family: string) => {
      const isTest = new Uint8Array(data.nRows)
      for (const i of testRows) isTest[i] = 1
      const trainRows = Uint32Array.from(Array.from(isTest.keys()).filter((i) => !isTest[i]))
      const X = encoding === 'protocol' ? protocolEncode(data.X, trainRows) : data.X
      return evaluate(
        family,
        { X: rowsOf(X, trainRows), y: targetOf(data.y, trainRows) },
        { X: rowsOf(X, testRows), y: targetOf(data.y, testRows) },
        meta.task,
        positiveIndex,
        hp,
        seed,
      )
    }
    for (const family of models) {
      const holdout = metrics.map(() => [] as number[])
      let cpu = 0
      for (let seed = 1; seed <= seeds; seed++) {
        const r = await run(Uint32Array.from(split.holdout.test_indices as number[]), seed, family)
        metrics.forEach((metric, q) => {
          holdout[q].push(r.metrics[metric])
        })
        cpu += r.fit_cpu_s
      }
      const cvSums: (number | null)[] = metrics.map(() => null)
      if (args.includes('--cv')) {
        const folds = split.cv.fold_of_row as number[]
        cvSums.fill(0)
        for (let f = 0; f < 5; f++) {
          const testRows = Uint32Array.from(Array.from(folds.keys()).filter((i) => folds[i] === f))
          const r = await run(testRows, 42, family)
          metrics.forEach((metric, q) => {
            cvSums[q] = (cvSums[q] as number) + r.metrics[metric] / 5
          })
        }
      }
      const ref = baselines.datasets[name].models[baselineKey[family]]
      metrics.forEach((metric, q) => {
        const values = holdout[q]
        const mean = values.reduce((a, b) => a + b, 0) / values.length
        const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1))
        out.push({
          dataset: name,
          model: family,
          metric,
          holdout_mean: mean,
          holdout_sd: sd,
          holdout_seeds: values,
          sklearn_holdout: ref?.holdout?.n_jobs_1?.metrics?.[metric] ?? null,
          cv_mean: cvSums[q],
          sklearn_cv_mean: ref?.cv?.[metric]?.mean ?? null,
          fit_cpu_s_mean: cpu / seeds,
        })
        console.error(`${name}/${family}: ${metric} ${values.map((v) => fmt(v)).join(' ')}`)
      })
    }
  }
  return out
}

if (args.includes('--quality')) {
  const quality = await benchQuality()
  console.log(JSON.stringify({ hp: flag('hp') ?? '{}', encoding, load_average: loadavg(), quality }, null, 2))
  console.log(
    '\n| dataset | model | metric | hold-out mean ± sd (seeds) | sklearn hold-out | Δ pt | CV mean | sklearn CV | Δ pt | fit CPU s |',
  )
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  const pt = (a: number | null, b: number | null) =>
    a === null || b === null ? '–' : ((a - b) * 100).toFixed(2)
  for (const q of quality) {
    console.log(
      `| ${q.dataset} | ${q.model} | ${q.metric} | ${fmt(q.holdout_mean)} ± ${fmt(q.holdout_sd)} | ${fmt(q.sklearn_holdout)} | ${pt(q.holdout_mean, q.sklearn_holdout)} | ${fmt(q.cv_mean)} | ${fmt(q.sklearn_cv_mean)} | ${pt(q.cv_mean, q.sklearn_cv_mean)} | ${fmt(q.fit_cpu_s_mean, 2)} |`,
    )
  }
  process.exit(0)
}

const rows = await benchDatasets()
const synthetic = await benchSynthetic()
console.log(JSON.stringify({ mode, encoding, datasets: rows, synthetic }, null, 2))
console.log(
  '\n| dataset | model | metric | butterfly | sklearn | Δ (gate) | xgboost | fit s | sklearn fit s |',
)
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const r of rows) {
  let delta = '–'
  if (r.sklearn !== null) {
    const gated = r.model === 'gbdt'
    delta =
      r.metric === 'rmse'
        ? `${(((r.butterfly - r.sklearn) / r.sklearn) * 100).toFixed(2)} %${gated ? (r.butterfly <= r.sklearn * 1.02 ? ' ok' : ' FAIL') : ''}`
        : `${((r.butterfly - r.sklearn) * 100).toFixed(2)} pt${gated ? (r.butterfly >= r.sklearn - 0.005 ? ' ok' : ' FAIL') : ''}`
  }
  console.log(
    `| ${r.dataset} | ${r.model} | ${r.metric} | ${fmt(r.butterfly)} | ${fmt(r.sklearn)} | ${delta} | ${fmt(r.xgboost)} | ${fmt(r.fit_s, 3)} (${fmt(r.fit_cpu_s, 3)}) | ${fmt(r.sklearn_fit_s, 3)} |`,
  )
}
if (synthetic) {
  console.log(
    `\nScale test (${synthetic.rows} rows, gbdt 100 iterations, 31 leaves): fit ${fmt(synthetic.fit_s as number, 2)} s wall, ${fmt(synthetic.fit_cpu_s as number, 2)} s CPU ` +
      `(wall ${fmt(synthetic.ratio_to_sklearn as number, 2)}×, CPU ${fmt(synthetic.ratio_to_sklearn_cpu as number, 2)}× ` +
      `sklearn HGB 1 thread ${fmt(synthetic.sklearn_hgb_1thread_fit_s as number, 1)} s), ` +
      `peak RSS during fit ${fmt(synthetic.peak_rss_fit_mib as number, 0)} MiB (process ${fmt(synthetic.peak_rss_process_mib as number, 0)} MiB), load ${fmt(synthetic.load_s as number, 1)} s, train accuracy ${fmt(synthetic.train_accuracy as number)}`,
  )
}
