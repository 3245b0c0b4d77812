import { describe, expect, it } from 'vitest'
import type { ArtifactId, ModelId, RunId } from '../domain/ids.ts'
import { buildModelRecords } from './runArtifacts.ts'

describe('buildModelRecords', () => {
  it('records the chosen model with all its files and every other candidate', () => {
    const entry = (family: string, chosen: boolean, validationScore: number) => ({
      family,
      hyperparameters: {},
      metric: 'accuracy',
      validationScore,
      foldScores: [validationScore],
      fitSeconds: 1,
      chosen,
    })
    const records = buildModelRecords({
      runId: 'run_a' as RunId,
      outcome: {
        backend: 'wasm',
        model: {
          family: 'gbdt',
          framework: 'butterfly-trees',
          hyperparameters: { max_iter: 100 },
          trainingMetadata: {},
          bytes: new Uint8Array(1),
        },
        leaderboard: [
          entry('logistic', false, 0.9),
          entry('gbdt', true, 0.95),
          entry('rf', false, Number.NaN),
        ],
      },
      chosenModelId: 'mdl_chosen' as ModelId,
      chosenArtifactIds: ['art_model', 'art_package'] as ArtifactId[],
      now: 5,
    })
    expect(records.map((r) => [r.family, r.role, r.framework])).toEqual([
      ['gbdt', 'chosen', 'butterfly-trees'],
      ['logistic', 'candidate', 'tfjs'],
      ['rf', 'candidate', 'butterfly-trees'],
    ])
    expect(records[0]).toMatchObject({
      id: 'mdl_chosen',
      validationScore: 0.95,
      artifactIds: ['art_model', 'art_package'],
    })
    expect(records[0].trainingMetadata).toEqual({ backend: 'wasm' })
    expect('validationScore' in records[2]).toBe(false)
  })
})
