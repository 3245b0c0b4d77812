/**
 * A bundle's manifest against its own hashed files. The SHA-256 list proves the files are the ones
 * the manifest lists; it says nothing about the numbers the manifest itself carries (run metrics,
 * model records, artifact records). This check makes every such number agree with the hashed file
 * that holds it, so a manifest edited by hand is refused, naming the field. What it cannot catch: a
 * forger who edits the files too and recomputes every hash; only `butterfly verify --rerun` (the
 * snapshot executed again on the dataset) proves the numbers themselves.
 */
import type { Artifact } from '../../domain/artifact.ts'
import { StorageError } from '../../domain/errors.ts'
import { canonicalJson } from '../../domain/hash.ts'
import type { ModelRecord } from '../../domain/model.ts'
import type { Run } from '../../domain/run.ts'
import { bundlePaths } from './manifest.ts'

const reject = (message: string): never => {
  throw new StorageError('bundle-rejected', message)
}

/** What {@link checkManifestAgainstFiles} compares: the parsed records and the verified files. */
export interface ConsistencyInput {
  run: Run
  models: ModelRecord[]
  artifacts: Artifact[]
  /** Bytes of every listed file by archive path, each already checked against its SHA-256. */
  files: Map<string, Blob>
}

/** A number as JSON carries it: non-finite (NaN metrics) as null. */
function jsonNumber(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value
}

/** Plain JSON of a value with non-finite numbers as null, keys sorted, for equality. */
function canonical(value: unknown): string {
  return canonicalJson(JSON.parse(JSON.stringify(value ?? null, (_k, v: unknown) => jsonNumber(v))))
}

function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value)
}

/** Reads a file of the bundle as JSON, refusing a file that is not (it is hashed, so a forgery). */
async function jsonFile(files: Map<string, Blob>, path: string): Promise<unknown> {
  const blob = files.get(path) ?? reject(`The bundle has no ${path}, which every bundle carries`)
  try {
    return JSON.parse(await blob.text())
  } catch {
    return reject(`The bundle's ${path} is not valid JSON`)
  }
}

/**
 * Compares two metric maps key by key (both ways), naming the first differing field
 * `<field>.<metric>`. Values compare as JSON numbers: NaN equals null.
 */
function compareMetrics(
  field: string,
  recorded: Record<string, unknown>,
  fileName: string,
  inFile: Record<string, unknown>,
): void {
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(inFile)])].sort()
  for (const key of keys) {
    const a = jsonNumber(recorded[key])
    const b = jsonNumber(inFile[key])
    if (a !== b)
      reject(
        `The manifest's ${field}.${key} is ${show(a)} but the hashed ${fileName} says ${show(b)}; the bundle was altered after export`,
      )
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * Refuses (StorageError 'bundle-rejected', naming the field) a manifest whose run, model or artifact
 * records disagree with the hashed files: run.metrics with metrics.json and with the run's
 * metrics-json artifact (its run id, lineage, leaderboard against the model records), run.logs with
 * logs.jsonl, run.model with the chosen model record, and the links between run, models and
 * artifacts in both directions.
 */
export async function checkManifestAgainstFiles(input: ConsistencyInput): Promise<void> {
  const { run, models, artifacts, files } = input

  // metrics.json is written from run.metrics at export: they must be equal, key for key.
  const metricsFile = await jsonFile(files, bundlePaths.metrics)
  if (!isRecord(metricsFile)) reject(`The bundle's ${bundlePaths.metrics} is not an object of metrics`)
  compareMetrics(
    'run.metrics',
    run.metrics ?? {},
    bundlePaths.metrics,
    metricsFile as Record<string, unknown>,
  )

  const logsBlob =
    files.get(bundlePaths.logs) ?? reject(`The bundle has no ${bundlePaths.logs}, which every bundle carries`)
  const logsText = await logsBlob.text()
  const expectedLogs = run.logs.map((entry) => `${JSON.stringify(entry)}\n`).join('')
  if (logsText !== expectedLogs) {
    const lines = logsText.split('\n').filter((line) => line !== '')
    const first = Math.max(
      run.logs.findIndex((entry, i) => JSON.stringify(entry) !== lines[i]),
      0,
    )
    reject(
      `The manifest's run.logs differ from the hashed ${bundlePaths.logs} (entry ${lines.length === run.logs.length ? first + 1 : `count ${run.logs.length} vs ${lines.length}`}); the bundle was altered after export`,
    )
  }

  // Links between the records, both ways.
  const artifactsById = new Map(artifacts.map((a) => [a.id as string, a]))
  const modelsById = new Map(models.map((m) => [m.id as string, m]))
  const runArtifacts = new Set<string>(run.artifactIds)
  const runModels = new Set<string>(run.modelIds)
  for (const artifact of artifacts) {
    if (!runArtifacts.has(artifact.id))
      reject(`The manifest's artifacts list ${artifact.fileName}, which run.artifactIds does not name`)
    const owner = artifact.modelId === undefined ? undefined : modelsById.get(artifact.modelId)
    if (owner && !owner.artifactIds.includes(artifact.id))
      reject(`Artifact ${artifact.fileName} names model ${owner.id}, whose record does not list it`)
    if (artifact.modelId !== undefined && !owner)
      reject(
        `Artifact ${artifact.fileName} belongs to model ${artifact.modelId}, which the bundle does not have`,
      )
  }
  for (const model of models) {
    // run.modelIds names the chosen (trained) model; candidates are leaderboard rows.
    if ((model.role === 'chosen') !== runModels.has(model.id))
      reject(
        `The manifest's ${model.role} model ${model.id} is ${model.role === 'chosen' ? 'not ' : ''}named in run.modelIds`,
      )
    for (const id of model.artifactIds) {
      const artifact =
        artifactsById.get(id) ??
        reject(`Model ${model.id} names artifact ${id}, which the bundle does not have`)
      if (artifact.modelId !== model.id)
        reject(
          `Model ${model.id} names artifact ${artifact.fileName}, whose record belongs to model ${String(artifact.modelId)}`,
        )
    }
  }

  // The chosen model record is the run's model.
  const chosen = models.filter((m) => m.role === 'chosen')
  if (chosen.length > 1) reject(`The manifest's models hold ${chosen.length} chosen models; a run has one`)
  if (run.model) {
    const model =
      chosen[0] ?? reject(`The manifest's run.model is ${run.model.family} but no model record is chosen`)
    if (model.family !== run.model.family)
      reject(
        `The manifest's run.model.family is ${show(run.model.family)} but the chosen model record says ${show(model.family)}`,
      )
    if (canonical(model.hyperparameters) !== canonical(run.model.hyperparameters))
      reject("The manifest's run.model.hyperparameters differ from the chosen model record's")
  }

  // The run's own metrics report (written where the run executed, hashed in the bundle).
  for (const artifact of artifacts.filter((a) => a.type === 'metrics-json')) {
    const path = bundlePaths.artifact(artifact.fileName)
    const report = await jsonFile(files, path)
    if (!isRecord(report)) reject(`The bundle's ${path} is not an object`)
    const doc = report as Record<string, unknown>
    // Bundles of the first version may carry a flat map of metrics; every one must still agree.
    if (!isRecord(doc.metrics)) {
      for (const [key, value] of Object.entries(doc))
        if (jsonNumber(value) !== jsonNumber(run.metrics?.[key]))
          reject(
            `The manifest's run.metrics.${key} is ${show(jsonNumber(run.metrics?.[key]))} but the hashed ${path} says ${show(jsonNumber(value))}; the bundle was altered after export`,
          )
      continue
    }
    if (doc.run !== run.id)
      reject(`The hashed ${path} is the report of run ${show(doc.run)}, not of run ${run.id}`)
    compareMetrics('run.metrics', run.metrics ?? {}, path, doc.metrics)
    const lineage = isRecord(doc.lineage) ? doc.lineage : {}
    const expected: [string, unknown, unknown][] = [
      ['run.datasetHash', run.datasetHash, lineage.datasetHash],
      ['run.snapshot.hash', run.snapshot.hash, lineage.snapshotHash],
      ['run.seed', run.seed, lineage.seed],
      ['run.datasetId', run.datasetId, lineage.datasetId],
    ]
    for (const [field, a, b] of expected)
      if (a !== b) reject(`The manifest's ${field} is ${show(a)} but the hashed ${path} says ${show(b)}`)
    checkLeaderboard(models, run, path, Array.isArray(doc.leaderboard) ? doc.leaderboard : [])
  }
}

/** Model records against the leaderboard they were built from (see buildModelRecords). */
function checkLeaderboard(models: ModelRecord[], run: Run, path: string, leaderboard: unknown[]): void {
  const entries = leaderboard.filter(isRecord)
  const chosenEntry = entries.find((e) => e.chosen === true)
  const chosen = models.find((m) => m.role === 'chosen')
  if (chosen && chosenEntry) {
    if (chosen.family !== chosenEntry.family)
      reject(
        `The manifest's chosen model family is ${show(chosen.family)} but the hashed ${path} says ${show(chosenEntry.family)}`,
      )
    const score = jsonNumber(chosenEntry.validationScore)
    if (score !== null && jsonNumber(chosen.validationScore) !== score)
      reject(
        `The manifest's chosen model validationScore is ${show(chosen.validationScore)} but the hashed ${path} says ${show(score)}`,
      )
  }
  const candidates = models.filter((m) => m.role === 'candidate')
  const candidateEntries = entries.filter((e) => !(e.chosen === true && run.model))
  if (candidates.length !== candidateEntries.length)
    reject(
      `The manifest has ${candidates.length} candidate model records but the hashed ${path} lists ${candidateEntries.length} candidates`,
    )
  // Records may be stored in another order than the leaderboard's: match each to an unused entry.
  const unused = [...candidateEntries]
  candidates.forEach((model, i) => {
    const at = unused.findIndex((entry) => {
      const score = jsonNumber(entry.validationScore)
      return (
        entry.family === model.family &&
        (score === null || jsonNumber(model.validationScore) === score) &&
        canonical(entry.hyperparameters) === canonical(model.hyperparameters)
      )
    })
    if (at < 0)
      reject(
        `The manifest's candidate model ${i + 1} (${model.family}, validationScore ${show(model.validationScore)}) matches no entry of the hashed ${path}'s leaderboard (family, hyperparameters and score)`,
      )
    unused.splice(at, 1)
  })
}
