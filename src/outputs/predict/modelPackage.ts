/**
 * The model package: one run's trained model alone, with everything needed to predict on new rows
 * (task, classes, the input columns it reads, the feature recipe), in one UTF-8 JSON file that
 * Butterfly loads again. It is what "Download model" gives and what `butterfly predict --model` reads.
 *
 * File format `butterfly/model-package`, version 1 (DO NOT CHANGE WITHOUT A NEW VERSION):
 *
 * ```jsonc
 * {
 *   "format": "butterfly/model-package",
 *   "version": 1,
 *   "createdAt": 1764230400000,               // epoch ms
 *   "task": { …TaskDefinition… },             // target, taskType, positiveClass, metric, excludedColumns…
 *   "classes": ["Adelie", "Chinstrap"],       // classification only: class index → label, sorted by code point
 *   "inputColumns": [                          // the data columns the recipe reads, in first-use order
 *     { "name": "bill_length_mm", "type": "numeric", "kind": "numeric" },
 *     { "name": "island", "type": "categorical", "kind": "categorical" }
 *   ],
 *   "featureRecipe": { "version": 1, "scaling": "standard", "steps": [ … ] },  // see featureRecipe.ts
 *   "featureNames": ["bill_length_mm", "island=Biscoe", …],                   // the model's inputs, in order
 *   "model": {
 *     "family": "logistic",                   // model registry key
 *     "framework": "tfjs",                    // 'tfjs' | 'butterfly-trees'
 *     "hyperparameters": { "C": 1 },
 *     "encoding": "base64",
 *     "bytes": "eyJ…"                          // the family's own versioned model bytes (FittedModel.serialize)
 *   },
 *   "provenance": { "runId": "run_…", "datasetHash": "…", "snapshotHash": "…", "seed": 42 }  // optional
 * }
 * ```
 *
 * `type` is how the engine holds the column (numbers or category codes); `kind` is its logical kind
 * (numeric, boolean, datetime, categorical, text, identifier), which says how text input is converted
 * (see predictNewData.ts). Target and excluded columns are never input columns.
 */
import type { LogicalKind } from '../../domain/dataset.ts'
import { logicalKinds } from '../../domain/dataset.ts'
import { errorMessage, ValidationError } from '../../domain/errors.ts'
import type { TaskDefinition } from '../../domain/task.ts'
import { taskTypes } from '../../domain/task.ts'
import '../../engine/models/allModels.ts'
import { fromBase64, jsonBytes } from '../../engine/base64.ts'
import type { Column } from '../../engine/frame.ts'
import type { FittedModel, Hyperparameters } from '../../engine/models/model.ts'
import { getModelFamily } from '../../engine/models/model.ts'
import type { RunOutcome } from '../../engine/pipeline/executor.ts'
import type { FeatureRecipe, FeatureStep } from '../../engine/pipeline/featureRecipe.ts'
import { recipeFeatureNames } from '../../engine/pipeline/featureRecipe.ts'

/** `format` of a model package. */
export const modelPackageFormat = 'butterfly/model-package'

/** The version this code writes, and the newest it reads. */
export const modelPackageVersion = 1

/** Conventional file name of a model package artifact. */
export const modelPackageFileName = 'model-package.json'

/** How the engine holds a column. */
export type EngineColumnType = Column['type']

/** One data column the package's recipe reads. */
export interface PackageInputColumn {
  name: string
  type: EngineColumnType
  kind: LogicalKind
}

/** The JSON document of a model package (see the format above). */
export interface ModelPackageDocument {
  format: typeof modelPackageFormat
  version: number
  createdAt: number
  task: TaskDefinition
  classes?: string[]
  inputColumns: PackageInputColumn[]
  featureRecipe: FeatureRecipe
  featureNames: string[]
  model: {
    family: string
    framework: FittedModel['framework']
    hyperparameters: Hyperparameters
    encoding: 'base64'
    bytes: string
  }
  provenance?: { runId?: string; datasetHash?: string; snapshotHash?: string; seed?: number }
}

/** A package that passed every check, with its model restored and ready to predict. */
export interface LoadedModelPackage {
  document: ModelPackageDocument
  model: FittedModel
}

/** What {@link createModelPackage} needs: the parts of a RunOutcome, plus the training columns. */
export interface ModelPackageInput {
  task: TaskDefinition
  model:
    | {
        family: string
        framework: FittedModel['framework']
        hyperparameters: Hyperparameters
        bytes: Uint8Array
      }
    | undefined
  featureRecipe: FeatureRecipe | undefined
  featuresAlteredByHook: boolean
  featureNames: string[]
  /** Class labels by class index (classification); the run's `predictions.classes`. */
  classes?: string[]
  /** The training frame's columns (name, type, kind); `frame.columns` will do. */
  trainingColumns: readonly { name: string; type: EngineColumnType; kind: LogicalKind }[]
  /** Hook kinds of the run's snapshot: a hook that patched the data makes the recipe unreproducible. */
  hookKinds?: readonly string[]
  provenance?: ModelPackageDocument['provenance']
  /** Epoch ms (default `Date.now()`). */
  now?: number
}

/** Hook kinds that may change or add data columns before the recipe is fitted. */
const dataChangingHookKinds = new Set(['before_preprocessing', 'override_preprocessing'])

/** Steps' source columns, in first-use order. */
function recipeSources(recipe: FeatureRecipe): string[] {
  const sources: string[] = []
  for (const step of recipe.steps)
    if (step.kind !== 'interaction' && !sources.includes(step.source)) sources.push(step.source)
  return sources
}

/**
 * Builds a model package (UTF-8 JSON bytes). Throws ValidationError('invalid-argument') saying why
 * when the run cannot be packaged: no trained model (a hook predicted), no feature recipe, features
 * changed by a hook (the recipe alone no longer computes them), a hook that patched the data, or a
 * recipe that reads a column the training data does not have.
 */
export function createModelPackage(input: ModelPackageInput): Uint8Array {
  const refuse = (why: string): never => {
    throw new ValidationError('invalid-argument', `This run's model cannot be packaged: ${why}`)
  }
  const { model, featureRecipe: recipe } = input
  if (!model) return refuse('it has no trained model (an override hook predicted instead)')
  if (!recipe) return refuse('it has no feature recipe (an override hook built the features)')
  if (input.featuresAlteredByHook)
    refuse(
      'a hook changed the features directly, so the feature recipe alone no longer computes what the model was trained on',
    )
  const dataHooks = (input.hookKinds ?? []).filter((kind) => dataChangingHookKinds.has(kind))
  if (dataHooks.length > 0)
    refuse(
      `its ${dataHooks.join(', ')} hook may have changed the data before the feature recipe was fitted, and a package cannot run hooks`,
    )
  const byName = new Map(input.trainingColumns.map((c) => [c.name, c]))
  const sources = recipeSources(recipe)
  const unknown = sources.filter((name) => !byName.has(name))
  if (unknown.length > 0)
    refuse(`its feature recipe reads columns the training data does not have: ${unknown.join(', ')}`)
  const recipeNames = recipeFeatureNames(recipe)
  if (recipeNames.join('\u0000') !== input.featureNames.join('\u0000'))
    refuse('its feature names do not match what the feature recipe computes')
  const classification = input.task.taskType !== 'regression'
  if (classification && !(input.classes && input.classes.length >= 2))
    refuse('a classification model needs its class labels')
  // The document as written: its model bytes are a byte array, which jsonBytes writes as the base64 text
  // the format holds, without the megabytes ever passing through one string.
  const document: Omit<ModelPackageDocument, 'model'> & {
    model: Omit<ModelPackageDocument['model'], 'bytes'> & { bytes: Uint8Array }
  } = {
    format: modelPackageFormat,
    version: modelPackageVersion,
    createdAt: input.now ?? Date.now(),
    task: input.task,
    ...(classification ? { classes: [...input.classes!] } : {}),
    inputColumns: sources.map((name) => {
      const column = byName.get(name)!
      return { name, type: column.type, kind: column.kind }
    }),
    featureRecipe: recipe,
    featureNames: [...input.featureNames],
    model: {
      family: model.family,
      framework: model.framework,
      hyperparameters: model.hyperparameters,
      encoding: 'base64',
      bytes: model.bytes,
    },
    ...(input.provenance ? { provenance: input.provenance } : {}),
  }
  // Recipes hold only finite numbers; a non-finite one would silently become null, so refuse it.
  return jsonBytes(document, {
    replacer: (_key, value) => {
      if (typeof value === 'number' && !Number.isFinite(value))
        refuse(`it holds a non-finite number (${value})`)
      return value
    },
    end: '\n',
  })
}

/**
 * The model package of a finished run, or why there is none: what the run worker (which still has the
 * training frame) and the headless runner call. `snapshot` gives the hooks, provenance and seed.
 */
export function packageRunOutcome(
  outcome: Pick<
    RunOutcome,
    'task' | 'model' | 'featureRecipe' | 'featuresAlteredByHook' | 'featureNames' | 'predictions'
  >,
  trainingColumns: ModelPackageInput['trainingColumns'],
  snapshot?: {
    hash: string
    datasetHash: string
    globalConfig: { seed: number }
    blocks: readonly { hooks: readonly { kind: string }[] }[]
  },
  extra: { runId?: string; now?: number } = {},
): { bytes: Uint8Array } | { refused: string } {
  try {
    return {
      bytes: createModelPackage({
        task: outcome.task,
        model: outcome.model,
        featureRecipe: outcome.featureRecipe,
        featuresAlteredByHook: outcome.featuresAlteredByHook,
        featureNames: outcome.featureNames,
        ...(outcome.predictions?.classes ? { classes: outcome.predictions.classes } : {}),
        trainingColumns,
        ...(snapshot
          ? {
              hookKinds: snapshot.blocks.flatMap((block) => block.hooks.map((hook) => hook.kind)),
              provenance: {
                ...(extra.runId ? { runId: extra.runId } : {}),
                datasetHash: snapshot.datasetHash,
                snapshotHash: snapshot.hash,
                seed: snapshot.globalConfig.seed,
              },
            }
          : {}),
        ...(extra.now !== undefined ? { now: extra.now } : {}),
      }),
    }
  } catch (error) {
    if (error instanceof ValidationError) return { refused: error.message }
    throw error
  }
}

/**
 * Parses and checks a model package and restores its model. Rejects with ValidationError
 * ('invalid-record') naming the first problem: not JSON, not a model package, a newer version, a
 * malformed member (with its path), an unknown model family, model bytes that do not load, or a model
 * whose inputs or classes disagree with the package.
 */
export async function loadModelPackage(bytes: Uint8Array | string): Promise<LoadedModelPackage> {
  const { document, modelBytes } = readModelPackage(bytes)
  const family = (() => {
    try {
      return getModelFamily(document.model.family)
    } catch (error) {
      return bad(errorMessage(error))
    }
  })()
  let model: FittedModel
  try {
    model = await family.load(modelBytes)
  } catch (error) {
    return bad(`model.bytes do not load as a ${document.model.family} model: ${errorMessage(error)}`)
  }
  if (
    model.featureNames.length > 0 &&
    model.featureNames.join('\u0000') !== document.featureNames.join('\u0000')
  )
    bad(`the ${document.model.family} model's inputs differ from featureNames`)
  const nClasses = document.classes?.length ?? 0
  if (model.nClasses !== nClasses)
    bad(`the model predicts ${model.nClasses} classes but the package lists ${nClasses}`)
  return { document, model }
}

function bad(why: string): never {
  throw new ValidationError('invalid-record', `Not a valid model package: ${why}`)
}

/** The checks of {@link loadModelPackage} that need no model registry: the document's shape. */
export function parseModelPackage(bytes: Uint8Array | string): ModelPackageDocument {
  return readModelPackage(bytes).document
}

/** {@link parseModelPackage}, with the model bytes its base64 holds (decoded once, which checks it). */
function readModelPackage(bytes: Uint8Array | string): {
  document: ModelPackageDocument
  modelBytes: Uint8Array
} {
  const document = parseDocument(bytes)
  const modelBytes = fromBase64(document.model.bytes)
  if (!modelBytes) bad('model.bytes must be base64 text')
  return { document, modelBytes }
}

function parseDocument(bytes: Uint8Array | string): ModelPackageDocument {
  let value: unknown
  try {
    value = JSON.parse(
      typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes),
    )
  } catch (error) {
    return bad(`it is not UTF-8 JSON (${errorMessage(error)})`)
  }
  const doc = value as ModelPackageDocument
  if (!isObject(doc)) bad('it is not a JSON object')
  if (doc.format !== modelPackageFormat)
    bad(`format must be '${modelPackageFormat}', got ${JSON.stringify(doc.format)}`)
  if (!Number.isInteger(doc.version) || doc.version < 1)
    bad(`version must be a positive integer, got ${JSON.stringify(doc.version)}`)
  if (doc.version > modelPackageVersion)
    bad(
      `it is version ${doc.version}, newer than this Butterfly reads (${modelPackageVersion}); update Butterfly`,
    )
  const task = doc.task
  if (!isObject(task)) bad('task must be an object')
  if (typeof task.target !== 'string' || task.target === '') bad('task.target must be a column name')
  if (!(taskTypes as readonly string[]).includes(task.taskType))
    bad(`task.taskType must be one of ${taskTypes.join(', ')}, got ${JSON.stringify(task.taskType)}`)
  const classification = task.taskType !== 'regression'
  if (classification) {
    if (!isStringList(doc.classes) || doc.classes.length < 2)
      bad('classes must list at least 2 labels for a classification task')
    if (new Set(doc.classes).size !== doc.classes.length) bad('classes has duplicates')
    if (task.taskType === 'binary' && doc.classes.length !== 2) bad('a binary task needs exactly 2 classes')
  } else if (doc.classes !== undefined) bad('classes must be absent for a regression task')
  if (!Array.isArray(doc.inputColumns)) bad('inputColumns must be a list')
  const inputNames = new Set<string>()
  for (const [i, column] of doc.inputColumns.entries()) {
    if (!isObject(column) || typeof column.name !== 'string' || column.name === '')
      bad(`inputColumns[${i}].name must be a column name`)
    if (inputNames.has(column.name)) bad(`inputColumns lists '${column.name}' twice`)
    inputNames.add(column.name)
    if (column.type !== 'numeric' && column.type !== 'categorical')
      bad(`inputColumns[${i}].type must be numeric or categorical, got ${JSON.stringify(column.type)}`)
    if (!(logicalKinds as readonly string[]).includes(column.kind))
      bad(
        `inputColumns[${i}].kind must be one of ${logicalKinds.join(', ')}, got ${JSON.stringify(column.kind)}`,
      )
    if (column.name === task.target) bad(`the target '${task.target}' cannot be an input column`)
  }
  const recipe = doc.featureRecipe
  if (!isObject(recipe) || recipe.version !== 1 || !Array.isArray(recipe.steps))
    bad('featureRecipe must be a version 1 recipe with steps')
  const produced = new Set<string>()
  for (const [i, step] of recipe.steps.entries()) checkStep(step, i, inputNames, produced, doc.inputColumns)
  if (!isStringList(doc.featureNames)) bad('featureNames must be a list of names')
  if (recipeFeatureNames(recipe).join('\u0000') !== doc.featureNames.join('\u0000'))
    bad('featureNames differ from the outputs of featureRecipe')
  const model = doc.model
  if (!isObject(model)) bad('model must be an object')
  if (typeof model.family !== 'string' || model.family === '') bad('model.family must be a model family key')
  if (model.framework !== 'tfjs' && model.framework !== 'butterfly-trees')
    bad(`model.framework must be tfjs or butterfly-trees, got ${JSON.stringify(model.framework)}`)
  if (!isObject(model.hyperparameters)) bad('model.hyperparameters must be an object')
  if (model.encoding !== 'base64')
    bad(`model.encoding must be 'base64', got ${JSON.stringify(model.encoding)}`)
  if (typeof model.bytes !== 'string') bad('model.bytes must be base64 text')
  return doc
}

function checkStep(
  step: FeatureStep,
  i: number,
  inputs: Set<string>,
  produced: Set<string>,
  columns: readonly PackageInputColumn[],
): void {
  const where = `featureRecipe.steps[${i}]`
  if (!isObject(step)) bad(`${where} must be an object`)
  const finite = (value: unknown, what: string) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) bad(`${where}.${what} must be a finite number`)
  }
  const affine = (value: unknown) => {
    if (!isObject(value)) bad(`${where}.affine must be an object`)
    finite((value as { center: unknown }).center, 'affine.center')
    finite((value as { scale: unknown }).scale, 'affine.scale')
    if ((value as { scale: number }).scale === 0) bad(`${where}.affine.scale must not be 0`)
  }
  const typeOf = (name: string) => columns.find((c) => c.name === name)?.type
  const source = (type?: EngineColumnType) => {
    const name = (step as { source?: unknown }).source
    if (typeof name !== 'string' || !inputs.has(name))
      bad(`${where}.source must name an input column, got ${JSON.stringify(name)}`)
    if (type && typeOf(name as string) !== type)
      bad(
        `${where} (${step.kind}) needs a ${type} column, but '${name as string}' is ${typeOf(name as string)}`,
      )
  }
  const output = (name: unknown) => {
    if (typeof name !== 'string' || name === '') bad(`${where} has an output without a name`)
    if (produced.has(name as string)) bad(`${where} produces '${name as string}' twice`)
    produced.add(name as string)
  }
  const levels = (value: unknown) => {
    if (!isStringList(value)) bad(`${where}.levels must be a list of strings`)
  }
  switch (step.kind) {
    case 'numeric':
      source('numeric')
      finite(step.fill, 'fill')
      if (typeof step.log !== 'boolean') bad(`${where}.log must be true or false`)
      affine(step.affine)
      output(step.output)
      return
    case 'missing_indicator':
      source()
      output(step.output)
      return
    case 'onehot':
      source('categorical')
      levels(step.levels)
      if (typeof step.other !== 'boolean') bad(`${where}.other must be true or false`)
      if (step.fill !== null && typeof step.fill !== 'string') bad(`${where}.fill must be a level or null`)
      if (!isStringList(step.outputs) || step.outputs.length !== step.levels.length + (step.other ? 1 : 0))
        bad(`${where}.outputs must name one column per level (plus 'other')`)
      for (const name of step.outputs) output(name)
      return
    case 'ordinal':
      source('categorical')
      levels(step.levels)
      if (!step.levels.includes(step.fill)) bad(`${where}.fill must be one of its levels`)
      output(step.output)
      return
    case 'frequency':
      source('categorical')
      levels(step.levels)
      if (!Array.isArray(step.frequencies) || step.frequencies.length !== step.levels.length)
        bad(`${where}.frequencies must have one number per level`)
      for (const f of step.frequencies) finite(f, 'frequencies[]')
      if (typeof step.fill !== 'string') bad(`${where}.fill must be a level`)
      affine(step.affine)
      output(step.output)
      return
    case 'datetime_part':
      source('numeric')
      if (!['year', 'month', 'day', 'weekday', 'hour'].includes(step.part))
        bad(`${where}.part is unknown: ${JSON.stringify(step.part)}`)
      finite(step.fill, 'fill')
      affine(step.affine)
      output(step.output)
      return
    case 'interaction':
      if (!produced.has(step.left) || !produced.has(step.right))
        bad(`${where} multiplies features that no earlier step produces: ${step.left}, ${step.right}`)
      output(step.output)
      return
    default:
      bad(`${where}.kind is unknown: ${JSON.stringify((step as { kind: unknown }).kind)}`)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}
