/**
 * What every way of running a pipeline shares (the in-memory {@link executePipeline} and the large-table
 * run of src/engine/scale): the run log with cancellation, the block-order check with each block's
 * validated config, and the checks on a classification target's classes.
 */
import { ValidationError, WorkerError } from '../../domain/errors.ts'
import type { BlockType, PipelineSnapshot } from '../../domain/pipeline.ts'
import { blockTypes } from '../../domain/pipeline.ts'
import type { LogEntry } from '../../domain/run.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import { getBlock } from './blockRegistry.ts'

/**
 * The run's log (entries stamped with ms since `now()` at creation and the current block) and its cancel
 * check. The caller's `runnerNote`, when given, is its first line.
 */
export function createRunLog(
  now: () => number,
  deps: { onLog?: (entry: LogEntry) => void; isCancelled?: () => boolean; runnerNote?: string },
  currentBlock: () => BlockType | undefined,
) {
  const started = now()
  const logs: LogEntry[] = []
  const log = (level: LogEntry['level'], message: string, extra?: Record<string, unknown>) => {
    const block = currentBlock()
    const entry: LogEntry = {
      t: Math.round(now() - started),
      level,
      message,
      ...(block ? { block } : {}),
      ...(extra ? { data: extra } : {}),
    }
    logs.push(entry)
    deps.onLog?.(entry)
  }
  const checkCancelled = () => {
    if (deps.isCancelled?.()) {
      const block = currentBlock()
      throw new WorkerError('cancelled', `Run cancelled${block ? ` during ${block}` : ''}`)
    }
  }
  if (deps.runnerNote) log('info', deps.runnerNote)
  return { started, logs, log, checkCancelled }
}

/** Each block's validated config, in block order; throws when the blocks are not the six in order. */
export function validatedBlockConfigs(snapshot: PipelineSnapshot): unknown[] {
  const types = snapshot.blocks.map((b) => b.type)
  if (types.join() !== blockTypes.join())
    throw new ValidationError(
      'invalid-argument',
      `A pipeline must have the blocks ${blockTypes.join(' → ')}, got ${types.join(' → ')}`,
    )
  return snapshot.blocks.map((block) => getBlock(block.logicRef).validate(block.config))
}

/** Checks a classification target's classes: two for a binary task, at least two otherwise. */
export function checkClasses(task: TaskDefinition, classes: readonly string[]): void {
  if (task.taskType === 'binary' && classes.length !== 2)
    throw new ValidationError(
      'invalid-argument',
      `A binary task needs exactly 2 classes in '${task.target}', found ${classes.length}`,
    )
  if (classes.length < 2)
    throw new ValidationError('invalid-argument', `Target '${task.target}' has fewer than 2 classes`)
}

/** Index of the task's positive class among the sorted classes (binary tasks; undefined otherwise). */
export function positiveClassIndexOf(task: TaskDefinition, classes: readonly string[]): number | undefined {
  if (task.taskType !== 'binary') return undefined
  const index = classes.indexOf(task.positiveClass ?? classes[1])
  if (index === -1)
    throw new ValidationError(
      'invalid-argument',
      `Positive class '${task.positiveClass}' is not a label of '${task.target}'`,
    )
  return index
}
