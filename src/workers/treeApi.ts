/**
 * The forest helper: grows a range of a forest's trees from the same data, params and seed, so a run
 * can use the machine's second core. `InThreadForestHelper` is the same logic without a worker (tests).
 */
import { createRng } from '../domain/random.ts'
import type { ForestHelper, ForestPart, ForestRangeRequest } from '../engine/trees/forest.ts'
import { fitForest } from '../engine/trees/forest.ts'

export class InThreadForestHelper implements ForestHelper {
  async fitForestRange(request: ForestRangeRequest): Promise<ForestPart> {
    return fitForest(request.X, request.y, request.params, {
      task: request.task,
      rng: createRng(request.seed),
      treeRange: request.range,
    })
  }
}
