/**
 * Model selection block (`system/model_selection@1`): fits each candidate family (defaults, plus up to
 * `searchBudget` settings from the family's search space) on part of the training rows and scores it on
 * the rest (hold-out or k-fold), on the task's metric. The best candidate is handed to training.
 */
import { ValidationError } from '../../../domain/errors.ts'
import { canonicalJson } from '../../../domain/hash.ts'
import type { BlockConfig } from '../../../domain/pipeline.ts'
import type { Rng } from '../../../domain/random.ts'
import { shuffleInPlace } from '../../../domain/random.ts'
import type { TaskType } from '../../../domain/task.ts'
import type { Target } from '../../frame.ts'
import { featureMatrixRows, targetRows } from '../../frame.ts'
import {
  correctedInterval,
  correctedResampledTTest,
  meanAndStd,
  studentT975,
} from '../../metrics/crossValidation.ts'
import { clampToMetricRange, isBestPossible, metricLabel } from '../../metrics/metricInfo.ts'
import type { EnsembleMemberSpec } from '../../models/ensemble.ts'
import { ensembleFamilyKey, ensembleHyperparameters } from '../../models/ensemble.ts'
import type { FitContinuation, Hyperparameters } from '../../models/model.ts'
import { createFitContinuation, getModelFamily, listModelFamilies } from '../../models/model.ts'
import { TreeFittedModel } from '../../trees/fittedTreeModel.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { choiceRule } from '../choiceRule.ts'
import { createConfigReader } from '../configCheck.ts'
import type { BlockProgress, CandidateModel, EngineContext } from '../engineContext.ts'
import {
  ensembleRounds,
  metricOfPredictions,
  selectEnsemble,
  takeRows,
  targetSubset,
} from '../ensembleSelection.ts'
import type { FoldFitRequest, FoldFitResult } from '../foldLane.ts'
import { fitFold, fitsOnLane } from '../foldLane.ts'
import { isBetterScore, scorePredictions } from '../scoring.ts'
import { kFoldAssignment, stratifiedHoldout } from '../split.ts'

/** A family to try, with hyperparameters that override the family's defaults. */
export interface CandidateSpec {
  family: string
  hyperparameters?: Hyperparameters
}

/** Settings of the Model Selection block. */
export interface ModelSelectionConfig {
  /**
   * 'auto' (default): the linear family of the task (logistic or linear) and mlp, plus gbdt and rf
   * when those families are registered. Or an explicit list.
   */
  candidates: 'auto' | CandidateSpec[]
  /**
   * 'holdout': one validation slice of `validationFraction`; 'kfold': `folds` folds; 'auto' (the default
   * of new pipelines): k-fold when there are at most {@link autoKFoldMaxRows} training rows, hold-out above
   * (see {@link resolveValidation}). Absent from a stored config means 'holdout', as it always did (old
   * pipelines keep their hash and their meaning).
   */
  validation: ValidationScheme
  /** Default 0.2 of the training rows, stratified for classification. */
  validationFraction: number
  /** Default 5. */
  folds: number
  /**
   * Repeats of the validation (k-fold or hold-out), each with fresh folds. Default 1. With two or more
   * scores per candidate the leaderboard gets a 95% interval and a tie test against the best.
   */
  repeats: number
  /** Extra hyperparameter settings tried per family, taken in order from its search space. Default 0. */
  searchBudget: number
  /** Score a lone candidate anyway (costs one more fit; otherwise its score is NaN). Default false. */
  validateSingleCandidate: boolean
  /**
   * Seconds model selection may spend; undefined (the default, kept out of the config so existing
   * pipelines keep their hash) means `defaultTimeBudgetSeconds` of the training rows and columns.
   * When it is spent no further candidate starts and a running one stops (its score is not used);
   * the first candidate always finishes, so there is a model.
   */
  timeBudgetSeconds?: number
  /**
   * Build an ensemble of the validated candidates after selection (greedy ensemble selection with
   * replacement over their out-of-fold predictions) and choose it when it wins on the validation folds.
   * Undefined (the default, kept out of the config so existing pipelines keep their hash) means on.
   */
  ensemble?: boolean
}

const label = 'Model Selection'

/** The validation settings the block accepts. */
export const validationSchemes = ['holdout', 'kfold', 'auto'] as const
export type ValidationScheme = (typeof validationSchemes)[number]

/**
 * Training rows at or below which 'auto' validation uses k-fold: on small tables one hold-out slice
 * is a few dozen rows, too noisy to rank candidates by (diabetes: 71 rows chose a forest that loses
 * 2 points of R² to the linear model k-fold chooses); above it a hold-out slice is large and k-fold costs
 * `folds` times the fits. 2,000: a hold-out slice of 400 rows or fewer is where the choice gets noisy, and
 * below it 5 folds still cost little (credit_data, 3,563 training rows, took 1.5× the CPU under 5-fold
 * for +0.07 point of ROC-AUC, so it stays on hold-out).
 */
export const autoKFoldMaxRows = 2000

/**
 * The scheme a config's validation stands for on `trainingRows` rows, and the sentence the run log
 * and the block editor show: "5-fold (auto: 353 training rows ≤ 2,000)".
 */
export function resolveValidation(
  config: Pick<ModelSelectionConfig, 'validation' | 'folds' | 'validationFraction'>,
  trainingRows: number,
): { scheme: 'holdout' | 'kfold'; description: string } {
  const scheme =
    config.validation === 'auto'
      ? trainingRows <= autoKFoldMaxRows
        ? 'kfold'
        : 'holdout'
      : config.validation
  const what =
    scheme === 'kfold' ? `${config.folds}-fold` : `${Math.round(config.validationFraction * 100)}% hold-out`
  const rows = trainingRows.toLocaleString('en-US')
  const limit = autoKFoldMaxRows.toLocaleString('en-US')
  return {
    scheme,
    description:
      config.validation === 'auto'
        ? `${what} (auto: ${rows} training rows ${scheme === 'kfold' ? '≤' : '>'} ${limit})`
        : what,
  }
}

export function defaultModelSelectionConfig(): ModelSelectionConfig & BlockConfig {
  return {
    candidates: 'auto',
    validation: 'auto',
    validationFraction: 0.2,
    folds: 5,
    repeats: 1,
    searchBudget: 0,
    validateSingleCandidate: false,
  }
}

export function validateModelSelectionConfig(config: unknown): ModelSelectionConfig {
  const d = defaultModelSelectionConfig()
  const read = createConfigReader(label, config)
  const rawCandidates = read.raw('candidates')
  let candidates: ModelSelectionConfig['candidates'] = 'auto'
  if (rawCandidates !== undefined && rawCandidates !== 'auto') {
    if (!Array.isArray(rawCandidates) || rawCandidates.length === 0)
      read.fail('candidates', "'auto' or a non-empty list of { family, hyperparameters? }", rawCandidates)
    candidates = (rawCandidates as unknown[]).map((item, i) => {
      const spec = item as CandidateSpec
      if (!spec || typeof spec.family !== 'string' || spec.family === '')
        read.fail(`candidates[${i}].family`, 'a model family name', spec?.family)
      if (
        spec.hyperparameters !== undefined &&
        (typeof spec.hyperparameters !== 'object' || Array.isArray(spec.hyperparameters))
      )
        read.fail(`candidates[${i}].hyperparameters`, 'an object', spec.hyperparameters)
      return spec.hyperparameters
        ? { family: spec.family, hyperparameters: spec.hyperparameters }
        : { family: spec.family }
    })
  }
  const out: ModelSelectionConfig = {
    candidates,
    // Absent means 'holdout' whatever new pipelines default to: stored pipelines keep their meaning.
    validation: read.oneOf('validation', validationSchemes, 'holdout'),
    validationFraction: read.number(
      'validationFraction',
      d.validationFraction,
      'between 0.05 and 0.5',
      (v) => v >= 0.05 && v <= 0.5,
    ),
    folds: read.integer('folds', d.folds, 2, 20),
    repeats: read.integer('repeats', d.repeats, 1, 10),
    searchBudget: read.integer('searchBudget', d.searchBudget, 0, 50),
    validateSingleCandidate: read.boolean('validateSingleCandidate', d.validateSingleCandidate),
  }
  const budget = read.raw('timeBudgetSeconds')
  if (budget !== undefined && budget !== null && budget !== 'auto')
    out.timeBudgetSeconds = read.number(
      'timeBudgetSeconds',
      0,
      "'auto' or a number of seconds between 1 and 86400",
      (v) => v >= 1 && v <= 86_400,
    )
  const ensemble = read.raw('ensemble')
  if (ensemble !== undefined) out.ensemble = read.boolean('ensemble', true)
  read.rejectUnknown()
  return out
}

/**
 * The default time budget of model selection: 60 s plus 1 s per 5,000 training cells (rows × feature
 * columns), at most one hour. 60 s on iris; about 150 s on 50,000 rows × 9 columns.
 */
export function defaultTimeBudgetSeconds(rows: number, columns: number): number {
  return Math.round(Math.min(3600, 60 + (rows * Math.max(1, columns)) / 5000))
}

/** What one candidate is doing, as progress shows it. */
export type CandidateStatus = 'waiting' | 'fitting' | 'done' | 'stopped' | 'skipped'

/**
 * The progress line of model selection: each candidate's status and an estimate of the time left
 * (elapsed / fraction done, never past the budget).
 */
export function selectionProgressMessage(
  candidates: readonly { family: string; status: CandidateStatus; detail?: string }[],
  elapsedSeconds: number,
  fraction: number,
  budgetSeconds: number,
): string {
  const statuses = candidates
    .map((c) => `${c.family}: ${c.status}${c.detail ? ` (${c.detail})` : ''}`)
    .join(' · ')
  const left =
    fraction > 0.02
      ? Math.min(budgetSeconds - elapsedSeconds, elapsedSeconds / fraction - elapsedSeconds)
      : budgetSeconds - elapsedSeconds
  return `${statuses} · about ${Math.max(0, Math.ceil(left))} s left (budget ${budgetSeconds} s)`
}

/** The families 'auto' stands for, for a task, in leaderboard order. */
export function autoCandidateFamilies(task: TaskType): string[] {
  const registered = new Set(listModelFamilies().map((f) => f.family))
  const wanted = [task === 'regression' ? 'linear' : 'logistic', 'mlp', 'gbdt', 'rf']
  return wanted.filter((family) => registered.has(family) && getModelFamily(family).tasks.includes(task))
}

/** Every (family, hyperparameters) pair the config asks to try, deduplicated. */
export function expandCandidates(
  config: ModelSelectionConfig,
  task: TaskType,
): { family: string; hyperparameters: Hyperparameters }[] {
  const specs: CandidateSpec[] =
    config.candidates === 'auto'
      ? autoCandidateFamilies(task).map((family) => ({ family }))
      : config.candidates
  const seen = new Set<string>()
  const out: { family: string; hyperparameters: Hyperparameters }[] = []
  for (const spec of specs) {
    if (spec.family === ensembleFamilyKey)
      throw new ValidationError(
        'invalid-argument',
        "Model family 'ensemble' is not a candidate: model selection builds the ensemble from the other candidates (set 'ensemble' to false to turn it off)",
      )
    const family = getModelFamily(spec.family)
    if (!family.tasks.includes(task))
      throw new ValidationError(
        'invalid-argument',
        `Model family '${spec.family}' does not support ${task} tasks (it supports ${family.tasks.join(', ')})`,
      )
    const base = { ...family.defaults(task), ...spec.hyperparameters }
    const settings = [
      base,
      ...(family.searchSpace?.(task) ?? []).slice(0, config.searchBudget).map((hp) => ({ ...base, ...hp })),
    ]
    for (const hyperparameters of settings) {
      const key = canonicalJson({ family: spec.family, hyperparameters })
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ family: spec.family, hyperparameters })
    }
  }
  if (out.length === 0)
    throw new ValidationError('invalid-argument', `No model family is available for a ${task} task`)
  return out
}

/** Fold fits queued on the second lane at once: the next one waits there while one runs. */
const laneDepth = 2

/** Families evaluated last because one fit costs far more than the others' (TF.js training loops). */
const expensiveFamilies = new Set(['mlp'])

/** Candidate indices in evaluation order: cheap families first, each group in its own order. */
export function raceOrder(candidates: readonly { family: string }[]): number[] {
  const indices = candidates.map((_, i) => i)
  return [
    ...indices.filter((i) => !expensiveFamilies.has(candidates[i].family)),
    ...indices.filter((i) => expensiveFamilies.has(candidates[i].family)),
  ]
}

/**
 * A short first rung for an expensive candidate (successive halving's first step, on its training
 * length and data): the MLP trained for at most 20 epochs on at most `rungRows` seeded fit rows of
 * each fold (scored on the whole validation fold). Undefined for families that are not raced.
 */
export function racingRung(
  family: string,
  hyperparameters: Hyperparameters,
  foldFitRows: number,
): { hyperparameters: Hyperparameters; label: string; maxFitRows: number } | undefined {
  if (family !== 'mlp') return undefined
  const maxEpochs = Number(hyperparameters.maxEpochs)
  if (!(maxEpochs > rungEpochs)) return undefined
  return {
    hyperparameters: { ...hyperparameters, maxEpochs: rungEpochs },
    // The sample is named only where there is one: a small table's rung fits every fold row.
    label:
      foldFitRows > rungRows ? `${rungEpochs} epochs on ${rungRows} sampled rows` : `${rungEpochs} epochs`,
    maxFitRows: rungRows,
  }
}

const rungEpochs = 20

/**
 * True when a raced MLP's rung is its full fit on the fold: it trained on all `foldFitRows` fit rows
 * (no more than the rung's `maxFitRows`) and early stopping ended it before {@link rungEpochs} epochs,
 * so a fit with a higher epoch cap from the same seed trains the same model.
 */
export function rungIsFullFit(
  result: Pick<FoldFitResult, 'epochs'> | undefined,
  foldFitRows: number,
  maxFitRows: number,
): boolean {
  return foldFitRows <= maxFitRows && result?.epochs !== undefined && result.epochs < rungEpochs
}
/** Fit rows of a rung: on mid-size tables a raced MLP shows whether it can catch up on a sample. */
const rungRows = 4000

/**
 * At most `maxRows` of `rows`, drawn without replacement with `rng` and kept in ascending order (all
 * of them, unchanged, when there are no more than that). Same rows and generator → same sample.
 */
export function seededSubsample(rows: Int32Array, maxRows: number, rng: Rng): Int32Array {
  if (rows.length <= maxRows) return rows
  const order = shuffleInPlace(Int32Array.from(rows), rng)
  return order.slice(0, maxRows).sort()
}

/**
 * Fit rows of a validation fold from which model selection races the candidates by successive halving:
 * below it every candidate's full fit costs little (credit_data: 2,850 fit rows, the forest 0.5 s); above
 * it a forest on every fit row costs many times a boosting fit (diamonds: 34,500 fit rows, 40 s against
 * 2 s) and a quarter of the rows already ranks the candidates.
 */
export const halvingMinFitRows = 10_000

/** The part of a fold's fit rows each candidate is first fitted on when racing by successive halving. */
export const halvingFraction = 0.25

/**
 * Fit rows of the successive-halving rung on a fold of `foldFitRows` fit rows: a seeded quarter of them
 * from {@link halvingMinFitRows} fit rows on; undefined below (every candidate is fitted on all of them).
 */
export function halvingRungRows(foldFitRows: number): number | undefined {
  return foldFitRows >= halvingMinFitRows ? Math.round(foldFitRows * halvingFraction) : undefined
}

/** Parts the validation rows are cut into to compare two rung candidates pairwise. */
export const halvingParts = 5

/** A rung candidate against the rung leader, paired over parts of the same validation rows. */
export interface RungComparison {
  /** Mean over the parts of how far the candidate trails the leader (positive: the leader is better). */
  gap: number
  /** Standard error of that mean (sample standard deviation of the part gaps / √parts). */
  standardError: number
  /** True when the gap exceeds Student's t (97.5%, parts − 1 degrees of freedom) standard errors. */
  clearlyBehind: boolean
}

/**
 * Compares a candidate's predictions on a fold's validation rows with the rung leader's, paired over
 * `parts` (the part of each validation row): a candidate is clearly behind only when its gap is larger
 * than the noise between parts, so a candidate within noise of the leader stays in the race.
 */
export function compareOnRung(
  metric: string,
  y: Target,
  positiveClassIndex: number | undefined,
  leader: Float64Array,
  candidate: Float64Array,
  parts: Int32Array,
): RungComparison {
  // A loop, not Math.max(...parts): spreading a 160,000-row hold-out overflows the call stack.
  let nParts = 0
  for (const part of parts) nParts = Math.max(nParts, part + 1)
  const n = parts.length
  const width = leader.length / n
  const lowerIsBetter = isBetterScore(metric, 0, 1)
  const gaps: number[] = []
  for (let p = 0; p < nParts; p++) {
    const rows: number[] = []
    for (let i = 0; i < n; i++) if (parts[i] === p) rows.push(i)
    const yPart = targetSubset(y, rows)
    const a = metricOfPredictions(metric, yPart, takeRows(leader, width, rows), positiveClassIndex)
    const b = metricOfPredictions(metric, yPart, takeRows(candidate, width, rows), positiveClassIndex)
    gaps.push(lowerIsBetter ? b - a : a - b)
  }
  const gap = gaps.reduce((x, v) => x + v, 0) / gaps.length
  const variance = gaps.reduce((x, v) => x + (v - gap) ** 2, 0) / Math.max(1, gaps.length - 1)
  const standardError = Math.sqrt(variance / gaps.length)
  const clearlyBehind = Number.isNaN(gap) || (gap > 0 && gap > studentT975(gaps.length - 1) * standardError)
  return { gap, standardError, clearlyBehind }
}

/**
 * How far behind the best a raced candidate may be after its rung: 2% for error metrics; for scores
 * of at most 1 (accuracy, ROC-AUC, R²…) 1 point, or the best's headroom to 1 when that is smaller
 * (at least 0.1 point): near a perfect score there is little left to catch up on.
 */
export function catchUpMargin(metric: string, best: number): number {
  const lowerIsBetter = isBetterScore(metric, 0, 1)
  return lowerIsBetter ? 0.02 * Math.abs(best) : Math.min(0.01, Math.max(0.001, 1 - best))
}

/** True when a raced candidate's rung score trails the best so far by more than the margin. */
export function cannotCatchUp(metric: string, score: number, best: number): boolean {
  if (!Number.isFinite(best)) return false
  if (!Number.isFinite(score)) return true
  return isBetterScore(metric, best, score) && Math.abs(best - score) > catchUpMargin(metric, best)
}

/** Where a fully trained raced candidate stands after its first folds. */
export interface FoldRace {
  /** Its mean over the folds it has been scored on. */
  score: number
  /** The best so far's mean over the same folds. */
  best: number
  /**
   * True when it is not fitted on the remaining folds: it trails by more than {@link catchUpMargin}
   * ('trails'), or it has beaten the best on none of its folds so far ('won-none': ties and small
   * losses on every fold do not show it can get ahead, and each further fold costs a full fit).
   */
  behind: boolean
  reason?: 'trails' | 'won-none'
}

/**
 * Racing fold by fold (paired: the same folds for both): a candidate's mean over its first
 * `scores.length` folds against the best so far's mean over those folds, and whether it beat the best
 * on any of them.
 */
export function foldRace(
  metric: string,
  scores: readonly number[],
  bestFoldScores: readonly number[],
): FoldRace {
  const score = meanAndStd(scores).mean
  const best = meanAndStd(bestFoldScores.slice(0, scores.length)).mean
  if (cannotCatchUp(metric, score, best)) return { score, best, behind: true, reason: 'trails' }
  const wonAny = scores.some((s, i) => isBetterScore(metric, s, bestFoldScores[i]))
  if (!wonAny) return { score, best, behind: true, reason: 'won-none' }
  return { score, best, behind: false }
}

export async function runModelSelection(context: EngineContext, config: ModelSelectionConfig): Promise<void> {
  const features = context.features
  if (!features) throw new Error('Model selection needs features from the preprocessing block')
  const { task } = context
  const candidates = expandCandidates(config, task.taskType)
  const trainTarget = targetRows(context.data.target, context.data.trainRows)
  const n = features.train.nRows
  const strata = trainTarget.kind === 'classification' ? trainTarget.codes : undefined
  const positions = Int32Array.from({ length: n }, (_, i) => i)
  const selectionRng = context.rng.fork('model-selection')
  const folds: { fit: Int32Array; validation: Int32Array }[] = []
  const validate = candidates.length > 1 || config.validateSingleCandidate
  const validation = resolveValidation(config, n)
  const kfold = validation.scheme === 'kfold'
  if (validate) context.log('info', `validation: ${validation.description}`)
  // Repeat 0 draws its folds as a single validation always did; later repeats from their own streams.
  const repeatLabel = (base: string, r: number) => (r === 0 ? base : `${base}-repeat-${r}`)
  for (let r = 0; validate && r < config.repeats; r++) {
    if (kfold) {
      const fold = kFoldAssignment(n, config.folds, selectionRng.fork(repeatLabel('folds', r)), strata)
      for (let k = 0; k < config.folds; k++) {
        folds.push({
          fit: positions.filter((i) => fold[i] !== k),
          validation: positions.filter((i) => fold[i] === k),
        })
      }
    } else {
      const split = stratifiedHoldout(
        positions,
        config.validationFraction,
        selectionRng.fork(repeatLabel('holdout', r)),
        strata,
      )
      folds.push({ fit: split.train, validation: split.test })
    }
  }
  const budgetSeconds = config.timeBudgetSeconds ?? defaultTimeBudgetSeconds(n, features.train.columns.length)
  const selectionStarted = context.now()
  const elapsedSeconds = () => (context.now() - selectionStarted) / 1000
  const overBudget = () => elapsedSeconds() >= budgetSeconds
  const statuses: { family: string; status: CandidateStatus; detail?: string }[] = candidates.map((c) => ({
    family: c.family,
    status: 'waiting',
  }))
  // Candidates finished, for the progress fraction and the estimate of the time left.
  let finished = 0
  /** The progress fraction last shown. */
  let shown = 0
  /** The running candidate's fit is stopped when the budget runs out (the first candidate excepted). */
  let budgetBinds = false
  context.log(
    'info',
    `Model selection time budget: ${budgetSeconds} s${config.timeBudgetSeconds === undefined ? ' (default for the data size)' : ''}`,
  )
  const testToTrain = kfold
    ? 1 / (config.folds - 1)
    : config.validationFraction / (1 - config.validationFraction)
  /** One fold fit of a candidate: the full fit ('') or its racing rung ('-rung'). */
  interface FoldJob {
    index: number
    /** Position in the race order: the first candidate always finishes, the budget binds the rest. */
    position: number
    family: string
    hyperparameters: Hyperparameters
    label: string
    maxFitRows: number
    f: number
  }
  const keyOf = (job: Pick<FoldJob, 'index' | 'label' | 'f'>) => `${job.index}${job.label}:${job.f}`
  const foldRequest = (job: FoldJob): FoldFitRequest => {
    if (job.label === '-oob') {
      // One fit on every training row, scored out of bag (see outOfBagScored below).
      const X = features.train
      return {
        family: job.family,
        hyperparameters: job.hyperparameters,
        task: task.taskType,
        seed: selectionRng.fork(`candidate-${job.index}-oob`).seed,
        X,
        y: trainTarget,
        validationX: X,
        validationY: trainTarget,
        outOfBag: true,
      }
    }
    const fold = folds[job.f]
    const fitRows = seededSubsample(
      fold.fit,
      job.maxFitRows,
      selectionRng.fork(`candidate-${job.index}${job.label}-fold-${job.f}-sample`),
    )
    return {
      family: job.family,
      hyperparameters: job.hyperparameters,
      task: task.taskType,
      // A rung trains from the seed of the candidate's full fit on that fold: a rung on all of the fold's
      // fit rows that early stopping ended before its epoch cap is that full fit (see the race below).
      seed: selectionRng.fork(`candidate-${job.index}${job.label === '-rung' ? '' : job.label}-fold-${job.f}`)
        .seed,
      X: featureMatrixRows(features.train, fitRows),
      y: targetRows(trainTarget, fitRows),
      validationX: featureMatrixRows(features.train, fold.validation),
      validationY: targetRows(trainTarget, fold.validation),
    }
  }
  // With a second lane (a thread that fits tree families' folds), fold fits start ahead of their turn:
  // the lane takes tree folds in race order, and the run thread, while it waits for a lane result, fits
  // the next fold nobody has started. Each fit has its own seed, so where it runs changes nothing; the
  // results are applied below in the same order, with the same racing and budget decisions, as on one
  // thread. `plan` lists the fits known to be needed (all folds; a raced candidate's rung on fold 1).
  const lane = validate ? context.foldFitter : undefined
  const fits = new Map<string, Promise<FoldFitResult>>()
  /** Fits started (on either lane), by key; `fits` keeps each result until it is applied. */
  const claimed = new Set<string>()
  const settled = new Set<string>()
  const plan: FoldJob[] = []
  let laneInFlight = 0
  /** Fits started on the lane, and how many fold fits were applied, from there and in all. */
  const onLane = new Set<string>()
  const applied = { lane: 0, all: 0 }
  let laneOpen = lane !== undefined
  /**
   * The race position whose fits the budget never stops (so there is a model): the first candidate's,
   * or after a successive-halving rung the first candidate it kept.
   */
  let unbound = 0
  const beyondBudget = (job: FoldJob) => job.position > unbound && overBudget()
  const nextUnstarted = (laneOnly: boolean) =>
    plan.find(
      (job) => !claimed.has(keyOf(job)) && !beyondBudget(job) && (!laneOnly || fitsOnLane(job.family)),
    )
  const track = (job: FoldJob, fit: Promise<FoldFitResult>) => {
    const key = keyOf(job)
    claimed.add(key)
    fits.set(key, fit)
    fit.then(
      () => settled.add(key),
      () => settled.add(key),
    )
    return fit
  }
  const feedLane = () => {
    while (lane && laneOpen && laneInFlight < laneDepth && context.isCancelled?.() !== true) {
      const job = nextUnstarted(true)
      if (!job) return
      laneInFlight++
      if (statuses[job.index].status === 'waiting') {
        statuses[job.index].status = 'fitting'
        statuses[job.index].detail = 'on the second thread'
      }
      onLane.add(keyOf(job))
      const fit = track(job, lane.fitFold(foldRequest(job)))
      const next = () => {
        laneInFlight--
        feedLane()
      }
      fit.then(next, next)
    }
  }
  /**
   * A raced candidate's training state after its rung on fold 1 when the rung fitted all of that fold's
   * rows: its full fit there (same rows, seed and hyperparameters, a higher epoch cap) continues from it
   * instead of training the rung's epochs again, and trains the same model.
   */
  const continuations = new Map<number, FitContinuation>()
  const continuationOf = (job: FoldJob): FitContinuation | undefined => {
    if (job.f !== 0 || (job.label !== '' && job.label !== '-rung')) return undefined
    const rung = racingRung(job.family, candidates[job.index].hyperparameters, foldFitRows)
    if (!rung || folds[0].fit.length > rung.maxFitRows) return undefined
    const continuation = continuations.get(job.index) ?? createFitContinuation()
    continuations.set(job.index, continuation)
    return continuation
  }
  const endContinuation = (index: number) => {
    continuations.get(index)?.dispose()
    continuations.delete(index)
  }
  /** Fits a job on the run thread; `report` receives its progress when it is the fold being scored. */
  const fitOnRunThread = (job: FoldJob, report?: (fraction: number, p: Partial<BlockProgress>) => void) =>
    track(
      job,
      fitFold(foldRequest(job), {
        now: context.now,
        continuation: continuationOf(job),
        isCancelled: () => context.isCancelled?.() === true || beyondBudget(job),
        // A forest grows half on the helper thread only when the lane leaves it free.
        ...(laneInFlight === 0 && !(lane && nextUnstarted(true)) && context.forestHelper
          ? { forestHelper: context.forestHelper }
          : {}),
        ...(report ? { onProgress: (p) => report(p.fraction, p) } : {}),
      }),
    )
  const scoreOnFolds = async (
    job: Omit<FoldJob, 'f'>,
    /** Receives the predictions on each fold's validation rows (for the ensemble). */
    keepPredictions?: Float64Array[],
    /** Only the first this many folds (a race on the first fold). */
    foldLimit = folds.length,
    /** Asked after each fold but the last: true stops the evaluation there (a lost race). */
    stopAfter?: (foldScores: readonly number[]) => boolean,
    /** Receives each fold's fit result. */
    keepResults?: FoldFitResult[],
  ): Promise<{ foldScores: number[]; fitSeconds: number; stopped: boolean }> => {
    const foldScores: number[] = []
    let fitSeconds = 0
    // Scored out of bag: one fit's predictions of every training row, read on each fold's rows.
    const outOfBag = job.label === '-oob'
    let bagged: FoldFitResult | undefined
    for (const [f, fold] of folds.slice(0, foldLimit).entries()) {
      if (bagged) {
        const predictions = takeRows(bagged.predictions, bagged.predictions.length / n, fold.validation)
        foldScores.push(scoreFold(fold, predictions))
        keepPredictions?.push(predictions)
        continue
      }
      if (budgetBinds && overBudget()) throw new BudgetSpent(f, fitSeconds)
      const started = context.now()
      statuses[job.index].detail = folds.length > 1 ? `fold ${f + 1}/${folds.length}` : undefined
      const report = (fraction: number, p: Partial<BlockProgress> = {}) => {
        // Never back: a raced candidate's full fits start over on the fold its rung has done.
        const overall = Math.max(shown, (finished + (f + fraction) / folds.length) / candidates.length)
        shown = overall
        context.progress({
          ...p,
          fraction: overall,
          model: job.family,
          message: selectionProgressMessage(statuses, elapsedSeconds(), overall, budgetSeconds),
        })
      }
      report(0)
      const foldJob = { ...job, f: outOfBag ? 0 : f }
      const key = keyOf(foldJob)
      // While the lane fits this fold, the run thread fits the next one nobody has started.
      while (claimed.has(key) && !settled.has(key)) {
        const ahead = nextUnstarted(false)
        if (!ahead) break
        await fitOnRunThread(ahead).catch(() => undefined)
        // Let the lane's answers in (they queue behind a fit that never yields).
        await new Promise((resolve) => setTimeout(resolve, 0))
        feedLane()
      }
      let result: FoldFitResult
      try {
        result = await (fits.get(key) ?? fitOnRunThread(foldJob, report))
      } catch (error) {
        if (budgetBinds && overBudget() && context.isCancelled?.() !== true)
          throw new BudgetSpent(f, fitSeconds + (context.now() - started) / 1000)
        throw error
      } finally {
        fits.delete(key)
        feedLane()
      }
      fitSeconds += result.fitSeconds
      applied.all++
      if (onLane.has(key)) applied.lane++
      if (outOfBag) {
        bagged = result
        result = {
          ...result,
          predictions: takeRows(result.predictions, result.predictions.length / n, fold.validation),
        }
      }
      foldScores.push(scoreFold(fold, result.predictions))
      keepPredictions?.push(result.predictions)
      keepResults?.push(result)
      if (f + 1 < foldLimit && stopAfter?.(foldScores)) return { foldScores, fitSeconds, stopped: true }
    }
    return { foldScores, fitSeconds, stopped: false }
  }
  /** The task metric of predictions on a fold's validation rows. */
  const scoreFold = (fold: { validation: Int32Array }, predictions: Float64Array) =>
    scorePredictions(targetRows(trainTarget, fold.validation), predictions, context.positiveClassIndex)[
      task.metric
    ] ?? Number.NaN
  const mean = (scores: number[]) =>
    scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : Number.NaN
  const results: CandidateModel[] = new Array(candidates.length)
  /** Each fully validated candidate's predictions on every fold's validation rows. */
  const outOfFold: (Float64Array[] | undefined)[] = new Array(candidates.length)
  // Cheap candidates first, so the expensive ones race against a known best; the leaderboard and the
  // choice keep the candidates' own order (ties go to the earlier one, as before).
  let bestSoFar = Number.NaN
  /** The best so far's score on each validation fold (a rung races it on the first fold). */
  let bestSoFarFolds: number[] = []
  const order = raceOrder(candidates)
  const fullFit = (index: number, position: number) => ({
    index,
    position,
    family: candidates[index].family,
    hyperparameters: candidates[index].hyperparameters,
    label: '',
    maxFitRows: Number.POSITIVE_INFINITY,
  })
  const foldFitRows = validate ? Math.max(...folds.map((f) => f.fit.length)) : 0
  // Successive halving on large tables: every candidate that is not raced on a rung of its own (the MLP
  // is) is first fitted on a seeded quarter of the first fold's fit rows; only those the rung cannot tell
  // from its leader go on to the full folds.
  const halvingRows = validate ? halvingRungRows(folds[0].fit.length) : undefined
  const halvingOrder =
    halvingRows === undefined
      ? []
      : order.filter((i) => !racingRung(candidates[i].family, candidates[i].hyperparameters, foldFitRows))
  const halving = new Set(halvingOrder.length >= 2 ? halvingOrder : [])
  const halvingJob = (index: number, position: number) => ({
    ...fullFit(index, position),
    label: '-half',
    maxFitRows: halvingRows ?? Number.POSITIVE_INFINITY,
  })
  // A bootstrap forest is scored out of bag, as scikit-learn's oob_score: one fit on all training rows
  // predicts each row from the trees whose bootstrap sample left it out (about a third of them), and those
  // predictions are scored on every fold's validation rows, paired with the other candidates' fold scores
  // and used by the ensemble as its out-of-fold predictions. One fit instead of one per fold (five, or
  // folds × repeats), and held-out predictions all the same (as AutoGluon scores its forests).
  const outOfBagScored = new Set(
    validate
      ? order.filter(
          (i) =>
            !halving.has(i) &&
            getModelFamily(candidates[i].family).outOfBag?.applies(candidates[i].hyperparameters) === true,
        )
      : [],
  )
  for (const [position, index] of validate ? order.entries() : []) {
    if (halving.has(index)) {
      plan.push({ ...halvingJob(index, position), f: 0 })
      continue
    }
    if (outOfBagScored.has(index)) {
      plan.push({ ...fullFit(index, position), label: '-oob', f: 0 })
      continue
    }
    const rung = racingRung(
      candidates[index].family,
      candidates[index].hyperparameters,
      Math.max(...folds.map((f) => f.fit.length)),
    )
    if (rung)
      plan.push({
        index,
        position,
        family: candidates[index].family,
        hyperparameters: rung.hyperparameters,
        label: '-rung',
        maxFitRows: rung.maxFitRows,
        f: 0,
      })
    else for (let f = 0; f < folds.length; f++) plan.push({ ...fullFit(index, position), f })
  }
  feedLane()
  /** Each halving candidate's rung: its score and predictions on the first fold's validation rows. */
  const rungs = new Map<number, { score: number; predictions: Float64Array; fitSeconds: number }>()
  /** Halving candidates stopped after the rung, with their leaderboard entries. */
  const halvingStops = new Map<number, CandidateModel>()
  try {
    for (const [position, index] of halving.size ? order.entries() : []) {
      if (!halving.has(index)) continue
      context.checkCancelled()
      budgetBinds = position > 0
      // A rung the budget does not reach leaves its candidate to be skipped below.
      if (budgetBinds && overBudget()) break
      statuses[index].status = 'fitting'
      const predictions: Float64Array[] = []
      try {
        const rung = await scoreOnFolds(halvingJob(index, position), predictions, 1)
        rungs.set(index, {
          score: rung.foldScores[0],
          predictions: predictions[0],
          fitSeconds: rung.fitSeconds,
        })
      } catch (error) {
        if (!(error instanceof BudgetSpent)) throw error
        context.timings.fitSeconds += error.fitSeconds
        break
      }
      statuses[index].status = 'waiting'
    }
    if (rungs.size > 0) {
      let leader = -1
      for (const [index, rung] of rungs) {
        const leaderScore = leader < 0 ? Number.NaN : rungs.get(leader)!.score
        // A finite score leads over a NaN one (a metric that failed on the sample).
        if (
          leader < 0 ||
          (Number.isFinite(rung.score) &&
            (!Number.isFinite(leaderScore) || isBetterScore(task.metric, rung.score, leaderScore)))
        )
          leader = index
      }
      const validationRows = folds[0].validation.length
      const validationTarget = targetRows(trainTarget, folds[0].validation)
      const parts = kFoldAssignment(
        validationRows,
        halvingParts,
        selectionRng.fork('halving-parts'),
        validationTarget.kind === 'classification' &&
          Math.min(...classCounts(validationTarget.codes)) >= halvingParts
          ? validationTarget.codes
          : undefined,
      )
      const leaderRung = rungs.get(leader)!
      const kept: string[] = []
      const dropped: string[] = []
      for (const [index, rung] of rungs) {
        const family = candidates[index].family
        const comparison =
          index === leader
            ? undefined
            : compareOnRung(
                task.metric,
                validationTarget,
                context.positiveClassIndex,
                leaderRung.predictions,
                rung.predictions,
                parts,
              )
        if (comparison?.clearlyBehind) {
          const note = `stopped after the successive-halving rung (fitted on ${halvingRows!.toLocaleString('en-US')} sampled fit rows): ${rung.score.toFixed(4)} trails ${candidates[leader].family}'s ${leaderRung.score.toFixed(4)} on the same rows by ${comparison.gap.toPrecision(2)} on average over ${halvingParts} parts of the ${validationRows.toLocaleString('en-US')} validation rows, more than ${studentT975(halvingParts - 1).toFixed(2)} × its standard error (${comparison.standardError.toPrecision(2)})`
          halvingStops.set(index, {
            ...candidates[index],
            validationScore: rung.score,
            foldScores: [rung.score],
            fitSeconds: rung.fitSeconds,
            note,
          })
          dropped.push(`${family} (${rung.score.toFixed(4)})`)
          continue
        }
        kept.push(`${family} (${rung.score.toFixed(4)})`)
        const position = order.indexOf(index)
        for (let f = 0; f < folds.length; f++) plan.push({ ...fullFit(index, position), f })
      }
      unbound = Math.min(
        ...[...rungs.keys()].filter((i) => !halvingStops.has(i)).map((i) => order.indexOf(i)),
      )
      context.log(
        'info',
        `Successive halving (${folds[0].fit.length.toLocaleString('en-US')} fit rows ≥ ${halvingMinFitRows.toLocaleString('en-US')}): each candidate first fitted on a seeded ${Math.round(halvingFraction * 100)}% of them (${halvingRows!.toLocaleString('en-US')} rows) and scored on the validation rows; on to all fit rows: ${kept.join(', ')}; stopped (clearly behind the rung's leader, paired over ${halvingParts} parts of the validation rows): ${dropped.length ? dropped.join(', ') : 'none'}`,
      )
      feedLane()
    }
    for (const [position, index] of order.entries()) {
      context.checkCancelled()
      const candidate = candidates[index]
      let fitSeconds = rungs.get(index)?.fitSeconds ?? 0
      let note: string | undefined
      budgetBinds = position > unbound
      const halted = halvingStops.get(index)
      if (halted) {
        results[index] = halted
        note = halted.note
      } else if (budgetBinds && overBudget()) {
        note = `not started: the time budget of ${budgetSeconds} s was spent`
        results[index] = { ...candidate, validationScore: Number.NaN, foldScores: [], fitSeconds: 0, note }
        statuses[index].status = 'skipped'
        finished++
        context.log('info', `Candidate ${candidate.family}: ${note}`)
        continue
      }
      statuses[index].status = 'fitting'
      try {
        const rung = validate
          ? racingRung(
              candidate.family,
              candidate.hyperparameters,
              Math.max(...folds.map((f) => f.fit.length)),
            )
          : undefined
        if (rung && Number.isFinite(bestSoFar)) {
          // The rung runs on the first validation fold only and is compared with the best so far on that
          // same fold: with k folds a stopped candidate costs one short fit instead of k.
          const rungResults: FoldFitResult[] = []
          const early = await scoreOnFolds(
            {
              index,
              position,
              family: candidate.family,
              hyperparameters: rung.hyperparameters,
              label: '-rung',
              maxFitRows: rung.maxFitRows,
            },
            undefined,
            1,
            undefined,
            rungResults,
          )
          fitSeconds += early.fitSeconds
          const score = early.foldScores[0]
          const against = bestSoFarFolds[0]
          const rungIsFull = rungIsFullFit(rungResults[0], folds[0].fit.length, rung.maxFitRows)
          const where = folds.length > 1 ? ` on fold 1 of ${folds.length}` : ''
          const onThatFold = where ? ' on that fold' : ''
          // Its full fit on fold 1 would have to beat the best so far there to race on, and nothing beats
          // a perfect score: then that fit is not made either.
          const stopped = cannotCatchUp(task.metric, score, against)
            ? `${score.toFixed(4)} trails the best so far${onThatFold} (${against.toFixed(4)}) by more than ${catchUpMargin(task.metric, against).toPrecision(2)}`
            : bestSoFarFolds.length === folds.length && isBestPossible(task.metric, against) && !rungIsFull
              ? `the best so far${onThatFold} scores ${against.toFixed(4)}, the best possible ${task.metric}, which a full fit cannot beat`
              : undefined
          if (stopped) {
            note = `stopped after ${rung.label}${where}: ${stopped}`
            results[index] = {
              ...candidate,
              validationScore: score,
              foldScores: early.foldScores,
              fitSeconds,
              note,
            }
          } else if (rungIsFull) {
            // Early stopping ended the rung before its epoch cap, on every fit row and from the full fit's
            // seed: the full fit on fold 1 would train the same model, so the rung's result is used.
            track(
              { ...fullFit(index, position), f: 0 },
              Promise.resolve({ ...rungResults[0], fitSeconds: 0 }),
            )
            context.log(
              'info',
              `Candidate ${candidate.family}: early stopping ended its rung after ${rungResults[0].epochs} of ${rungEpochs} epochs, so the rung is its full fit on fold 1 (not fitted again)`,
            )
          }
        }
        if (!results[index]) {
          const predictions: Float64Array[] = []
          // A raced family keeps racing fold by fold: each fold is a full fit, so one that has fallen
          // behind the best on the folds so far is not fitted on the rest.
          const against = bestSoFarFolds
          let race: FoldRace | undefined
          const fitResults: FoldFitResult[] = []
          const full = await scoreOnFolds(
            { ...fullFit(index, position), ...(outOfBagScored.has(index) ? { label: '-oob' } : {}) },
            predictions,
            folds.length,
            rung && against.length === folds.length
              ? (scores) => {
                  race = foldRace(task.metric, scores, against)
                  return race.behind
                }
              : undefined,
            fitResults,
          )
          fitSeconds += full.fitSeconds
          if (full.stopped && race) {
            const after = `stopped after fold ${full.foldScores.length} of ${folds.length}`
            note =
              race.reason === 'trails'
                ? `${after}: its mean ${race.score.toFixed(4)} trails the best so far on those folds (${race.best.toFixed(4)}) by more than ${catchUpMargin(task.metric, race.best).toPrecision(2)}`
                : full.foldScores.length === 1
                  ? `${after}: it did not beat the best so far on that fold (${race.score.toFixed(4)} against ${race.best.toFixed(4)})`
                  : `${after}: it beat the best so far on none of those folds (mean ${race.score.toFixed(4)} against ${race.best.toFixed(4)})`
            results[index] = {
              ...candidate,
              validationScore: race.score,
              foldScores: full.foldScores,
              fitSeconds,
              note,
            }
          } else {
            outOfFold[index] = predictions
            results[index] = {
              ...candidate,
              validationScore: mean(full.foldScores),
              foldScores: full.foldScores,
              fitSeconds,
              // Fitted on every training row: the training block (or the ensemble's refit) reuses it.
              ...(outOfBagScored.has(index) ? { outOfBag: true } : {}),
              ...(fitResults[0]?.model ? { model: new TreeFittedModel(fitResults[0].model) } : {}),
            }
          }
        }
      } catch (error) {
        if (!(error instanceof BudgetSpent)) throw error
        fitSeconds += error.fitSeconds
        note = `stopped after ${error.foldsDone} of ${folds.length} validation folds: the time budget of ${budgetSeconds} s ran out`
        results[index] = { ...candidate, validationScore: Number.NaN, foldScores: [], fitSeconds, note }
      } finally {
        endContinuation(index)
      }
      finished++
      statuses[index].status = note ? 'stopped' : 'done'
      statuses[index].detail = undefined
      const result = results[index]
      context.timings.fitSeconds += fitSeconds
      context.log(
        'info',
        note
          ? `Candidate ${candidate.family}: ${note}`
          : validate
            ? `Candidate ${candidate.family}: validation ${task.metric} = ${result.validationScore.toFixed(4)}${result.outOfBag ? ` (out of bag: one fit on all ${n.toLocaleString('en-US')} training rows, each row predicted by the trees whose bootstrap sample left it out, scored on every fold's rows)` : ''}`
            : `Candidate ${candidate.family}: not validated: it was the only candidate`,
        {
          hyperparameters: candidate.hyperparameters,
          foldScores: result.foldScores,
        },
      )
      if (
        !note &&
        (!Number.isFinite(bestSoFar) || isBetterScore(task.metric, result.validationScore, bestSoFar))
      ) {
        bestSoFar = result.validationScore
        bestSoFarFolds = result.foldScores
      }
    }
  } finally {
    for (const index of [...continuations.keys()]) endContinuation(index)
    // Fits the lane has started run out; nothing new starts.
    laneOpen = false
  }
  if (lane)
    context.log(
      'info',
      `Second thread: ${applied.lane} of the ${applied.all} fold fits used were fitted there`,
    )
  let best: CandidateModel | undefined
  for (const result of results)
    if (!result.note && (!best || isBetterScore(task.metric, result.validationScore, best.validationScore)))
      best = result
  const ensemble =
    validate && config.ensemble !== false
      ? buildEnsembleCandidate({
          context,
          candidates: results,
          outOfFold,
          folds,
          foldsPerRepeat: kfold ? config.folds : 1,
          best: best!,
          trainTarget,
          rng: selectionRng.fork('ensemble'),
        })
      : undefined
  const chosen = ensemble?.kept ? ensemble.candidate : best!
  if (ensemble) results.push(ensemble.candidate)
  const tied: string[] = []
  for (const result of results) {
    if ((result.note && result !== ensemble?.candidate) || result.foldScores.length < 2) continue
    result.std = meanAndStd(result.foldScores).std
    const interval = correctedInterval(result.foldScores, testToTrain)
    if (interval)
      result.interval = {
        low: clampToMetricRange(task.metric, interval.low),
        high: clampToMetricRange(task.metric, interval.high),
      }
    if (result === chosen) continue
    const test = correctedResampledTTest(chosen.foldScores, result.foldScores, testToTrain)
    if (test) {
      result.tiedWithBest = test.tied
      if (test.tied) tied.push(result.family)
    }
  }
  context.models = { candidates: results, chosen }
  context.log('info', `Model selection chose ${chosen.family}: ${choiceRule(chosen, results, tied)}`, {
    hyperparameters: chosen.hyperparameters,
  })
}

/**
 * The ensemble candidate of greedy ensemble selection over the fully validated candidates' out-of-fold
 * predictions, and whether it is kept: only when its mean over the validation folds, each scored with
 * weights chosen without that fold's rows, beats the best single candidate's mean. Undefined (logged)
 * when fewer than two candidates were validated or the selection kept a single model.
 */
function buildEnsembleCandidate(input: {
  context: EngineContext
  candidates: readonly CandidateModel[]
  outOfFold: readonly (Float64Array[] | undefined)[]
  folds: readonly { fit: Int32Array; validation: Int32Array }[]
  foldsPerRepeat: number
  best: CandidateModel
  trainTarget: Target
  rng: Rng
}): { candidate: CandidateModel; kept: boolean } | undefined {
  const { context, candidates, folds, best, trainTarget } = input
  const metric = context.task.metric
  const pool = candidates
    .map((_, i) => i)
    .filter((i) => !candidates[i].note && input.outOfFold[i]?.length === folds.length)
  if (pool.length < 2) {
    context.log('info', 'Ensemble: not built (it needs two or more fully validated candidates)')
    return undefined
  }
  const foldTargets = folds.map((f) => targetRows(trainTarget, f.validation))
  const groups: { folds: number[]; parts: Int32Array[] }[] = []
  for (let start = 0; start < folds.length; start += input.foldsPerRepeat) {
    const ids = Array.from({ length: input.foldsPerRepeat }, (_, k) => start + k)
    if (ids.length > 1) {
      groups.push({
        folds: ids,
        parts: ids.map((f, k) => new Int32Array(folds[f].validation.length).fill(k)),
      })
      continue
    }
    // A hold-out slice: cross-fit over 5 seeded parts of it (stratified for classification).
    const y = foldTargets[start]
    const n = folds[start].validation.length
    const nParts = Math.min(ensembleHoldoutParts, n)
    groups.push({
      folds: ids,
      parts: [
        nParts >= 2
          ? kFoldAssignment(
              n,
              nParts,
              input.rng.fork(`parts-${start}`),
              y.kind === 'classification' && Math.min(...classCounts(y.codes)) >= nParts
                ? y.codes
                : undefined,
            )
          : new Int32Array(n),
      ],
    })
  }
  const selection = selectEnsemble({
    predictions: pool.map((i) => input.outOfFold[i]!),
    foldTargets,
    groups,
    metric,
    positiveClassIndex: context.positiveClassIndex,
  })
  const members = pool
    .map((i, j) => ({ candidate: candidates[i], weight: selection.weights[j] }))
    .filter((m) => m.weight > 0)
  const describe = members.map((m) => `${m.candidate.family} ${m.weight.toFixed(2)}`).join(', ')
  if (members.length < 2) {
    context.log(
      'info',
      `Ensemble: not built: greedy ensemble selection over ${pool.length} candidates kept ${describe} alone`,
    )
    return undefined
  }
  const score = selection.foldScores.reduce((a, b) => a + b, 0) / selection.foldScores.length
  const kept = isBetterScore(metric, score, best.validationScore)
  const rule = `kept only when its mean ${metricLabel(metric)} over the ${folds.length} validation fold${folds.length > 1 ? 's' : ''} (weights chosen without each scored part's rows) beats the best single candidate's`
  const verdict = `${kept ? 'kept' : 'not kept'}: ${score.toFixed(4)} ${kept ? 'beats' : 'does not beat'} ${best.family}'s ${best.validationScore.toFixed(4)}`
  const note = `weighted average of ${describe} (greedy ensemble selection with replacement, ${ensembleRounds} rounds, over out-of-fold predictions); ${verdict}; ${rule}; fit time: its members' total (no fits of its own)`
  context.log('info', `Ensemble: ${note}`, {
    weights: Object.fromEntries(members.map((m, j) => [`${j}:${m.candidate.family}`, m.weight])),
    foldScores: selection.foldScores,
  })
  const specs: EnsembleMemberSpec[] = members.map((m) => ({
    family: m.candidate.family,
    hyperparameters: m.candidate.hyperparameters,
    weight: m.weight,
  }))
  return {
    kept,
    candidate: {
      family: ensembleFamilyKey,
      hyperparameters: ensembleHyperparameters(specs),
      validationScore: score,
      foldScores: selection.foldScores,
      // It fits nothing of its own during selection; refitting it costs what its members cost.
      fitSeconds: members.reduce((total, m) => total + m.candidate.fitSeconds, 0),
      note,
    },
  }
}

/** Parts a hold-out slice is cut into to cross-fit the ensemble's weights. */
const ensembleHoldoutParts = 5

function classCounts(codes: Int32Array): number[] {
  const counts = new Map<number, number>()
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1)
  return [...counts.values()]
}

/** Thrown inside a candidate's evaluation when the time budget ran out; `foldsDone` folds were scored. */
class BudgetSpent extends Error {
  constructor(
    readonly foldsDone: number,
    readonly fitSeconds: number,
  ) {
    super('The model selection time budget was spent')
  }
}

export const modelSelectionBlock: BlockDefinition<ModelSelectionConfig> = {
  type: 'model_selection',
  logicRef: systemLogicRef('model_selection'),
  defaults: defaultModelSelectionConfig,
  validate: validateModelSelectionConfig,
  run: runModelSelection,
}

registerBlock(modelSelectionBlock)
