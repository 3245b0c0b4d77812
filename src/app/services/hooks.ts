/**
 * Hooks of a pipeline draft: add, edit (inline code or a re-read file), reorder and delete. Each change
 * recomputes the code hash and the pipeline's version hash. Past runs keep the code frozen in their
 * snapshot, so nothing here can change them.
 */
import { ValidationError } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { Hook, HookKind, HookSource } from '../../domain/hook.ts'
import { hookCodeHash } from '../../domain/hook.ts'
import type { BlockId, HookId } from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import { computePipelineVersionHash } from '../../domain/pipeline.ts'
import { db } from './db.ts'

async function rehashPipeline(experiment: Experiment): Promise<void> {
  const pipeline = await db.pipelines.get(experiment.pipelineId)
  if (!pipeline) throw new ValidationError('invalid-argument', 'The pipeline is missing')
  const hooks = await db.hooks.where('pipelineId').equals(pipeline.id).toArray()
  await db.pipelines.put({
    ...pipeline,
    versionHash: await computePipelineVersionHash(pipeline, hooks, experiment.task),
    updatedAt: Date.now(),
  })
}

export async function addHook(
  experiment: Experiment,
  blockId: BlockId,
  kind: HookKind,
  source: HookSource,
  name?: string,
): Promise<Hook> {
  return db.transaction('rw', db.hooks, db.pipelines, async () => {
    const pipeline = await db.pipelines.get(experiment.pipelineId)
    if (!pipeline) throw new ValidationError('invalid-argument', 'The pipeline is missing')
    const block = pipeline.blocks.find((b) => b.id === blockId)
    if (!block) throw new ValidationError('invalid-argument', `No block ${blockId}`)
    if (!kind.endsWith(`_${block.type}`))
      throw new ValidationError('invalid-argument', `A ${kind} hook cannot attach to the ${block.type} block`)
    const hook: Hook = {
      schemaVersion: 1,
      id: newId('hook'),
      pipelineId: pipeline.id,
      blockId,
      kind,
      order: block.hookIds.length,
      name:
        name?.trim() || (source.kind === 'file' ? source.fileName : `${kind} ${block.hookIds.length + 1}`),
      source,
      codeHash: await hookCodeHash(source.code),
      updatedAt: Date.now(),
    }
    await db.hooks.add(hook)
    await db.pipelines.put({
      ...pipeline,
      blocks: pipeline.blocks.map((b) => (b.id === blockId ? { ...b, hookIds: [...b.hookIds, hook.id] } : b)),
    })
    await rehashPipeline(experiment)
    return hook
  })
}

export async function updateHookSource(
  experiment: Experiment,
  hookId: HookId,
  source: HookSource,
): Promise<void> {
  await db.transaction('rw', db.hooks, db.pipelines, async () => {
    const hook = await db.hooks.get(hookId)
    if (!hook) throw new ValidationError('invalid-argument', `No hook ${hookId}`)
    await db.hooks.put({ ...hook, source, codeHash: await hookCodeHash(source.code), updatedAt: Date.now() })
    await rehashPipeline(experiment)
  })
}

export async function renameHook(hookId: HookId, name: string): Promise<void> {
  if (!name.trim()) throw new ValidationError('invalid-argument', 'A hook needs a name')
  await db.hooks.update(hookId, { name: name.trim(), updatedAt: Date.now() })
}

export async function deleteHook(experiment: Experiment, hookId: HookId): Promise<void> {
  await db.transaction('rw', db.hooks, db.pipelines, async () => {
    const pipeline = await db.pipelines.get(experiment.pipelineId)
    if (!pipeline) return
    await db.hooks.delete(hookId)
    await db.pipelines.put({
      ...pipeline,
      blocks: pipeline.blocks.map((b) => ({ ...b, hookIds: b.hookIds.filter((id) => id !== hookId) })),
    })
    await rehashPipeline(experiment)
  })
}

/** Moves a hook one place earlier (-1) or later (+1) among its block's hooks. */
export async function moveHook(
  experiment: Experiment,
  blockId: BlockId,
  hookId: HookId,
  delta: -1 | 1,
): Promise<void> {
  await db.transaction('rw', db.hooks, db.pipelines, async () => {
    const pipeline = await db.pipelines.get(experiment.pipelineId)
    if (!pipeline) return
    const blocks = pipeline.blocks.map((b) => {
      if (b.id !== blockId) return b
      const ids = [...b.hookIds]
      const i = ids.indexOf(hookId)
      const j = i + delta
      if (i < 0 || j < 0 || j >= ids.length) return b
      ;[ids[i], ids[j]] = [ids[j], ids[i]]
      return { ...b, hookIds: ids }
    })
    await db.pipelines.put({ ...pipeline, blocks })
    const ids = blocks.find((b) => b.id === blockId)?.hookIds ?? []
    for (const [order, id] of ids.entries()) await db.hooks.update(id, { order })
    await rehashPipeline(experiment)
  })
}
