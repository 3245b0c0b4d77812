import { describe, expect, it } from 'vitest'
import type { Sha256Hex } from '../../domain/hash.ts'
import { hookBlockType, hookKinds } from '../../domain/hook.ts'
import type { HookId } from '../../domain/ids.ts'
import { blockTypes } from '../../domain/pipeline.ts'
import type { DataFrame } from '../frame.ts'
import { hookApiOverview, hookExamples, hookReturnDoc, hookTemplate } from './hookApi.ts'
import type { HookInput } from './hookContract.ts'
import { HookSandbox } from './hookSandbox.ts'

const sandbox = new HookSandbox({ limits: { memoryBytes: 32 * 1024 * 1024 } })

const table: DataFrame = {
  nRows: 4,
  columns: [
    { name: 'income', type: 'numeric', kind: 'numeric', values: new Float64Array([1000, Number.NaN, 30, 0]) },
    { name: 'age', type: 'numeric', kind: 'numeric', values: new Float64Array([20, 30, 40, 50]) },
  ],
}

const input: HookInput = {
  data: table,
  target: { kind: 'classification', codes: new Int32Array([1, 1, 0, 1]), classes: ['no', 'yes'] },
  evalData: {
    nRows: 2,
    columns: table.columns.map((c) => ({ ...c, values: new Float64Array(2) })),
  } as DataFrame,
  config: {},
  metrics: { accuracy: 0.8 },
  seed: 1,
}

describe('hook API docs', () => {
  it('has one example per stage, of a kind of that stage, and each runs and passes validation', async () => {
    expect(Object.keys(hookExamples).sort()).toEqual([...blockTypes].sort())
    const types: Record<string, string> = {}
    for (const stage of blockTypes) {
      const example = hookExamples[stage]
      expect(hookBlockType(example.kind)).toBe(stage)
      expect(await sandbox.checkSyntax(example.code)).toEqual({ ok: true })
      const output = await sandbox.run(
        {
          id: 'hook_doc' as HookId,
          kind: example.kind,
          name: example.title,
          order: 0,
          sourceKind: 'inline',
          code: example.code,
          codeHash: '0'.repeat(64) as Sha256Hex,
        },
        input,
      )
      types[stage] = output.result.type
      if (stage === 'training') {
        const result = output.result
        expect(
          result.type === 'predictions' &&
            result.predictions.kind === 'classification' &&
            Array.from(result.predictions.codes),
        ).toEqual([1, 1])
      }
      if (stage === 'preprocessing') {
        const result = output.result
        expect(result.type === 'patch' && Array.from(result.data?.keepRows ?? [])).toEqual([0, 2, 3])
      }
    }
    expect(types).toEqual({
      preprocessing: 'patch',
      feature_engineering: 'patch',
      model_selection: 'model-choice',
      training: 'predictions',
      evaluation: 'patch',
      explainability: 'importances',
    })
  })

  it('documents every kind, and every template compiles', async () => {
    expect(hookApiOverview).toContain('NaN` for a missing value')
    for (const kind of hookKinds) {
      expect(hookReturnDoc(kind)).toMatch(/^Returns `/)
      expect(await sandbox.checkSyntax(hookTemplate(kind))).toEqual({ ok: true })
    }
  })
})
