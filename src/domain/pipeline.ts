/**
 * Pipeline and Block: the ordered, editable workflow definition of an experiment (the draft), and the
 * frozen snapshot a run executes. The version hash covers exactly what affects results: block order,
 * logic references and configuration, hook code hashes, global configuration and the task.
 */

import type { BlockType } from './blockType.ts'
import { blockTypes } from './blockType.ts'
import { InvariantError, ValidationError } from './errors.ts'
import type { JsonValue, Sha256Hex } from './hash.ts'
import { hashCanonical, isSha256Hex, sameData } from './hash.ts'
import type { Hook, HookKind } from './hook.ts'
import type { BlockId, DatasetId, ExperimentId, HookId, PipelineId } from './ids.ts'
import { isIdOf } from './ids.ts'
import type { TaskDefinition } from './task.ts'

export const pipelineSchemaVersion = 1
export const snapshotSchemaVersion = 1

export type { BlockType } from './blockType.ts'
export { blockTypes } from './blockType.ts'

export const blockLabels: Record<BlockType, string> = {
  preprocessing: 'Preprocessing',
  feature_engineering: 'Feature Engineering',
  model_selection: 'Model Selection',
  training: 'Training',
  evaluation: 'Evaluation',
  explainability: 'Explainability',
}

export type BlockConfig = { [key: string]: JsonValue }

export interface Block {
  id: BlockId
  type: BlockType
  /** Which system implementation runs this block, e.g. `system/preprocessing@1`. */
  logicRef: string
  config: BlockConfig
  /** Attached hooks, in execution order. */
  hookIds: HookId[]
}

export interface GlobalConfig {
  seed: number
  /** Fraction of rows held out for the test split, in (0, 1). */
  testFraction: number
  /** A forced TF.js backend, or 'auto' to pick the fastest measured one. */
  backend: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu'
}

export interface Pipeline {
  schemaVersion: number
  id: PipelineId
  experimentId: ExperimentId
  blocks: Block[]
  globalConfig: GlobalConfig
  /** Hash of everything that affects results (see {@link computePipelineVersionHash}). */
  versionHash: Sha256Hex
  updatedAt: number
}

/** A hook as frozen into a snapshot: its full code travels with the run. */
export interface HookSnapshot {
  id: HookId
  kind: HookKind
  name: string
  order: number
  sourceKind: 'inline' | 'file'
  fileName?: string
  code: string
  codeHash: Sha256Hex
}

export interface SnapshotBlock {
  id: BlockId
  type: BlockType
  logicRef: string
  config: BlockConfig
  hooks: HookSnapshot[]
}

/** The immutable copy of a pipeline a run executes. */
export interface PipelineSnapshot {
  schemaVersion: number
  pipelineId: PipelineId
  experimentId: ExperimentId
  datasetId: DatasetId
  datasetHash: Sha256Hex
  task: TaskDefinition
  blocks: SnapshotBlock[]
  globalConfig: GlobalConfig
  /** Hash of the result-affecting content, equal to the pipeline's version hash at freeze time. */
  hash: Sha256Hex
}

/** The part of a pipeline + task that affects results; ids, names and timestamps are left out. */
export function resultAffectingContent(input: {
  blocks: {
    type: BlockType
    logicRef: string
    config: BlockConfig
    hooks: { kind: HookKind; codeHash: string }[]
  }[]
  globalConfig: GlobalConfig
  task: TaskDefinition
}): JsonValue {
  const { task } = input
  return {
    blocks: input.blocks.map((block) => ({
      type: block.type,
      logicRef: block.logicRef,
      config: block.config,
      hooks: block.hooks.map((hook) => ({ kind: hook.kind, codeHash: hook.codeHash })),
    })),
    global: { ...input.globalConfig },
    task: {
      target: task.target,
      taskType: task.taskType,
      positiveClass: task.positiveClass ?? null,
      metric: task.metric,
      excludedColumns: [...task.excludedColumns].sort(),
      // Only when set, so snapshots from before column kinds could be corrected keep their hash.
      ...(task.columnKinds && Object.keys(task.columnKinds).length > 0
        ? {
            columnKinds: Object.fromEntries(
              Object.entries(task.columnKinds).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
            ),
          }
        : {}),
    },
  }
}

/** Hooks of a block in execution order. */
export function hooksOfBlock(block: Block, hooks: readonly Hook[]): Hook[] {
  const byId = new Map(hooks.map((hook) => [hook.id, hook]))
  return block.hookIds.map((id) => {
    const hook = byId.get(id)
    if (!hook) throw new ValidationError('invalid-record', `Block ${block.id} refers to missing hook ${id}`)
    return hook
  })
}

export function computePipelineVersionHash(
  pipeline: Pick<Pipeline, 'blocks' | 'globalConfig'>,
  hooks: readonly Hook[],
  task: TaskDefinition,
): Promise<Sha256Hex> {
  return hashCanonical(
    resultAffectingContent({
      blocks: pipeline.blocks.map((block) => ({ ...block, hooks: hooksOfBlock(block, hooks) })),
      globalConfig: pipeline.globalConfig,
      task,
    }),
  )
}

/** A hook as a snapshot freezes it: its code inline, whatever its source. */
export function hookSnapshotOf(hook: Hook): HookSnapshot {
  return {
    id: hook.id,
    kind: hook.kind,
    name: hook.name,
    order: hook.order,
    sourceKind: hook.source.kind,
    ...(hook.source.kind === 'file' ? { fileName: hook.source.fileName } : {}),
    code: hook.source.code,
    codeHash: hook.codeHash,
  }
}

/** Freezes a draft into the snapshot a run executes. The returned object is deeply frozen. */
export async function createSnapshot(input: {
  pipeline: Pipeline
  hooks: readonly Hook[]
  task: TaskDefinition
  datasetId: DatasetId
  datasetHash: Sha256Hex
  seed?: number
}): Promise<PipelineSnapshot> {
  const globalConfig = {
    ...input.pipeline.globalConfig,
    seed: input.seed ?? input.pipeline.globalConfig.seed,
  }
  const blocks: SnapshotBlock[] = input.pipeline.blocks.map((block) => ({
    id: block.id,
    type: block.type,
    logicRef: block.logicRef,
    config: structuredCloneJson(block.config),
    hooks: hooksOfBlock(block, input.hooks).map(hookSnapshotOf),
  }))
  const task = structuredCloneJson(input.task)
  const hash = await hashCanonical(resultAffectingContent({ blocks, globalConfig, task }))
  return deepFreeze({
    schemaVersion: snapshotSchemaVersion,
    pipelineId: input.pipeline.id,
    experimentId: input.pipeline.experimentId,
    datasetId: input.datasetId,
    datasetHash: input.datasetHash,
    task,
    blocks,
    globalConfig,
    hash,
  })
}

/** Recomputes a snapshot's hash from its content; used to verify stored and imported snapshots. */
export function computeSnapshotHash(snapshot: PipelineSnapshot): Promise<Sha256Hex> {
  return hashCanonical(
    resultAffectingContent({
      blocks: snapshot.blocks,
      globalConfig: snapshot.globalConfig,
      task: snapshot.task,
    }),
  )
}

/** Invariant: a snapshot never changes once a run holds it. */
export function assertSnapshotUnchanged(stored: PipelineSnapshot, next: PipelineSnapshot): void {
  if (!sameData(stored, next)) {
    throw new InvariantError(
      'snapshot-immutable',
      `The pipeline snapshot ${stored.hash.slice(0, 12)} of a run cannot change`,
    )
  }
}

export function validateGlobalConfig(config: GlobalConfig): GlobalConfig {
  if (!Number.isInteger(config.seed) || config.seed < 0 || config.seed > 0xffffffff)
    throw new ValidationError(
      'invalid-argument',
      `Seed must be an integer from 0 to 4294967295, got ${config.seed}`,
    )
  if (!(config.testFraction > 0 && config.testFraction < 1))
    throw new ValidationError(
      'invalid-argument',
      `Test fraction must be between 0 and 1, got ${config.testFraction}`,
    )
  return config
}

export function parsePipeline(value: unknown): Pipeline {
  const record = value as Pipeline
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Pipeline ${String(record?.id)}: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isIdOf('pipeline', record.id)) fail('bad id')
  if (!isIdOf('experiment', record.experimentId)) fail('bad experiment id')
  if (!Array.isArray(record.blocks)) fail('blocks must be an array')
  const types = record.blocks.map((block) => block.type)
  if (types.join() !== blockTypes.join())
    fail(`blocks must be ${blockTypes.join(' → ')}, got ${types.join(' → ')}`)
  for (const block of record.blocks) if (!isIdOf('block', block.id)) fail(`bad block id ${block.id}`)
  if (!isSha256Hex(record.versionHash)) fail('versionHash must be SHA-256 hex')
  validateGlobalConfig(record.globalConfig)
  return record
}

export function parseSnapshot(value: unknown): PipelineSnapshot {
  const record = value as PipelineSnapshot
  const fail = (why: string): never => {
    throw new ValidationError('invalid-record', `Pipeline snapshot: ${why}`)
  }
  if (!record || typeof record !== 'object') fail('not an object')
  if (!isSha256Hex(record.hash)) fail('hash must be SHA-256 hex')
  if (!isSha256Hex(record.datasetHash)) fail('datasetHash must be SHA-256 hex')
  if (!Array.isArray(record.blocks) || record.blocks.map((b) => b.type).join() !== blockTypes.join())
    fail('blocks must be the six stages in order')
  for (const block of record.blocks)
    for (const hook of block.hooks ?? [])
      if (!isSha256Hex(hook.codeHash)) fail(`hook ${hook.id} has no code hash`)
  validateGlobalConfig(record.globalConfig)
  return record
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Freezes an object graph of plain data; returns the same value typed as readonly-equivalent. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}
