/**
 * `verify --rerun` on a run made on a GPU backend (webgl/webgpu), which Node does not have: the rerun
 * uses cpu and compares a TF.js model's metrics within a stated relative tolerance; tree models stay exact.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  datasetRecord,
  gpuTolerance,
  verifyBundleFile,
  writeHeadlessBundle,
} from '../../../src/cli/headlessBundle.ts'
import { loadTable } from '../../../src/cli/loadTable.ts'
import { sha256 } from '../../../src/domain/hash.ts'
import { detectTask } from '../../../src/engine/pipeline/taskDetection.ts'
import { executeRun } from '../../../src/runs/runService.ts'
import { fixturePath } from '../../fixtures/engine/readFixture.ts'
import { draftRunOf } from './adapters.ts'

/** A penguins run of `family` whose record claims the webgl backend and a log_loss off by `factor`. */
async function gpuBundle(family: string, factor: number): Promise<string> {
  const path = fixturePath('penguins.csv')
  const loaded = await loadTable(path, { species: 'categorical' })
  const task = detectTask(loaded.frame, { target: 'species' })
  const { ids, run, hash } = await draftRunOf(loaded, task, family)
  const dataset = datasetRecord(ids, { path, table: loaded, hash }, 1)
  const result = await executeRun({ run, dataset }, { loadFrame: async () => loaded.frame })
  const metrics = { ...result.run.metrics!, log_loss: result.run.metrics!.log_loss * factor }
  // The record and its hashed metrics.json agree (the bundle reader refuses a manifest that disagrees
  // with its files): both carry the GPU's log_loss.
  const metricsArtifact = result.artifacts.find((a) => a.fileName === 'metrics.json')!
  const metricsFile = result.files.find((f) => f.path === metricsArtifact.path)!
  const metricsJson = JSON.parse(new TextDecoder().decode(metricsFile.bytes))
  metricsJson.metrics.log_loss = metrics.log_loss
  const metricsBytes = new TextEncoder().encode(JSON.stringify(metricsJson, null, 1))
  const files = result.files.map((f) => (f === metricsFile ? { ...f, bytes: metricsBytes } : f))
  const artifacts = await Promise.all(
    result.artifacts.map(async (a) =>
      a === metricsArtifact
        ? { ...a, sha256: await sha256(metricsBytes), byteSize: metricsBytes.byteLength }
        : a,
    ),
  )
  const bundle = await writeHeadlessBundle({
    result: { ...result, files, artifacts, run: { ...result.run, backend: 'webgl', metrics } },
    dataset,
    experiment: {
      schemaVersion: 1,
      id: ids.experimentId,
      workspaceId: ids.workspaceId,
      name: 'gpu',
      datasetId: ids.datasetId,
      pipelineId: ids.pipelineId,
      task,
      createdAt: 1,
      updatedAt: 1,
    },
    dataBytes: loaded.bytes,
    includeData: true,
  })
  const file = join(await mkdtemp(join(tmpdir(), 'butterfly-gpu-')), `${family}-${factor}.butterfly.zip`)
  await writeFile(file, bundle)
  return file
}

describe('verify --rerun of a run made on webgl', () => {
  it('a TF.js model: reruns on cpu, says so, and accepts a difference within the tolerance', async () => {
    const result = await verifyBundleFile(await gpuBundle('logistic', 1 + 1e-9), { rerun: true })
    expect(result.lines).toContain('TF.js backend: recorded webgl, rerun cpu')
    expect(result.lines.some((l) => l.includes(`within relative tolerance ${gpuTolerance}`))).toBe(true)
    expect(result.comparisons!.find((c) => c.name === 'log_loss')).toMatchObject({
      match: true,
      tolerance: gpuTolerance,
    })
    expect(result.comparisons!.find((c) => c.name === 'accuracy')).not.toHaveProperty('tolerance')
    expect(result.lines.at(-1)).toMatch(/metrics exactly and log_loss within relative tolerance 0\.000001$/)
    expect(result.exitCode).toBe(0)
  }, 120_000)

  it('a TF.js model: a difference beyond the tolerance is a MISMATCH', async () => {
    const result = await verifyBundleFile(await gpuBundle('logistic', 1 + 1e-3), { rerun: true })
    expect(result.comparisons!.find((c) => c.name === 'log_loss')?.match).toBe(false)
    expect(result.exitCode).toBe(1)
  }, 120_000)

  it('a tree model stays exact whatever backend the record names', async () => {
    const result = await verifyBundleFile(await gpuBundle('tree', 1 + 1e-9), { rerun: true })
    expect(result.comparisons!.find((c) => c.name === 'log_loss')?.match).toBe(false)
    expect(result.exitCode).toBe(1)
  }, 120_000)
})
