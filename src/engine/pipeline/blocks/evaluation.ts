/**
 * Evaluation block (`system/evaluation@1`): predicts the held-out test rows (split at run start by the
 * global test fraction, stratified for classification, or an explicit list) with the trained model and
 * computes the full report through the metrics module.
 */
import type { BlockConfig } from '../../../domain/pipeline.ts'
import type { Target } from '../../frame.ts'
import { targetRows } from '../../frame.ts'
import { argmaxRows } from '../../metrics/argmax.ts'
import { classificationReport } from '../../metrics/classification.ts'
import { regressionMetrics } from '../../metrics/regression.ts'
import type { BlockDefinition } from '../blockRegistry.ts'
import { registerBlock, systemLogicRef } from '../blockRegistry.ts'
import { createConfigReader } from '../configCheck.ts'
import type { EngineContext } from '../engineContext.ts'

/** Settings of the Evaluation block. */
export interface EvaluationConfig {
  /** Keep per-row test predictions in the outcome (for plots and export). Default true. */
  storePredictions: boolean
}

export function defaultEvaluationConfig(): EvaluationConfig & BlockConfig {
  return { storePredictions: true }
}

export function validateEvaluationConfig(config: unknown): EvaluationConfig {
  const read = createConfigReader('Evaluation', config)
  const out = { storePredictions: read.boolean('storePredictions', true) }
  read.rejectUnknown()
  return out
}

/**
 * Scores test predictions: `proba` (classification, rows × classes) or `values` (regression), and
 * stores report, metrics and predictions on the context.
 */
export function recordEvaluation(
  context: EngineContext,
  yTest: Target,
  prediction: { proba?: Float64Array; values?: Float64Array; classCodes?: Int32Array },
  storePredictions: boolean,
): void {
  const rows = Int32Array.from(context.data.testRows, (r) => context.data.sourceRows[r])
  if (yTest.kind === 'classification') {
    const k = yTest.classes.length
    let proba = prediction.proba
    if (!proba) {
      // A hook gave hard labels only: use one-hot probabilities so every metric is still defined.
      proba = new Float64Array(yTest.codes.length * k)
      prediction.classCodes!.forEach((code, i) => {
        proba![i * k + code] = 1
      })
    }
    const report = classificationReport(yTest.codes, proba, yTest.classes, context.positiveClassIndex)
    context.evaluation = { kind: 'classification', classes: yTest.classes, ...report }
    Object.assign(context.metrics, report.metrics)
    if (storePredictions)
      context.predictions = {
        rows,
        yTrue: Float64Array.from(yTest.codes),
        yPred: argmaxRows(proba, k),
        proba,
        classes: yTest.classes,
      }
  } else {
    const values = prediction.values!
    const metrics = regressionMetrics(yTest.values, values)
    context.evaluation = { kind: 'regression', metrics }
    Object.assign(context.metrics, metrics)
    if (storePredictions) context.predictions = { rows, yTrue: yTest.values, yPred: values }
  }
}

export async function runEvaluation(context: EngineContext, config: EvaluationConfig): Promise<void> {
  const model = context.models.chosen?.model
  const features = context.features
  if (!model || !features) throw new Error('Evaluation needs a trained model')
  const yTest = targetRows(context.data.target, context.data.testRows)
  const started = context.now()
  const prediction =
    yTest.kind === 'classification'
      ? { proba: await model.predictProba(features.test) }
      : { values: await model.predict(features.test) }
  context.timings.predictSeconds += (context.now() - started) / 1000
  recordEvaluation(context, yTest, prediction, config.storePredictions)
  context.log('info', `Evaluated on ${features.test.nRows} test rows`, { ...context.metrics })
}

export const evaluationBlock: BlockDefinition<EvaluationConfig> = {
  type: 'evaluation',
  logicRef: systemLogicRef('evaluation'),
  defaults: defaultEvaluationConfig,
  validate: validateEvaluationConfig,
  run: runEvaluation,
}

registerBlock(evaluationBlock)
