/**
 * Classification metrics with scikit-learn's definitions (accuracy, balanced accuracy, precision /
 * recall / F1 macro+weighted+per class, ROC-AUC binary and OvR macro, PR-AUC, log loss, Brier, confusion).
 * CONTRACT STUB: the metrics work fills this in; the signature is shared with the pipeline engine.
 */

export interface ClassificationReport {
  /** Scalar metrics keyed as in scikit-learn: accuracy, balanced_accuracy, f1_macro, f1_weighted,
   * precision_macro, precision_weighted, recall_macro, recall_weighted, roc_auc, pr_auc, log_loss, brier. */
  metrics: Record<string, number>
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[]
  /** confusion[trueClass][predictedClass] counts. */
  confusion: number[][]
}

/**
 * @param yTrue class indices 0..nClasses-1
 * @param proba row-major n × nClasses probabilities; predictions are the argmax (ties → lowest index)
 * @param classes labels, index = class code
 * @param positiveClass binary only: index of the class whose probability ROC-AUC/PR-AUC score (default 1)
 */
export function classificationReport(
  _yTrue: Int32Array,
  _proba: Float64Array,
  _classes: string[],
  _positiveClass?: number,
): ClassificationReport {
  throw new Error('classificationReport: not implemented yet')
}
