/** The configuration form of each block: which settings it shows, how they are labelled, their choices. */
import type { BlockConfig, BlockType } from '../domain/pipeline.ts'
import type { ModelSelectionConfig } from '../engine/pipeline/blocks/modelSelection.ts'
import {
  resolveValidation,
  validateModelSelectionConfig,
  validationSchemes,
} from '../engine/pipeline/blocks/modelSelection.ts'
import {
  categoricalEncodings,
  categoricalImputations,
  numericImputations,
  scalings,
} from '../engine/pipeline/blocks/preprocessing.ts'

/** What a field's wording may depend on: the block's config and the draft's training rows, when known. */
export interface FieldContext {
  config: BlockConfig
  /** The dataset's rows less the test split's (rows with a missing target are not subtracted). */
  trainingRows?: number
}

export type FieldSpec =
  | {
      key: string
      label: string
      kind: 'select'
      options: readonly string[]
      help?: string
      /** The text of an option (the option itself when absent). */
      optionLabel?: (option: string, context: FieldContext) => string
      /** A line under the select saying what the chosen option means here. */
      hint?: (context: FieldContext) => string | undefined
    }
  | {
      key: string
      label: string
      kind: 'number'
      min?: number
      max?: number
      step?: number
      help?: string
      integer?: boolean
      /** Shown when the setting is absent; clearing the field removes the setting (its default applies). */
      placeholder?: string
    }
  | { key: string; label: string; kind: 'checkbox'; help?: string }
  | { key: string; label: string; kind: 'text'; help?: string }
  | { key: string; label: string; kind: 'candidates'; help?: string }

export const blockForms: Record<BlockType, FieldSpec[]> = {
  preprocessing: [
    { key: 'numericImputation', label: 'Missing numbers', kind: 'select', options: numericImputations },
    { key: 'numericFillValue', label: 'Numeric fill value', kind: 'number', step: 0.1 },
    {
      key: 'categoricalImputation',
      label: 'Missing categories',
      kind: 'select',
      options: categoricalImputations,
    },
    { key: 'categoricalFillValue', label: 'Category fill value', kind: 'text' },
    { key: 'encoding', label: 'Categorical encoding', kind: 'select', options: categoricalEncodings },
    { key: 'maxOneHotLevels', label: 'One-hot level cap', kind: 'number', min: 1, max: 1000, integer: true },
    { key: 'scaling', label: 'Scaling', kind: 'select', options: scalings },
  ],
  feature_engineering: [
    { key: 'datetimeParts', label: 'Datetime parts', kind: 'checkbox' },
    { key: 'logTransform', label: 'Log-transform skewed numbers', kind: 'checkbox' },
    { key: 'skewThreshold', label: 'Skewness threshold', kind: 'number', min: 0, step: 0.1 },
    { key: 'interactions', label: 'Pairwise interactions', kind: 'checkbox' },
    {
      key: 'interactionTopK',
      label: 'Interaction features (top k)',
      kind: 'number',
      min: 2,
      max: 20,
      integer: true,
    },
  ],
  model_selection: [
    { key: 'candidates', label: 'Candidate models', kind: 'candidates' },
    {
      key: 'validation',
      label: 'Validation scheme',
      kind: 'select',
      options: validationSchemes,
      optionLabel: (option, context) => {
        if (option !== 'auto') return option
        const resolved = validationHere({ ...context, config: { ...context.config, validation: 'auto' } })
        if (!resolved) return 'auto (k-fold up to 2,000 training rows)'
        return `auto (${resolved.scheme === 'kfold' ? `${resolved.folds}-fold` : 'hold-out'} here)`
      },
      hint: (context) => {
        const resolved = validationHere(context)
        return resolved && `Validation here: ${resolved.description}.`
      },
    },
    {
      key: 'validationFraction',
      label: 'Validation fraction',
      kind: 'number',
      min: 0.05,
      max: 0.5,
      step: 0.05,
    },
    { key: 'folds', label: 'Folds', kind: 'number', min: 2, max: 10, integer: true },
    {
      key: 'repeats',
      label: 'Repeats',
      kind: 'number',
      min: 1,
      max: 10,
      integer: true,
      help: 'Each repeat draws the folds (or the hold-out slice) again: more scores per candidate, tighter intervals, longer runs.',
    },
    {
      key: 'searchBudget',
      label: 'Search budget (extra settings per family)',
      kind: 'number',
      min: 0,
      max: 10,
      integer: true,
    },
    {
      key: 'timeBudgetSeconds',
      label: 'Time budget (seconds)',
      kind: 'number',
      min: 1,
      max: 86400,
      integer: true,
      placeholder: 'auto: 60 s + 1 s per 5,000 cells',
      help: 'When it is spent no further candidate starts and a running one stops; empty: scales with the data size.',
    },
  ],
  training: [],
  evaluation: [{ key: 'storePredictions', label: 'Keep test predictions', kind: 'checkbox' }],
  explainability: [
    { key: 'enabled', label: 'Explain the model', kind: 'checkbox' },
    { key: 'budget', label: 'Rows explained (budget)', kind: 'number', min: 10, max: 5000, integer: true },
  ],
}

/** What the Model Selection block's validation resolves to on the draft's training rows, when they are known. */
function validationHere(
  context: FieldContext,
): (ReturnType<typeof resolveValidation> & { folds: number }) | undefined {
  if (context.trainingRows === undefined) return undefined
  let config: ModelSelectionConfig
  try {
    config = validateModelSelectionConfig(context.config)
  } catch {
    return undefined // the editor shows the config's own error
  }
  return { ...resolveValidation(config, context.trainingRows), folds: config.folds }
}

export const blockDescriptions: Record<BlockType, string> = {
  preprocessing:
    'Fills missing values, encodes categories and scales numbers, fitted on the training rows only.',
  feature_engineering: 'Derives datetime parts, log transforms of skewed numbers and optional interactions.',
  model_selection: 'Fits each candidate model and keeps the one with the best validation score.',
  training: 'Refits the chosen model on the whole training split.',
  evaluation: 'Scores the trained model on the held-out, stratified test split.',
  explainability: 'Feature importance, partial dependence and SHAP values within a budget.',
}
