/**
 * Forged bundles: a real bundle from the headless runner (model selection over four families, data
 * included), then one tampering at a time of the manifest's records, the file hashes left as they
 * were. Every one must be refused by the one bundle reader behind `verify` and the app's import,
 * naming the field. Last, a forger who also edits the files and recomputes every hash: the reader
 * cannot tell (what hashes prove), and `verify --rerun` refuses the numbers.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobWriter, configure, TextReader, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseArgs, runHeadless } from '../../../src/cli/headless.ts'
import { verifyBundleFile } from '../../../src/cli/headlessBundle.ts'
import { StorageError } from '../../../src/domain/errors.ts'
import { sha256 } from '../../../src/domain/hash.ts'
import { computeSnapshotHash } from '../../../src/domain/pipeline.ts'
import type { RunBundleManifest } from '../../../src/storage/bundle/manifest.ts'
import { readRunBundle } from '../../../src/storage/bundle/readBundle.ts'
import { fixturePath } from '../../fixtures/engine/readFixture.ts'

configure({ useWebWorkers: false })

let dir: string
let original: Uint8Array
let manifest: RunBundleManifest
let files: Map<string, Uint8Array>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'butterfly-forgery-'))
  const bundlePath = join(dir, 'run.butterfly.zip')
  const result = await runHeadless(
    parseArgs([
      'run',
      '--data',
      fixturePath('penguins.csv'),
      '--target',
      'species',
      '--split',
      fixturePath('penguins.split.json'),
      '--out',
      join(dir, 'result.json'),
      '--bundle',
      bundlePath,
      '--include-data',
    ]),
  )
  expect(result.exitCode === 0 || result.message).toBe(true)
  original = new Uint8Array(await readFile(bundlePath))
  const verified = await readRunBundle(original)
  manifest = verified.manifest
  files = new Map()
  for (const [path, blob] of verified.files) files.set(path, new Uint8Array(await blob.arrayBuffer()))
}, 180_000)

/** The bundle re-zipped with an edited manifest (and, for the full forger, edited files). */
async function forge(
  editManifest: (m: RunBundleManifest) => void | Promise<void>,
  editFiles: Record<string, Uint8Array> = {},
): Promise<Uint8Array> {
  const m = JSON.parse(JSON.stringify(manifest)) as RunBundleManifest
  await editManifest(m)
  const writer = new ZipWriter(new BlobWriter('application/zip'), { useWebWorkers: false })
  for (const [path, bytes] of files) await writer.add(path, new Uint8ArrayReader(editFiles[path] ?? bytes))
  await writer.add('manifest.json', new TextReader(JSON.stringify(m)))
  return new Uint8Array(await (await writer.close()).arrayBuffer())
}

async function refusal(zip: Uint8Array): Promise<string> {
  try {
    await readRunBundle(zip)
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError)
    return (error as StorageError).message
  }
  return 'ACCEPTED'
}

const chosen = (m: RunBundleManifest) => m.models.find((x) => x.role === 'chosen')!
const candidates = (m: RunBundleManifest) => m.models.filter((x) => x.role === 'candidate')

/** One tampering of the manifest alone, and a pattern its refusal must match (the field it names). */
const tamperings: [string, (m: RunBundleManifest) => void | Promise<void>, RegExp][] = [
  [
    'accuracy lowered (the observed forgery)',
    (m) => {
      m.run.metrics!.accuracy = 0.123
    },
    /run\.metrics\.accuracy is 0\.123 but the hashed metrics\.json says 1/,
  ],
  [
    'log_loss improved',
    (m) => {
      m.run.metrics!.log_loss = 0.0001
    },
    /run\.metrics\.log_loss/,
  ],
  [
    'a metric added',
    (m) => {
      m.run.metrics!.r2 = 0.99
    },
    /run\.metrics\.r2 is 0\.99/,
  ],
  [
    'a metric removed',
    (m) => {
      delete m.run.metrics!.roc_auc
    },
    /run\.metrics\.roc_auc is absent/,
  ],
  [
    'a metric made null (NaN)',
    (m) => {
      ;(m.run.metrics as Record<string, unknown>).f1_macro = null
    },
    /run\.metrics\.f1_macro is null/,
  ],
  [
    'a metric made a string',
    (m) => {
      ;(m.run.metrics as Record<string, unknown>).accuracy = '1'
    },
    /run record is invalid: .*metrics\.accuracy must be a number/,
  ],
  [
    'every metric removed',
    (m) => {
      m.run.metrics = {}
    },
    /run\.metrics\./,
  ],
  [
    'run.model family',
    (m) => {
      m.run.model!.family = 'gbdt'
    },
    /run\.model\.family is "gbdt"/,
  ],
  [
    'run.model hyperparameters',
    (m) => {
      m.run.model!.hyperparameters = { ...m.run.model!.hyperparameters, l2: 123 }
    },
    /run\.model\.hyperparameters/,
  ],
  [
    'chosen model and run.model both renamed',
    (m) => {
      chosen(m).family = 'mlp'
      m.run.model!.family = 'mlp'
    },
    /chosen model family is "mlp" but the hashed artifacts\/metrics\.json says "logistic"/,
  ],
  [
    'chosen validation score raised',
    (m) => {
      chosen(m).validationScore = 0.999
    },
    /chosen model validationScore is 0\.999/,
  ],
  [
    'candidate validation score lowered',
    (m) => {
      candidates(m)[0]!.validationScore = 0.1
    },
    /candidate model 1 .*validationScore 0\.1\) matches no entry/,
  ],
  [
    'candidate family renamed',
    (m) => {
      candidates(m)[1]!.family = 'tree'
    },
    /candidate model 2 \(tree, .*matches no entry/,
  ],
  [
    'candidate hyperparameters',
    (m) => {
      candidates(m)[2]!.hyperparameters = { n_estimators: 1 }
    },
    /candidate model 3 .*matches no entry/,
  ],
  [
    'candidate record dropped',
    (m) => {
      const dropped = candidates(m)[2]!
      m.models = m.models.filter((x) => x !== dropped)
      m.run.modelIds = m.run.modelIds.filter((id) => id !== dropped.id)
    },
    /2 candidate model records but the hashed artifacts\/metrics\.json lists 3/,
  ],
  [
    'candidate promoted to chosen',
    (m) => {
      const promoted = candidates(m)[0]!
      promoted.role = 'chosen'
      m.run.modelIds.push(promoted.id)
    },
    /2 chosen models/,
  ],
  [
    'model record not named by the run',
    (m) => {
      m.run.modelIds = []
    },
    /chosen model .* is not named in run\.modelIds/,
  ],
  [
    'artifact not named by the run',
    (m) => {
      m.run.artifactIds = m.run.artifactIds.slice(1)
    },
    /run\.artifactIds does not name/,
  ],
  [
    'model file moved to a candidate',
    (m) => {
      const file = m.artifacts.find((a) => a.type === 'model')!
      file.modelId = candidates(m)[0]!.id
    },
    /whose record does not list it|belongs to model/,
  ],
  [
    'chosen model lists no files',
    (m) => {
      chosen(m).artifactIds = []
    },
    /whose record does not list it/,
  ],
  [
    'artifact hash swapped',
    (m) => {
      m.artifacts[0]!.sha256 = m.artifacts[1]!.sha256
    },
    /does not match the SHA-256 or size recorded for artifact/,
  ],
  [
    'artifact size changed',
    (m) => {
      m.artifacts[0]!.byteSize += 1
    },
    /does not match the SHA-256 or size recorded for artifact/,
  ],
  [
    'log entry reworded',
    (m) => {
      m.run.logs[0]!.message = 'all good'
    },
    /run\.logs differ from the hashed logs\.jsonl \(entry 1\)/,
  ],
  [
    'log entry removed',
    (m) => {
      m.run.logs.pop()
    },
    /run\.logs differ from the hashed logs\.jsonl/,
  ],
  [
    'seed changed everywhere but the snapshot hash',
    (m) => {
      m.seed = 7
      m.run.seed = 7
      m.run.snapshot.globalConfig.seed = 7
      m.pipelineSnapshot.globalConfig.seed = 7
    },
    /snapshot's hash does not match its content/,
  ],
  [
    'test fraction changed, snapshot hash recomputed',
    async (m) => {
      m.run.snapshot.globalConfig.testFraction = 0.5
      m.run.snapshot.hash = await computeSnapshotHash(m.run.snapshot)
      m.pipelineSnapshot = m.run.snapshot
    },
    /run\.snapshot\.hash is ".*" but the hashed artifacts\/metrics\.json says/,
  ],
  [
    'dataset hash changed on every record',
    async (m) => {
      const hash = await sha256('another dataset')
      m.run.datasetHash = hash
      m.run.snapshot.datasetHash = hash
      m.pipelineSnapshot.datasetHash = hash
      m.dataset.hash = hash
      m.dataset.metadata.hash = hash
    },
    /snapshot's hash does not match its content|does not match the dataset hash/,
  ],
  [
    'dataset row count kept but byte size changed',
    (m) => {
      m.dataset.metadata.byteSize = 10
    },
    /dataset\.metadata\.byteSize is 10/,
  ],
  [
    'dataset record of another dataset',
    (m) => {
      m.dataset.metadata.id = m.run.id.replace('run_', 'dst_') as never
    },
    /not the run's dataset|dataset record is invalid/,
  ],
  [
    'run datasetId changed',
    (m) => {
      m.run.datasetId = m.dataset.metadata.id.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) as never
    },
    /not the run's dataset/,
  ],
  [
    'run marked running',
    (m) => {
      m.run.status = 'running'
    },
    /still marked running/,
  ],
  [
    'run moved to another experiment',
    (m) => {
      m.experiment.id = m.experiment.id.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) as never
    },
    /experiment/,
  ],
  [
    'hook list edited',
    (m) => {
      m.hooks.push({
        id: 'hok_x' as never,
        kind: 'after_evaluation',
        name: 'x.js',
        codeHash: m.dataset.hash,
        source: '',
      })
    },
    /hooks differ/,
  ],
]

describe('forged bundles', () => {
  it('the untouched bundle re-zipped still verifies (the harness changes nothing by itself)', async () => {
    expect(await refusal(await forge(() => undefined))).toBe('ACCEPTED')
    // The app stores model records by id, not in leaderboard order: order is not a tampering.
    expect(await refusal(await forge((m) => void m.models.reverse()))).toBe('ACCEPTED')
  })

  it(`refuses each of ${tamperings.length} tamperings of the manifest's records, naming the field`, async () => {
    const outcomes: string[] = []
    for (const [name, edit, pattern] of tamperings) {
      const message = await refusal(await forge(edit))
      outcomes.push(`${name}: ${message}`)
      expect(message, name).not.toBe('ACCEPTED')
      expect(message, name).toMatch(pattern)
    }
    // Counts for the issue's closing note.
    console.info(`bundle tamperings: ${tamperings.length} tried, ${outcomes.length} refused`)
  }, 60_000)

  it('verify prints the refusal naming the field and exits 1', async () => {
    const path = join(dir, 'accuracy-0.123.butterfly.zip')
    await writeFile(
      path,
      await forge((m) => {
        m.run.metrics!.accuracy = 0.123
      }),
    )
    const result = await verifyBundleFile(path)
    expect(result.exitCode).toBe(1)
    expect(result.lines).toHaveLength(1)
    expect(result.lines[0]).toMatch(/^REJECTED: The manifest's run\.metrics\.accuracy is 0\.123/)
  })

  it('a forger who rewrites the files and recomputes every hash passes the reader, and verify --rerun refuses the numbers', async () => {
    const text = (path: string) => new TextDecoder().decode(files.get(path)!)
    const metricsFile = JSON.parse(text('metrics.json')) as Record<string, number>
    metricsFile.accuracy = 0.5
    const report = JSON.parse(text('artifacts/metrics.json')) as { metrics: Record<string, number> }
    report.metrics.accuracy = 0.5
    const edited = {
      'metrics.json': new TextEncoder().encode(JSON.stringify(metricsFile)),
      'artifacts/metrics.json': new TextEncoder().encode(JSON.stringify(report)),
    }
    const zip = await forge(async (m) => {
      m.run.metrics!.accuracy = 0.5
      for (const [path, bytes] of Object.entries(edited)) {
        const entry = m.files.find((f) => f.path === path)!
        entry.sha256 = await sha256(bytes)
        entry.size = bytes.byteLength
      }
      const artifact = m.artifacts.find((a) => a.fileName === 'metrics.json')!
      artifact.sha256 = await sha256(edited['artifacts/metrics.json'])
      artifact.byteSize = edited['artifacts/metrics.json'].byteLength
    }, edited)
    const path = join(dir, 'full-forgery.butterfly.zip')
    await writeFile(path, zip)
    // Hashes prove the files are the listed ones, not that the numbers were computed.
    expect((await verifyBundleFile(path)).exitCode).toBe(0)
    const rerun = await verifyBundleFile(path, { rerun: true })
    expect(rerun.exitCode).toBe(1)
    expect(rerun.comparisons?.find((c) => c.name === 'accuracy')).toMatchObject({
      recorded: 0.5,
      rerun: 1,
      match: false,
    })
    expect(rerun.comparisons?.filter((c) => !c.match)).toHaveLength(1)
  }, 60_000)
})
