/**
 * One suite of run scenarios, run against both adapters of the run service: the headless CLI and the
 * app's RunApi in-thread. Each scenario also checks that both give the same metrics and the same files.
 */
import { describe, expect, it } from 'vitest'
import { loadTable } from '../../../src/cli/loadTable.ts'
import { WorkerError } from '../../../src/domain/errors.ts'
import { sha256 } from '../../../src/domain/hash.ts'
import { newId } from '../../../src/domain/ids.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
} from '../../../src/engine/pipeline/defaults.ts'
import { detectTask } from '../../../src/engine/pipeline/taskDetection.ts'
import { draftPipeline, startRunRecord } from '../../../src/runs/runRecord.ts'
import { executeRun } from '../../../src/runs/runService.ts'
import { fixturePath } from '../../fixtures/engine/readFixture.ts'
import type { AdapterResult, Scenario } from './adapters.ts'
import { appAdapter, cliAdapter } from './adapters.ts'

const penguins = fixturePath('penguins.csv')
const split = fixturePath('penguins.split.json')
const base: Scenario = { data: penguins, target: 'species', split }

const scenarios: { name: string; scenario: Scenario; check: (result: AdapterResult) => void }[] = [
  {
    name: 'default pipeline (model selection over every family)',
    scenario: { data: fixturePath('iris.csv'), target: 'species' },
    check: (r) => {
      if (!r.ok) throw new Error(r.message)
      expect(r.metrics.accuracy).toBeGreaterThan(0.85)
      expect(r.files).toEqual(expect.arrayContaining(['report.html', 'notebook.ipynb', 'model-package.json']))
    },
  },
  ...['logistic', 'mlp', 'gbdt', 'rf', 'tree'].map((family) => ({
    name: `model family ${family}`,
    scenario: { ...base, model: family },
    check: (r: AdapterResult) => {
      if (!r.ok) throw new Error(r.message)
      expect(r.family).toBe(family)
      expect(r.metrics.accuracy).toBeGreaterThan(0.9)
      const tfjs = family === 'logistic' || family === 'mlp'
      expect(r.files.includes('tfjs-model.json')).toBe(tfjs)
    },
  })),
  {
    name: 'hooks (a feature before preprocessing, a metric after evaluation)',
    scenario: {
      ...base,
      model: 'logistic',
      hooks: [
        {
          kind: 'before_preprocessing',
          code: 'function hook(ctx) { const l = ctx.data.bill_length_mm, d = ctx.data.bill_depth_mm; return { data: { bill_ratio: l.map((v, i) => v / d[i]) } } }',
        },
        {
          kind: 'after_evaluation',
          code: 'function hook(ctx) { return { metrics: { error_rate: 1 - ctx.metrics.accuracy } } }',
        },
      ],
    },
    check: (r) => {
      if (!r.ok) throw new Error(r.message)
      // The hook's metric is kept apart from the engine's (issue 14.6).
      expect(r.metrics.error_rate).toBeUndefined()
      expect(r.hookMetrics.error_rate).toBeCloseTo(1 - r.metrics.accuracy, 12)
    },
  },
  {
    name: 'failure (a hook that throws): the run fails with the hook’s message',
    scenario: {
      ...base,
      model: 'tree',
      hooks: [
        { kind: 'after_evaluation', code: 'function hook(ctx) { throw new Error("no metrics today") }' },
      ],
    },
    check: (r) => {
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.message).toContain('no metrics today')
    },
  },
]

describe.each([cliAdapter, appAdapter])('run scenarios through $name', (adapter) => {
  it.each(scenarios)(
    '$name',
    async ({ scenario, check }) => {
      check(await adapter.run(scenario))
    },
    180_000,
  )
})

describe('both adapters agree', () => {
  it.each(scenarios.filter((s) => s.name.startsWith('model family') || s.name.startsWith('hooks')))(
    '$name: identical metrics and files',
    async ({ scenario }) => {
      const [cli, app] = [await cliAdapter.run(scenario), await appAdapter.run(scenario)]
      expect(cli.ok && app.ok).toBe(true)
      if (!cli.ok || !app.ok) return
      expect(app.metrics).toEqual(cli.metrics)
      expect(app.hookMetrics).toEqual(cli.hookMetrics)
      expect(app.files).toEqual(cli.files)
    },
    180_000,
  )

  it('re-run: the same draft and seed give identical metrics again', async () => {
    const scenario = { ...base, model: 'gbdt' }
    const [first, second] = [await appAdapter.run(scenario), await appAdapter.run(scenario)]
    expect(first.ok && second.ok).toBe(true)
    if (first.ok && second.ok) expect(second.metrics).toEqual(first.metrics)
  }, 180_000)

  it('cancel: a run whose cancel flag is set stops with WorkerError("cancelled") and leaves no records', async () => {
    const loaded = await loadTable(penguins)
    const task = detectTask(loaded.frame, { target: 'species' })
    const blocks = createDefaultPipelineBlocks()
    const globalConfig = createDefaultGlobalConfig()
    const pipeline = await draftPipeline({
      id: newId('pipeline'),
      experimentId: newId('experiment'),
      blocks,
      globalConfig,
      hooks: [],
      task,
    })
    const run = await startRunRecord({
      workspaceId: newId('workspace'),
      number: 1,
      source: {
        draft: {
          pipeline,
          hooks: [],
          task,
          datasetId: newId('dataset'),
          datasetHash: await sha256(loaded.bytes),
        },
      },
      now: 1,
    })
    const written: string[] = []
    let checks = 0
    const cancelled = executeRun(
      { run },
      {
        loadFrame: async () => loaded.frame,
        engine: { isCancelled: () => ++checks > 3 },
        writeFile: async (path) => {
          written.push(path)
        },
      },
    )
    await expect(cancelled).rejects.toBeInstanceOf(WorkerError)
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' })
    expect(written).toEqual([])
  }, 60_000)
})
