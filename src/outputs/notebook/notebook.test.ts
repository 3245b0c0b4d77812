import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fixturePath } from '../../../tests/fixtures/engine/readFixture.ts'
import { findPython } from '../../../tests/fixtures/findPython.ts'
import type { Dataset } from '../../domain/dataset.ts'
import { hookCodeHash } from '../../domain/hook.ts'
import type { BlockId, HookId, RunId } from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import type { Pipeline } from '../../domain/pipeline.ts'
import { createSnapshot } from '../../domain/pipeline.ts'
import { createRng } from '../../domain/random.ts'
import { completeRun, createRun } from '../../domain/run.ts'
import type { DataFrame } from '../../engine/frame.ts'
import type { PreprocessingConfig } from '../../engine/pipeline/blocks/preprocessing.ts'
import { defaultPreprocessingConfig, fitPreprocessing } from '../../engine/pipeline/blocks/preprocessing.ts'
import { createDefaultGlobalConfig, createDefaultPipelineBlocks } from '../../engine/pipeline/defaults.ts'
import type { RunOutcome } from '../../engine/pipeline/executor.ts'
import { executePipeline } from '../../engine/pipeline/executor.ts'
import type { FeatureRecipe } from '../../engine/pipeline/featureRecipe.ts'
import { detectTask } from '../../engine/pipeline/taskDetection.ts'
import { frameFromText } from '../../engine/pipeline/textColumns.ts'
import type { NotebookInput } from './notebook.ts'
import { contentId, generateNotebook, py } from './notebook.ts'
import { notebookInputFromRun, testRowsFromPredictionsCsv } from './notebookInput.ts'

const python = findPython('pandas, sklearn')
if ('reason' in python)
  console.log(
    `notebook.test: not executing notebooks, no python3 with pandas + scikit-learn (${python.reason})`,
  )
const pythonPath = 'path' in python ? python.path : ''

/** A fixture CSV (no quoted fields) with its split's test rows, typed by Butterfly's import rules. */
function loadFixture(csvPath: string, splitPath: string): { frame: DataFrame; testRows: number[] } {
  const lines = readFileSync(csvPath, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
  const header = lines[0].split(',')
  const rows = lines.slice(1).map((line) => line.split(','))
  const frame = frameFromText(
    header.map((name, j) => ({ name, values: rows.map((row) => (row[j] === '' ? null : row[j])) })),
  )
  const split = JSON.parse(readFileSync(splitPath, 'utf8')) as { holdout: { test_indices: number[] } }
  return { frame, testRows: split.holdout.test_indices }
}

const penguins = {
  csv: fixturePath('penguins.csv'),
  split: fixturePath('penguins.split.json'),
  target: 'species',
}
const diabetes = {
  csv: fixturePath('diabetes.csv'),
  split: fixturePath('diabetes.split.json'),
  target: 'disease_progression',
}
const events = {
  csv: fileURLToPath(new URL('../../../tests/fixtures/bundle/events.csv', import.meta.url)),
  split: fileURLToPath(new URL('../../../tests/fixtures/bundle/events.split.json', import.meta.url)),
  target: 'score',
}

interface EngineRun {
  input: NotebookInput
  outcome: RunOutcome
  frame: DataFrame
}

const engineRuns = new Map<string, Promise<RunOutcome>>()

/** A real engine run on a fixture with its split, and the notebook input built from it. */
async function runEngine(
  fixture: { csv: string; split: string; target: string },
  options: {
    family: string
    /** Candidates instead of `family` alone (model selection may then build an ensemble). */
    candidates?: { family: string }[]
    preprocessing?: Record<string, unknown>
    featureEngineering?: Record<string, unknown>
    hyperparameters?: Record<string, number>
    hookCode?: string
    withRecipe: boolean
  },
): Promise<EngineRun> {
  const rng = createRng(11)
  const randomBytes = (length: number) => Uint8Array.from({ length }, () => rng.nextInt(256))
  const { frame, testRows } = loadFixture(fixture.csv, fixture.split)
  const task = detectTask(frame, { target: fixture.target })
  const blocks = createDefaultPipelineBlocks(() => newId('block', randomBytes) as BlockId)
  const patch = (type: string, config: Record<string, unknown> | undefined) => {
    const block = blocks.find((b) => b.type === type)!
    if (config) block.config = { ...block.config, ...(config as typeof block.config) }
  }
  patch('preprocessing', options.preprocessing)
  patch('feature_engineering', options.featureEngineering)
  patch('model_selection', {
    candidates: options.candidates ?? [
      {
        family: options.family,
        ...(options.hyperparameters ? { hyperparameters: options.hyperparameters } : {}),
      },
    ],
  })
  const globalConfig = { ...createDefaultGlobalConfig(), backend: 'cpu' as const, seed: 7 }
  const pipelineId = newId('pipeline', randomBytes)
  const hooks = options.hookCode
    ? [
        {
          schemaVersion: 1,
          id: newId('hook', randomBytes) as HookId,
          pipelineId,
          blockId: blocks[4].id,
          kind: 'after_evaluation' as const,
          order: 0,
          name: 'note.js',
          source: { kind: 'inline' as const, code: options.hookCode },
          codeHash: await hookCodeHash(options.hookCode),
          updatedAt: 0,
        },
      ]
    : []
  for (const hook of hooks) blocks[4].hookIds.push(hook.id)
  const pipeline: Pipeline = {
    schemaVersion: 1,
    id: pipelineId,
    experimentId: newId('experiment', randomBytes),
    blocks,
    globalConfig,
    versionHash: '0'.repeat(64) as Pipeline['versionHash'],
    updatedAt: 0,
  }
  const snapshot = await createSnapshot({
    pipeline,
    hooks,
    task,
    datasetId: newId('dataset', randomBytes),
    datasetHash: 'a'.repeat(64) as Pipeline['versionHash'],
  })
  // The notebook only displays the hook; the engine run itself goes without it.
  const engineSnapshot = hooks.length
    ? { ...snapshot, blocks: snapshot.blocks.map((b) => ({ ...b, hooks: [] })) }
    : snapshot
  // Runs with equal data and settings share one engine run (ids differ, results do not).
  const key = JSON.stringify([fixture.csv, engineSnapshot.blocks.map((b) => b.config), globalConfig])
  if (!engineRuns.has(key))
    engineRuns.set(key, executePipeline(engineSnapshot, frame, { testIndices: testRows }))
  const outcome = await engineRuns.get(key)!
  const input: NotebookInput = {
    title: 'Fixture — run 1',
    runId: newId('run', randomBytes),
    datasetFileName: basename(fixture.csv),
    columns: frame.columns.map((c) => ({ name: c.name, kind: c.kind })),
    snapshot,
    testRows: Array.from(outcome.split.testRows),
    model: outcome.model && { family: outcome.model.family, hyperparameters: outcome.model.hyperparameters },
    runMetrics: outcome.metrics,
    ...(options.withRecipe && outcome.featureRecipe ? { featureRecipe: outcome.featureRecipe } : {}),
    generator: 'Butterfly test',
  }
  return { input, outcome, frame }
}

interface NotebookJson {
  nbformat: number
  nbformat_minor: number
  metadata: { kernelspec: { name: string; language: string; display_name: string } }
  cells: {
    cell_type: string
    id: string
    source: string[]
    metadata: object
    outputs?: unknown[]
    execution_count?: null
  }[]
}

/**
 * Writes the notebook's code cells, in order, as one script (plus `extra`) in a fresh folder; returns
 * its path. With `bundleData`, the folder is an unzipped bundle's layout: the script in artifacts/,
 * the data file in dataset/.
 */
function writeNotebookScript(text: string, extra = '', bundleData?: string): string {
  const notebook = JSON.parse(text) as NotebookJson
  const script = notebook.cells
    .filter((cell) => cell.cell_type === 'code')
    .map((cell) => cell.source.join(''))
    .join('\n\n')
  let dir = mkdtempSync(join(tmpdir(), 'butterfly-notebook-'))
  if (bundleData) {
    mkdirSync(join(dir, 'dataset'))
    copyFileSync(bundleData, join(dir, 'dataset', basename(bundleData)))
    dir = join(dir, 'artifacts')
    mkdirSync(dir)
  }
  const file = join(dir, 'notebook.py')
  writeFileSync(file, `${script}\n\n${extra}\n`)
  return file
}

const jobMarker = '=====BUTTERFLY-NOTEBOOK-JOB====='

/**
 * Runs scripts in one Python process (pandas and scikit-learn import once: seconds on a busy
 * machine), each from its own folder as if run alone; returns each script's stdout.
 */
function executeScripts(files: string[]): string[] {
  const runner = join(mkdtempSync(join(tmpdir(), 'butterfly-notebook-runner-')), 'run.py')
  writeFileSync(
    runner,
    [
      'import os, runpy, sys',
      'for path in sys.argv[1:]:',
      '    os.chdir(os.path.dirname(path))',
      `    print("\\n${jobMarker}", flush=True)`,
      '    runpy.run_path(path, run_name="__main__")',
    ].join('\n'),
  )
  const result = spawnSync(pythonPath, [runner, ...files], {
    encoding: 'utf8',
    timeout: 240_000,
    // One OpenMP thread: the test machine is shared, and oversubscribed threads only slow the fit down.
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  })
  if (result.status !== 0)
    throw new Error(`python failed (${result.status}):\n${result.stderr}\n${result.stdout}`)
  return result.stdout.split(jobMarker).slice(1)
}

/** The printed comparison table: metric → [scikit-learn, run]. */
function metricTable(stdout: string): Record<string, [number, number]> {
  const table: Record<string, [number, number]> = {}
  for (const match of stdout.matchAll(/^(\w+)\s+(-?[\d.]+|nan)\s+(-?[\d.]+|nan)$/gm))
    table[match[1]] = [Number(match[2]), Number(match[3])]
  return table
}

/** Recursively compares recipes, numbers to 1e-9 relative. */
function expectRecipesClose(actual: unknown, expected: unknown, path = 'recipe'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number')
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(expected)),
    )
    return
  }
  if (expected && typeof expected === 'object') {
    expect(actual && typeof actual === 'object', path).toBe(true)
    const keys = Object.keys(expected as object).filter(
      (k) => (expected as Record<string, unknown>)[k] !== undefined,
    )
    expect(Object.keys(actual as object).sort(), path).toEqual(keys.sort())
    for (const key of keys)
      expectRecipesClose(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
      )
    return
  }
  expect(actual, path).toEqual(expected)
}

const preprocessingVariants: PreprocessingConfig[] = [
  {
    ...defaultPreprocessingConfig(),
    encoding: 'ordinal',
    numericImputation: 'most_frequent',
    scaling: 'minmax',
  },
  {
    ...defaultPreprocessingConfig(),
    categoricalImputation: 'constant',
    numericImputation: 'constant',
    numericFillValue: -1,
    scaling: 'none',
    maxOneHotLevels: 3,
  },
]

/** The notebooks the Python tests execute, run together in one Python process. */
const pythonCases = {
  logistic: async () => {
    const run = await runEngine(penguins, { family: 'logistic', withRecipe: true })
    // DATA_PATH left at its default: found through the bundle layout (../dataset/penguins.csv).
    return { run, script: writeNotebookScript(generateNotebook(run.input), '', penguins.csv) }
  },
  gbdt: async () => {
    const run = await runEngine(penguins, {
      family: 'gbdt',
      // Fewer boosting rounds keep the Python side quick on a busy machine.
      hyperparameters: { max_iter: 30 },
      withRecipe: false,
      preprocessing: { numericImputation: 'indicator', scaling: 'minmax', maxOneHotLevels: 2 },
      featureEngineering: { logTransform: true, skewThreshold: 0.2, interactions: true, interactionTopK: 3 },
    })
    const notebook = generateNotebook({ ...run.input, dataPath: penguins.csv })
    return { run, script: writeNotebookScript(notebook, 'print("RECIPE_JSON=" + json.dumps(recipe))') }
  },
  events: async () => {
    const run = await runEngine(events, {
      family: 'linear',
      withRecipe: false,
      preprocessing: { numericImputation: 'mean', encoding: 'frequency' },
      featureEngineering: { logTransform: true, interactions: true, interactionTopK: 3 },
    })
    const extra = [
      'print("RECIPE_JSON=" + json.dumps(recipe))',
      `for variant in ${py(preprocessingVariants)}:`,
      '    print("VARIANT_JSON=" + json.dumps(fit_preprocessing(frame, feature_columns, COLUMN_KINDS, train_rows, variant)))',
    ].join('\n')
    return {
      run,
      script: writeNotebookScript(generateNotebook({ ...run.input, dataPath: events.csv }), extra),
    }
  },
  ensemble: async () => {
    const run = await runEngine(diabetes, {
      family: 'linear',
      candidates: [{ family: 'linear' }, { family: 'rf' }],
      withRecipe: true,
    })
    return {
      run,
      script: writeNotebookScript(
        generateNotebook({ ...run.input, dataPath: diabetes.csv }),
        'print(repr(model))',
      ),
    }
  },
}
type PythonCase = keyof typeof pythonCases

let pythonRuns: Promise<Record<PythonCase, { run: EngineRun; stdout: string }>> | undefined

/** Every Python case's engine run and notebook output (computed once, on first use). */
function pythonResult(name: PythonCase): Promise<{ run: EngineRun; stdout: string }> {
  pythonRuns ??= (async () => {
    const names = Object.keys(pythonCases) as PythonCase[]
    const prepared: { run: EngineRun; script: string }[] = []
    for (const key of names) prepared.push(await pythonCases[key]())
    const outputs = executeScripts(prepared.map((p) => p.script))
    return Object.fromEntries(
      names.map((key, i) => [key, { run: prepared[i].run, stdout: outputs[i] }]),
    ) as Record<PythonCase, { run: EngineRun; stdout: string }>
  })()
  return pythonRuns.then((all) => all[name])
}

describe('generated notebook', () => {
  it('is nbformat 4.5 with a python3 kernel, unique content-derived cell ids and DATA_PATH first', async () => {
    const { input } = await runEngine(penguins, {
      family: 'logistic',
      withRecipe: true,
      hookCode: 'export default function (ctx) {\n  return ctx\n}\n',
    })
    const text = generateNotebook(input)
    expect(generateNotebook(input)).toBe(text)
    const notebook = JSON.parse(text) as NotebookJson
    expect(notebook.nbformat).toBe(4)
    expect(notebook.nbformat_minor).toBe(5)
    expect(notebook.metadata.kernelspec).toEqual({
      display_name: 'Python 3',
      language: 'python',
      name: 'python3',
    })
    const ids = notebook.cells.map((cell) => cell.id)
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
    expect(new Set(ids).size).toBe(ids.length)
    for (const cell of notebook.cells) {
      expect(['markdown', 'code']).toContain(cell.cell_type)
      expect(cell.metadata).toEqual({})
      expect(cell.source.every((line) => typeof line === 'string')).toBe(true)
      expect(cell.source.slice(0, -1).every((line) => line.endsWith('\n'))).toBe(true)
      if (cell.cell_type === 'code') {
        expect(cell.outputs).toEqual([])
        expect(cell.execution_count).toBeNull()
      } else expect(cell).not.toHaveProperty('outputs')
    }
    const codeCells = notebook.cells
      .filter((cell) => cell.cell_type === 'code')
      .map((cell) => cell.source.join(''))
    expect(codeCells[0]).toMatch(/^# The dataset file.*\nDATA_PATH = "penguins\.csv"\n/)
    expect(codeCells.join('\n')).toContain(`TEST_ROWS = [\n    ${input.testRows.slice(0, 20).join(', ')},`)
    expect(codeCells.join('\n')).toContain('keep_default_na=False, na_values=[""]')
    // The hook is there, commented out line by line.
    const hookCell = codeCells.at(-1)!
    expect(hookCell).toContain('# Hook "note.js" (after_evaluation)')
    expect(hookCell).toContain('#   return ctx')
    expect(hookCell.split('\n').every((line) => line.startsWith('#'))).toBe(true)
    expect(notebook.cells[0].source.join('')).toContain('This run had 1 hook(s)')
    expect(notebook.cells[0].source.join('')).not.toContain('A hook changed')
    const altered = JSON.parse(generateNotebook({ ...input, featuresAlteredByHook: true })) as NotebookJson
    expect(altered.cells[0].source.join('')).toContain('A hook changed this run’s features')
    // A cell's id is its content hash: changing the run changes the ids of the cells that changed.
    const other = JSON.parse(generateNotebook({ ...input, dataPath: 'elsewhere.csv' })) as NotebookJson
    expect(other.cells[1].id).not.toBe(notebook.cells[1].id)
    expect(other.cells[0].id).toBe(notebook.cells[0].id)
  })

  it('builds its input from the stored run, dataset record and predictions file', async () => {
    const { input, outcome } = await runEngine(penguins, { family: 'logistic', withRecipe: true })
    const predictions = [
      'row,y_true,y_pred,proba_Adelie',
      ...input.testRows.map((r) => `${r},Adelie,Adelie,0.9`),
    ]
    expect(testRowsFromPredictionsCsv(`${predictions.join('\r\n')}\r\n`)).toEqual(input.testRows)
    expect(() => testRowsFromPredictionsCsv('id,y\n1,2\n')).toThrow(/first column must be 'row'/)
    expect(() => testRowsFromPredictionsCsv('row,y\nx,2\n')).toThrow(/line 2: row 'x'/)
    const run = completeRun(
      createRun({
        id: input.runId as RunId,
        workspaceId: newId('workspace', () => new Uint8Array(16)),
        number: 1,
        snapshot: input.snapshot,
        now: 0,
      }),
      {
        metrics: outcome.metrics,
        model: input.model,
        blockTimings: [],
        logs: [],
        modelIds: [],
        artifactIds: [],
        backend: 'cpu',
        now: 1,
      },
    )
    const dataset = {
      sourcePath: 'uploads/penguins.csv',
      sourceFormat: 'csv',
      delimiter: ',',
      schema: input.columns.map((c) => ({ name: c.name, physicalType: 'VARCHAR', kind: c.kind })),
    } as unknown as Dataset
    const fromRecords = notebookInputFromRun({
      run,
      dataset,
      experimentName: 'Fixture',
      testRows: input.testRows,
      featureRecipe: input.featureRecipe,
      generator: 'Butterfly test',
    })
    expect(generateNotebook(fromRecords)).toBe(generateNotebook({ ...input, delimiter: ',' }))
  })

  it('writes Python literals for JSON data', () => {
    expect(py({ a: [1, 2.5, 'x"y'], b: null, c: true, d: Number.NaN })).toBe(
      '{"a": [1,2.5,"x\\"y"],"b": None,"c": True,"d": float("nan")}',
    )
    expect(contentId('abc')).toMatch(/^[0-9a-f]{16}$/)
    expect(contentId('abc')).not.toBe(contentId('abd'))
  })

  it.skipIf(!pythonPath)(
    'runs as is with pandas + scikit-learn and matches a logistic run within 2 accuracy points',
    async () => {
      const {
        run: { outcome },
        stdout,
      } = await pythonResult('logistic')
      const table = metricTable(stdout)
      expect(Object.keys(table)).toEqual(['accuracy', 'balanced_accuracy', 'f1_macro', 'roc_auc', 'log_loss'])
      const [sklearn, run] = table.accuracy
      console.log(`notebook (logistic): scikit-learn accuracy ${sklearn}, run ${run}`)
      expect(run).toBeCloseTo(outcome.metrics.accuracy, 4)
      expect(Math.abs(sklearn - run)).toBeLessThanOrEqual(0.02)
      expect(stdout).toMatch(/344 rows: 275 training, 69 test/)
    },
  )

  it.skipIf(!pythonPath)(
    'exports an ensemble run as a weighted VotingRegressor of its members and matches its R² within 3 points',
    async () => {
      const {
        run: { outcome },
        stdout,
      } = await pythonResult('ensemble')
      expect(outcome.model?.family).toBe('ensemble')
      const members = JSON.parse(String(outcome.model!.hyperparameters.members)) as {
        family: string
        weight: number
      }[]
      expect(stdout).toMatch(
        /VotingRegressor\(estimators=\[\('linear_0', Ridge\(alpha=1\)\),\s+\('rf_1', RandomForestRegressor\(/,
      )
      expect(stdout).toContain(`weights=[${members.map((m) => String(m.weight)).join(', ')}]`)
      const [sklearn, run] = metricTable(stdout).r2
      console.log(`notebook (ensemble): scikit-learn r2 ${sklearn}, run ${run}`)
      expect(run).toBeCloseTo(outcome.metrics.r2, 4)
      expect(Math.abs(sklearn - run)).toBeLessThanOrEqual(0.03)
    },
  )

  it.skipIf(!pythonPath)(
    're-fits the same feature recipe from the block settings (indicator, log, interactions) and matches a gbdt run',
    async () => {
      const {
        run: { outcome },
        stdout,
      } = await pythonResult('gbdt')
      const recipe = JSON.parse(stdout.split('RECIPE_JSON=')[1].split('\n')[0]) as FeatureRecipe
      const expected = outcome.featureRecipe!
      expect(expected.steps.map((s) => s.kind)).toEqual(
        expect.arrayContaining(['missing_indicator', 'onehot', 'interaction']),
      )
      expect(expected.steps.some((s) => s.kind === 'numeric' && s.log)).toBe(true)
      expect(expected.steps.some((s) => s.kind === 'onehot' && s.other)).toBe(true)
      expectRecipesClose(recipe, expected)
      const [sklearn, run] = metricTable(stdout).accuracy
      console.log(`notebook (gbdt, re-fitted recipe): scikit-learn accuracy ${sklearn}, run ${run}`)
      expect(run).toBeCloseTo(outcome.metrics.accuracy, 4)
      expect(Math.abs(sklearn - run)).toBeLessThanOrEqual(0.02)
    },
  )

  it.skipIf(!pythonPath)(
    'handles datetime, boolean, "NA" and skewed columns in a regression run, and every encoding, as the engine does',
    async () => {
      const {
        run: { input, outcome, frame },
        stdout,
      } = await pythonResult('events')
      expect(input.columns.map((c) => c.kind)).toEqual([
        'datetime',
        'boolean',
        'numeric',
        'categorical',
        'categorical',
        'numeric',
      ])
      const variants = preprocessingVariants
      const recipe = JSON.parse(stdout.split('RECIPE_JSON=')[1].split('\n')[0]) as FeatureRecipe
      const expected = outcome.featureRecipe!
      expect(expected.steps.filter((s) => s.kind === 'datetime_part').length).toBeGreaterThanOrEqual(4)
      expect(expected.steps.some((s) => s.kind === 'frequency')).toBe(true)
      expect(expected.steps.some((s) => s.kind === 'numeric' && s.log)).toBe(true)
      expectRecipesClose(recipe, expected)
      const featureColumns = frame.columns.map((c) => c.name).filter((name) => name !== 'score')
      const trainRows = Int32Array.from(outcome.split.trainRows).sort()
      const printed = stdout.split('VARIANT_JSON=').slice(1)
      expect(printed).toHaveLength(variants.length)
      variants.forEach((variant, i) => {
        expectRecipesClose(
          JSON.parse(printed[i].split('\n')[0]).steps,
          fitPreprocessing(frame, featureColumns, trainRows, variant),
        )
      })
      const table = metricTable(stdout)
      expect(Object.keys(table)).toEqual(['r2', 'rmse', 'mae'])
      const [sklearn, run] = table.r2
      console.log(`notebook (linear, events): scikit-learn r2 ${sklearn}, run ${run}`)
      expect(run).toBeCloseTo(outcome.metrics.r2, 4)
      expect(Math.abs(sklearn - run)).toBeLessThanOrEqual(0.02)
    },
  )
})
