/**
 * The model families the UI offers, without loading their code (TF.js and the tree engine stay in the
 * run worker). Keys match the engine's model registry.
 */
import type { TaskType } from '../domain/task.ts'

export interface ModelCatalogEntry {
  family: string
  label: string
  tasks: readonly TaskType[]
  /** Among the automatic candidates. */
  auto: boolean
}

export const modelCatalog: readonly ModelCatalogEntry[] = [
  { family: 'logistic', label: 'Logistic / softmax regression', tasks: ['binary', 'multiclass'], auto: true },
  { family: 'linear', label: 'Linear (ridge) regression', tasks: ['regression'], auto: true },
  {
    family: 'mlp',
    label: 'Multilayer perceptron',
    tasks: ['binary', 'multiclass', 'regression'],
    auto: true,
  },
  {
    family: 'gbdt',
    label: 'Gradient-boosted trees',
    tasks: ['binary', 'multiclass', 'regression'],
    auto: true,
  },
  { family: 'rf', label: 'Random forest', tasks: ['binary', 'multiclass', 'regression'], auto: true },
  { family: 'tree', label: 'Decision tree', tasks: ['binary', 'multiclass', 'regression'], auto: false },
]

export function modelLabel(family: string): string {
  // The ensemble is built by model selection from the candidates, never offered as one.
  if (family === 'ensemble') return 'Ensemble (weighted average of candidates)'
  return modelCatalog.find((m) => m.family === family)?.label ?? family
}

/**
 * A chosen model's settings in words for the run page. An ensemble's settings are its members (a JSON
 * list in `members`): named with their weights, one per line, never as the raw JSON. Anything else as
 * the snapshot view says settings (`inWords`).
 */
export function describeModelSettings(
  family: string,
  hyperparameters: Record<string, unknown>,
  inWords: (value: unknown) => string,
): string[] {
  if (family !== 'ensemble') return [inWords(hyperparameters)]
  let members: unknown
  try {
    members = JSON.parse(String(hyperparameters.members))
  } catch {
    return [inWords(hyperparameters)]
  }
  if (!Array.isArray(members)) return [inWords(hyperparameters)]
  return members.map((m: { family?: unknown; weight?: unknown; hyperparameters?: unknown }) => {
    const weight = typeof m.weight === 'number' ? m.weight.toFixed(2) : '?'
    return `${modelLabel(String(m.family))} × ${weight}: ${inWords(m.hyperparameters ?? {})}`
  })
}
