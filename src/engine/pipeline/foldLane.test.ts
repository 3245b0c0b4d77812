import { beforeAll, describe, expect, it } from 'vitest'
import { readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { BlockId, DatasetId, ExperimentId, PipelineId } from '../../domain/ids.ts'
import type { BlockConfig, Pipeline } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import type { DataFrame } from '../frame.ts'
import '../models/allModels.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from './defaults.ts'
import type { RunOutcome } from './executor.ts'
import { executePipeline } from './executor.ts'
import type { FoldFitRequest } from './foldLane.ts'
import { InThreadFoldFitter } from './foldLane.ts'
import { detectTask } from './taskDetection.ts'

let counter = 0
const hash = (c: string) => c.repeat(64) as Sha256Hex

function snapshot(task: TaskDefinition, selection: Record<string, unknown>) {
  const blocks = createDefaultPipelineBlocks(() => `blk_lane${++counter}` as BlockId)
  const block = blocks.find((b) => b.type === 'model_selection')!
  block.config = { ...block.config, ...(selection as BlockConfig) }
  const explain = blocks.find((b) => b.type === 'explainability')!
  explain.config = { ...explain.config, enabled: false }
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: 'pl_lane' as PipelineId,
    experimentId: 'exp_lane' as ExperimentId,
    blocks,
    globalConfig: { ...createDefaultGlobalConfig(), backend: 'cpu', seed: 11 },
    versionHash: hash('0'),
    updatedAt: 0,
  }
  return createSnapshot({
    pipeline,
    hooks: [],
    task,
    datasetId: 'ds_lane' as DatasetId,
    datasetHash: hash('b'),
  })
}

/** FNV-1a of the model bytes and their length (a failing comparison then prints two short strings). */
function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0
  return `${bytes.length}:${h.toString(16)}`
}

/** Everything a run decides, without timings. */
function decisions(outcome: RunOutcome) {
  return {
    leaderboard: outcome.leaderboard.map(({ fitSeconds: _, ...entry }) => entry),
    metrics: outcome.metrics,
    model: outcome.model?.family,
    hyperparameters: outcome.model?.hyperparameters,
    bytes: digest(outcome.model?.bytes ?? new Uint8Array()),
    selectionLogs: outcome.logs
      .filter((l) => l.message.startsWith('Candidate') || l.message.startsWith('Model selection chose'))
      .map((l) => l.message),
  }
}

/** The in-thread lane, counting the fits it is given (so the test knows the lane was used). */
class CountingLane extends InThreadFoldFitter {
  readonly families: string[] = []
  override fitFold(request: FoldFitRequest) {
    this.families.push(request.family)
    return super.fitFold(request)
  }
}

describe('model selection on two lanes', () => {
  const tables: Record<string, { frame: DataFrame; task: TaskDefinition }> = {}
  beforeAll(() => {
    for (const [name, target] of [
      ['breast_cancer', 'diagnosis'],
      ['diabetes', 'disease_progression'],
    ]) {
      const frame = readFixtureFrame(`${name}.csv`)
      tables[name] = { frame, task: detectTask(frame, { target }) }
    }
  })

  for (const [table, validation] of [
    ['breast_cancer', { validation: 'kfold', folds: 4 }],
    ['diabetes', { validation: 'holdout', repeats: 2 }],
  ] as const) {
    it(`gives the same leaderboard, choice, metrics and model bytes as one lane (${table}, ${validation.validation}, raced MLP, ensemble)`, async () => {
      const { frame, task } = tables[table]
      const selection = {
        ...validation,
        // A raced MLP (more than 20 epochs), tree families for the lane, and an ensemble of them.
        candidates: [
          { family: task.taskType === 'regression' ? 'linear' : 'logistic' },
          { family: 'mlp', hyperparameters: { hiddenUnits: '16', maxEpochs: 40 } },
          { family: 'gbdt', hyperparameters: { max_iter: 40 } },
          { family: 'rf', hyperparameters: { n_estimators: 20 } },
        ],
      }
      const one = await executePipeline(await snapshot(task, selection), frame)
      const lane = new CountingLane()
      const two = await executePipeline(await snapshot(task, selection), frame, { foldFitter: lane })
      // Tree folds went to the lane (the run thread had TF.js fits to do meanwhile); nothing else did.
      expect(new Set(lane.families)).toEqual(new Set(['gbdt', 'rf']))
      expect(decisions(two)).toEqual(decisions(one))
      const families = one.leaderboard.map((e) => e.family)
      expect(families).toEqual([selection.candidates[0].family, 'mlp', 'gbdt', 'rf', 'ensemble'])
      expect(one.leaderboard.every((e) => e.foldScores.length > 0)).toBe(true)
      expect(one.leaderboard.find((e) => e.family === 'mlp')?.note).toMatch(/^stopped after/)
      expect(one.model?.family).toBe('ensemble')
    }, 120_000)
  }
})
