import { describe, expect, it } from 'vitest'
import { WorkerError } from '../../domain/errors.ts'
import '../models/allModels.ts'
import { defaultModelSelectionConfig, validateModelSelectionConfig } from './blocks/modelSelection.ts'
import { startRunBackend } from './runBackend.ts'

const selection = (candidates: { family: string }[]) =>
  validateModelSelectionConfig({ ...defaultModelSelectionConfig(), candidates })

describe("the run's TF.js backend", () => {
  it('is not started when every candidate is a tree model: even a backend that cannot start is not tried', async () => {
    const choice = await startRunBackend(selection([{ family: 'gbdt' }, { family: 'rf' }]), 'binary', {
      requested: 'webgpu',
    })
    expect(choice).toEqual({
      backend: 'cpu',
      reason: "not started: every candidate is a tree model, which runs in Butterfly's own code",
    })
  })

  it('is started when a candidate uses TF.js (here it cannot start, and says so), or when the pipeline selects nothing', async () => {
    const withLogistic = startRunBackend(selection([{ family: 'gbdt' }, { family: 'logistic' }]), 'binary', {
      requested: 'webgpu',
    })
    await expect(withLogistic).rejects.toBeInstanceOf(WorkerError)
    await expect(startRunBackend(undefined, 'binary', { requested: 'webgpu' })).rejects.toThrow(
      "TF.js backend 'webgpu' is not available here",
    )
    expect(
      (await startRunBackend(selection([{ family: 'mlp' }]), 'binary', { requested: 'auto' })).backend,
    ).toBe('wasm')
  })
})
