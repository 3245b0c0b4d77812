import { describe, expect, it } from 'vitest'
import { memoryBudget } from '../../../src/workers/memoryBudget.ts'

const GiB = 1024 ** 3

describe('memoryBudget', () => {
  it('takes the default when the browser says nothing', () => {
    expect(memoryBudget({}, 2 * GiB)).toEqual({ bytes: 2 * GiB, basis: 'the default limit' })
  })
  it('takes the smallest bound the browser gives, and names it', () => {
    expect(memoryBudget({ jsHeapSizeLimit: 1.5 * GiB, deviceMemoryGiB: 8 }, 2 * GiB)).toEqual({
      bytes: 1.5 * GiB,
      basis: "the browser's JS heap limit",
    })
    expect(memoryBudget({ jsHeapSizeLimit: 4 * GiB, deviceMemoryGiB: 2 }, 2 * GiB)).toEqual({
      bytes: 1 * GiB,
      basis: "half of this device's 2 GiB of memory, as the browser reports it",
    })
    expect(memoryBudget({ jsHeapSizeLimit: 4 * GiB, deviceMemoryGiB: 8 }, 2 * GiB).basis).toBe(
      'the default limit',
    )
  })
})
