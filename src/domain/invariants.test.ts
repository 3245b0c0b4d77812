import { describe, expect, it } from 'vitest'
import { hashB, makeDataset, makePipeline, makeRun, makeTask } from '../../tests/helpers/builders.ts'
import { assertDatasetUnchanged, parseDataset } from './dataset.ts'
import { InvariantError, reviveError, serializeError, ValidationError } from './errors.ts'
import type { Hook } from './hook.ts'
import { isIdOf, newId } from './ids.ts'
import { deriveLineage } from './lineage.ts'
import {
  assertSnapshotUnchanged,
  computePipelineVersionHash,
  computeSnapshotHash,
  createSnapshot,
} from './pipeline.ts'
import {
  assertRunEditable,
  assertRunWriteAllowed,
  cancelRunRecord,
  completeRun,
  failRun,
  isRunExportable,
  parseRun,
} from './run.ts'

describe('ids', () => {
  it('are prefixed, unique and recognised by kind', () => {
    const a = newId('run')
    expect(a).toMatch(/^run_[0-9a-z]{26}$/)
    expect(newId('run')).not.toBe(a)
    expect(isIdOf('run', a)).toBe(true)
    expect(isIdOf('dataset', a)).toBe(false)
  })
  it('come from the injected random source', () => {
    const zeros = () => new Uint8Array(16)
    expect(newId('hook', zeros)).toBe(`hk_${'0'.repeat(26)}`)
  })
})

describe('dataset invariant', () => {
  it('accepts only an identical record over an imported dataset', () => {
    const dataset = makeDataset()
    expect(() => assertDatasetUnchanged(dataset, { ...dataset })).not.toThrow()
    const renamed = () => assertDatasetUnchanged(dataset, { ...dataset, name: 'other' })
    expect(renamed).toThrow(InvariantError)
    expect(renamed).toThrow(/immutable once imported/)
  })
  it('parseDataset names what is wrong', () => {
    expect(() => parseDataset({ ...makeDataset(), hash: 'nope' })).toThrow(/hash must be a SHA-256/)
    const schema = [
      { name: 'a', physicalType: 'DOUBLE', kind: 'numeric' as const },
      { name: 'a', physicalType: 'DOUBLE', kind: 'numeric' as const },
    ]
    expect(() => parseDataset({ ...makeDataset(), schema })).toThrow(/duplicate column names/)
  })
})

describe('run invariants', () => {
  it('a running run is editable; a completed or failed one is not', async () => {
    const run = await makeRun()
    expect(() => assertRunEditable(run)).not.toThrow()
    const done = completeRun(run, {
      metrics: { accuracy: 1 },
      blockTimings: [],
      logs: [],
      modelIds: [],
      artifactIds: [],
      backend: 'cpu',
      model: undefined,
      now: 2000,
    })
    expect(done.status).toBe('completed')
    expect(Object.isFrozen(done)).toBe(true)
    expect(() => assertRunEditable(done)).toThrow(expect.objectContaining({ code: 'run-completed' }))
    expect(() =>
      completeRun(done, {
        metrics: {},
        blockTimings: [],
        logs: [],
        modelIds: [],
        artifactIds: [],
        backend: 'cpu',
        model: undefined,
        now: 3,
      }),
    ).toThrow(InvariantError)
    expect(() => failRun(done, { reason: 'error', message: 'x' }, 3)).toThrow(/can no longer change/)
  })

  it('storage write guard: changes to a finished run are refused, identical rewrites allowed', async () => {
    const run = await makeRun()
    const failed = failRun(run, { reason: 'cancelled', message: 'cancelled' }, 5)
    expect(() => assertRunWriteAllowed(failed, { ...failed })).not.toThrow()
    expect(() => assertRunWriteAllowed(failed, { ...failed, metrics: { accuracy: 0.9 } })).toThrow(
      InvariantError,
    )
    expect(() =>
      assertRunWriteAllowed(run, { ...run, logs: [{ t: 1, level: 'info', message: 'hi' }] }),
    ).not.toThrow()
    expect(() => assertRunWriteAllowed(run, { ...run, seed: 7 })).toThrow(/fixed at start/)
  })

  it('keeps hook metrics in their own namespace and refuses malformed metric maps (issue 14.6)', async () => {
    const run = await makeRun()
    const base = { blockTimings: [], logs: [], modelIds: [], artifactIds: [], backend: 'cpu', now: 2 }
    const plain = completeRun(run, { ...base, metrics: { accuracy: 0.9 }, hookMetrics: {} })
    // No hook metrics: the record keeps its old shape.
    expect(Object.hasOwn(plain, 'hookMetrics')).toBe(false)
    expect(Object.hasOwn(plain, 'evaluatedByHook')).toBe(false)
    const hooked = completeRun(run, {
      ...base,
      metrics: { accuracy: 0.9 },
      hookMetrics: { accuracy: 0.01, lift: 2 },
      evaluatedByHook: true,
    })
    expect(hooked.metrics).toEqual({ accuracy: 0.9 })
    expect(hooked.hookMetrics).toEqual({ accuracy: 0.01, lift: 2 })
    expect(hooked.evaluatedByHook).toBe(true)
    expect(parseRun(hooked)).toBe(hooked)
    expect(() => parseRun({ ...hooked, hookMetrics: { lift: '2' } })).toThrow(
      'hookMetrics.lift must be a number, got string',
    )
    expect(() => parseRun({ ...hooked, hookMetrics: [1] })).toThrow(
      'hookMetrics must be an object of numbers',
    )
    expect(() => parseRun({ ...hooked, metrics: JSON.parse('{"__proto__": 1}') })).toThrow(
      "metrics has a forbidden name '__proto__'",
    )
    expect(() => parseRun({ ...hooked, evaluatedByHook: 'yes' })).toThrow(
      'evaluatedByHook must be true or false',
    )
  })

  it('a cancelled run has its own status: terminal, frozen, no failure, not exportable', async () => {
    const run = await makeRun()
    expect(isRunExportable(run)).toBe(false)
    const cancelled = cancelRunRecord(run, 7, { logs: [{ t: 1, level: 'info', message: 'epoch 1' }] })
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.failure).toBeUndefined()
    expect(cancelled.endedAt).toBe(7)
    expect(cancelled.logs).toHaveLength(1)
    expect(Object.isFrozen(cancelled)).toBe(true)
    expect(isRunExportable(cancelled)).toBe(false)
    expect(isRunExportable(failRun(run, { reason: 'error', message: 'x' }, 3))).toBe(true)
    expect(() => assertRunEditable(cancelled)).toThrow(expect.objectContaining({ code: 'run-completed' }))
    expect(() => cancelRunRecord(cancelled, 8)).toThrow(/can no longer change/)
    expect(() => failRun(cancelled, { reason: 'error', message: 'x' }, 8)).toThrow(InvariantError)
    expect(() => assertRunWriteAllowed(cancelled, { ...cancelled, metrics: { accuracy: 1 } })).toThrow(
      InvariantError,
    )
    expect(parseRun({ ...cancelled }).status).toBe('cancelled')
    expect(() => parseRun({ ...run, status: 'cancelled' })).toThrow(/needs endedAt/)
  })

  it('parseRun requires a failure reason on failed runs', async () => {
    const run = await makeRun()
    expect(() => parseRun({ ...run, status: 'failed', endedAt: 3 })).toThrow(/needs a failure reason/)
  })
})

describe('pipeline snapshot', () => {
  it('is deeply frozen and its hash equals the draft version hash', async () => {
    const task = makeTask()
    const pipeline = await makePipeline(undefined, task)
    const snapshot = await createSnapshot({
      pipeline,
      hooks: [],
      task,
      datasetId: newId('dataset'),
      datasetHash: hashB,
    })
    expect(snapshot.hash).toBe(pipeline.versionHash)
    expect(await computeSnapshotHash(snapshot)).toBe(snapshot.hash)
    expect(Object.isFrozen(snapshot.blocks[0].config)).toBe(true)
    expect(() => {
      ;(snapshot.blocks[0].config as Record<string, unknown>).scaling = 'none'
    }).toThrow(TypeError)
    expect(() =>
      assertSnapshotUnchanged(snapshot, { ...snapshot, globalConfig: { ...snapshot.globalConfig, seed: 1 } }),
    ).toThrow(/cannot change/)
  })

  it('version hash changes exactly when something that affects results changes', async () => {
    const task = makeTask()
    const pipeline = await makePipeline(undefined, task)
    const base = await computePipelineVersionHash(pipeline, [], task)
    const cosmetic = { ...pipeline, updatedAt: 99, id: newId('pipeline') }
    expect(await computePipelineVersionHash(cosmetic, [], { ...task, reasons: ['other words'] })).toBe(base)
    const blocks = pipeline.blocks.map((b) =>
      b.type === 'preprocessing' ? { ...b, config: { scaling: 'minmax' } } : b,
    )
    expect(await computePipelineVersionHash({ ...pipeline, blocks }, [], task)).not.toBe(base)
    expect(
      await computePipelineVersionHash(
        { ...pipeline, globalConfig: { ...pipeline.globalConfig, seed: 1 } },
        [],
        task,
      ),
    ).not.toBe(base)
    expect(await computePipelineVersionHash(pipeline, [], { ...task, target: 'island' })).not.toBe(base)
    const hook: Hook = {
      schemaVersion: 1,
      id: newId('hook'),
      pipelineId: pipeline.id,
      blockId: pipeline.blocks[0].id,
      kind: 'before_preprocessing',
      order: 0,
      name: 'h',
      source: { kind: 'inline', code: 'function hook(ctx) {}' },
      codeHash: hashB,
      updatedAt: 1,
    }
    const withHook = pipeline.blocks.map((b, i) => (i === 0 ? { ...b, hookIds: [hook.id] } : b))
    const hooked = await computePipelineVersionHash({ ...pipeline, blocks: withHook }, [hook], task)
    expect(hooked).not.toBe(base)
    expect(
      await computePipelineVersionHash(
        { ...pipeline, blocks: withHook },
        [{ ...hook, codeHash: 'c'.repeat(64) as typeof hashB }],
        task,
      ),
    ).not.toBe(hooked)
  })
})

describe('lineage', () => {
  it('derives dataset hash, snapshot hash, hook hashes and seed from the run alone', async () => {
    const run = await makeRun()
    const lineage = deriveLineage(run)
    expect(lineage).toMatchObject({
      runId: run.id,
      datasetHash: run.datasetHash,
      snapshotHash: run.snapshot.hash,
      seed: 42,
      hooks: [],
    })
  })
})

describe('errors across threads', () => {
  it('round-trip with class, code and message', () => {
    const revived = reviveError(serializeError(new ValidationError('ragged-rows', 'Line 4 has 2 fields')))
    expect(revived).toBeInstanceOf(ValidationError)
    expect(revived).toMatchObject({ code: 'ragged-rows', message: 'Line 4 has 2 fields' })
  })
})

describe('invariant checks on records holding NaN metrics', () => {
  it('allow an identical rewrite and refuse a change, with the invariant error', async () => {
    const run = await makeRun()
    const done = completeRun(run, {
      metrics: { roc_auc: Number.NaN },
      blockTimings: [],
      logs: [],
      modelIds: [],
      artifactIds: [],
      backend: 'cpu',
      model: undefined,
      now: 2,
    })
    expect(() => assertRunWriteAllowed(done, { ...done, metrics: { roc_auc: Number.NaN } })).not.toThrow()
    expect(() => assertRunWriteAllowed(done, { ...done, metrics: { roc_auc: 0.5 } })).toThrow(InvariantError)
  })
})
