import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixturePath, readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import { ValidationError, WorkerError } from '../../domain/errors.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { Hook, HookKind } from '../../domain/hook.ts'
import type { BlockId, DatasetId, ExperimentId, HookId, PipelineId } from '../../domain/ids.ts'
import type { Block, Pipeline, PipelineSnapshot } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import type { HookOutput, HookResult, HookRunner } from '../hooks/hookContract.ts'
import { getModelFamily } from '../models/model.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from './defaults.ts'
import type { RunProgressEvent } from './executor.ts'
import { executePipeline } from './executor.ts'
import { detectTask } from './taskDetection.ts'

const fixture = fixturePath
const hash = (c: string) => c.repeat(64) as Sha256Hex
let counter = 0
const blockId = () => `blk_test${++counter}` as BlockId

/** Small, fast candidates: logistic plus a tiny MLP. */
const fastCandidates = [
  { family: 'logistic' },
  { family: 'mlp', hyperparameters: { hiddenUnits: '8', maxEpochs: 6, patience: 3, batchSize: 64 } },
]

async function snapshotFor(
  task: TaskDefinition,
  options: {
    candidates?: unknown
    seed?: number
    hooks?: { kind: HookKind; code?: string }[]
    explain?: boolean
  } = {},
): Promise<PipelineSnapshot> {
  const blocks: Block[] = createDefaultPipelineBlocks(blockId)
  const selection = blocks.find((b) => b.type === 'model_selection')!
  selection.config = { ...selection.config, candidates: (options.candidates ?? fastCandidates) as never }
  // Explanations cost time; only the test that checks them turns them on.
  blocks[5].config = { ...blocks[5].config, enabled: options.explain ?? false }
  const hooks: Hook[] = (options.hooks ?? []).map((spec, i) => {
    const block = blocks.find((b) => spec.kind.endsWith(`_${b.type}`))!
    const id = `hk_test${i}` as HookId
    block.hookIds.push(id)
    return {
      schemaVersion: 1,
      id,
      pipelineId: 'pl_test' as PipelineId,
      blockId: block.id,
      kind: spec.kind,
      order: i,
      name: `hook${i}`,
      source: { kind: 'inline', code: spec.code ?? '' },
      codeHash: hash(String(i)),
      updatedAt: 0,
    }
  })
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: 'pl_test' as PipelineId,
    experimentId: 'exp_test' as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed: options.seed ?? 42 },
    versionHash: hash('0'),
    updatedAt: 0,
  }
  return createSnapshot({ pipeline, hooks, task, datasetId: 'ds_test' as DatasetId, datasetHash: hash('a') })
}

let penguins: DataFrame
let task: TaskDefinition

beforeAll(async () => {
  penguins = readFixtureFrame('penguins.csv')
  task = detectTask(penguins, { target: 'species' })
})

describe('executePipeline', () => {
  it('is deterministic: same data, snapshot and seed → identical metrics and model bytes', async () => {
    const snapshot = await snapshotFor(task)
    const a = await executePipeline(snapshot, penguins)
    const b = await executePipeline(snapshot, penguins)
    expect(a.metrics).toEqual(b.metrics)
    expect(a.model!.bytes).toEqual(b.model!.bytes)
    expect(a.leaderboard.map((e) => e.validationScore)).toEqual(b.leaderboard.map((e) => e.validationScore))
    expect(Array.from(a.split.testRows)).toEqual(Array.from(b.split.testRows))
    // A different seed draws a different split.
    const c = await executePipeline(await snapshotFor(task, { seed: 7 }), penguins)
    expect(Array.from(c.split.testRows)).not.toEqual(Array.from(a.split.testRows))
  })

  it('returns the report, leaderboard, predictions, timings and a loadable model', async () => {
    const outcome = await executePipeline(await snapshotFor(task, { explain: true }), penguins)
    expect(outcome.backend).toBe('cpu')
    expect(outcome.split.testRows.length).toBe(69) // ceil(0.2 · 344)
    expect(outcome.split.trainRows.length + outcome.split.testRows.length).toBe(344)
    expect(outcome.leaderboard.map((e) => e.family)).toEqual(['logistic', 'mlp'])
    expect(outcome.leaderboard.filter((e) => e.chosen)).toHaveLength(1)
    for (const entry of outcome.leaderboard) expect(entry.validationScore).toBeGreaterThan(0.3)
    expect(outcome.metrics.accuracy).toBeGreaterThan(0.95)
    expect(Object.keys(outcome.metrics)).toEqual(
      expect.arrayContaining(['accuracy', 'balanced_accuracy', 'f1_macro', 'roc_auc', 'log_loss']),
    )
    expect(outcome.report?.kind).toBe('classification')
    expect(outcome.predictions!.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
    expect(outcome.predictions!.proba!.length).toBe(69 * 3)
    expect(outcome.blockTimings.map((t) => t.block)).toEqual([
      'preprocessing',
      'feature_engineering',
      'model_selection',
      'training',
      'evaluation',
      'explainability',
    ])
    expect(outcome.featureNames).toContain('island=Biscoe')
    expect(Object.keys(outcome.importances!)).toEqual(outcome.featureNames)
    expect(outcome.explanation!.permutation.features).toEqual(outcome.featureNames)
    expect(
      outcome.logs.some(
        (l) => l.block === 'model_selection' && l.message.startsWith('Model selection chose'),
      ),
    ).toBe(true)
    // The serialized model predicts exactly what the live one did.
    const loaded = await getModelFamily(outcome.model!.family).load(outcome.model!.bytes)
    const { applyFeatureRecipe } = await import('./featureRecipe.ts')
    const X = applyFeatureRecipe(outcome.featureRecipe!, penguins, outcome.split.testRows)
    expect(await loaded.predictProba(X)).toEqual(outcome.predictions!.proba)
  })

  it('uses an explicit test index list (the split.json format)', async () => {
    const split = JSON.parse(readFileSync(fixture('penguins.split.json'), 'utf8')).holdout
      .test_indices as number[]
    const outcome = await executePipeline(
      await snapshotFor(task, { candidates: [{ family: 'logistic' }] }),
      penguins,
      { testIndices: split },
    )
    expect(Array.from(outcome.split.testRows)).toEqual(split)
    expect(outcome.metrics.accuracy).toBe(1) // as scikit-learn's LogisticRegression on the same rows
    expect(outcome.leaderboard[0].validationScore).toBeNaN() // a lone candidate is not validated
    const selectionLogs = outcome.logs.filter((l) => l.block === 'model_selection').map((l) => l.message)
    expect(selectionLogs).toContain('Candidate logistic: not validated: it was the only candidate')
    expect(selectionLogs.join('\n')).not.toContain('NaN')
    await expect(
      executePipeline(await snapshotFor(task), penguins, { testIndices: [0, 999] }),
    ).rejects.toThrow('Split test index 999 is not a data row (0 to 343)')
  })

  it('validates candidates with k-fold and a search budget from the family search space', async () => {
    const snapshot = await snapshotFor(task, { candidates: [{ family: 'logistic' }] })
    const blocks = snapshot.blocks.map((b) =>
      b.type === 'model_selection'
        ? { ...b, config: { ...b.config, validation: 'kfold', folds: 3, searchBudget: 2 } }
        : b,
    )
    const outcome = await executePipeline({ ...snapshot, blocks }, penguins)
    expect(outcome.leaderboard.map((e) => e.hyperparameters.C)).toEqual([1, 0.01, 0.1])
    for (const entry of outcome.leaderboard) {
      expect(entry.foldScores).toHaveLength(3)
      expect(entry.validationScore).toBeCloseTo(entry.foldScores.reduce((a, b) => a + b, 0) / 3, 12)
    }
    const best = Math.max(...outcome.leaderboard.map((e) => e.validationScore))
    expect(outcome.leaderboard.find((e) => e.chosen)!.validationScore).toBe(best)
    expect(outcome.model!.hyperparameters.C).toBe(
      outcome.leaderboard.find((e) => e.chosen)!.hyperparameters.C,
    )
  })

  it('reports progress with the model, epochs and losses, ending at 100 %', async () => {
    const events: RunProgressEvent[] = []
    await executePipeline(await snapshotFor(task), penguins, { onProgress: (e) => events.push(e) })
    const percents = events.map((e) => e.percent)
    expect(percents.every((p, i) => i === 0 || p >= percents[i - 1] - 1e-9)).toBe(true)
    expect(percents.at(-1)).toBe(100)
    const epochs = events.filter((e) => e.model === 'mlp' && e.epoch !== undefined)
    expect(epochs.length).toBeGreaterThan(0)
    expect(epochs.every((e) => Number.isFinite(e.loss))).toBe(true)
  })

  it('stops with WorkerError(cancelled) once cancelled', async () => {
    let fits = 0
    const run = executePipeline(await snapshotFor(task), penguins, {
      onProgress: (e) => {
        if (e.model) fits++
      },
      isCancelled: () => fits > 2,
    })
    await expect(run).rejects.toBeInstanceOf(WorkerError)
    await expect(run).rejects.toMatchObject({ code: 'cancelled' })
  })

  it('fails clearly when the snapshot has hooks but no sandbox is given', async () => {
    const snapshot = await snapshotFor(task, { hooks: [{ kind: 'before_preprocessing' }] })
    const run = executePipeline(snapshot, penguins)
    await expect(run).rejects.toBeInstanceOf(ValidationError)
    await expect(run).rejects.toThrow('hooks need the sandbox')
  })

  it('calls hooks in order and applies row filters and metrics', async () => {
    const calls: string[] = []
    const results: Record<string, HookResult> = {
      before_preprocessing: {
        type: 'patch',
        data: { set: [], drop: [], keepRows: Int32Array.from({ length: 100 }, (_, i) => i) },
        metrics: undefined,
      },
      // accuracy collides with a built-in metric: it must not replace the engine's (issue 14.6).
      after_evaluation: { type: 'patch', data: undefined, metrics: { custom_score: 0.5, accuracy: 0.01 } },
    }
    const runner: HookRunner = {
      async run(hook, input): Promise<HookOutput> {
        calls.push(
          `${hook.kind}:${input.data ? ('names' in input.data ? input.data.names.length : input.data.nRows) : '-'}`,
        )
        return {
          hookId: hook.id,
          kind: hook.kind,
          result: results[hook.kind],
          logs: [{ level: 'info', message: 'hi' }],
          logTruncated: false,
          durationMs: 1,
        }
      },
    }
    const snapshot = await snapshotFor(task, {
      candidates: [{ family: 'logistic' }],
      hooks: [{ kind: 'before_preprocessing' }, { kind: 'after_evaluation' }],
    })
    const outcome = await executePipeline(snapshot, penguins, { hookRunner: runner })
    expect(calls).toEqual(['before_preprocessing:275', 'after_evaluation:-'])
    expect(outcome.split.trainRows.length).toBe(100)
    expect(outcome.split.testRows.length).toBe(69)
    expect(outcome.metrics.custom_score).toBeUndefined()
    expect(outcome.hookMetrics).toEqual({ custom_score: 0.5, accuracy: 0.01 })
    expect(outcome.evaluatedByHook).toBe(false)
    // The engine's accuracy on these 69 test rows (trained on one species only), not the hook's 0.01.
    expect(outcome.metrics.accuracy).toBe(30 / 69)
    expect(
      outcome.logs.some(
        (l) =>
          l.level === 'warn' &&
          l.message.startsWith(
            "Hook hook1 returned metric 'accuracy' = 0.01, the name of a built-in metric: it is kept as a hook metric, and the engine's accuracy (0.",
          ),
      ),
    ).toBe(true)
    expect(outcome.logs.some((l) => l.message === '[hook hook0] hi')).toBe(true)
  })

  it('marks metrics an override_evaluation hook produced as evaluated by a hook', async () => {
    const runner: HookRunner = {
      async run(hook): Promise<HookOutput> {
        return {
          hookId: hook.id,
          kind: hook.kind,
          result: { type: 'metrics', metrics: { accuracy: 0.25, my_loss: 3 } },
          logs: [],
          logTruncated: false,
          durationMs: 1,
        }
      },
    }
    const snapshot = await snapshotFor(task, {
      candidates: [{ family: 'logistic' }],
      hooks: [{ kind: 'override_evaluation' }],
    })
    const outcome = await executePipeline(snapshot, penguins, { hookRunner: runner })
    expect(outcome.evaluatedByHook).toBe(true)
    expect(outcome.metrics).toEqual({ accuracy: 0.25, my_loss: 3 })
    expect(outcome.hookMetrics).toEqual({})
    expect(
      outcome.logs.some(
        (l) =>
          l.level === 'warn' &&
          l.message === 'The test metrics (accuracy, my_loss) were computed by hook hook0, not by Butterfly',
      ),
    ).toBe(true)
  })

  it('rejects a bad block config before doing any work', async () => {
    const snapshot = await snapshotFor(task, { candidates: [] })
    await expect(executePipeline(snapshot, penguins)).rejects.toThrow(
      "Setting 'candidates' of block 'Model Selection' must be 'auto' or a non-empty list of { family, hyperparameters? }, got []",
    )
  })
})
