import { describe, expect, it } from 'vitest'
import '../engine/models/allModels.ts'
import { detectTask } from '../engine/pipeline/taskDetection.ts'
import { practiceRun, practiceTable } from './practiceRun.ts'

describe('practice run', () => {
  it('generates the same learnable binary table every time', () => {
    const a = practiceTable()
    const b = practiceTable()
    expect(a).toEqual(b)
    expect(a.nRows).toBe(300)
    const label = a.columns.find((c) => c.name === 'label')
    if (label?.type !== 'categorical') throw new Error('label is categorical')
    const yes = label.codes.reduce((n, c) => n + c, 0)
    // Both classes well represented, so every default candidate and 5-fold validation apply.
    expect(yes).toBeGreaterThan(90)
    expect(yes).toBeLessThan(210)
    expect(detectTask(a, { target: 'label' })).toMatchObject({ taskType: 'binary', target: 'label' })
  })

  it('runs the default pipeline to the end: every default candidate, the chosen model, the report', async () => {
    const result = await practiceRun({ tfBackend: { requested: 'cpu' } })
    expect(result.run.status).toBe('completed')
    expect(result.run.metrics?.roc_auc).toBeGreaterThan(0.8)
    const families = result.outcome.leaderboard?.map((entry) => entry.family)
    expect(families).toEqual(expect.arrayContaining(['logistic', 'gbdt', 'rf', 'mlp']))
    expect(result.artifacts.map((a) => a.fileName)).toEqual(
      expect.arrayContaining(['report.html', 'model-package.json']),
    )
  }, 60_000)
})
