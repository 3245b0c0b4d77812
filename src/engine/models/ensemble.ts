/**
 * Model family 'ensemble': a weighted average of other families' models (class probabilities for
 * classification, values for regression), as greedy ensemble selection (Caruana et al. 2004) builds it
 * in model selection. It is a first-class model: fitted by refitting every member, serialized with its
 * members' own bytes, loaded back through the registry. It is never a candidate of its own.
 */
import { ValidationError } from '../../domain/errors.ts'
import { canonicalJson } from '../../domain/hash.ts'
import type { TaskType } from '../../domain/task.ts'
import type { ShapEnsemble } from '../explain/treeShap.ts'
import type { FeatureMatrix } from '../frame.ts'
import { argmaxRows } from '../metrics/argmax.ts'
import { getTreeModelStructure } from '../trees/fittedTreeModel.ts'
import type { FittedModel, Hyperparameters, ModelFamily } from './model.ts'
import { getModelFamily, prefittedModel, registerModelFamily } from './model.ts'

/** Registry key of the ensemble family. */
export const ensembleFamilyKey = 'ensemble'

/** One member of an ensemble: a family, its hyperparameters and its weight (weights sum to 1). */
export interface EnsembleMemberSpec {
  family: string
  hyperparameters: Hyperparameters
  weight: number
}

/**
 * The ensemble's hyperparameters: its members as canonical JSON in one string (hyperparameters are
 * flat), so the training block refits it like any other family and the snapshot records it exactly.
 */
export function ensembleHyperparameters(members: readonly EnsembleMemberSpec[]): Hyperparameters {
  return { members: canonicalJson(members) }
}

/**
 * The members of an ensemble's hyperparameters.
 * @throws ValidationError('invalid-argument') naming what is wrong: no members, an unknown or nested
 * family, or weights that are not positive and summing to 1
 */
export function parseEnsembleMembers(hyperparameters: Hyperparameters): EnsembleMemberSpec[] {
  const fail = (why: string): never => {
    throw new ValidationError('invalid-argument', `Ensemble hyperparameter 'members' ${why}`)
  }
  const text = hyperparameters.members
  if (typeof text !== 'string') return fail('must be a JSON list of { family, hyperparameters, weight }')
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return fail('is not valid JSON')
  }
  if (!Array.isArray(raw) || raw.length === 0)
    return fail(
      'must list at least one member: an ensemble is built by model selection from its candidates, it is not a candidate itself',
    )
  const members = raw.map((item: unknown, i): EnsembleMemberSpec => {
    const m = item as Partial<EnsembleMemberSpec> | null
    if (!m || typeof m.family !== 'string') return fail(`[${i}].family must be a model family name`)
    if (m.family === ensembleFamilyKey) return fail(`[${i}] cannot itself be an ensemble`)
    getModelFamily(m.family)
    if (
      typeof m.hyperparameters !== 'object' ||
      m.hyperparameters === null ||
      Array.isArray(m.hyperparameters)
    )
      return fail(`[${i}].hyperparameters must be an object`)
    if (typeof m.weight !== 'number' || !(m.weight > 0 && m.weight <= 1))
      return fail(`[${i}].weight must be a number in (0, 1], got ${String(m.weight)}`)
    return { family: m.family, hyperparameters: m.hyperparameters, weight: m.weight }
  })
  const total = members.reduce((sum, m) => sum + m.weight, 0)
  if (Math.abs(total - 1) > 1e-9) fail(`weights must sum to 1, got ${total}`)
  return members
}

/** A fitted member with its weight. */
export interface EnsembleMember {
  model: FittedModel
  weight: number
}

/** Bytes layout: 'BFEN', a little-endian uint32 header length, the JSON header, then each member's bytes. */
const magic = [0x42, 0x46, 0x45, 0x4e]

/** The fitted ensemble: predictions are the weighted average of its members'. */
export class EnsembleFittedModel implements FittedModel {
  readonly family = ensembleFamilyKey
  readonly framework: FittedModel['framework']
  readonly trainingMetadata: Record<string, unknown>
  readonly featureNames: string[]
  readonly nClasses: number

  constructor(
    readonly members: readonly EnsembleMember[],
    readonly hyperparameters: Hyperparameters,
  ) {
    if (members.length === 0) throw new Error('EnsembleFittedModel needs at least one member')
    const first = members[0].model
    for (const m of members) {
      if (
        m.model.nClasses !== first.nClasses ||
        m.model.featureNames.join('\u0000') !== first.featureNames.join('\u0000')
      )
        throw new Error(
          `Ensemble members disagree on classes or features (${first.family} vs ${m.model.family})`,
        )
    }
    this.nClasses = first.nClasses
    this.featureNames = first.featureNames
    this.framework = members.every((m) => m.model.framework === 'butterfly-trees')
      ? 'butterfly-trees'
      : 'tfjs'
    this.trainingMetadata = {
      members: members.map((m) => ({
        family: m.model.family,
        weight: m.weight,
        ...m.model.trainingMetadata,
      })),
    }
  }

  async predictProba(X: FeatureMatrix): Promise<Float64Array> {
    if (this.nClasses === 0) throw new Error('predictProba: the ensemble is a regression model')
    return this.weightedSum(await Promise.all(this.members.map((m) => m.model.predictProba(X))))
  }

  async predict(X: FeatureMatrix): Promise<Float64Array> {
    if (this.nClasses > 0) return argmaxRows(await this.predictProba(X), this.nClasses)
    return this.weightedSum(await Promise.all(this.members.map((m) => m.model.predict(X))))
  }

  /** Σ weight × member output, member by member in order (so the sum is deterministic). */
  private weightedSum(outputs: Float64Array[]): Float64Array {
    const out = new Float64Array(outputs[0].length)
    outputs.forEach((values, j) => {
      const w = this.members[j].weight
      for (let i = 0; i < out.length; i++) out[i] += w * values[i]
    })
    return out
  }

  async serialize(): Promise<Uint8Array> {
    const memberBytes = await Promise.all(this.members.map((m) => m.model.serialize()))
    const header = new TextEncoder().encode(
      JSON.stringify({
        format: 'butterfly/ensemble',
        version: 1,
        members: this.members.map((m, j) => ({
          family: m.model.family,
          weight: m.weight,
          byteLength: memberBytes[j].length,
        })),
        hyperparameters: this.hyperparameters,
      }),
    )
    const total = 8 + header.length + memberBytes.reduce((sum, b) => sum + b.length, 0)
    const out = new Uint8Array(total)
    out.set(magic, 0)
    new DataView(out.buffer).setUint32(4, header.length, true)
    out.set(header, 8)
    let offset = 8 + header.length
    for (const bytes of memberBytes) {
      out.set(bytes, offset)
      offset += bytes.length
    }
    return out
  }

  /**
   * The members' importances averaged with the ensemble's weights, each member's first normalised to
   * sum 1; absent unless every member has an importance of the same kind.
   */
  weightedImportance(): { kind: string; values: number[] } | undefined {
    const parts = this.members.map((m) => m.model.featureImportance?.())
    if (parts.some((p) => !p) || new Set(parts.map((p) => p!.kind)).size !== 1) return undefined
    const values = new Array<number>(this.featureNames.length).fill(0)
    parts.forEach((p, j) => {
      const total = p!.values.reduce((sum, v) => sum + Math.abs(v), 0)
      if (total > 0)
        for (let f = 0; f < values.length; f++)
          values[f] += (this.members[j].weight * Math.abs(p!.values[f])) / total
    })
    return { kind: `weighted ${parts[0]!.kind}`, values }
  }

  dispose(): void {
    for (const m of this.members) m.model.dispose?.()
  }
}

/**
 * The trees of an ensemble for TreeSHAP, when its average is itself a tree ensemble: every member a
 * Butterfly tree model whose raw output is what the ensemble averages (any tree family for regression;
 * forests and single trees, which output class probabilities, for classification). Each member's leaf
 * values are scaled by its weight, so the SHAP values are the members' SHAP values weighted and summed
 * (SHAP is additive), exactly. Otherwise `reason` says why there are none.
 */
export function ensembleShapTrees(model: FittedModel): { trees?: ShapEnsemble; reason?: string } {
  if (!(model instanceof EnsembleFittedModel)) return {}
  const parts = model.members.map((m) => ({ weight: m.weight, structure: getTreeModelStructure(m.model) }))
  const nonTree = model.members.filter((_, j) => !parts[j].structure).map((m) => m.model.family)
  if (nonTree.length > 0)
    return {
      reason: `SHAP is not available for this ensemble: ${[...new Set(nonTree)].join(', ')} ${nonTree.length > 1 ? 'are' : 'is'} not a tree model; permutation importance and partial dependence are of the whole ensemble`,
    }
  if (model.nClasses > 0 && model.members.some((m) => m.model.family === 'gbdt'))
    return {
      reason:
        'SHAP is not available for this ensemble: it averages class probabilities, and a gbdt member’s trees add up to log-odds, not probabilities; permutation importance and partial dependence are of the whole ensemble',
    }
  const ensembles = parts.map((p) => p.structure!.ensemble)
  const nOutputs = ensembles[0].nOutputs
  if (ensembles.some((e) => e.nOutputs !== nOutputs))
    return { reason: 'SHAP is not available for this ensemble: its members’ trees have different outputs' }
  const baseScore = new Float64Array(nOutputs)
  const trees: ShapEnsemble['trees'] = []
  const treeOutput: number[] = []
  ensembles.forEach((e, j) => {
    const scale = parts[j].weight * e.treeWeight
    for (let o = 0; o < nOutputs; o++) baseScore[o] += parts[j].weight * e.baseScore[o]
    e.trees.forEach((tree, t) => {
      trees.push({ ...tree, value: Float64Array.from(tree.value, (v) => v * scale) })
      treeOutput.push(e.treeOutput[t])
    })
  })
  return {
    trees: {
      nFeatures: ensembles[0].nFeatures,
      nOutputs,
      baseScore,
      trees,
      treeOutput: Int32Array.from(treeOutput),
      treeWeight: 1,
      categoricalLevels: ensembles[0].categoricalLevels,
    },
  }
}

/** Reads ensemble bytes back (each member through its own family). */
async function loadEnsemble(bytes: Uint8Array): Promise<FittedModel> {
  const bad = (why: string): never => {
    throw new ValidationError('invalid-record', `Ensemble model bytes: ${why}`)
  }
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) bad("they do not start with 'BFEN'")
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true)
  if (8 + headerLength > bytes.length) bad('the header is cut short')
  let header: {
    format?: unknown
    version?: unknown
    members?: { family: string; weight: number; byteLength: number }[]
    hyperparameters?: Hyperparameters
  }
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))
  } catch {
    return bad('the header is not JSON')
  }
  if (header.format !== 'butterfly/ensemble' || header.version !== 1)
    bad(`unknown format ${String(header.format)} version ${String(header.version)}`)
  if (!Array.isArray(header.members) || header.members.length === 0 || !header.hyperparameters)
    bad('the header lists no members')
  const specs = parseEnsembleMembers(header.hyperparameters!)
  if (specs.length !== header.members!.length)
    bad('the header and the hyperparameters disagree on the members')
  let offset = 8 + headerLength
  const members: EnsembleMember[] = []
  for (const [j, m] of header.members!.entries()) {
    if (m.family !== specs[j].family || m.weight !== specs[j].weight)
      bad(`member ${j} disagrees with the hyperparameters`)
    if (!(Number.isInteger(m.byteLength) && m.byteLength >= 0 && offset + m.byteLength <= bytes.length))
      bad(`member ${j}'s bytes are cut short`)
    const model = await getModelFamily(m.family).load(bytes.slice(offset, offset + m.byteLength))
    offset += m.byteLength
    members.push({ model, weight: m.weight })
  }
  if (offset !== bytes.length) bad('there are bytes after the last member')
  return new EnsembleFittedModel(members, header.hyperparameters!)
}

export const ensembleFamily: ModelFamily = {
  family: ensembleFamilyKey,
  label: 'Ensemble (weighted average of candidates)',
  framework: 'tfjs',
  tasks: ['binary', 'multiclass', 'regression'],
  defaults(_task: TaskType): Hyperparameters {
    return { members: '[]' }
  },
  async fit(X, y, hyperparameters, options): Promise<FittedModel> {
    const specs = parseEnsembleMembers(hyperparameters)
    const rng = (j: number) => options.rng.fork(`ensemble-member-${j}`)
    // A member model selection already fitted on these rows (a forest scored out of bag) is not fitted again.
    const prefitted = specs.map((spec) =>
      prefittedModel(options.prefitted, spec.family, spec.hyperparameters),
    )
    // With a second thread, tree members are fitted there (from the same seeds: the same models) while
    // this thread fits the others; with only tree members, this thread keeps the first one.
    const lane = options.lane
    const onLane = specs.map((spec, j) => !prefitted[j] && lane?.fits(spec.family) === true)
    if (onLane.every(Boolean)) onLane[0] = false
    const laneFits = specs.map((spec, j) => {
      if (!lane || !onLane[j]) return undefined
      const fit = lane.fit(spec.family, X, y, spec.hyperparameters, { task: options.task, seed: rng(j).seed })
      fit.catch(() => undefined)
      return fit
    })
    const models: FittedModel[] = []
    for (const [j, spec] of specs.entries()) {
      if (onLane[j]) continue
      const reused = prefitted[j]
      if (reused) {
        models[j] = reused
        continue
      }
      models[j] = await getModelFamily(spec.family).fit(X, y, spec.hyperparameters, {
        ...options,
        // A forest halves over the helper only when the second thread has no member to fit.
        forestHelper: onLane.some(Boolean) ? undefined : options.forestHelper,
        rng: rng(j),
        onProgress: options.onProgress
          ? (p) => options.onProgress!({ ...p, fraction: (j + p.fraction) / specs.length })
          : undefined,
      })
    }
    for (const [j, fit] of laneFits.entries()) if (fit) models[j] = await fit
    const members: EnsembleMember[] = specs.map((spec, j) => ({ model: models[j], weight: spec.weight }))
    const model = new EnsembleFittedModel(members, hyperparameters)
    const reused = specs.filter((_, j) => prefitted[j]).map((spec) => spec.family)
    // Which members are model selection's fits, kept (the training log says so).
    if (reused.length) model.trainingMetadata.prefittedMembers = reused
    return model
  },
  load: loadEnsemble,
}

registerModelFamily(ensembleFamily)
