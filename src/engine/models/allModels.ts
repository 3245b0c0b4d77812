/**
 * Imports every model family module so each registers itself with the model registry. Import this once
 * (the executor, the run worker and the headless runner do) before looking families up.
 */
import './gbdt.ts'
import './linear.ts'
import './logistic.ts'
import './mlp.ts'
import './rf.ts'
import './tree.ts'
import './ensemble.ts'
