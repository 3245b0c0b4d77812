/** The headless runner's second thread: forest halves and tree fold fits, one request at a time (see laneThreadHelper). */
import { parentPort } from 'node:worker_threads'
import { serializeError } from '../domain/errors.ts'
import { TreeLaneApi } from '../workers/treeLaneApi.ts'
import type { LaneMessage } from './laneThreadHelper.ts'

const api = new TreeLaneApi()
parentPort?.on('message', async (message: LaneMessage) => {
  try {
    const value =
      message.kind === 'forest'
        ? await api.fitForestRange(message.request)
        : await api.fitFold(message.request)
    parentPort?.postMessage({ ok: true, value })
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: serializeError(error) })
  }
})
