/**
 * "Try on sample rows": the data worker reads the first rows of the experiment's dataset as a hook's
 * input, the editor's sandbox worker runs the hook's current code on it, and the result comes back in
 * words (src/engine/pipeline/hookDryRun.ts). Nothing is stored and no run starts.
 */
import { errorMessage } from '../../domain/errors.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { JsonValue } from '../../domain/hash.ts'
import type { Hook } from '../../domain/hook.ts'
import { hookCodeHash } from '../../domain/hook.ts'
import { hookSnapshotOf } from '../../domain/pipeline.ts'
import type { HookLogLine } from '../../engine/hooks/hookContract.ts'
import type { DryRunInput } from '../../engine/pipeline/hookDryRun.ts'
import { describeHookResult } from '../../engine/pipeline/hookDryRun.ts'
import { dataWorker } from './dataClient.ts'
import { editorSandbox } from './sandbox.ts'

export interface DryRunView {
  dataRows: number
  evalRows: number
  /** What the hook returned, one sentence a line (empty when it failed). */
  lines: string[]
  logs: HookLogLine[]
  /** The hook's error (or why its input could not be read), as a sentence. */
  error?: string
}

export async function dryRunHook(request: {
  hook: Hook
  code: string
  experiment: Experiment
  config: JsonValue
  seed: number
}): Promise<DryRunView> {
  const { hook, code, experiment } = request
  let sample: DryRunInput
  try {
    sample = await dataWorker().hookDryRunInput({
      datasetId: experiment.datasetId,
      task: experiment.task,
      kind: hook.kind,
      config: request.config,
      seed: request.seed,
    })
  } catch (error) {
    return {
      dataRows: 0,
      evalRows: 0,
      lines: [],
      logs: [],
      error: `The sample rows could not be read: ${errorMessage(error)}`,
    }
  }
  const { input, dataRows, evalRows } = sample
  try {
    const output = await editorSandbox().run(
      hookSnapshotOf({ ...hook, source: { ...hook.source, code }, codeHash: await hookCodeHash(code) }),
      input,
    )
    return { dataRows, evalRows, lines: describeHookResult(output.result, dataRows), logs: output.logs }
  } catch (error) {
    return { dataRows, evalRows, lines: [], logs: [], error: errorMessage(error) }
  }
}
