import { describe, expect, it } from 'vitest'
import { frameFromText } from '../../engine/pipeline/textColumns.ts'
import type { PackageInputColumn } from './modelPackage.ts'
import { keyColumns, predictionsPreview, predictionsToCsv } from './predictNewData.ts'

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
    expect(preview.numeric).toEqual([true, false, true, true])
  })

  it('regression values are shown as written', () => {
    const csv = predictionsToCsv({ nRows: 1, predicted: Float64Array.from([215245.5]) })
    expect(predictionsPreview(csv)).toEqual({
      header: ['row', 'predicted'],
      rows: [['0', '215245.5']],
      numeric: [true, true],
    })
  })
})

describe('key columns of the new data', () => {
  const inputs: PackageInputColumn[] = [
    { name: 'tenure', type: 'numeric', kind: 'numeric' },
    { name: 'plan', type: 'categorical', kind: 'categorical' },
  ]
  const frame = (columns: Record<string, (string | null)[]>) =>
    frameFromText(Object.entries(columns).map(([name, values]) => ({ name, values })))
  const names = (columns: Record<string, (string | null)[]>) =>
    keyColumns({ inputColumns: inputs }, frame(columns)).map((c) => c.name)

  it('keeps every column named like an id or key, unique or not', () => {
    expect(
      names({
        tenure: ['1', '2', '3'],
        customer_id: ['c1', 'c1', 'c2'],
        plan: ['a', 'b', 'a'],
        order_key: ['9', '8', '7'],
        PassengerId: ['1', '2', '3'],
      }),
    ).toEqual(['customer_id', 'order_key', 'PassengerId'])
  })

  it('else the first column when it is unique text or whole numbers', () => {
    expect(names({ customer: ['ann', 'bob', 'cy'], tenure: ['1', '1', '2'] })).toEqual(['customer'])
    expect(names({ number: ['10', '11', '12'], tenure: ['1', '1', '2'] })).toEqual(['number'])
    // Repeated, missing, fractional, or a numeric input of the model: not a key.
    expect(names({ customer: ['ann', 'ann', 'cy'], tenure: ['1', '1', '2'] })).toEqual([])
    expect(names({ customer: ['ann', null, 'cy'], tenure: ['1', '1', '2'] })).toEqual([])
    expect(names({ score: ['0.5', '1.5', '2'], tenure: ['1', '1', '2'] })).toEqual([])
    expect(names({ tenure: ['1', '2', '3'], plan: ['a', 'b', 'a'] })).toEqual([])
    expect(names({ customer: ['ann'], tenure: ['1'] })).toEqual([])
  })

  it('are written first, as in the input, with a colliding name prefixed', () => {
    const keys = keyColumns(
      { inputColumns: inputs },
      frame({ row_id: ['r7', 'r"8'], ID: ['5', null], tenure: ['1', '2'] }),
    )
    const csv = predictionsToCsv({
      nRows: 2,
      classes: ['no', 'yes'],
      predicted: Float64Array.from([1, 0]),
      proba: Float64Array.from([0.25, 0.75, 0.5, 0.5]),
      keys: [...keys, { ...keys[0], name: 'row' }],
    })
    expect(csv).toBe(
      'row_id,ID,input_row,row,predicted,proba_no,proba_yes\nr7,5,r7,0,yes,0.25,0.75\n"r""8",,"r""8",1,no,0.5,0.5\n',
    )
    const preview = predictionsPreview(csv)
    expect(preview.rows[1]).toEqual(['r"8', '', 'r"8', '1', 'no', '0.500', '0.500'])
    expect(preview.numeric).toEqual([false, true, false, true, false, true, true])
  })
})
