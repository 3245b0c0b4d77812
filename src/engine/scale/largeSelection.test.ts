import { describe, expect, it } from 'vitest'
import { selectionRowsFor } from './largeSelection.ts'

describe('the size of the subsample large-table model selection compares candidates on', () => {
  it('is about a million feature cells, between 5,000 and 50,000 rows, never more than the sample holds', () => {
    expect(selectionRowsFor(24, 160_000).rows).toBe(41_666)
    expect(selectionRowsFor(10, 160_000).rows).toBe(50_000)
    expect(selectionRowsFor(500, 160_000).rows).toBe(5_000)
    expect(selectionRowsFor(24, 12_000)).toEqual({
      rows: 12_000,
      why: 'all 12,000 training rows of the sample',
    })
    expect(selectionRowsFor(24, 160_000).why).toBe(
      "about 1M feature cells (24 features), between 5,000 and 50,000 rows: enough for a hold-out slice of thousands of rows, small enough that every candidate fits within the selection's time budget",
    )
    expect(selectionRowsFor(24, 160_000, 3000)).toEqual({ rows: 3000, why: '3,000 rows as asked' })
  })
})
