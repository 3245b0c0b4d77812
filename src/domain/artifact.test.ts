import { describe, expect, it } from 'vitest'
import { createArtifact, parseArtifact } from './artifact.ts'
import { newId } from './ids.ts'

describe('createArtifact', () => {
  it('derives path, size and SHA-256 from the bytes and keeps the model id on model files only', async () => {
    const runId = newId('run')
    const modelId = newId('model')
    const bytes = new TextEncoder().encode('abc')
    const log = await createArtifact({
      runId,
      modelId,
      type: 'log',
      fileName: 'run.log',
      mediaType: 'application/x-ndjson',
      bytes,
      now: 5,
    })
    expect(log).toMatchObject({
      runId,
      type: 'log',
      path: `runs/${runId}/run.log`,
      byteSize: 3,
      // SHA-256("abc"), the FIPS 180-2 test vector.
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      metadata: {},
      createdAt: 5,
    })
    expect(log.modelId).toBeUndefined()
    expect(parseArtifact(log)).toBe(log)
    const model = await createArtifact({
      runId,
      modelId,
      type: 'model',
      fileName: 'model-gbdt.bin',
      mediaType: 'application/octet-stream',
      bytes,
      metadata: { family: 'gbdt' },
      now: 5,
    })
    expect(model).toMatchObject({ modelId, metadata: { family: 'gbdt' } })
    expect(model.id).not.toBe(log.id)
  })
})
