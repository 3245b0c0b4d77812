/** Lineage: everything needed to say exactly what a run was, derived from the run alone. */
import type { Sha256Hex } from './hash.ts'
import type { HookKind } from './hook.ts'
import type { Run } from './run.ts'

export interface Lineage {
  runId: string
  datasetId: string
  datasetHash: Sha256Hex
  snapshotHash: Sha256Hex
  seed: number
  hooks: { id: string; kind: HookKind; name: string; codeHash: Sha256Hex }[]
  backend?: string
}

export function deriveLineage(run: Run): Lineage {
  return {
    runId: run.id,
    datasetId: run.datasetId,
    datasetHash: run.datasetHash,
    snapshotHash: run.snapshot.hash,
    seed: run.seed,
    hooks: run.snapshot.blocks.flatMap((block) =>
      block.hooks.map((hook) => ({ id: hook.id, kind: hook.kind, name: hook.name, codeHash: hook.codeHash })),
    ),
    backend: run.backend,
  }
}
