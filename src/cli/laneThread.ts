/** The headless runner's second thread: forest halves, tree fold fits and tree models, one request at a time (see laneThreadHelper). */
import { parentPort } from 'node:worker_threads'
import { serializeError } from '../domain/errors.ts'
import { TreeLaneApi } from '../workers/treeLaneApi.ts'
import type { LaneMessage } from './laneThreadHelper.ts'

const api = new TreeLaneApi()

function answer(message: LaneMessage): Promise<unknown> {
  switch (message.kind) {
    case 'forest':
      return api.fitForestRange(message.request)
    case 'fold':
      return api.fitFold(message.request)
    case 'model':
      return api.fitTreeModel(message.request)
  }
}

parentPort?.on('message', async (message: LaneMessage) => {
  try {
    parentPort?.postMessage({ ok: true, value: await answer(message) })
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: serializeError(error) })
  }
})
