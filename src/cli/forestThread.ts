/** A Node worker thread that grows a range of a forest's trees (bench:forest-threads). */
import { parentPort } from 'node:worker_threads'
import type { ForestRangeRequest } from '../engine/trees/forest.ts'
import { InThreadForestHelper } from '../workers/treeApi.ts'

const helper = new InThreadForestHelper()
parentPort?.on('message', async (request: ForestRangeRequest) => {
  parentPort?.postMessage(await helper.fitForestRange(request))
})
