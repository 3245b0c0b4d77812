import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseArgs, runHeadless } from '../../../src/cli/headless.ts'
import { fixturePath } from '../../fixtures/engine/readFixture.ts'

let dir: string
const penguins = fixturePath('penguins.csv')
const split = fixturePath('penguins.split.json')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'butterfly-headless-'))
})

describe('butterfly run (headless)', () => {
  it('runs penguins end to end and writes RESULT.json and the predictions file', async () => {
    const out = join(dir, 'result.json')
    const predictions = join(dir, 'pred.csv')
    const args = parseArgs([
      'run',
      '--data',
      penguins,
      '--target',
      'species',
      '--split',
      split,
      '--model',
      'logistic',
      '--seed',
      '7',
      '--predictions',
      predictions,
      '--out',
      out,
    ])
    const run = await runHeadless(args)
    expect(run.exitCode).toBe(0)
    const result = JSON.parse(readFileSync(out, 'utf8'))
    expect(result).toMatchObject({
      task: 'multiclass',
      target: 'species',
      model: { family: 'logistic', hyperparameters: { C: 1 } },
      backend: 'wasm',
      seed: 7,
      n_train: 275,
      n_test: 69,
      classes: ['Adelie', 'Chinstrap', 'Gentoo'],
    })
    expect(result.metrics.accuracy).toBe(1)
    expect(result.dataset_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(result.snapshot_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(Object.keys(result.timings)).toEqual(['fit_s', 'predict_s', 'total_s'])
    const lines = readFileSync(predictions, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('row,y_true,y_pred,proba_Adelie,proba_Chinstrap,proba_Gentoo')
    expect(lines).toHaveLength(70)
    const testRows = JSON.parse(readFileSync(split, 'utf8')).holdout.test_indices as number[]
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(testRows)
    const [, yTrue, yPred, ...proba] = lines[1].split(',')
    expect(yTrue).toBe(yPred)
    expect(proba.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    // Same inputs → same hashes and metrics.
    const again = await runHeadless({ ...args, out: join(dir, 'again.json') })
    const second = JSON.parse(readFileSync(join(dir, 'again.json'), 'utf8'))
    expect(again.exitCode).toBe(0)
    expect(second.metrics).toEqual(result.metrics)
    expect(second.snapshot_hash).toBe(result.snapshot_hash)
    expect(second.dataset_hash).toBe(result.dataset_hash)
  })

  it('reads Parquet into the same table as the CSV', async () => {
    const { loadTable } = await import('../../../src/cli/loadTable.ts')
    const csv = await loadTable(penguins)
    const parquet = await loadTable(fixturePath('penguins.parquet'))
    expect(parquet.format).toBe('parquet')
    expect(parquet.frame.nRows).toBe(csv.frame.nRows)
    expect(parquet.frame.columns.map((c) => [c.name, c.type])).toEqual(
      csv.frame.columns.map((c) => [c.name, c.type]),
    )
    for (const [i, column] of parquet.frame.columns.entries()) {
      const other = csv.frame.columns[i]
      if (column.type === 'numeric' && other.type === 'numeric') expect(column.values).toEqual(other.values)
      if (column.type === 'categorical' && other.type === 'categorical') {
        expect(column.levels).toEqual(other.levels)
        expect(column.codes).toEqual(other.codes)
      }
    }
  })

  it('runs --hook files in the QuickJS sandbox', async () => {
    const before = join(dir, 'ratio.js')
    await writeFile(
      before,
      `function hook(ctx) {
  const length = ctx.data.bill_length_mm
  const depth = ctx.data.bill_depth_mm
  return {
    data: { bill_ratio: length.map((v, i) => v / depth[i]) },
    keepRows: length.map((v) => !Number.isNaN(v)),
  }
}
`,
    )
    const after = join(dir, 'error.js')
    await writeFile(
      after,
      'function hook(ctx) { return { metrics: { error_rate: 1 - ctx.metrics.accuracy } } }\n',
    )
    const out = join(dir, 'hooked.json')
    const run = await runHeadless(
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
        out,
        '--hook',
        `before_preprocessing=${before}`,
        '--hook',
        `after_evaluation=${after}`,
      ]),
    )
    expect(run.exitCode === 0 || run.message).toBe(true)
    const result = JSON.parse(readFileSync(out, 'utf8'))
    expect(result.feature_names).toContain('bill_ratio')
    expect(result.n_train).toBe(273) // the two rows without measurements are training rows
    // A hook metric is reported apart from the engine's metrics (issue 14.6).
    expect(result.hook_metrics.error_rate).toBeCloseTo(1 - result.metrics.accuracy, 12)
    expect(result.metrics.error_rate).toBeUndefined()
  })

  it('rejects bad arguments with exit code 2 and a one-line message', () => {
    expect(() => parseArgs(['train'])).toThrow("unknown command 'train' (expected: run, verify, predict)")
    expect(() => parseArgs(['run', '--data', 'x.csv', '--target', 'y'])).toThrow('missing --out')
    expect(() =>
      parseArgs(['run', '--data', 'x.csv', '--target', 'y', '--out', 'o', '--task', 'ranking']),
    ).toThrow("--task must be one of binary, multiclass, regression, got 'ranking'")
    expect(() =>
      parseArgs(['run', '--data', 'x.csv', '--target', 'y', '--out', 'o', '--seed', '-1']),
    ).toThrow('--seed must be an integer')
    expect(() =>
      parseArgs(['run', '--data', 'x.csv', '--target', 'y', '--out', 'o', '--hook', 'oops']),
    ).toThrow('--hook must be KIND=FILE.js')
    expect(() => parseArgs(['run', '--bogus', '1'])).toThrow("unknown argument '--bogus'")
  })

  it('fails with a clear message on bad data, columns, families, splits and hooks', async () => {
    const base = { data: penguins, target: 'species', out: join(dir, 'bad.json'), hooks: [] }
    const cases: [Parameters<typeof runHeadless>[0], 1 | 2, string][] = [
      [{ ...base, target: 'nope' }, 1, "Unknown target column 'nope'"],
      [{ ...base, model: 'xgboost' }, 2, "unknown model family 'xgboost'"],
      [{ ...base, data: join(dir, 'missing.csv') }, 1, "Cannot read data file '"],
      [{ ...base, data: join(dir, 'data.xlsx') }, 1, 'is not a file Butterfly can import'],
      [{ ...base, model: 'linear' }, 1, "Model family 'linear' does not support multiclass tasks"],
      [
        { ...base, hooks: [{ kind: 'during_training', file: 'h.js' }] },
        2,
        "Unknown hook kind 'during_training'",
      ],
      [
        { ...base, hooks: [{ kind: 'before_training', file: join(dir, 'none.js') }] },
        1,
        "Cannot read hook file '",
      ],
    ]
    const badSplit = join(dir, 'split.json')
    await writeFile(badSplit, JSON.stringify({ holdout: { test_indices: [0, 344] } }))
    cases.push([{ ...base, split: badSplit }, 1, 'Split test index 344 is not a data row (0 to 343)'])
    for (const [args, code, message] of cases) {
      const run = await runHeadless(args)
      expect(run.exitCode).toBe(code)
      expect(run.exitCode !== 0 && run.message).toContain(message)
      expect(run.exitCode !== 0 && run.message.includes('\n')).toBe(false)
    }
    expect(existsSync(join(dir, 'bad.json'))).toBe(false)
  })
})
