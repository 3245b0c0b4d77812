/**
 * Issue 13 bug 11: a column kind corrected on the experiment's task (glass `Type`, a class stored as
 * numbers) is how the run reads that column, in the app's run path and in the CLI's verify path; the
 * snapshot hash only moves when a correction is set.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { datasetRecord } from '../../../src/cli/headlessBundle.ts'
import { loadTable } from '../../../src/cli/loadTable.ts'
import { computePipelineVersionHash } from '../../../src/domain/pipeline.ts'
import type { TaskDefinition } from '../../../src/domain/task.ts'
import { kindChoicesFor, kindCorrections } from '../../../src/domain/task.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
} from '../../../src/engine/pipeline/defaults.ts'
import { detectTask } from '../../../src/engine/pipeline/taskDetection.ts'
import { targetHints } from '../../../src/runs/runService.ts'
import { RunApi } from '../../../src/workers/runApi.ts'
import { draftRunOf, frameToArrowIpc } from './adapters.ts'

const glass = fileURLToPath(new URL('../../fixtures/datasets/glass.csv', import.meta.url))

/** Runs one tree on glass predicting `RI` through the app's run API; returns the model package's input columns. */
async function inputColumnsOfRun(columnKinds?: TaskDefinition['columnKinds']) {
  const loaded = await loadTable(glass)
  const task: TaskDefinition = {
    ...detectTask(loaded.frame, { target: 'RI' }),
    ...(columnKinds ? { columnKinds } : {}),
  }
  const { ids, run, hash: datasetHash } = await draftRunOf(loaded, task, 'tree')
  // The data worker hands the run the table as stored: `Type` arrives as numbers.
  const result = await new RunApi({}).execute({
    run,
    data: frameToArrowIpc(loaded.frame),
    dataset: datasetRecord(ids, { path: glass, table: loaded, hash: datasetHash }, run.startedAt),
  })
  expect(result.run.status).toBe('completed')
  const file = result.files.find((f) => f.path.endsWith('model-package.json'))!
  const pkg = JSON.parse(new TextDecoder().decode(file.bytes)) as {
    inputColumns: { name: string; type: string; kind: string }[]
  }
  return { inputColumns: pkg.inputColumns, snapshot: run.snapshot }
}

describe('corrected column kinds', () => {
  it('glass Type stored as numbers is read as categories once corrected, and as numbers without', async () => {
    const plain = await inputColumnsOfRun()
    expect(plain.inputColumns.find((c) => c.name === 'Type')).toMatchObject({ type: 'numeric' })
    const corrected = await inputColumnsOfRun({ Type: 'categorical' })
    expect(corrected.inputColumns.find((c) => c.name === 'Type')).toMatchObject({
      type: 'categorical',
      kind: 'categorical',
    })
    // The other columns are read as before.
    expect(corrected.inputColumns.find((c) => c.name === 'Na')).toMatchObject({ type: 'numeric' })
    expect(corrected.snapshot.task.columnKinds).toEqual({ Type: 'categorical' })
    expect(corrected.snapshot.hash).not.toBe(plain.snapshot.hash)
  }, 120_000)

  it("the CLI's verify path reads the table with the same hints", async () => {
    const loaded = await loadTable(glass)
    const task: TaskDefinition = {
      ...detectTask(loaded.frame, { target: 'RI' }),
      columnKinds: { Type: 'categorical' },
    }
    const hints = targetHints({ task } as Parameters<typeof targetHints>[0])
    expect(hints).toEqual({ Type: 'categorical' })
    const read = await loadTable(glass, hints)
    const type = read.frame.columns.find((c) => c.name === 'Type')!
    expect(type.type).toBe('categorical')
    expect(type.type === 'categorical' ? type.levels : []).toEqual(['1', '2', '3', '5', '6', '7'])
  })

  it('a classification target stays categorical and corrections merge with it', () => {
    const task = {
      target: 'Type',
      taskType: 'multiclass',
      columnKinds: { Ba: 'categorical', Na: 'numeric' },
    } as unknown as TaskDefinition
    expect(targetHints({ task } as Parameters<typeof targetHints>[0])).toEqual({
      Ba: 'categorical',
      Type: 'categorical',
    })
  })

  it('the version hash is unchanged without corrections and changes with one', async () => {
    const loaded = await loadTable(glass)
    const task = detectTask(loaded.frame, { target: 'Type' })
    const pipeline = { blocks: createDefaultPipelineBlocks(), globalConfig: createDefaultGlobalConfig() }
    const before = await computePipelineVersionHash(pipeline, [], task)
    expect(await computePipelineVersionHash(pipeline, [], { ...task, columnKinds: {} })).toBe(before)
    expect(await computePipelineVersionHash(pipeline, [], { ...task, columnKinds: undefined })).toBe(before)
    const corrected = await computePipelineVersionHash(pipeline, [], {
      ...task,
      columnKinds: { Type: 'categorical' },
    })
    expect(corrected).not.toBe(before)
  })

  it('offers numeric ⇄ categorical for numbers only, and keeps only real corrections', () => {
    const schema = [
      { name: 'Type', physicalType: 'BIGINT', kind: 'numeric' as const },
      { name: 'Na', physicalType: 'DOUBLE', kind: 'numeric' as const },
      { name: 'island', physicalType: 'VARCHAR', kind: 'categorical' as const },
    ]
    expect(kindChoicesFor(schema[0])).toEqual(['numeric', 'categorical'])
    expect(kindChoicesFor(schema[2])).toEqual([])
    expect(kindCorrections(schema, { Type: 'categorical', Na: 'numeric' })).toEqual({ Type: 'categorical' })
    expect(kindCorrections(schema, { Type: 'numeric' })).toBeUndefined()
  })
})
