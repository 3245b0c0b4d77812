/**
 * A practice run: the default pipeline on a small generated table, through the same run service as a
 * real run, with nothing stored. A thread that will run real runs does one first, ahead of time, so
 * their first one does not pay for compiling the engine (the JIT tiers of selection, the tree kernels,
 * the MLP, the report's charts) and for starting its second thread: in the app a fresh run worker's
 * first breast_cancer run took 3.1 s against 1.3–1.8 s for a warm worker's.
 *
 * The table is generated from a fixed seed and touches no stored data. Real runs are unaffected: the
 * engine keeps no state between runs that changes results (a reused worker gives the same bytes; tested).
 */
import type { Sha256Hex } from '../domain/hash.ts'
import type { DatasetId, ExperimentId, PipelineId, WorkspaceId } from '../domain/ids.ts'
import { createRng } from '../domain/random.ts'
import type { CategoricalColumn, DataFrame, NumericColumn } from '../engine/frame.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from '../engine/pipeline/defaults.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import { draftPipeline, startRunRecord } from './runRecord.ts'
import type { RunPorts, RunResult } from './runService.ts'
import { executeRun } from './runService.ts'

/** Rows of the practice table: enough for every default candidate and 5-fold validation, small enough to take about a second. */
export const practiceRows = 300

/** The practice table: six numeric features (one with gaps), one categorical, a binary target that depends on them. */
export function practiceTable(rows = practiceRows): DataFrame {
  const rng = createRng(20_261_207)
  const numeric: NumericColumn[] = Array.from({ length: 6 }, (_, j) => ({
    name: `x${j}`,
    type: 'numeric',
    kind: 'numeric',
    values: Float64Array.from({ length: rows }, () => rng.nextFloat() * 4 - 2),
  }))
  numeric[5].values.forEach((_, i, values) => {
    if (i % 17 === 0) values[i] = Number.NaN
  })
  const group: CategoricalColumn = {
    name: 'group',
    type: 'categorical',
    kind: 'categorical',
    codes: Int32Array.from({ length: rows }, () => rng.nextInt(3)),
    levels: ['a', 'b', 'c'],
  }
  const x = (j: number, i: number) => numeric[j].values[i]
  const target: CategoricalColumn = {
    name: 'label',
    type: 'categorical',
    kind: 'categorical',
    codes: Int32Array.from({ length: rows }, (_, i) =>
      x(0, i) + x(1, i) * x(2, i) - (group.codes[i] === 1 ? 1 : 0) + rng.nextFloat() - 0.5 > 0 ? 1 : 0,
    ),
    levels: ['no', 'yes'],
  }
  return { nRows: rows, columns: [...numeric, group, target] }
}

/**
 * Runs the default pipeline on {@link practiceTable} with `engine` (the thread's own helpers) and builds
 * its outputs (report, plots, model package) as a real run does; stores nothing (no `writeFile` port).
 */
export async function practiceRun(engine: RunPorts['engine'] = {}): Promise<RunResult> {
  const frame = practiceTable()
  const task = detectTask(frame, { target: 'label' })
  const pipeline = await draftPipeline({
    id: 'pipeline_practice' as PipelineId,
    experimentId: 'experiment_practice' as ExperimentId,
    blocks: createDefaultPipelineBlocks(),
    globalConfig: createDefaultGlobalConfig(),
    hooks: [],
    task,
  })
  const run = await startRunRecord({
    workspaceId: 'ws_practice' as WorkspaceId,
    number: 1,
    source: {
      draft: {
        pipeline,
        hooks: [],
        task,
        datasetId: 'ds_practice' as DatasetId,
        datasetHash: '0'.repeat(64) as Sha256Hex,
      },
    },
    now: 0,
  })
  return executeRun({ run, datasetName: 'practice table' }, { loadFrame: async () => frame, engine })
}
