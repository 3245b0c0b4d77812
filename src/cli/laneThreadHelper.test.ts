import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { decisions, selectionSnapshot } from '../../tests/fixtures/engine/laneRuns.ts'
import { readFixtureFrame } from '../../tests/fixtures/engine/readFixture.ts'
import '../engine/models/allModels.ts'
import { executePipeline } from '../engine/pipeline/executor.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import { createLaneThread, sharedLaneThread } from './laneThreadHelper.ts'

describe("the headless runner's lane thread", () => {
  it('fits tree folds and an ensemble’s tree members on a worker thread: the run decides exactly as on one thread', async () => {
    const frame = readFixtureFrame('diabetes.csv')
    const task = detectTask(frame, { target: 'disease_progression' })
    const selection = {
      validation: 'kfold',
      folds: 3,
      repeats: 2,
      candidates: [
        { family: 'linear' },
        { family: 'mlp', hyperparameters: { hiddenUnits: '16', maxEpochs: 40 } },
        { family: 'gbdt', hyperparameters: { max_iter: 40 } },
        { family: 'rf', hyperparameters: { n_estimators: 20 } },
      ],
    }
    const one = await executePipeline(await selectionSnapshot(task, selection), frame)
    const lane = createLaneThread()
    const fits: string[] = []
    try {
      const two = await executePipeline(await selectionSnapshot(task, selection), frame, {
        forestHelper: lane,
        foldFitter: {
          fitFold(request) {
            fits.push(request.family)
            return lane.fitFold(request)
          },
          fitTreeModel(request) {
            fits.push(`${request.family} model`)
            return lane.fitTreeModel(request)
          },
        },
      })
      expect(fits.length).toBeGreaterThan(0)
      // The chosen ensemble's tree members were refitted there too.
      expect(two.model?.family).toBe('ensemble')
      expect(fits.filter((f) => f.endsWith(' model')).length).toBeGreaterThan(0)
      expect(decisions(two)).toEqual(decisions(one))
    } finally {
      await lane.close()
    }
  }, 120_000)

  it('sends a fold fit that fails back as the same error', async () => {
    const lane = createLaneThread()
    try {
      const X = { nRows: 2, names: ['a'], columns: [Float64Array.of(1, 2)], categoricalLevels: [0] }
      const y = { kind: 'classification' as const, codes: Int32Array.of(0, 1), classes: ['a', 'b'] }
      await expect(
        lane.fitFold({
          family: 'rf',
          hyperparameters: { n_estimators: -3 },
          task: 'binary',
          seed: 1,
          X,
          y,
          validationX: X,
          validationY: y,
        }),
      ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/n_estimators/) })
    } finally {
      await lane.close()
    }
  }, 60_000)

  it('is one thread for the process, which an idle lane lets end and a busy one keeps alive until it answers', () => {
    expect(sharedLaneThread()).toBe(sharedLaneThread())
    // A process that starts the shared lane, has it fit one fold and never closes it: it prints the fold's
    // prediction count (the lane kept it alive while it fitted) and exits on its own (the idle lane did not hold it).
    const helper = fileURLToPath(new URL('./laneThreadHelper.ts', import.meta.url))
    const script = `
      const { sharedLaneThread } = await import(${JSON.stringify(helper)})
      const lane = sharedLaneThread()
      lane.start()
      const X = { nRows: 40, names: ['a'], columns: [Float64Array.from({ length: 40 }, (_, i) => i)], categoricalLevels: [0] }
      const y = { kind: 'regression', values: Float64Array.from({ length: 40 }, (_, i) => i % 5) }
      lane.fitFold({ family: 'gbdt', hyperparameters: { max_iter: 3 }, task: 'regression', seed: 1, X, y, validationX: X, validationY: y })
        .then((r) => console.log('predictions', r.predictions.length))
    `
    const file = join(mkdtempSync(join(tmpdir(), 'lane-')), 'idleLane.mts')
    writeFileSync(file, script)
    const child = spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(child.error).toBeUndefined()
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('predictions 40')
    expect(child.status).toBe(0)
  }, 90_000)
})
