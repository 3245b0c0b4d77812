import { describe, expect, it } from 'vitest'
import { makeTask } from '../../../tests/helpers/builders.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import type { HookId } from '../../domain/ids.ts'
import type { HookSnapshot } from '../../domain/pipeline.ts'
import type { DataFrame } from '../frame.ts'
import { hookExamples } from '../hooks/hookApi.ts'
import { HookSandbox } from '../hooks/hookSandbox.ts'
import { describeHookResult, dryRunInput } from './hookDryRun.ts'

const hook = (code: string, kind: HookKind): HookSnapshot => ({
  id: 'hook_dry' as HookId,
  kind,
  name: 'dry',
  order: 0,
  sourceKind: 'inline',
  code,
  codeHash: '0'.repeat(64) as Sha256Hex,
})

// Eight rows as the data worker reads them: the first rows of the table, one of them without a target.
const frame: DataFrame = {
  nRows: 8,
  columns: [
    {
      name: 'income',
      type: 'numeric',
      kind: 'numeric',
      values: Float64Array.from([10, Number.NaN, 30, 40, 50, 60, 70, 80]),
    },
    { name: 'id', type: 'numeric', kind: 'numeric', values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
    {
      name: 'churn',
      type: 'categorical',
      kind: 'categorical',
      codes: Int32Array.from([0, 1, 0, -1, 0, 0, 1, 0]),
      levels: ['No', 'Yes'],
    },
  ],
}
const task = makeTask({ target: 'churn', taskType: 'binary', positiveClass: 'Yes', excludedColumns: ['id'] })
const sandbox = new HookSandbox({ limits: { memoryBytes: 48 * 1024 * 1024, cpuTimeMs: 5_000 } })

describe('dryRunInput', () => {
  it('hands the hook the feature columns of the first rows with a target, the rest held out', () => {
    const { input, dataRows, evalRows } = dryRunInput(
      frame,
      task,
      'before_preprocessing',
      { scaling: 'standard' },
      7,
    )
    expect([dataRows, evalRows]).toEqual([5, 2])
    const data = input.data as DataFrame
    expect(data.columns.map((c) => c.name)).toEqual(['income'])
    // Row 3 has no target: it is skipped, as a run leaves it out.
    expect(Array.from((data.columns[0] as { values: Float64Array }).values)).toEqual([
      10,
      Number.NaN,
      30,
      50,
      60,
    ])
    expect(input.target).toEqual({
      kind: 'classification',
      classes: ['No', 'Yes'],
      codes: Int32Array.from([0, 1, 0, 0, 0]),
    })
    expect(input.evalData?.nRows).toBe(2)
    expect(input.predictions).toBeUndefined()
    expect(input.seed).toBe(7)
    expect(input.task).toMatchObject({ target: 'churn', classes: ['No', 'Yes'], positiveClass: 'Yes' })
  })

  it('gives evaluation hooks the target as predictions', () => {
    const { input } = dryRunInput(frame, task, 'after_evaluation', {}, 42)
    expect(input.predictions).toEqual(input.target)
  })
})

describe('a dry run in the sandbox, described in words', () => {
  it('says which columns the preprocessing example sets and drops and which rows it keeps', async () => {
    const { input, dataRows } = dryRunInput(frame, task, 'before_preprocessing', {}, 42)
    const example = hookExamples.preprocessing
    const output = await sandbox.run(hook(example.code, example.kind), input)
    expect(describeHookResult(output.result, dataRows)).toEqual([
      'Sets column log_income: 2.3979, missing, 3.43399, 3.93183, 4.11087.',
      'Drops columns: income.',
      'Keeps 4 of 5 rows (rows 0, 2, 3, 4).',
    ])
    expect(output.logs.map((l) => l.message)).toEqual(['rows before: 5'])
  })

  it('describes a model choice, predictions, metrics, nothing', async () => {
    const run = async (code: string, kind: HookKind) => {
      const { input, dataRows } = dryRunInput(frame, task, kind, {}, 42)
      return describeHookResult((await sandbox.run(hook(code, kind), input)).result, dataRows)
    }
    expect(await run(hookExamples.model_selection.code, 'override_model_selection')).toEqual([
      'Chooses model family gbdt with learning_rate 0.05, max_iter 200.',
    ])
    expect(await run(hookExamples.training.code, 'override_training')).toEqual([
      'Predicts the held-out rows: No, No.',
    ])
    expect(await run('function hook() { return { metrics: { lift: 1.5 } } }', 'after_evaluation')).toEqual([
      'Hook metrics: lift = 1.5.',
    ])
    expect(await run('function hook() {}', 'before_training')).toEqual([
      'Returned nothing: the stage runs as if the hook were not there.',
    ])
  })
})
