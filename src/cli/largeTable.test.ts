import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixturePath } from '../../tests/fixtures/engine/readFixture.ts'
import { parseArgs, runHeadless } from './headless.ts'
import { verifyBundleFile } from './headlessBundle.ts'
import { runPredict } from './headlessPredict.ts'

const penguins = fixturePath('penguins.csv')

describe('butterfly run on a table past --large-cells (streamed from disk by DuckDB)', () => {
  it('takes the large-table path and matches the whole-table run on the same test rows; its model package predicts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'butterfly-large-'))
    const out = join(dir, 'large.json')
    const bundle = join(dir, 'large.butterfly.zip')
    const large = await runHeadless(
      parseArgs([
        'run',
        '--data',
        penguins,
        '--target',
        'species',
        '--model',
        'gbdt',
        '--out',
        out,
        '--large-cells',
        '100',
        '--bundle',
        bundle,
      ]),
    )
    if (large.exitCode !== 0) throw new Error(large.message)
    const facts = large.result.large_table as Record<string, unknown>
    expect(facts.rowCount).toBe(344)
    expect(facts.sample).toMatchObject({ rows: 344, rate: 1 })
    expect(Object.keys(facts.phases_s as object)).toEqual([
      'read_s',
      'bin_s',
      'fit_s',
      'evaluate_s',
      'explain_s',
    ])
    expect(large.outcome.logs.some((l) => /more than the 100 cells a run loads whole/.test(l.message))).toBe(
      true,
    )
    expect(large.result.n_train).toBe(large.outcome.split.trainRows.length)
    expect(JSON.parse(await readFile(out, 'utf8')).metrics).toEqual(large.result.metrics)

    // The same rows in memory: same metrics (the split is per row from the seed, handed over as a split file).
    const split = join(dir, 'split.json')
    await writeFile(
      split,
      JSON.stringify({ holdout: { test_indices: Array.from(large.outcome.split.testRows) } }),
    )
    // The large path encodes categories as ordinal codes (trees only): the whole-table run is told to.
    const ordinal = join(dir, 'ordinal.json')
    await writeFile(
      ordinal,
      JSON.stringify({ blocks: [{ type: 'preprocessing', config: { encoding: 'ordinal' } }] }),
    )
    const whole = await runHeadless(
      parseArgs([
        'run',
        '--data',
        penguins,
        '--target',
        'species',
        '--model',
        'gbdt',
        '--out',
        join(dir, 'whole.json'),
        '--split',
        split,
        '--pipeline',
        ordinal,
      ]),
    )
    if (whole.exitCode !== 0) throw new Error(whole.message)
    expect(whole.result.large_table).toBeUndefined()
    expect(large.result.metrics).toEqual(whole.result.metrics)
    expect((large.result.metrics as Record<string, number>).accuracy).toBeGreaterThan(0.9)

    // verify --rerun streams the data again: same sample, same split, the same metrics exactly.
    const verified = await verifyBundleFile(bundle, { rerun: true, data: penguins })
    expect(verified.lines.join('\n')).toMatch(/streamed[\s\S]*rerun reproduces all \d+ metrics exactly/)
    expect(verified.exitCode).toBe(0)

    // The bundle's model package scores new rows.
    const predictions = join(dir, 'pred.csv')
    const { rows } = await runPredict({ model: bundle, data: penguins, out: predictions })
    expect(rows).toBe(344)
    const lines = (await readFile(predictions, 'utf8')).trim().split('\n')
    expect(lines[0]).toContain('proba_Adelie')
    expect(lines).toHaveLength(345)
  }, 300_000)

  it('loads a table under the threshold whole, as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'butterfly-large-'))
    const result = await runHeadless(
      parseArgs([
        'run',
        '--data',
        penguins,
        '--target',
        'species',
        '--model',
        'gbdt',
        '--out',
        join(dir, 'r.json'),
        '--large-cells',
        '100000',
      ]),
    )
    if (result.exitCode !== 0) throw new Error(result.message)
    expect(result.result.large_table).toBeUndefined()
  }, 300_000)

  it('refuses --large-cells that is not a positive integer', () => {
    expect(() =>
      parseArgs(['run', '--data', penguins, '--target', 'species', '--out', 'x.json', '--large-cells', '0']),
    ).toThrow("--large-cells must be a positive integer, got '0'")
  })
})
