import { describe, expect, it } from 'vitest'
import { predictionsPreview, predictionsToCsv } from './predictNewData.ts'

describe('predictions preview', () => {
  it('keeps the first rows, rounds probabilities to three decimals and reads quoted labels', () => {
    const csv = predictionsToCsv({
      nRows: 3,
      classes: ['no', 'yes, surely'],
      predicted: Float64Array.from([1, 0, 1]),
      proba: Float64Array.from([0.123456, 0.876544, 0.9, 0.1, 0.4, 0.6]),
    })
    const preview = predictionsPreview(csv, 2)
    expect(preview.header).toEqual(['row', 'predicted', 'proba_no', 'proba_yes, surely'])
    expect(preview.rows).toEqual([
      ['0', 'yes, surely', '0.123', '0.877'],
      ['1', 'no', '0.900', '0.100'],
    ])
  })

  it('regression values are shown as written', () => {
    const csv = predictionsToCsv({ nRows: 1, predicted: Float64Array.from([215245.5]) })
    expect(predictionsPreview(csv)).toEqual({ header: ['row', 'predicted'], rows: [['0', '215245.5']] })
  })
})
