/** Imports every system block so each registers itself; the executor imports this once. */
import './blocks/preprocessing.ts'
import './blocks/featureEngineering.ts'
import './blocks/modelSelection.ts'
import './blocks/training.ts'
import './blocks/evaluation.ts'
import './blocks/explainability.ts'
