/** The data worker, started on first use and shared by the whole app. */
import * as Comlink from 'comlink'
import { installErrorTransfer } from '../../workers/errorTransfer.ts'
import type { DataWorkerApi } from '../../workers/protocol.ts'

let remote: Comlink.Remote<DataWorkerApi> | undefined

export function dataWorker(): Comlink.Remote<DataWorkerApi> {
  if (!remote) {
    installErrorTransfer()
    const worker = new Worker(new URL('../../workers/data.worker.ts', import.meta.url), {
      type: 'module',
      name: 'butterfly-data',
    })
    remote = Comlink.wrap<DataWorkerApi>(worker)
  }
  return remote
}
