/**
 * Predictions on new data with a loaded model package: check the new table against the package's
 * input columns, bring each column to the type the recipe expects, compute the features with the
 * training-time recipe (unseen categories behave exactly as the recipe says), and predict in chunks
 * with progress. The result is plain typed arrays; {@link predictionsToCsv} writes the file. A table too
 * large to hold streams instead ({@link streamPredictions}): chunks in from a {@link TableChunkSource}, CSV
 * text out chunk by chunk, the same lines {@link predictionsToCsv} writes.
 *
 * Input may come typed (the browser's DuckDB Arrow columns through `frameFromArrow`) or as text (the
 * headless loader's all-VARCHAR CSV), so numeric columns that arrive as numeric-looking text are
 * converted, and categorical columns that arrive as numbers are read as their labels ("2007").
 */
import type { LogicalKind } from '../../domain/dataset.ts'
import { ValidationError, WorkerError } from '../../domain/errors.ts'
import type { CategoricalColumn, Column, DataFrame } from '../../engine/frame.ts'
import { compareCodePoints } from '../../engine/pipeline/blocks/preprocessing.ts'
import { applyFeatureRecipe } from '../../engine/pipeline/featureRecipe.ts'
import { numericLabel } from '../../engine/pipeline/taskDetection.ts'
import { columnFromText, isIdentifierName } from '../../engine/pipeline/textColumns.ts'
import type { TableChunkSource } from '../../engine/scale/chunkSource.ts'
import type { LoadedModelPackage, ModelPackageDocument, PackageInputColumn } from './modelPackage.ts'

/** Options of {@link predictNewData}. */
export interface PredictNewDataOptions {
  /** Called after each chunk with the rows predicted so far. */
  onProgress?: (progress: { rowsDone: number; rowsTotal: number }) => void
  /** Rows per chunk (default 8192): bounds the memory of the feature matrix of one chunk. */
  chunkRows?: number
  /** Polled between chunks; when true, predicting stops with WorkerError('cancelled'). */
  isCancelled?: () => boolean
}

/** Predictions for every row of the new table, in row order. */
export interface NewDataPredictions {
  nRows: number
  /** Class labels by index (classification only). */
  classes?: string[]
  /** Predicted class index (classification: argmax of `proba`, ties → lowest index) or value. */
  predicted: Float64Array
  /** Row-major rows × classes probabilities (classification only). */
  proba?: Float64Array
  /** The input's id/key columns (see {@link keyColumns}), written beside the predictions. */
  keys?: Column[]
}

/**
 * The columns of the new table that identify its rows, so each prediction can be matched back: every
 * column whose name looks like an id or key (`id`, `customer_id`, `order_key`, `PassengerId`, …);
 * when none does, the first column if it has one distinct value per row and is text or whole numbers
 * (not a numeric input of the model, whose unique values would be a coincidence of a small file).
 */
export function keyColumns(document: Pick<ModelPackageDocument, 'inputColumns'>, frame: DataFrame): Column[] {
  const named = frame.columns.filter((c) => isIdentifierName(c.name))
  if (named.length > 0) return named
  const first = frame.columns[0]
  if (!first || frame.nRows < 2) return []
  if (first.type === 'categorical') {
    const seen = new Uint8Array(first.levels.length)
    for (const code of first.codes) {
      if (code < 0 || seen[code]) return []
      seen[code] = 1
    }
    return [first]
  }
  if (first.kind !== 'numeric') return []
  if (document.inputColumns.some((c) => c.name === first.name && c.type === 'numeric')) return []
  const seen = new Set<number>()
  for (const value of first.values) {
    if (!Number.isInteger(value) || seen.has(value)) return []
    seen.add(value)
  }
  return [first]
}

/** One value of a key column as the CSV writes it ('' when missing). */
function keyField(column: Column, row: number): string {
  if (column.type === 'categorical') {
    const code = column.codes[row]
    return code < 0 ? '' : column.levels[code]
  }
  const value = column.values[row]
  if (Number.isNaN(value)) return ''
  if (column.kind === 'datetime') return new Date(value).toISOString()
  if (column.kind === 'boolean') return value ? 'true' : 'false'
  return String(value)
}

/**
 * The columns of `frame` that the package reads, each converted to the type the recipe expects;
 * extra columns are dropped. Throws ValidationError('bad-data') naming every missing column, or every
 * column whose values cannot be read as the trained type (with the expected type and sample values).
 */
export function prepareInputFrame(document: ModelPackageDocument, frame: DataFrame): DataFrame {
  const byName = new Map(frame.columns.map((c) => [c.name, c]))
  checkColumnsPresent(document, byName)
  const problems: string[] = []
  const columns = document.inputColumns.map((expected) => {
    const column = byName.get(expected.name)!
    const converted = convertColumn(column, expected)
    if ('bad' in converted) {
      const sample = converted.bad
        .slice(0, 3)
        .map((v) => `'${v}'`)
        .join(', ')
      problems.push(
        `'${expected.name}' must be ${describeType(expected)} as in training, but has ${converted.bad.length === 1 ? 'the value' : `${converted.bad.length} values such as`} ${sample}`,
      )
      return column
    }
    return converted.column
  })
  if (problems.length > 0)
    throw new ValidationError('bad-data', `Mistyped columns: ${problems.join('; ')}`, { problems })
  return { nRows: frame.nRows, columns }
}

/** Throws ValidationError('bad-data') naming every input column of the package that `names` lacks. */
function checkColumnsPresent(document: ModelPackageDocument, names: { has(name: string): boolean }): void {
  const missing = document.inputColumns.filter((c) => !names.has(c.name)).map((c) => c.name)
  if (missing.length > 0)
    throw new ValidationError('bad-data', `Missing columns: ${missing.join(', ')}`, { missing })
}

function describeType(column: PackageInputColumn): string {
  if (column.type === 'categorical') return 'categorical'
  if (column.kind === 'datetime') return 'a date/time (ISO 8601)'
  if (column.kind === 'boolean') return 'boolean (true/false)'
  return 'numeric'
}

/** Kinds of a one-value text column that an expected numeric kind accepts. */
function acceptsKind(expected: LogicalKind, parsed: LogicalKind): boolean {
  if (expected === 'datetime') return parsed === 'datetime'
  if (expected === 'boolean') return parsed === 'boolean' || parsed === 'numeric'
  return parsed === 'numeric' || parsed === 'boolean'
}

function convertColumn(column: Column, expected: PackageInputColumn): { column: Column } | { bad: string[] } {
  if (column.type === expected.type) return { column: { ...column, kind: expected.kind } }
  if (expected.type === 'categorical') {
    // A numeric column where a categorical one was trained: its labels, as training would have read them.
    if (column.type !== 'numeric') return { column }
    const values = Array.from(column.values, (v) => (Number.isNaN(v) ? null : numericLabel(v)))
    const levels = [...new Set(values.filter((v): v is string => v !== null))].sort(compareCodePoints)
    const index = new Map(levels.map((level, i) => [level, i]))
    const codes = Int32Array.from(values, (v) => (v === null ? -1 : index.get(v)!))
    return {
      column: {
        name: column.name,
        type: 'categorical',
        kind: expected.kind,
        codes,
        levels,
      } satisfies CategoricalColumn,
    }
  }
  // Text where numbers were trained: parse each distinct level once, as the import rules would.
  const categorical = column as CategoricalColumn
  const levelValues = new Float64Array(categorical.levels.length)
  const bad: string[] = []
  for (const [k, level] of categorical.levels.entries()) {
    const parsed = columnFromText(column.name, [level])
    if (parsed.type === 'numeric' && acceptsKind(expected.kind, parsed.kind))
      levelValues[k] = parsed.values[0]
    else bad.push(level)
  }
  if (bad.length > 0) return { bad }
  const values = Float64Array.from(categorical.codes, (code) => (code < 0 ? Number.NaN : levelValues[code]))
  return { column: { name: column.name, type: 'numeric', kind: expected.kind, values } }
}

/**
 * Predicts every row of `frame` with the package's model, `chunkRows` rows at a time. Rejects with
 * ValidationError('bad-data') for missing or mistyped columns (see {@link prepareInputFrame}).
 */
export async function predictNewData(
  pkg: LoadedModelPackage,
  frame: DataFrame,
  options: PredictNewDataOptions = {},
): Promise<NewDataPredictions> {
  const { document } = pkg
  const input = prepareInputFrame(document, frame)
  const keys = keyColumns(document, frame)
  const n = input.nRows
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? 8192))
  const classes = document.classes
  const k = classes?.length ?? 0
  const predicted = new Float64Array(n)
  const proba = classes ? new Float64Array(n * k) : undefined
  options.onProgress?.({ rowsDone: 0, rowsTotal: n })
  for (let start = 0; start < n; start += chunkRows) {
    if (options.isCancelled?.()) throw new WorkerError('cancelled', 'Prediction cancelled')
    const end = Math.min(n, start + chunkRows)
    const rows = Int32Array.from({ length: end - start }, (_, i) => start + i)
    const chunk = await predictRows(pkg, input, rows)
    predicted.set(chunk.predicted, start)
    if (proba && chunk.proba) proba.set(chunk.proba, start * k)
    options.onProgress?.({ rowsDone: end, rowsTotal: n })
  }
  return { nRows: n, ...(classes ? { classes, proba } : {}), predicted, ...(keys.length > 0 ? { keys } : {}) }
}

/** Predictions of `rows` of a prepared input frame (see {@link prepareInputFrame}). */
async function predictRows(
  pkg: LoadedModelPackage,
  input: DataFrame,
  rows: Int32Array,
): Promise<{ predicted: Float64Array; proba?: Float64Array }> {
  const { document, model } = pkg
  const X = applyFeatureRecipe(document.featureRecipe, input, rows)
  const k = document.classes?.length ?? 0
  if (!document.classes) return { predicted: await model.predict(X) }
  const proba = await model.predictProba(X)
  const predicted = new Float64Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    let best = 0
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c
    predicted[i] = best
  }
  return { predicted, proba }
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/**
 * Predictions as CSV: the input's key columns (see {@link keyColumns}; one named like an output column
 * gets an `input_` prefix), `row` (0-based data row of the new table), `predicted`, then for
 * classification `proba_<class>` per class. Numbers are written with JavaScript's shortest round-trip
 * form, so reading them back gives the same doubles.
 */
export function predictionsToCsv(predictions: NewDataPredictions): string {
  const keys = predictions.keys ?? []
  return (
    predictionsCsvHeader(
      keys.map((c) => c.name),
      predictions.classes,
    ) + predictionsCsvLines(predictions, 0)
  )
}

/** The header line of a predictions CSV (see {@link predictionsToCsv}), with its line break. */
function predictionsCsvHeader(keyNames: readonly string[], classes: readonly string[] | undefined): string {
  const outputNames = ['row', 'predicted', ...(classes ?? []).map((c) => `proba_${c}`)]
  const taken = new Set(outputNames)
  const names = keyNames.map((name) => (taken.has(name) ? `input_${name}` : name))
  return `${[...names, ...outputNames].map(csvField).join(',')}\n`
}

/** The lines of `predictions` (each with its line break), their `row` numbered from `firstRow`. */
function predictionsCsvLines(predictions: NewDataPredictions, firstRow: number): string {
  const { classes, proba } = predictions
  const keys = predictions.keys ?? []
  const k = classes?.length ?? 0
  let text = ''
  for (let i = 0; i < predictions.nRows; i++) {
    const fields = [
      ...keys.map((column) => csvField(keyField(column, i))),
      String(firstRow + i),
      classes ? csvField(classes[predictions.predicted[i]]) : String(predictions.predicted[i]),
    ]
    for (let c = 0; c < k; c++) fields.push(String(proba![i * k + c]))
    text += `${fields.join(',')}\n`
  }
  return text
}

/** Progress of a streamed prediction: rows done of all, and the time left at the pace so far. */
export interface StreamPredictionsProgress {
  rowsDone: number
  rowsTotal: number
  /** Seconds left at the pace so far (absent before the first chunk is done). */
  etaSeconds?: number
}

/** Options of {@link streamPredictions}. */
export interface StreamPredictionsOptions {
  /** Rows per chunk read from the source (default 8192). */
  chunkRows?: number
  onProgress?: (progress: StreamPredictionsProgress) => void
  /** Polled before each chunk; when true, predicting stops with WorkerError('cancelled'). */
  isCancelled?: () => boolean
  /**
   * The key columns to write (see {@link keyColumns}), when the caller decided them on the whole table;
   * by default they are decided on the first chunk (the first-column rule then sees its rows only).
   */
  keyColumnNames?: readonly string[]
  /** Milliseconds clock for the ETA (default performance.now). */
  now?: () => number
}

/**
 * Predicts every row of `source` with the package's model, a chunk at a time, handing the CSV text to
 * `write` as it goes: the header once, then each chunk's lines, exactly as {@link predictionsToCsv}
 * writes them (so a table that fits gives the same bytes). No more than one chunk of rows, features and
 * predictions is held at once. Missing columns are found before any row is read; mistyped values reject
 * with ValidationError('bad-data') when their chunk is reached (the writer should discard what it got).
 */
export async function streamPredictions(
  pkg: LoadedModelPackage,
  source: TableChunkSource,
  write: (text: string) => void | Promise<void>,
  options: StreamPredictionsOptions = {},
): Promise<{ rows: number; keyColumnNames: string[] }> {
  const { document } = pkg
  const available = new Set(source.columnNames)
  checkColumnsPresent(document, available)
  const wanted = new Set([
    ...document.inputColumns.map((c) => c.name),
    ...(options.keyColumnNames ?? source.columnNames.filter((name, i) => i === 0 || isIdentifierName(name))),
  ])
  const columns = source.columnNames.filter((name) => wanted.has(name))
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? 8192))
  const now = options.now ?? (() => performance.now())
  const rowsTotal = source.rowCount
  const started = now()
  let keyNames: string[] | undefined = options.keyColumnNames ? [...options.keyColumnNames] : undefined
  let rowsDone = 0
  options.onProgress?.({ rowsDone, rowsTotal })
  for await (const chunk of source.chunks(columns, { chunkRows, hints: {} })) {
    if (options.isCancelled?.()) throw new WorkerError('cancelled', 'Prediction cancelled')
    const input = prepareInputFrame(document, chunk)
    if (rowsDone === 0) {
      keyNames ??= keyColumns(document, chunk).map((c) => c.name)
      await write(predictionsCsvHeader(keyNames, document.classes))
    }
    const rows = Int32Array.from({ length: chunk.nRows }, (_, i) => i)
    const result = await predictRows(pkg, input, rows)
    const byName = new Map(chunk.columns.map((c) => [c.name, c]))
    const keys = keyNames!.map((name) => byName.get(name)!)
    await write(
      predictionsCsvLines(
        {
          nRows: chunk.nRows,
          ...(document.classes ? { classes: document.classes } : {}),
          ...result,
          keys,
        },
        rowsDone,
      ),
    )
    rowsDone += chunk.nRows
    const seconds = (now() - started) / 1000
    options.onProgress?.({
      rowsDone,
      rowsTotal,
      etaSeconds: (seconds * Math.max(0, rowsTotal - rowsDone)) / rowsDone,
    })
  }
  if (rowsDone === 0) {
    keyNames ??= source.columnNames.filter((name) => isIdentifierName(name))
    await write(predictionsCsvHeader(keyNames, document.classes))
  }
  return { rows: rowsDone, keyColumnNames: keyNames ?? [] }
}

/** The first rows of a predictions file, for a table on screen. */
export interface PredictionsPreview {
  header: string[]
  rows: string[][]
  /** Per column: every shown value is a number (right-aligned on screen). */
  numeric: boolean[]
}

/**
 * The first rows of a {@link predictionsToCsv} text for a preview table, key columns as written and
 * probabilities rounded to three decimals (the CSV keeps every digit).
 */
export function predictionsPreview(csv: string, maxRows = 10): PredictionsPreview {
  const lines = csv.split('\n', maxRows + 1).filter((line) => line.length > 0)
  const [header = [], ...rows] = lines.map((line) => splitCsvLine(line))
  const isProba = header.map((name) => name.startsWith('proba_'))
  const shown = rows.map((fields) =>
    fields.map((field, i) => (isProba[i] && field !== '' ? Number(field).toFixed(3) : field)),
  )
  const numeric = header.map((_, i) =>
    shown.every((fields) => fields[i] === '' || Number.isFinite(Number(fields[i]))),
  )
  return { header, rows: shown, numeric }
}

/**
 * The fields of one CSV line: quotes and doubled quotes handled, no line breaks inside fields (as
 * {@link csvField} writes them). The one splitter for predictions previews and benchmark fixtures.
 */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === delimiter) {
      fields.push(field)
      field = ''
    } else field += ch
  }
  fields.push(field)
  return fields
}
