/** Forest helper worker entry point: grows half of a forest while the run worker grows the other half. */
import * as Comlink from 'comlink'
import { installErrorTransfer } from './errorTransfer.ts'
import { InThreadForestHelper } from './treeApi.ts'

installErrorTransfer()
Comlink.expose(new InThreadForestHelper())
