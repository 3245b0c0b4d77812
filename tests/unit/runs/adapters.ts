/**
 * The two adapters of the run service, driven the same way for the shared scenario suite: the headless
 * CLI (`runHeadless` with a bundle) and the app's run worker API (`RunApi.execute`, in-thread, on the
 * dataset as Arrow IPC, with a draft frozen like the app's startRun).
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { tableFromArrays, tableToIPC } from 'apache-arrow'
import { parseArgs, runHeadless } from '../../../src/cli/headless.ts'
import { datasetRecord, newHeadlessIds } from '../../../src/cli/headlessBundle.ts'
import type { LoadedTable } from '../../../src/cli/loadTable.ts'
import { loadTable } from '../../../src/cli/loadTable.ts'
import { errorMessage } from '../../../src/domain/errors.ts'
import { sha256 } from '../../../src/domain/hash.ts'
import type { Hook, HookKind } from '../../../src/domain/hook.ts'
import { hookBlockType, hookCodeHash } from '../../../src/domain/hook.ts'
import { newId } from '../../../src/domain/ids.ts'
import type { TaskDefinition } from '../../../src/domain/task.ts'
import type { DataFrame } from '../../../src/engine/frame.ts'
import { HookSandbox } from '../../../src/engine/hooks/hookSandbox.ts'
import {
  createDefaultGlobalConfig,
  createDefaultPipelineBlocks,
} from '../../../src/engine/pipeline/defaults.ts'
import { detectTask } from '../../../src/engine/pipeline/taskDetection.ts'
import { draftPipeline, startRunRecord } from '../../../src/runs/runRecord.ts'
import { readRunBundle } from '../../../src/storage/bundle/readBundle.ts'
import { RunApi } from '../../../src/workers/runApi.ts'

export interface Scenario {
  data: string
  target: string
  /** One model family instead of the default model selection. */
  model?: string
  hooks?: { kind: HookKind; code: string }[]
  /** split.json with holdout.test_indices. */
  split?: string
}

export type AdapterResult =
  | {
      ok: true
      metrics: Record<string, number>
      /** Metrics a hook returned: a namespace of their own, never mixed into the official ones. */
      hookMetrics: Record<string, number>
      files: string[]
      family: string | undefined
    }
  | { ok: false; message: string }

export interface Adapter {
  name: string
  run(scenario: Scenario): Promise<AdapterResult>
}

let dir: string | undefined
const tempDir = async () => {
  dir ??= await mkdtemp(join(tmpdir(), 'butterfly-scenarios-'))
  return dir
}

export const cliAdapter: Adapter = {
  name: 'CLI (runHeadless)',
  async run(scenario) {
    const root = await tempDir()
    const tag = newId('run')
    const hookArgs: string[] = []
    for (const [i, hook] of (scenario.hooks ?? []).entries()) {
      const file = join(root, `${tag}-${i}.js`)
      await writeFile(file, hook.code)
      hookArgs.push('--hook', `${hook.kind}=${file}`)
    }
    const bundle = join(root, `${tag}.butterfly.zip`)
    const args = parseArgs([
      'run',
      '--data',
      scenario.data,
      '--target',
      scenario.target,
      '--out',
      join(root, `${tag}.json`),
      '--bundle',
      bundle,
      ...(scenario.model ? ['--model', scenario.model] : []),
      ...(scenario.split ? ['--split', scenario.split] : []),
      ...hookArgs,
    ])
    const result = await runHeadless(args)
    if (result.exitCode !== 0) return { ok: false, message: result.message }
    const read = await readRunBundle(new Uint8Array(readFileSync(bundle)))
    return {
      ok: true,
      metrics: read.run.metrics ?? {},
      hookMetrics: read.run.hookMetrics ?? {},
      files: read.artifacts.map((a) => a.fileName).sort(),
      family: read.run.model?.family,
    }
  },
}

/** A run record of one model `family` on `loaded` for `task`, drafted and frozen the way the app's startRun does. */
export async function draftRunOf(loaded: LoadedTable, task: TaskDefinition, family: string) {
  const ids = newHeadlessIds()
  const blocks = createDefaultPipelineBlocks()
  const selection = blocks.find((b) => b.type === 'model_selection')!
  selection.config = { ...selection.config, candidates: [{ family }] }
  const globalConfig = { ...createDefaultGlobalConfig(), backend: 'cpu' as const }
  const pipeline = await draftPipeline({
    id: ids.pipelineId,
    experimentId: ids.experimentId,
    blocks,
    globalConfig,
    hooks: [],
    task,
  })
  const hash = await sha256(loaded.bytes)
  const run = await startRunRecord({
    id: ids.runId,
    workspaceId: ids.workspaceId,
    number: 1,
    source: { draft: { pipeline, hooks: [], task, datasetId: ids.datasetId, datasetHash: hash } },
    now: 1,
  })
  return { ids, run, hash }
}

/** The frame as the data worker hands it to the run worker: an Arrow IPC stream. */
export function frameToArrowIpc(frame: DataFrame): Uint8Array {
  const columns: Record<string, Float64Array | (string | null)[]> = {}
  for (const column of frame.columns)
    columns[column.name] =
      column.type === 'categorical'
        ? Array.from(column.codes, (code) => (code < 0 ? null : column.levels[code]))
        : Float64Array.from(column.values)
  return tableToIPC(tableFromArrays(columns as Parameters<typeof tableFromArrays>[0]), 'stream')
}

export const appAdapter: Adapter = {
  name: 'app (RunApi in-thread)',
  async run(scenario) {
    try {
      const loaded = await loadTable(scenario.data)
      const task = detectTask(loaded.frame, { target: scenario.target })
      const ids = newHeadlessIds()
      const blocks = createDefaultPipelineBlocks()
      // 'auto', as the CLI: wasm in Node (both adapters must pick the same backend to match bit for bit).
      const globalConfig = createDefaultGlobalConfig()
      if (scenario.model) {
        const selection = blocks.find((b) => b.type === 'model_selection')!
        selection.config = { ...selection.config, candidates: [{ family: scenario.model }] }
      }
      const hooks: Hook[] = []
      for (const [order, spec] of (scenario.hooks ?? []).entries()) {
        const block = blocks.find((b) => b.type === hookBlockType(spec.kind))!
        const hook: Hook = {
          schemaVersion: 1,
          id: newId('hook'),
          pipelineId: ids.pipelineId,
          blockId: block.id,
          kind: spec.kind,
          order,
          name: `hook-${order}.js`,
          source: { kind: 'file', fileName: `hook-${order}.js`, code: spec.code },
          codeHash: await hookCodeHash(spec.code),
          updatedAt: 0,
        }
        hooks.push(hook)
        block.hookIds.push(hook.id)
      }
      const pipeline = await draftPipeline({
        id: ids.pipelineId,
        experimentId: ids.experimentId,
        blocks,
        globalConfig,
        hooks,
        task,
      })
      const datasetHash = await sha256(loaded.bytes)
      const run = await startRunRecord({
        workspaceId: ids.workspaceId,
        number: 1,
        source: { draft: { pipeline, hooks, task, datasetId: ids.datasetId, datasetHash } },
        now: Date.now(),
      })
      const testIndices = scenario.split
        ? (JSON.parse(readFileSync(scenario.split, 'utf8')).holdout.test_indices as number[])
        : undefined
      const api = new RunApi({ hookRunner: () => new HookSandbox() })
      const result = await api.execute({
        run,
        data: frameToArrowIpc(loaded.frame),
        dataset: datasetRecord(ids, { path: scenario.data, table: loaded, hash: datasetHash }, run.startedAt),
        experimentName: `${basename(scenario.data)} → ${task.target}`,
        ...(testIndices ? { testIndices } : {}),
      })
      return {
        ok: true,
        metrics: result.run.metrics ?? {},
        hookMetrics: result.run.hookMetrics ?? {},
        files: result.artifacts.map((a) => a.fileName).sort(),
        family: result.run.model?.family,
      }
    } catch (error) {
      return { ok: false, message: errorMessage(error).split('\n')[0] }
    }
  },
}
