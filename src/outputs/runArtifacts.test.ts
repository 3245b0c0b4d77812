import { describe, expect, it } from 'vitest'
import type { ArtifactId, ModelId, RunId } from '../domain/ids.ts'
import { buildModelRecords, predictionsCsvBytes } from './runArtifacts.ts'

const predictionsCsv = (outcome: Parameters<typeof predictionsCsvBytes>[0]) =>
  new TextDecoder().decode(predictionsCsvBytes(outcome))

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

describe('predictionsCsvBytes', () => {
  /** The lines as the string-building writer made them, field by field. */
  function expectedCsv(rows: number[], yTrue: number[], yPred: number[], proba: number[], classes: string[]) {
    const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)
    const lines = [['row', 'y_true', 'y_pred', ...classes.map((c) => `proba_${c}`)].map(quote).join(',')]
    for (let i = 0; i < rows.length; i++) {
      const fields = [String(rows[i]), quote(classes[yTrue[i]]), quote(classes[yPred[i]])]
      for (let k = 0; k < classes.length; k++) fields.push(String(proba[i * classes.length + k]))
      lines.push(fields.join(','))
    }
    return `${lines.join('\n')}\n`
  }

  it('writes the same UTF-8 bytes as one string of every line would, over many blocks', () => {
    // 10,001 rows: blocks of 4096 lines and a short last one; a label with a comma and quote, and
    // non-ASCII labels (3 bytes a character) after the buffer was sized from ASCII-sized lines.
    const classes = ['no', 'say "yes", then', 'ありがとう']
    const n = 10_001
    const rows = Array.from({ length: n }, (_, i) => 7 * i + 3)
    const yTrue = rows.map((_, i) => (i < 5000 ? i % 2 : 2))
    const yPred = rows.map((_, i) => (i * 7) % 3)
    const proba = Array.from({ length: n * 3 }, (_, i) => ((i * 37) % 101) / 101)
    const bytes = predictionsCsvBytes({
      predictions: {
        rows: Int32Array.from(rows),
        yTrue: Float64Array.from(yTrue),
        yPred: Float64Array.from(yPred),
        proba: Float64Array.from(proba),
        classes,
      },
    })
    const expected = expectedCsv(rows, yTrue, yPred, proba, classes)
    // Compared as text (a valid UTF-8 decoding) and by length: toEqual over 500 kB of bytes takes seconds.
    expect(bytes.length).toBe(new TextEncoder().encode(expected).length)
    expect(new TextDecoder().decode(bytes)).toBe(expected)
    expect(
      predictionsCsv({
        predictions: {
          rows: Int32Array.from([4]),
          yTrue: Float64Array.of(1),
          yPred: Float64Array.of(0),
          classes,
        },
      }),
    ).toBe(
      `row,y_true,y_pred,proba_no,"proba_say ""yes"", then",proba_ありがとう\n4,"say ""yes"", then",no,,,\n`,
    )
  })

  it('writes regression values as numbers, and nothing without predictions', () => {
    const csv = predictionsCsv({
      predictions: {
        rows: Int32Array.of(0, 2),
        yTrue: Float64Array.of(1.5, -2),
        yPred: Float64Array.of(0.25, 1e-7),
      },
    })
    expect(csv).toBe('row,y_true,y_pred\n0,1.5,0.25\n2,-2,1e-7\n')
    expect(predictionsCsvBytes({ predictions: undefined }).length).toBe(0)
  })
})
