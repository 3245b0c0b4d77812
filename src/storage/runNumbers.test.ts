import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { buildFixture } from '../../tests/fixtures/bundle/buildBundleFixture.ts'
import { newId } from '../domain/ids.ts'
import { ButterflyDb } from './db.ts'
import { addRunWithNextNumber } from './runNumbers.ts'

describe('run numbers', () => {
  it('two tabs starting runs at once get different numbers, numbering on from the highest', async () => {
    const { input } = await buildFixture()
    const name = `run-numbers-${Math.random()}`
    // Two tabs: two connections to the same database.
    const tabs = [new ButterflyDb(name), new ButterflyDb(name)]
    const fresh = () => ({ ...input.run, id: newId('run'), number: 0, modelIds: [], artifactIds: [] })
    const started = await Promise.all([
      addRunWithNextNumber(tabs[0]!, fresh()),
      addRunWithNextNumber(tabs[1]!, fresh()),
      addRunWithNextNumber(tabs[0]!, fresh()),
      addRunWithNextNumber(tabs[1]!, fresh()),
    ])
    expect(started.map((r) => r.number).sort()).toEqual([1, 2, 3, 4])
    const stored = await tabs[0]!.runs.toArray()
    expect(stored.map((r) => r.number).sort()).toEqual([1, 2, 3, 4])

    // The highest number counts, not how many runs there are (a deleted run's number is not reused).
    await tabs[1]!.runs.add({ ...fresh(), number: 9 })
    expect((await addRunWithNextNumber(tabs[1]!, fresh())).number).toBe(10)
    // Another experiment counts from 1.
    const other = { ...fresh(), experimentId: newId('experiment') }
    expect((await addRunWithNextNumber(tabs[0]!, other)).number).toBe(1)
    for (const tab of tabs) tab.close()
  })
})
