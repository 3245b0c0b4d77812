import { describe, expect, it } from 'vitest'
import { readFixtureFrame } from '../../../tests/fixtures/engine/readFixture.ts'
import type { DataFrame } from '../frame.ts'
import { detectTask, detectTaskFromProfile } from './taskDetection.ts'
import { frameFromText } from './textColumns.ts'

function textFrame(columns: Record<string, (string | null)[]>): DataFrame {
  return frameFromText(Object.entries(columns).map(([name, values]) => ({ name, values })))
}

describe('detectTask on the shared datasets', () => {
  const cases = [
    { file: 'iris.csv', target: 'species', taskType: 'multiclass', metric: 'accuracy' },
    { file: 'penguins.csv', target: 'species', taskType: 'multiclass', metric: 'accuracy' },
    {
      file: 'breast_cancer.csv',
      target: 'diagnosis',
      taskType: 'binary',
      metric: 'roc_auc',
      positiveClass: 'malignant',
    },
    { file: 'diabetes.csv', target: 'disease_progression', taskType: 'regression', metric: 'r2' },
    {
      file: 'credit_data.csv',
      target: 'Status',
      taskType: 'binary',
      metric: 'roc_auc',
      positiveClass: 'bad',
    },
    { file: 'diamonds_head2000.csv', target: 'price', taskType: 'regression', metric: 'r2' },
  ] as const
  for (const c of cases) {
    it(`${c.file}: ${c.target} → ${c.taskType}`, async () => {
      const frame = readFixtureFrame(c.file)
      const task = detectTask(frame)
      expect(task.target).toBe(c.target)
      expect(task.taskType).toBe(c.taskType)
      expect(task.metric).toBe(c.metric)
      expect(task.mode).toBe('auto')
      expect(task.positiveClass).toBe('positiveClass' in c ? c.positiveClass : undefined)
      expect(task.excludedColumns).toEqual([])
      expect(task.warnings).toEqual([])
      expect(task.reasons.some((r) => r.startsWith(`Target '${c.target}'`))).toBe(true)
      expect(task.reasons.some((r) => r.startsWith(`Task ${c.taskType}`))).toBe(true)
    })
  }

  it('takes a user-chosen target and task, and says so', async () => {
    const frame = readFixtureFrame('penguins.csv')
    const task = detectTask(frame, { target: 'island', taskType: 'multiclass' })
    expect(task).toMatchObject({ mode: 'manual', target: 'island', taskType: 'multiclass' })
    expect(task.reasons).toContain("Target 'island': chosen by the user")
    expect(() => detectTask(frame, { target: 'nope' })).toThrow("Unknown target column 'nope'")
  })
})

describe('detectTask rules', () => {
  it('prefers columns named like a target, else the last column', () => {
    const named = textFrame({
      a: ['1', '2', '3', '4'],
      Label: ['x', 'y', 'x', 'y'],
      b: ['1.5', '2.5', '3.5', '0.5'],
    })
    expect(detectTask(named).target).toBe('Label')
    const last = textFrame({ a: ['1', '2', '3', '4'], b: ['1.5', '2.5', '3.5', '0.25'] })
    const task = detectTask(last)
    expect(task.target).toBe('b')
    expect(task.reasons[0]).toContain('the last column is used')
  })

  it('finds a price target with a prefix before falling back to the last column (Sale_Price, not Latitude)', () => {
    const housing = textFrame({
      marital_status: ['a', 'b', 'a', 'b'],
      Sale_Price: ['100', '250', '175', '300'],
      Latitude: ['41.9', '42.0', '42.1', '41.95'],
    })
    const task = detectTask(housing)
    expect(task.target).toBe('Sale_Price')
    expect(task.reasons[0]).toBe("Target 'Sale_Price': its name contains a common prediction target")
  })

  it("the housing table's columns suggest Sale_Price, not the last column Latitude", () => {
    const task = detectTask(readFixtureFrame('../datasets/housing.csv'))
    expect(task.target).toBe('Sale_Price')
    expect(task.taskType).toBe('regression')
    expect(task.reasons[0]).toBe("Target 'Sale_Price': its name contains a common prediction target")
  })

  it('without a target name, kinds come before position: a two-label column, else not a coordinate or id', () => {
    const flags = textFrame({
      tenure: ['1', '5', '3', '8', '2', '9'],
      left: ['Yes', 'No', 'No', 'Yes', 'No', 'No'],
      monthly: ['10.5', '20.25', '30', '15', '12', '18'],
    })
    const flagged = detectTask(flags)
    expect(flagged.target).toBe('left')
    expect(flagged.reasons[0]).toContain('the only column with two labels')
    const places = textFrame({
      Year_Built: ['1919', '1968', '2001', '1950', '1990', '2005'],
      Gr_Liv_Area: ['2884', '1491', '1200', '1700', '900', '2100'],
      Longitude: ['-93.6', '-93.62', '-93.61', '-93.65', '-93.64', '-93.63'],
      Latitude: ['42.01', '42.04', '42.02', '42.03', '42.05', '42.06'],
    })
    const task = detectTask(places)
    expect(task.target).toBe('Gr_Liv_Area')
    expect(task.reasons[0]).toContain('the last column that can be one is used')
    expect(task.reasons[0]).toContain('please check it')
  })

  it('tells binary, multiclass and regression apart by kind and distinct count', () => {
    const frame = textFrame({
      x: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
      two: ['0', '1', '0', '1', '0', '1', '0', '1', '0', '1', '0', '1'],
      few: ['1', '2', '3', '1', '2', '3', '1', '2', '3', '1', '2', '3'],
      many: ['1.5', '2.25', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12.5'],
      flag: [
        'true',
        'false',
        'true',
        'false',
        'true',
        'false',
        'true',
        'false',
        'true',
        'false',
        'true',
        'TRUE',
      ],
    })
    expect(detectTask(frame, { target: 'two' }).taskType).toBe('binary')
    expect(detectTask(frame, { target: 'few' }).taskType).toBe('multiclass')
    expect(detectTask(frame, { target: 'many' }).taskType).toBe('regression')
    expect(detectTask(frame, { target: 'flag' }).taskType).toBe('binary')
  })

  it('excludes identifier-like and constant columns, with reasons', () => {
    const frame = textFrame({
      customer_id: ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'],
      id: ['1', '2', '3', '4', '5', '6'],
      same: ['k', 'k', 'k', 'k', 'k', 'k'],
      x: ['0.1', '0.5', '0.2', '0.9', '0.3', '0.4'],
      target: ['a', 'b', 'a', 'b', 'b', 'a'],
    })
    const task = detectTask(frame)
    expect(task.excludedColumns).toEqual(['customer_id', 'id', 'same'])
    expect(task.reasons).toContain("Excluded 'same': it is constant")
    expect(task.reasons).toContain("Excluded 'id': it looks like an identifier (one distinct value per row)")
  })

  it('warns about features that give the target away', () => {
    const frame = textFrame({
      copy: ['yes', 'no', 'yes', 'no', 'no', 'yes', 'no', 'no'],
      x: ['0.1', '0.5', '0.2', '0.9', '0.3', '0.4', '0.7', '0.8'],
      outcome: ['1', '0', '1', '0', '0', '1', '0', '0'],
    })
    const task = detectTask(frame)
    expect(task.taskType).toBe('binary')
    expect(task.warnings).toEqual([
      "Possible leakage: 'copy' determines the target exactly (each of its values goes with one class)",
    ])
    const regression = textFrame({
      double: ['2', '4', '6', '8', '10', '12.5'],
      noise: ['3', '1', '4', '1', '5', '9'],
      y: ['1', '2', '3', '4', '5', '6.25'],
    })
    expect(detectTask(regression).warnings[0]).toContain("'double' is almost perfectly correlated")
  })

  it('a boolean target (DuckDB reads Yes/No as BOOLEAN) proposes the label a run uses, true, never 1', () => {
    const frame: DataFrame = {
      nRows: 5,
      columns: [
        { name: 'tenure', type: 'numeric', kind: 'numeric', values: Float64Array.from([1, 5, 9, 2, 40]) },
        { name: 'Churn', type: 'numeric', kind: 'boolean', values: Float64Array.from([1, 0, 0, 1, 0]) },
      ],
    }
    const task = detectTask(frame)
    expect(task.taskType).toBe('binary')
    expect(task.positiveClass).toBe('true')
    expect(task.reasons).toContain("Positive class 'true': it reads as the event of interest")
  })

  it('picks the event label as positive class, else the minority class', () => {
    const event = textFrame({ x: ['1', '2', '3', '4'], target: ['no', 'yes', 'yes', 'yes'] })
    expect(detectTask(event).positiveClass).toBe('yes')
    const minority = textFrame({ x: ['1', '2', '3', '4'], target: ['cat', 'dog', 'dog', 'dog'] })
    const task = detectTask(minority)
    expect(task.positiveClass).toBe('cat')
    expect(task.reasons).toContain("Positive class 'cat': it is the minority class")
    const balanced = textFrame({ x: ['1', '2', '3', '4'], target: ['b', 'a', 'b', 'a'] })
    expect(detectTask(balanced).positiveClass).toBe('b')
  })

  it('rejects a classification target with one value', () => {
    const frame = textFrame({ x: ['1', '2'], target: ['a', 'a'] })
    expect(() => detectTask(frame)).toThrow("Target 'target' has 1 distinct value(s)")
  })
})

describe('detectTaskFromProfile (stored schema + profile, no rows)', () => {
  it('applies the same rules from counts', () => {
    const task = detectTaskFromProfile(
      [
        { name: 'Status', physicalType: 'VARCHAR', kind: 'categorical' },
        { name: 'Age', physicalType: 'BIGINT', kind: 'numeric' },
        { name: 'row_id', physicalType: 'BIGINT', kind: 'numeric' },
        { name: 'const', physicalType: 'VARCHAR', kind: 'categorical' },
      ],
      [
        {
          name: 'Status',
          missing: 0,
          distinct: 2,
          topValues: [
            { value: 'good', count: 70 },
            { value: 'bad', count: 30 },
          ],
        },
        { name: 'Age', missing: 3, distinct: 50 },
        { name: 'row_id', missing: 0, distinct: 100 },
        { name: 'const', missing: 0, distinct: 1 },
      ],
      100,
    )
    expect(task).toMatchObject({
      target: 'Status',
      taskType: 'binary',
      positiveClass: 'bad',
      metric: 'roc_auc',
      excludedColumns: ['row_id', 'const'],
    })
    const regression = detectTaskFromProfile(
      [
        { name: 'a', physicalType: 'VARCHAR', kind: 'categorical' },
        { name: 'price', physicalType: 'DOUBLE', kind: 'numeric' },
      ],
      [
        { name: 'a', missing: 0, distinct: 3 },
        { name: 'price', missing: 0, distinct: 90 },
      ],
      100,
    )
    expect(regression).toMatchObject({ target: 'price', taskType: 'regression', metric: 'r2' })
  })
})
