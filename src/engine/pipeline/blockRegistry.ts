/**
 * The registry of system block implementations, keyed by logic reference (`system/<type>@<version>`).
 * Each block declares its typed config once (defaults + validator) and its run function; the executor
 * looks blocks up here instead of switching on the type. Registering a reference twice is a bug.
 */
import type { BlockConfig, BlockType } from '../../domain/pipeline.ts'
import type { EngineContext } from './engineContext.ts'

/** One system implementation of a pipeline stage. */
export interface BlockDefinition<C> {
  type: BlockType
  /** e.g. `system/preprocessing@1`. Stored in pipelines; never change the meaning of a published one. */
  logicRef: string
  /** The draft config a new pipeline starts with (plain JSON). */
  defaults(): C & BlockConfig
  /** Stored config → typed config; fills defaults for missing keys; throws ValidationError naming the setting. */
  validate(config: unknown): C
  /** Runs the stage on the context, mutating the context's data/features/models/metrics. */
  run(context: EngineContext, config: C): Promise<void>
}

const blocks = new Map<string, BlockDefinition<unknown>>()

/** Registers a block implementation under its logic reference. */
export function registerBlock<C>(definition: BlockDefinition<C>): void {
  if (blocks.has(definition.logicRef)) throw new Error(`Block '${definition.logicRef}' is already registered`)
  blocks.set(definition.logicRef, definition as BlockDefinition<unknown>)
}

/** The block registered under `logicRef`; throws with the known references when there is none. */
export function getBlock(logicRef: string): BlockDefinition<unknown> {
  const block = blocks.get(logicRef)
  if (!block) throw new Error(`Unknown block logic '${logicRef}' (known: ${[...blocks.keys()].join(', ')})`)
  return block
}

/** The system logic reference of a stage, version 1. */
export function systemLogicRef(type: BlockType): string {
  return `system/${type}@1`
}
