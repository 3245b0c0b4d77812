import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseArgs, runHeadless } from '../../../src/cli/headless.ts'
import { verifyBundleFile } from '../../../src/cli/headlessBundle.ts'
import {
  packageBytes,
  parsePredictArgs,
  parseVerifyArgs,
  runPredict,
} from '../../../src/cli/headlessPredict.ts'
import { loadTable } from '../../../src/cli/loadTable.ts'
import { newId } from '../../../src/domain/ids.ts'
import { loadModelPackage, parseModelPackage } from '../../../src/outputs/predict/modelPackage.ts'
import { predictionsToCsv, predictNewData } from '../../../src/outputs/predict/predictNewData.ts'
import { planBundleImport } from '../../../src/storage/bundle/planImport.ts'
import { readRunBundle } from '../../../src/storage/bundle/readBundle.ts'
import { fixturePath } from '../../fixtures/engine/readFixture.ts'
import { findPython } from '../../fixtures/findPython.ts'

let dir: string
const penguins = fixturePath('penguins.csv')
const split = fixturePath('penguins.split.json')
const testRows = JSON.parse(readFileSync(split, 'utf8')).holdout.test_indices as number[]
let withData: string
let withoutData: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'butterfly-bundle-cli-'))
  withData = join(dir, 'run.butterfly.zip')
  withoutData = join(dir, 'bare.butterfly.zip')
  const args = (bundle: string, ...extra: string[]) =>
    parseArgs([
      'run',
      '--data',
      penguins,
      '--target',
      'species',
      '--split',
      split,
      '--model',
      'logistic',
      '--out',
      join(dir, 'result.json'),
      '--bundle',
      bundle,
      ...extra,
    ])
  // A hook metric named like a built-in one: the bundle must keep the engine's accuracy (issue 14.6).
  const hook = join(dir, 'error.js')
  await writeFile(
    hook,
    'function hook(ctx) { return { metrics: { error_rate: 1 - ctx.metrics.accuracy, accuracy: 0.01 } } }\n',
  )
  const first = await runHeadless(args(withData, '--include-data', '--hook', `after_evaluation=${hook}`))
  expect(first.exitCode === 0 || first.message).toBe(true)
  const second = await runHeadless(args(withoutData))
  expect(second.exitCode === 0 || second.message).toBe(true)
}, 120_000)

describe('butterfly run --bundle / verify / predict', () => {
  it('writes a bundle the app reader verifies, with the same artifacts as the app (report, notebook, Dask job, TF.js files)', async () => {
    const bundle = await readRunBundle(new Uint8Array(readFileSync(withData)))
    expect(bundle.artifacts.map((a) => a.fileName).sort()).toEqual([
      'dask_job.md',
      'dask_job.py',
      'logistic.weights.bin',
      'metrics.json',
      'model-logistic.bin',
      'model-package.json',
      'notebook.ipynb',
      'report-data.json',
      'report.html',
      'run.log',
      'test-predictions.csv',
      'tfjs-model.json',
    ])
    expect(bundle.datasetFile?.name).toBe('penguins.csv')
    expect(new Uint8Array(await bundle.datasetFile!.blob.arrayBuffer())).toEqual(
      new Uint8Array(readFileSync(penguins)),
    )
    expect(bundle.dataset.profile.map((p) => p.name)).toEqual(bundle.dataset.schema.map((c) => c.name))
    expect(bundle.dataset.profile.find((p) => p.name === 'bill_length_mm')).toMatchObject({
      missing: 2,
      min: 32.1,
      max: 59.6,
    })
    expect(bundle.dataset.profile.find((p) => p.name === 'species')?.topValues?.[0]).toEqual({
      value: 'Adelie',
      count: 152,
    })
    expect(bundle.run.status).toBe('completed')
    expect(bundle.run.metrics?.accuracy).toBe(1)
    expect(bundle.run.hookMetrics).toEqual({ error_rate: 0, accuracy: 0.01 })
    expect(JSON.parse(await bundle.files.get('hook-metrics.json')!.text())).toEqual({
      error_rate: 0,
      accuracy: 0.01,
    })
    expect(bundle.manifest.environment.userAgent).toMatch(/^node v\d+/)
    const chosen = bundle.models.find((m) => m.role === 'chosen')!
    // Its own file, the model package and the two TF.js files.
    expect(chosen.artifactIds).toHaveLength(4)
    const pkgArtifact = bundle.artifacts.find((a) => a.fileName === 'model-package.json')!
    const pkg = parseModelPackage(
      new Uint8Array(await bundle.artifactFiles.get(pkgArtifact.id)!.arrayBuffer()),
    )
    expect(pkg.provenance?.runId).toBe(bundle.run.id)
    expect(pkg.provenance?.snapshotHash).toBe(bundle.snapshot.hash)
    const csv = await bundle.artifactFiles
      .get(bundle.artifacts.find((a) => a.type === 'predictions')!.id)!
      .text()
    expect(csv.split('\n')[0]).toBe('row,y_true,y_pred,proba_Adelie,proba_Chinstrap,proba_Gentoo')
    // The app can import it: dataset added with the run, every artifact kept.
    const plan = planBundleImport(
      bundle,
      newId('workspace'),
      {},
      { bundleName: 'run.butterfly.zip', now: 1, appVersion: 'test', browser: 'node' },
    )
    expect(plan.dataset.action).toBe('add')
    expect(plan.experiment.action).toBe('add')
    expect(plan.artifacts.map((a) => a.record.fileName)).toContain('model-package.json')
    const bare = await readRunBundle(new Uint8Array(readFileSync(withoutData)))
    expect(bare.datasetFile).toBeUndefined()
    const verified = await verifyBundleFile(withData)
    expect(verified.exitCode).toBe(0)
    expect(verified.lines[0]).toContain('every SHA-256 matches')
  })

  it('verify --rerun reproduces every metric exactly on the cpu backend', async () => {
    const result = await verifyBundleFile(withData, { rerun: true })
    expect(result.exitCode).toBe(0)
    expect(result.lines[1]).toContain(`the run's ${testRows.length} test rows`)
    const names = result.comparisons!.map((c) => c.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'accuracy',
        'log_loss',
        'roc_auc',
        'brier',
        'hook:error_rate',
        'hook:accuracy',
      ]),
    )
    for (const c of result.comparisons!) {
      expect(c.match).toBe(true)
      expect(c.rerun).toBe(c.recorded)
    }
    expect(result.lines.at(-1)).toBe(`rerun reproduces all ${names.length} metrics exactly`)
  }, 60_000)

  it('verify --rerun uses the recorded TF.js backend: a wasm run (as the browser makes) reruns on wasm, exactly', async () => {
    const wasmBundle = join(dir, 'wasm.butterfly.zip')
    const made = await runHeadless(
      parseArgs([
        'run',
        '--data',
        penguins,
        '--target',
        'species',
        '--split',
        split,
        '--model',
        'logistic',
        '--backend',
        'wasm',
        '--out',
        join(dir, 'wasm.json'),
        '--bundle',
        wasmBundle,
        '--include-data',
      ]),
    )
    expect(made.exitCode === 0 || made.message).toBe(true)
    const result = await verifyBundleFile(wasmBundle, { rerun: true })
    expect(result.lines).toContain('TF.js backend: recorded wasm, rerun wasm')
    for (const c of result.comparisons!) expect([c.name, c.rerun]).toEqual([c.name, c.recorded])
    expect(result.exitCode).toBe(0)
  }, 120_000)

  it('verify --rerun --data reports MISMATCH with both values when the data differs', async () => {
    const bare = await verifyBundleFile(withoutData, { rerun: true })
    expect(bare.exitCode).toBe(1)
    expect(bare.lines.at(-1)).toContain('The bundle does not include its dataset; pass --data FILE')
    const lines = readFileSync(penguins, 'utf8').split('\n')
    const row = testRows[0] + 1
    const fields = lines[row].split(',')
    fields[2] = String(Number(fields[2]) + 5) // bill_length_mm of the first test row
    lines[row] = fields.join(',')
    const changed = join(dir, 'changed.csv')
    await writeFile(changed, lines.join('\n'))
    const result = await verifyBundleFile(withoutData, { rerun: true, data: changed })
    expect(result.exitCode).toBe(1)
    expect(result.lines.some((l) => l.startsWith("warning: 'changed.csv' is not the run's dataset"))).toBe(
      true,
    )
    const logLoss = result.comparisons!.find((c) => c.name === 'log_loss')!
    expect(logLoss.match).toBe(false)
    expect(logLoss.rerun).not.toBe(logLoss.recorded)
    expect(result.lines.find((l) => l.startsWith('log_loss'))).toMatch(
      new RegExp(`MISMATCH\\s+recorded ${logLoss.recorded}\\s+rerun ${logLoss.rerun}`),
    )
    expect(result.lines.at(-1)).toMatch(/^rerun differs on \d+ of \d+ metrics$/)
  }, 60_000)

  it('verify fails naming the file when one byte of it is flipped', async () => {
    const bytes = new Uint8Array(readFileSync(withData))
    // Find metrics.json's local header and flip a byte in the middle of its (compressed) data.
    const name = new TextEncoder().encode('metrics.json')
    let header = -1
    for (let i = 0; i < bytes.length - 30 && header < 0; i++) {
      if (bytes[i] !== 0x50 || bytes[i + 1] !== 0x4b || bytes[i + 2] !== 3 || bytes[i + 3] !== 4) continue
      const nameLength = bytes[i + 26] | (bytes[i + 27] << 8)
      if (nameLength === name.length && name.every((b, k) => bytes[i + 30 + k] === b)) header = i
    }
    expect(header).toBeGreaterThanOrEqual(0)
    // Local sizes may be deferred to a data descriptor: the data ends at the next PK signature.
    const extra = bytes[header + 28] | (bytes[header + 29] << 8)
    const start = header + 30 + name.length + extra
    let end = start
    while (!(bytes[end] === 0x50 && bytes[end + 1] === 0x4b && [1, 3, 7].includes(bytes[end + 2]))) end++
    expect(end - start).toBeGreaterThan(4)
    bytes[(start + end) >> 1] ^= 0xff
    const tampered = join(dir, 'tampered.butterfly.zip')
    await writeFile(tampered, bytes)
    const result = await verifyBundleFile(tampered)
    expect(result.exitCode).toBe(1)
    expect(result.lines.at(-1)).toMatch(/^REJECTED: .*'metrics\.json'/)
    const missing = await verifyBundleFile(join(dir, 'nope.zip'))
    expect(missing.exitCode).toBe(1)
    expect(missing.lines.at(-1)).toContain("cannot read '")
  })

  it('predict reads the package from a bundle and writes one row per input row', async () => {
    const lines = readFileSync(penguins, 'utf8').trim().split('\n')
    const fresh = join(dir, 'new.csv')
    // Target column dropped, an extra column added.
    await writeFile(
      fresh,
      `${[...lines.slice(0, 6).map((l, i) => `${l.slice(l.indexOf(',') + 1)},${i === 0 ? 'note' : 'x'}`)].join('\n')}\n`,
    )
    const out = join(dir, 'pred.csv')
    const { rows } = await runPredict(
      parsePredictArgs(['predict', '--model', withData, '--data', fresh, '--out', out]),
    )
    expect(rows).toBe(5)
    const csv = readFileSync(out, 'utf8').trim().split('\n')
    expect(csv[0]).toBe('row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo')
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual([
      'Adelie',
      'Adelie',
      'Adelie',
      'Adelie',
      'Adelie',
    ])
    const noIsland = join(dir, 'no-island.csv')
    await writeFile(
      noIsland,
      lines
        .map((l) =>
          l
            .split(',')
            .filter((_, j) => j !== 1)
            .join(','),
        )
        .join('\n'),
    )
    await expect(
      runPredict({ model: withData, data: noIsland, out: join(dir, 'never.csv') }),
    ).rejects.toThrow('Missing columns: island')
    expect(existsSync(join(dir, 'never.csv'))).toBe(false)
  }, 60_000)

  it('predict streams a delimited file in chunks: the same bytes as the table predicted whole, a late value that breaks the sniffed type read again, nothing half-written', async () => {
    const lines = readFileSync(penguins, 'utf8').trim().split('\n')
    const body = lines.slice(1).map((l) => l.slice(l.indexOf(',') + 1))
    // 30,001 rows (DuckDB streams them in several chunks); ids are whole numbers for DuckDB's 20,480-row
    // type sample, then one is text: the first read fails on it late and the file is typed on every row.
    const rows = Array.from(
      { length: 30_001 },
      (_, i) => `${i === 30_000 ? 'X-1' : i},${body[i % body.length]}`,
    )
    const header = `penguin_id,${lines[0].slice(lines[0].indexOf(',') + 1)}`
    const big = join(dir, 'big.csv')
    await writeFile(big, `${header}\n${rows.join('\n')}\n`)
    const out = join(dir, 'big-pred.csv')
    const said: string[] = []
    const { rows: written } = await runPredict({ model: withData, data: big, out }, (line) => said.push(line))
    expect(written).toBe(30_001)
    expect(said).toContain('streaming big.csv: 30001 rows × 8 columns')
    expect(said.some((line) => line.startsWith('A value late in this file does not fit'))).toBe(true)
    expect(said.some((line) => /^predicted \d+ \/ 30001 rows, about \d+ s left$/.test(line))).toBe(true)
    const pkg = await loadModelPackage(await packageBytes(withData))
    const whole = predictionsToCsv(await predictNewData(pkg, (await loadTable(big)).frame))
    const streamed = readFileSync(out, 'utf8')
    expect(streamed.split('\n', 1)[0]).toBe(
      'penguin_id,row,predicted,proba_Adelie,proba_Chinstrap,proba_Gentoo',
    )
    expect(streamed.split('\n')[30_001].startsWith('X-1,30000,')).toBe(true)
    expect(streamed).toBe(whole)
    // A mistyped value in a late chunk: the error names it, and neither the output nor a partial is left.
    await writeFile(
      big,
      `${header}\n${rows.slice(0, 20_000).join('\n')}\n${rows[5].replace(/,(\d+\.\d+),/, ',abc,')}\n`,
    )
    const failed = join(dir, 'failed-pred.csv')
    await expect(runPredict({ model: withData, data: big, out: failed })).rejects.toThrow(/Mistyped columns/)
    expect((await readdir(dir)).filter((name) => name.startsWith('failed-pred'))).toEqual([])
  }, 120_000)

  it('parses verify and predict arguments with one-line reasons', () => {
    expect(parseVerifyArgs(['verify', 'a.zip', '--rerun', '--data', 'd.csv'])).toEqual({
      bundle: 'a.zip',
      rerun: true,
      data: 'd.csv',
    })
    expect(() => parseVerifyArgs(['verify'])).toThrow('verify needs a bundle file')
    expect(() => parseVerifyArgs(['verify', 'a.zip', '--data', 'd.csv'])).toThrow(
      '--data is only used with --rerun',
    )
    expect(() => parsePredictArgs(['predict', '--model', 'm.json', '--data', 'd.csv'])).toThrow(
      'missing --out',
    )
    expect(() =>
      parseArgs(['run', '--data', 'x.csv', '--target', 'y', '--out', 'o', '--include-data']),
    ).toThrow('--include-data needs --bundle')
  })
})

const python = findPython('pandas, sklearn')
if ('reason' in python)
  console.log(
    `headlessBundle.test: not executing the notebook, no python3 with pandas + scikit-learn (${python.reason})`,
  )

describe('butterfly run on a Yes/No churn table, default pipeline validated on one hold-out slice (issue 12)', () => {
  it('bundles the notebook and the report; the notebook runs in plain Python and its scikit-learn metrics are within 2 points of the run', async () => {
    const churnDir = await mkdtemp(join(tmpdir(), 'butterfly-churn-cli-'))
    const bundlePath = join(churnDir, 'churn.butterfly.zip')
    const churn = fileURLToPath(new URL('../../fixtures/datasets/churn.csv', import.meta.url))
    // One hold-out slice, as the default was before 'auto' validation: on 192 training rows 'auto' means
    // 5-fold, which picks the forest, and a forest's translation draws its trees from scikit-learn's
    // generator: on 48 test rows it differs from the run by a row (2.1 points of accuracy, 2.5 of log
    // loss). This test checks the notebook's translation, so it keeps the model the check can hold to.
    const pipelineFile = join(churnDir, 'pipeline.json')
    writeFileSync(
      pipelineFile,
      JSON.stringify({ blocks: [{ type: 'model_selection', config: { validation: 'holdout' } }] }),
    )
    const made = await runHeadless(
      parseArgs([
        'run',
        '--data',
        churn,
        '--target',
        'Churn',
        '--out',
        join(churnDir, 'result.json'),
        '--bundle',
        bundlePath,
        '--include-data',
        '--pipeline',
        pipelineFile,
      ]),
    )
    expect(made.exitCode === 0 || made.message).toBe(true)
    const bundle = await readRunBundle(new Uint8Array(readFileSync(bundlePath)))
    expect(bundle.run.status).toBe('completed')
    expect(bundle.snapshot.task).toMatchObject({ taskType: 'binary', target: 'Churn', positiveClass: 'Yes' })
    const names = bundle.artifacts.map((a) => a.fileName)
    expect(names).toEqual(expect.arrayContaining(['notebook.ipynb', 'report.html', 'report-data.json']))
    const fileOf = (name: string) =>
      bundle.artifactFiles.get(bundle.artifacts.find((a) => a.fileName === name)!.id)!
    expect(await fileOf('report.html').text()).toContain('<html')
    if (!('path' in python)) return

    // The bundle's layout, unzipped: the notebook's code in artifacts/, the data file in dataset/.
    const notebook = JSON.parse(await fileOf('notebook.ipynb').text()) as {
      cells: { cell_type: string; source: string[] }[]
    }
    mkdirSync(join(churnDir, 'dataset'))
    mkdirSync(join(churnDir, 'artifacts'))
    writeFileSync(
      join(churnDir, 'dataset', bundle.datasetFile!.name),
      new Uint8Array(await bundle.datasetFile!.blob.arrayBuffer()),
    )
    const script = join(churnDir, 'artifacts', 'notebook.py')
    writeFileSync(
      script,
      notebook.cells
        .filter((cell) => cell.cell_type === 'code')
        .map((cell) => cell.source.join(''))
        .join('\n\n'),
    )
    const ran = spawnSync(python.path, [script], {
      cwd: join(churnDir, 'artifacts'),
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    })
    expect(ran.status, ran.stderr).toBe(0)
    const table: Record<string, [number, number]> = {}
    for (const match of ran.stdout.matchAll(/^(\w+)\s+(-?[\d.]+|nan)\s+(-?[\d.]+|nan)$/gm))
      table[match[1]] = [Number(match[2]), Number(match[3])]
    console.log(`churn notebook (${bundle.models.find((m) => m.role === 'chosen')?.family}):`, table)
    expect(Object.keys(table)).toEqual(expect.arrayContaining(['accuracy', 'roc_auc']))
    for (const [name, [sklearn, run]] of Object.entries(table)) {
      expect(run, name).toBeCloseTo(bundle.run.metrics![name]!, 4)
      expect(Math.abs(sklearn - run), `${name}: scikit-learn ${sklearn}, run ${run}`).toBeLessThanOrEqual(
        0.02,
      )
    }
  }, 600_000)
})
