/** Tree worker entry point: grows half of a forest and fits model selection's tree folds while the run worker does the rest. */
import * as Comlink from 'comlink'
import { installErrorTransfer } from './errorTransfer.ts'
import { TreeLaneApi } from './treeLaneApi.ts'

installErrorTransfer()
Comlink.expose(new TreeLaneApi())
