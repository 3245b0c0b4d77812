/** Hook sandbox worker entry point: QuickJS served from our own origin, behind Comlink. */
import wasmUrl from '@jitl/quickjs-wasmfile-release-sync/wasm?url'
import * as Comlink from 'comlink'
import { SandboxService } from '../engine/hooks/sandboxService.ts'
import { installErrorTransfer } from './errorTransfer.ts'

installErrorTransfer()
Comlink.expose(new SandboxService({ wasmLocation: wasmUrl, transfer: Comlink.transfer }))
