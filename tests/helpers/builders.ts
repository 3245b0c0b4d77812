/** Test-data builders for domain records. */
import type { Dataset } from '../../src/domain/dataset.ts'
import type { Sha256Hex } from '../../src/domain/hash.ts'
import type { DatasetId, ExperimentId, PipelineId, WorkspaceId } from '../../src/domain/ids.ts'
import { newId } from '../../src/domain/ids.ts'
import type { Block, BlockConfig, Pipeline } from '../../src/domain/pipeline.ts'
import { blockTypes, computePipelineVersionHash, createSnapshot } from '../../src/domain/pipeline.ts'
import type { Run } from '../../src/domain/run.ts'
import { createRun } from '../../src/domain/run.ts'
import type { TaskDefinition } from '../../src/domain/task.ts'

export const hashA = 'a'.repeat(64) as Sha256Hex
export const hashB = 'b'.repeat(64) as Sha256Hex

export function makeDataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    schemaVersion: 1,
    id: newId('dataset'),
    workspaceId: newId('workspace'),
    name: 'penguins',
    version: 1,
    sourcePath: 'penguins.csv',
    sourceFormat: 'csv',
    byteSize: 15203,
    hash: hashA,
    schema: [
      { name: 'species', physicalType: 'VARCHAR', kind: 'categorical' },
      { name: 'bill_length_mm', physicalType: 'DOUBLE', kind: 'numeric' },
    ],
    rowCount: 344,
    profile: [],
    blobPath: `datasets/${hashA}.csv`,
    importedAt: 1_700_000_000_000,
    ...overrides,
  }
}

export function makeTask(overrides: Partial<TaskDefinition> = {}): TaskDefinition {
  return {
    mode: 'auto',
    target: 'species',
    taskType: 'multiclass',
    metric: 'accuracy',
    excludedColumns: [],
    reasons: [],
    warnings: [],
    ...overrides,
  }
}

export async function makePipeline(
  experimentId: ExperimentId = newId('experiment'),
  task = makeTask(),
): Promise<Pipeline> {
  const blocks: Block[] = blockTypes.map((type) => ({
    id: newId('block'),
    type,
    logicRef: `system/${type}@1`,
    config: (type === 'preprocessing' ? { scaling: 'standard' } : {}) as BlockConfig,
    hookIds: [],
  }))
  const globalConfig = { seed: 42, testFraction: 0.2, backend: 'auto' as const }
  return {
    schemaVersion: 1,
    id: newId('pipeline') as PipelineId,
    experimentId,
    blocks,
    globalConfig,
    versionHash: await computePipelineVersionHash({ blocks, globalConfig }, [], task),
    updatedAt: 1,
  }
}

export async function makeRun(
  overrides: { workspaceId?: WorkspaceId; datasetId?: DatasetId } = {},
): Promise<Run> {
  const pipeline = await makePipeline()
  const snapshot = await createSnapshot({
    pipeline,
    hooks: [],
    task: makeTask(),
    datasetId: overrides.datasetId ?? newId('dataset'),
    datasetHash: hashA,
  })
  return createRun({
    id: newId('run'),
    workspaceId: overrides.workspaceId ?? newId('workspace'),
    number: 1,
    snapshot,
    now: 1000,
  })
}
