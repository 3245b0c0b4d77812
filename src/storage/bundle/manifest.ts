/**
 * The run bundle's manifest: the versioned envelope at `manifest.json` inside a `.butterfly.zip`. It
 * carries the run's records (run, experiment, snapshot, dataset metadata, models, artifacts, hooks)
 * and the SHA-256 and size of every other file in the archive, which is what import verifies.
 */
import type { Artifact } from '../../domain/artifact.ts'
import type { Dataset } from '../../domain/dataset.ts'
import type { Experiment } from '../../domain/experiment.ts'
import type { Sha256Hex } from '../../domain/hash.ts'
import type { HookKind } from '../../domain/hook.ts'
import type { HookId } from '../../domain/ids.ts'
import type { ModelRecord } from '../../domain/model.ts'
import type { PipelineSnapshot } from '../../domain/pipeline.ts'
import type { Run } from '../../domain/run.ts'

/** `type` of a run bundle manifest. DO NOT CHANGE WITHOUT A MIGRATION. */
export const runBundleType = 'butterfly/run-bundle'

/** The manifest version this code writes, and the newest it reads. */
export const runBundleVersion = 1

/** Path of the manifest inside the archive. DO NOT CHANGE WITHOUT A MIGRATION. */
export const manifestPath = 'manifest.json'

/** Paths of the run's own files inside the archive. DO NOT CHANGE WITHOUT A MIGRATION. */
export const bundlePaths = {
  metrics: 'metrics.json',
  /** The run's hook metrics (Run.hookMetrics), written only when a hook returned some. */
  hookMetrics: 'hook-metrics.json',
  logs: 'logs.jsonl',
  artifact: (fileName: string) => `artifacts/${fileName}`,
  dataset: (originalName: string) => `dataset/${originalName}`,
} as const

/** One file of the archive besides the manifest: its exact bytes' hash and length. */
export interface BundleFileEntry {
  path: string
  sha256: Sha256Hex
  /** Uncompressed length in bytes. */
  size: number
}

/** A hook of the run's snapshot, listed at the top level so a reader sees the code without digging. */
export interface BundleHookEntry {
  id: HookId
  kind: HookKind
  name: string
  /** SHA-256 of `source`. */
  codeHash: Sha256Hex
  source: string
}

/** The bundle's `manifest.json`. Every member is required; `dataset.path` is set when `included`. */
export interface RunBundleManifest {
  type: typeof runBundleType
  version: number
  /** Epoch ms of the export. */
  createdAt: number
  app: { name: string; version: string }
  environment: {
    /** TF.js backend the run used ('cpu' for pure TS models). */
    tfBackend: string
    /** `navigator.userAgent` of the exporting browser, or "node" for the headless runner. */
    userAgent: string
  }
  run: Run
  experiment: Experiment
  /** Equal to `run.snapshot`; repeated so the envelope is readable on its own. */
  pipelineSnapshot: PipelineSnapshot
  dataset: { metadata: Dataset; hash: Sha256Hex; included: boolean; path?: string }
  seed: number
  hooks: BundleHookEntry[]
  models: ModelRecord[]
  artifacts: Artifact[]
  files: BundleFileEntry[]
}

/** Hooks of a snapshot as manifest entries, in block then hook order. */
export function snapshotHookEntries(snapshot: PipelineSnapshot): BundleHookEntry[] {
  return snapshot.blocks.flatMap((block) =>
    block.hooks.map((hook) => ({
      id: hook.id,
      kind: hook.kind,
      name: hook.name,
      codeHash: hook.codeHash,
      source: hook.code,
    })),
  )
}

/**
 * The download name of a run's bundle, `<experiment>-run-<number>.butterfly.zip`, with the experiment
 * name reduced to letters, digits, '-' and '_' so it is a safe file name everywhere.
 */
export function runBundleFileName(experimentName: string, runNumber: number): string {
  const slug =
    experimentName
      .normalize('NFKD')
      .replace(/[^\p{L}\p{N}_-]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'experiment'
  return `${slug}-run-${runNumber}.butterfly.zip`
}
