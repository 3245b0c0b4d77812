/**
 * The second thread's whole job: half of a forest ({@link InThreadForestHelper}), model selection's
 * tree fold fits ({@link fitFold}) and an ensemble's tree members ({@link fitTreeModel}), in one thread so two lanes never ask for three cores. The browser's
 * tree worker and the headless runner's lane thread both serve this object. Only the tree families are
 * loaded here (no TF.js).
 */
import '../engine/models/gbdt.ts'
import '../engine/models/rf.ts'
import '../engine/models/tree.ts'
import type {
  FoldFitRequest,
  FoldFitResult,
  FoldFitter,
  ModelFitRequest,
} from '../engine/pipeline/foldLane.ts'
import { fitFold, fitTreeModel } from '../engine/pipeline/foldLane.ts'
import type { TreeModelRecord } from '../engine/trees/serialization.ts'
import { InThreadForestHelper } from './treeApi.ts'

export class TreeLaneApi extends InThreadForestHelper implements FoldFitter {
  fitFold(request: FoldFitRequest): Promise<FoldFitResult> {
    return fitFold(request)
  }

  fitTreeModel(request: ModelFitRequest): Promise<TreeModelRecord> {
    return fitTreeModel(request)
  }
}
