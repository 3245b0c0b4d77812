/**
 * Which TF.js backend a run starts (kept out of the model selection block, which the app's main thread
 * imports and TF.js must not reach).
 */
import type { TaskType } from '../../domain/task.ts'
import { getModelFamily } from '../models/model.ts'
import { initTfBackend, type TfBackendChoice, type TfBackendOptions } from '../tfBackend.ts'
import { expandCandidates, type ModelSelectionConfig } from './blocks/modelSelection.ts'

/**
 * The TF.js backend a run starts: none when every candidate is one of Butterfly's own models (trees, and
 * their ensemble), which never touch TF.js; in a browser that spares 'auto' its trial of WebGPU and WebGL
 * (the GPU process and its memory). The run records 'cpu', the domain's name for pure TypeScript models.
 */
export async function startRunBackend(
  selection: ModelSelectionConfig | undefined,
  task: TaskType,
  options: TfBackendOptions,
): Promise<TfBackendChoice> {
  const tfjs =
    !selection || expandCandidates(selection, task).some((c) => getModelFamily(c.family).framework === 'tfjs')
  if (tfjs) return initTfBackend(options)
  return {
    backend: 'cpu',
    reason: "not started: every candidate is a tree model, which runs in Butterfly's own code",
  }
}
