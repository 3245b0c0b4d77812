import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  BlobReader,
  BlobWriter,
  configure,
  TextReader,
  Uint8ArrayReader,
  ZipReader,
  ZipWriter,
} from '@zip.js/zip.js'
import { describe, expect, it } from 'vitest'
import { buildFixture, seededBytes } from '../../../tests/fixtures/bundle/buildBundleFixture.ts'
import type { Dataset } from '../../domain/dataset.ts'
import { StorageError } from '../../domain/errors.ts'
import { canonicalJson, sha256 } from '../../domain/hash.ts'
import type { WorkspaceId } from '../../domain/ids.ts'
import { newId } from '../../domain/ids.ts'
import { computeSnapshotHash } from '../../domain/pipeline.ts'
import { entryNameProblem } from './limits.ts'
import type { RunBundleManifest } from './manifest.ts'
import { runBundleFileName } from './manifest.ts'
import { planBundleImport } from './planImport.ts'
import { readRunBundle, summarizeBundle } from './readBundle.ts'
import type { BundleProgress } from './writeBundle.ts'
import { writeRunBundle } from './writeBundle.ts'

configure({ useWebWorkers: false })

const encoder = new TextEncoder()

async function bytesOf(blob: Blob | undefined): Promise<Uint8Array> {
  if (!blob) throw new Error('expected a file')
  return new Uint8Array(await blob.arrayBuffer())
}

async function zipOf(files: [string, Uint8Array | string | Blob][]): Promise<Uint8Array> {
  const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
  for (const [name, content] of files)
    await writer.add(
      name,
      typeof content === 'string'
        ? new TextReader(content)
        : content instanceof Blob
          ? new BlobReader(content)
          : new Uint8ArrayReader(content),
    )
  return new Uint8Array(await (await writer.close()).arrayBuffer())
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).code).toBe('bundle-rejected')
    return error as StorageError
  }
  throw new Error('expected the bundle to be rejected')
}

/** The files of a bundle with one file replaced (or the manifest edited), re-zipped. */
async function rezip(
  bundle: Uint8Array,
  edit: { manifest?: (m: RunBundleManifest) => void; files?: Record<string, Uint8Array> },
): Promise<Uint8Array> {
  const verified = await readRunBundle(bundle)
  const manifest = JSON.parse(JSON.stringify(verified.manifest)) as RunBundleManifest
  edit.manifest?.(manifest)
  const files: [string, Uint8Array | string][] = []
  for (const [path, blob] of verified.files) files.push([path, edit.files?.[path] ?? (await bytesOf(blob))])
  files.push(['manifest.json', JSON.stringify(manifest)])
  return zipOf(files)
}

describe('run bundles', () => {
  it('round-trips records and bytes, reporting progress up to the total', async () => {
    const { input, blobs, csv } = await buildFixture()
    const progress: BundleProgress[] = []
    const blob = await writeRunBundle(input, (p) => progress.push(p))
    const last = progress.at(-1)!
    expect(last.bytesDone).toBe(last.bytesTotal)
    expect(last.bytesTotal).toBeGreaterThan(csv.byteLength + 5000)
    expect(progress.map((p) => p.bytesDone)).toEqual(
      [...progress.map((p) => p.bytesDone)].sort((a, b) => a - b),
    )

    const readProgress: number[] = []
    const bundle = await readRunBundle(blob, {
      onProgress: (p) => readProgress.push(p.bytesDone / p.bytesTotal),
    })
    expect(readProgress.at(-1)).toBe(1)
    expect(readProgress).toEqual([...readProgress].sort((a, b) => a - b))
    // The run's NaN metric travels as null and comes back as NaN; everything else is equal as JSON.
    expect(Number.isNaN(bundle.run.metrics?.roc_auc)).toBe(true)
    expect(JSON.stringify(bundle.run)).toBe(JSON.stringify(input.run))
    expect(canonicalJson(bundle.experiment)).toBe(canonicalJson(input.experiment))
    expect(canonicalJson(bundle.dataset)).toBe(canonicalJson(input.dataset))
    expect(canonicalJson(bundle.models)).toBe(canonicalJson(input.models))
    expect(canonicalJson(bundle.artifacts)).toBe(canonicalJson(input.artifacts))
    expect(bundle.snapshot.hash).toBe(input.run.snapshot.hash)
    for (const artifact of input.artifacts)
      expect(await bytesOf(bundle.artifactFiles.get(artifact.id))).toEqual(blobs.get(artifact.path))
    expect(bundle.datasetFile?.name).toBe('tiny.csv')
    expect(await bytesOf(bundle.datasetFile?.blob)).toEqual(csv)
    expect(bundle.manifest).toMatchObject({
      type: 'butterfly/run-bundle',
      version: 1,
      createdAt: 4000,
      seed: 42,
      environment: { tfBackend: 'cpu', userAgent: 'node' },
      dataset: { included: true, path: 'dataset/tiny.csv', hash: input.dataset.hash },
    })
    expect(bundle.manifest.hooks).toEqual([
      expect.objectContaining({
        kind: 'after_preprocessing',
        name: 'noop.js',
        source: expect.stringContaining('ctx'),
      }),
    ])
    expect([...bundle.files.keys()].sort()).toEqual([
      'artifacts/metrics.json',
      'artifacts/model-gbdt.bin',
      'dataset/tiny.csv',
      'logs.jsonl',
      'metrics.json',
    ])
  })

  it('carries hook metrics apart, as hook-metrics.json and on the run, with the evaluatedByHook mark (issue 14.6)', async () => {
    const { input } = await buildFixture()
    const run = { ...input.run, hookMetrics: { lift: 2, odd: Number.NaN }, evaluatedByHook: true }
    const bundle = await readRunBundle(await writeRunBundle({ ...input, run }))
    expect(bundle.run.metrics?.accuracy).toBe(0.75)
    expect(bundle.run.hookMetrics?.lift).toBe(2)
    expect(Number.isNaN(bundle.run.hookMetrics?.odd)).toBe(true)
    expect(bundle.run.evaluatedByHook).toBe(true)
    const file = bundle.files.get('hook-metrics.json')
    expect(JSON.parse(new TextDecoder().decode(await bytesOf(file)))).toEqual({ lift: 2, odd: null })
    expect(JSON.parse(new TextDecoder().decode(await bytesOf(bundle.files.get('metrics.json'))))).toEqual({
      accuracy: 0.75,
      roc_auc: null,
    })
  })

  it('summarises a verified bundle as plain JSON', async () => {
    const { input } = await buildFixture()
    const summary = summarizeBundle(await readRunBundle(await writeRunBundle(input)))
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary)
    expect(summary).toMatchObject({
      run: {
        id: input.run.id,
        number: 3,
        status: 'completed',
        seed: 42,
        metrics: { accuracy: 0.75, roc_auc: null },
      },
      model: { family: 'gbdt' },
      experiment: { name: 'Tiny experiment' },
      task: { target: 'y', taskType: 'binary' },
      dataset: { name: 'tiny', included: true, hash: input.dataset.hash },
      snapshotHash: input.run.snapshot.hash,
      hooks: [{ kind: 'after_preprocessing', name: 'noop.js' }],
      fileCount: 5,
    })
  })

  it('leaves the dataset out when asked', async () => {
    const { input } = await buildFixture()
    const bundle = await readRunBundle(await writeRunBundle({ ...input, includeDataset: false }))
    expect(bundle.datasetFile).toBeUndefined()
    expect(bundle.manifest.dataset.included).toBe(false)
    expect(bundle.files.has('dataset/tiny.csv')).toBe(false)
  })

  it('stores a Parquet dataset without deflating it again, under its original name', async () => {
    const { input } = await buildFixture()
    const dataset = {
      ...input.dataset,
      sourcePath: 'C:\\data\\tiny.parquet',
      sourceFormat: 'parquet' as const,
    }
    const zip = await writeRunBundle({ ...input, dataset })
    const reader = new ZipReader(new BlobReader(zip), { useWebWorkers: false })
    const entry = (await reader.getEntries()).find((e) => e.filename === 'dataset/tiny.parquet')
    await reader.close()
    expect(entry?.compressionMethod).toBe(0)
    expect((await readRunBundle(zip)).datasetFile?.name).toBe('tiny.parquet')
  })

  it('refuses to export an artifact whose stored bytes no longer match its hash', async () => {
    const { input, blobs } = await buildFixture()
    const model = input.artifacts[0]
    blobs.set(
      model.path,
      blobs.get(model.path)!.map((b, i) => (i === 10 ? b ^ 1 : b)),
    )
    await expect(writeRunBundle(input)).rejects.toThrow(/artifact model-gbdt\.bin no longer match/)
  })

  it('rejects a flipped byte inside an artifact, naming the file', async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    // Same archive structure, model file with one byte changed, original manifest: the hash check fails.
    const original = await bytesOf((await readRunBundle(zip)).files.get('artifacts/model-gbdt.bin'))
    const tampered = original.map((b, i) => (i === 1234 ? b ^ 0x40 : b))
    const error = await rejection(
      readRunBundle(await rezip(zip, { files: { 'artifacts/model-gbdt.bin': tampered } })),
    )
    expect(error.message).toContain("'artifacts/model-gbdt.bin'")
    expect(error.message).toContain('SHA-256')
  })

  it('rejects a byte flipped in the archive itself (CRC or hash), naming the file', async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    // Find the model entry's data: its local header name, then a byte well inside the compressed data.
    const name = encoder.encode('artifacts/model-gbdt.bin')
    let at = -1
    for (let i = 0; i < zip.length - name.length && at < 0; i++)
      if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 3 && zip[i + 3] === 4) {
        const nameLength = zip[i + 26] | (zip[i + 27] << 8)
        if (nameLength === name.length && name.every((b, k) => zip[i + 30 + k] === b)) at = i
      }
    expect(at).toBeGreaterThanOrEqual(0)
    const extra = zip[at + 28] | (zip[at + 29] << 8)
    const corrupt = zip.slice()
    corrupt[at + 30 + name.length + extra + 40] ^= 0xff
    const error = await rejection(readRunBundle(corrupt))
    expect(error.message).toContain('artifacts/model-gbdt.bin')
  })

  it('rejects a truncated zip', async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    const error = await rejection(readRunBundle(zip.subarray(0, Math.floor(zip.length * 0.6))))
    expect(error.message).toMatch(/not a readable zip archive/)
  })

  it('rejects a foreign zip (no manifest) and a zip whose manifest is of another type', async () => {
    const foreign = await rejection(readRunBundle(await zipOf([['readme.txt', 'hello']])))
    expect(foreign.message).toMatch(/not a Butterfly run bundle/)
    const other = await rejection(
      readRunBundle(await zipOf([['manifest.json', JSON.stringify({ type: 'something/else', version: 1 })]])),
    )
    expect(other.message).toMatch(/not a Butterfly run bundle.*something\/else/)
    const notZip = await rejection(readRunBundle(encoder.encode('a,b\n1,2\n')))
    expect(notZip.message).toMatch(/not a readable zip archive/)
  })

  it('refuses path traversal, absolute and backslash names', async () => {
    const traversal = await rejection(readRunBundle(await zipOf([['../evil', 'x']])))
    expect(traversal.message).toContain("'../evil'")
    expect(traversal.message).toMatch(/traversal/)
    expect(entryNameProblem('/etc/passwd')).toBe('absolute path')
    expect(entryNameProblem('a\\b')).toBe('backslash in the name')
    expect(entryNameProblem('C:/x')).toBe('drive-letter path')
    expect(entryNameProblem('artifacts/./x')).toBe("'.' segment")
    expect(entryNameProblem('artifacts/model-gbdt.bin')).toBeUndefined()
  })

  it('refuses unlisted files, files missing from the archive and a newer bundle version', async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    const verified = await readRunBundle(zip)
    const manifestText = JSON.stringify(verified.manifest)
    const unlisted = await rejection(
      readRunBundle(
        await zipOf([...verified.files.entries(), ['extra.js', 'alert(1)'], ['manifest.json', manifestText]]),
      ),
    )
    expect(unlisted.message).toMatch(/'extra\.js', which the manifest does not list/)
    const missing = await rejection(
      readRunBundle(
        await zipOf([
          ...[...verified.files.entries()].filter(([path]) => path !== 'logs.jsonl'),
          ['manifest.json', manifestText],
        ]),
      ),
    )
    expect(missing.message).toMatch(/'logs\.jsonl' listed in the manifest is missing/)
    const newer = await rejection(
      readRunBundle(
        await rezip(zip, {
          manifest: (m) => {
            m.version = 2
          },
        }),
      ),
    )
    expect(newer.message).toMatch(/newer Butterfly/)
  })

  it('refuses a zip bomb from the declared sizes, before inflating it', async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024)
    const bomb = await zipOf([
      ['manifest.json', JSON.stringify({ type: 'butterfly/run-bundle', version: 1, files: [] })],
      ['artifacts/zeros.bin', zeros],
    ])
    expect(bomb.length).toBeLessThan(64 * 1024)
    const ratio = await rejection(readRunBundle(bomb))
    expect(ratio.message).toMatch(/'artifacts\/zeros\.bin' compresses \d+:1, over the limit of 400:1/)
    const size = await rejection(readRunBundle(bomb, { limits: { maxEntryBytes: 1024 * 1024 } }))
    expect(size.message).toMatch(/'artifacts\/zeros\.bin' is 8388608 bytes uncompressed, over the limit/)
    const total = await rejection(readRunBundle(bomb, { limits: { maxTotalBytes: 4 * 1024 * 1024 } }))
    expect(total.message).toMatch(/more than the limit of 4194304 bytes/)
    const count = await rejection(readRunBundle(bomb, { limits: { maxEntries: 1 } }))
    expect(count.message).toMatch(/2 entries, over the limit of 1/)
  })

  it('stops inflating an entry whose header understates its size', async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    // The model file replaced by 2 MiB of zeros, with the manifest and records unchanged (5000 bytes)…
    const zeros = new Uint8Array(2 * 1024 * 1024)
    const swapped = await rezip(zip, { files: { 'artifacts/model-gbdt.bin': zeros } })
    // …and the declared uncompressed size in the headers rewritten from 2 MiB to 5000.
    const view = new DataView(swapped.buffer)
    let patched = 0
    for (let i = 0; i < swapped.length - 30; i++) {
      const signature = view.getUint32(i, true)
      if (signature === 0x04034b50 && view.getUint32(i + 22, true) === zeros.length) {
        view.setUint32(i + 22, 5000, true)
        patched++
      }
      if (signature === 0x02014b50 && view.getUint32(i + 24, true) === zeros.length) {
        view.setUint32(i + 24, 5000, true)
        patched++
      }
    }
    expect(patched).toBeGreaterThanOrEqual(1)
    const error = await rejection(readRunBundle(swapped))
    expect(error.message).toMatch(
      /'artifacts\/model-gbdt\.bin' (inflates to more than its declared 5000 bytes|is corrupt)/,
    )
  })

  it('rejects a manifest whose snapshot hash does not match the snapshot content', async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    const otherHash = await sha256('something else')
    const edited = await rezip(zip, {
      manifest: (m) => {
        m.run.snapshot = { ...m.run.snapshot, hash: otherHash }
        m.pipelineSnapshot = { ...m.pipelineSnapshot, hash: otherHash }
      },
    })
    const error = await rejection(readRunBundle(edited))
    expect(error.message).toMatch(/snapshot's hash does not match its content/)
    // A changed config with the old hash fails the same way.
    const configEdited = await rezip(zip, {
      manifest: (m) => {
        for (const s of [m.run.snapshot, m.pipelineSnapshot])
          s.globalConfig = { ...s.globalConfig, testFraction: 0.5 }
      },
    })
    expect((await rejection(readRunBundle(configEdited))).message).toMatch(/snapshot's hash/)
    expect(await computeSnapshotHash(input.run.snapshot)).toBe(input.run.snapshot.hash)
  })

  it("rejects hook code that does not match its hash, and a dataset file that does not match the dataset's", async () => {
    const { input } = await buildFixture()
    const zip = new Uint8Array(await (await writeRunBundle(input)).arrayBuffer())
    const hookEdited = await rezip(zip, {
      manifest: (m) => {
        m.hooks[0].source = 'steal()'
      },
    })
    expect((await rejection(readRunBundle(hookEdited))).message).toMatch(/hooks differ/)
    const otherCsv = encoder.encode('a,b,y\n9,9,9\n')
    const datasetEdited = await rezip(zip, {
      files: { 'dataset/tiny.csv': otherCsv },
      manifest: (m) => {
        const file = m.files.find((f) => f.path === 'dataset/tiny.csv')!
        file.size = otherCsv.byteLength
      },
    })
    // The manifest's file hash is stale first; fix it too and the dataset hash check catches it.
    expect((await rejection(readRunBundle(datasetEdited))).message).toMatch(
      /'dataset\/tiny\.csv' does not match its SHA-256/,
    )
    const otherHash = await sha256(otherCsv)
    const datasetRehashed = await rezip(zip, {
      files: { 'dataset/tiny.csv': otherCsv },
      manifest: (m) => {
        const file = m.files.find((f) => f.path === 'dataset/tiny.csv')!
        file.size = otherCsv.byteLength
        file.sha256 = otherHash
      },
    })
    expect((await rejection(readRunBundle(datasetRehashed))).message).toMatch(
      /dataset file 'dataset\/tiny\.csv' does not match the dataset hash/,
    )
  })

  it('plans an import: dataset added, or deduplicated by hash; ids kept unless taken; run marked imported', async () => {
    const { input, csv } = await buildFixture()
    const bundle = await readRunBundle(await writeRunBundle(input))
    const target = newId('workspace', seededBytes(99)) as WorkspaceId
    const context = {
      bundleName: 'tiny.butterfly.zip',
      now: 9000,
      appVersion: '1.2.3',
      browser: 'node',
      randomBytes: seededBytes(5),
    }

    const fresh = planBundleImport(bundle, target, {}, context)
    expect(fresh.dataset.action).toBe('add')
    if (fresh.dataset.action !== 'add') throw new Error('unreachable')
    expect(await bytesOf(fresh.dataset.blob)).toEqual(csv)
    expect(fresh.dataset.record).toMatchObject({
      id: input.dataset.id,
      workspaceId: target,
      version: 1,
      hash: input.dataset.hash,
    })
    expect(fresh.run.id).toBe(input.run.id)
    expect(fresh.run.workspaceId).toBe(target)
    expect(fresh.run.origin).toEqual({
      kind: 'imported',
      bundleName: 'tiny.butterfly.zip',
      importedAt: 9000,
      appVersion: '1.2.3',
      browser: 'node',
    })
    expect(Object.isFrozen(fresh.run)).toBe(true)
    expect(fresh.run.snapshot.hash).toBe(input.run.snapshot.hash)
    expect(fresh.experiment.action).toBe('add')
    if (fresh.experiment.action !== 'add') throw new Error('unreachable')
    expect(fresh.experiment.pipeline.versionHash).toBe(input.run.snapshot.hash)
    expect(fresh.experiment.hooks.map((h) => h.codeHash)).toEqual(
      bundle.manifest.hooks.map((h) => h.codeHash),
    )
    expect(fresh.artifacts.map((a) => a.record.path)).toEqual(input.artifacts.map((a) => a.path))

    // Same bytes already in the workspace (another id, another name): reused, nothing to write.
    const existingDataset: Dataset = {
      ...input.dataset,
      id: newId('dataset', seededBytes(7)),
      workspaceId: target,
      name: 'mine',
    }
    const dedup = planBundleImport(bundle, target, { datasetByHash: existingDataset }, context)
    expect(dedup.dataset).toEqual({ action: 'reuse', record: existingDataset })
    expect(dedup.run.datasetId).toBe(existingDataset.id)
    if (dedup.experiment.action === 'add') expect(dedup.experiment.record.datasetId).toBe(existingDataset.id)

    // The run id is taken (the same bundle imported twice): run, models and artifacts get new ids.
    const again = planBundleImport(
      bundle,
      target,
      {
        datasetByHash: existingDataset,
        isIdTaken: (id) => id === input.run.id,
        experimentIds: new Set([input.experiment.id]),
        runsInExperiment: 4,
      },
      context,
    )
    expect(again.runIdChanged).toBe(true)
    expect(again.run.id).not.toBe(input.run.id)
    expect(again.run.number).toBe(5)
    expect(again.experiment).toEqual({ action: 'reuse', id: input.experiment.id })
    expect(again.models[0].runId).toBe(again.run.id)
    expect(again.run.modelIds).toEqual([again.models[0].id])
    expect(again.models[0].artifactIds).toEqual([again.artifacts[0].record.id])
    expect(again.artifacts[0].record.modelId).toBe(again.models[0].id)
    expect(again.artifacts.every((a) => a.record.path.startsWith(`runs/${again.run.id}/`))).toBe(true)
    expect(again.notes).toContain(
      'This run is already stored in this browser (maybe in another workspace), so the imported copy is kept apart from it.',
    )
    // Short separate sentences, with names and without raw ids.
    for (const note of again.notes) {
      expect(note).toMatch(/\.$/)
      expect(note).not.toMatch(/(run|exp|ds|model|artifact)_[0-9A-Za-z]{6,}/)
    }

    // Into a second workspace of the same database: every id of the bundle is taken (in the first one).
    const firstIds = new Set<string>([
      fresh.run.id,
      fresh.experiment.action === 'add' ? fresh.experiment.record.id : '',
      fresh.experiment.action === 'add' ? fresh.experiment.pipeline.id : '',
      ...(fresh.experiment.action === 'add' ? fresh.experiment.hooks.map((h) => h.id) : []),
      fresh.dataset.action === 'add' ? fresh.dataset.record.id : '',
      ...fresh.models.map((m) => m.id),
      ...fresh.artifacts.map((a) => a.record.id),
    ])
    const second = planBundleImport(
      bundle,
      newId('workspace', seededBytes(98)),
      { isIdTaken: (id) => firstIds.has(id) },
      context,
    )
    if (second.experiment.action !== 'add' || second.dataset.action !== 'add')
      throw new Error('expected adds')
    const secondIds = [
      second.run.id,
      second.experiment.record.id,
      second.experiment.pipeline.id,
      ...second.experiment.hooks.map((h) => h.id),
      second.dataset.record.id,
      ...second.models.map((m) => m.id),
      ...second.artifacts.map((a) => a.record.id),
    ]
    expect(secondIds.filter((id) => firstIds.has(id))).toEqual([])
    expect(second.run.experimentId).toBe(second.experiment.record.id)
    expect(second.experiment.pipeline.experimentId).toBe(second.experiment.record.id)
    expect(second.experiment.record.pipelineId).toBe(second.experiment.pipeline.id)
    expect(second.experiment.pipeline.blocks.flatMap((b) => b.hookIds)).toEqual(
      second.experiment.hooks.map((h) => h.id),
    )
    const secondPipelineId = second.experiment.pipeline.id
    expect(second.experiment.hooks.every((h) => h.pipelineId === secondPipelineId)).toBe(true)
    expect(second.run.datasetId).toBe(second.dataset.record.id)

    // No file in the bundle and no dataset with that hash: the run is still importable, marked missing.
    const noData = await readRunBundle(await writeRunBundle({ ...input, includeDataset: false }))
    expect(planBundleImport(noData, target, {}, context).dataset.action).toBe('missing')
  })

  it('still reads the version 1 bundle kept in tests/fixtures (keep it for good)', async () => {
    const bytes = new Uint8Array(
      readFileSync(
        fileURLToPath(new URL('../../../tests/fixtures/bundle/tiny-v1.butterfly.zip', import.meta.url)),
      ),
    )
    const bundle = await readRunBundle(bytes)
    expect(bundle.manifest.version).toBe(1)
    expect(bundle.run.id).toBe('run_60z3jfh7515snp01tc2erzzx04')
    expect(bundle.snapshot.hash).toBe('22fcd15ea3e82bf3bb302041e73754cf2f93653e326d2ba1dc9dd7558ca720d3')
    expect(bundle.datasetFile?.name).toBe('tiny.csv')
    expect(await sha256(await bytesOf(bundle.datasetFile?.blob))).toBe(
      '229db44b3d9bd751d9f040b8cf271f68f1b9fece8de0a01f2551862b20c3a994',
    )
    expect(bundle.artifacts.map((a) => a.fileName)).toEqual(['model-gbdt.bin', 'metrics.json'])
  })

  it('names bundle files safely', () => {
    expect(runBundleFileName('Penguins / species?', 3)).toBe('Penguins-species-run-3.butterfly.zip')
    expect(runBundleFileName('***', 1)).toBe('experiment-run-1.butterfly.zip')
  })
})
