import { describe, expect, it } from 'vitest'
import { importCycles, importGraph, importsOf } from './importGraph.ts'

/**
 * Layers point one way: domain ← engine ← outputs ← runs ← storage ← workers ← app / cli. A file may
 * import its own layer or any lower one; app and cli never import each other.
 */
const layers: Record<string, number> = {
  domain: 0,
  engine: 1,
  outputs: 2,
  runs: 3,
  storage: 4,
  workers: 5,
  app: 6,
  cli: 6,
}

const layerOf = (file: string) => file.split('/')[0]

/** Every import that points up (or sideways between app and cli), as `from -> to`. */
function layeringViolations(graph: Map<string, string[]>): string[] {
  const violations: string[] = []
  for (const [file, targets] of graph)
    for (const target of targets) {
      const from = layerOf(file)
      const to = layerOf(target)
      if (from === to || !(from in layers) || !(to in layers)) continue
      if (layers[to] > layers[from] || (layers[to] === layers[from] && from !== to))
        violations.push(`${file} -> ${target}`)
    }
  return violations
}

/**
 * The packages the app's main thread loads, each with the first file that imports it: from
 * src/app/main.tsx along imports that survive compilation (`import type` is erased). Worker entries are
 * started by URL and not followed.
 */
function mainThreadPackages(): Map<string, string> {
  const packages = new Map<string, string>()
  const seen = new Set(['app/main.tsx'])
  const queue = ['app/main.tsx']
  while (queue.length > 0) {
    const file = queue.shift()!
    const { files, packages: used } = importsOf(file, true)
    for (const name of used) if (!packages.has(name)) packages.set(name, file)
    for (const next of files)
      if (!seen.has(next) && /\.tsx?$/.test(next)) {
        seen.add(next)
        queue.push(next)
      }
  }
  return packages
}

describe('layering of src/', () => {
  it('has no import from a lower layer to an upper one', () => {
    expect(layeringViolations(importGraph())).toEqual([])
  })

  it('catches an upward import (the check itself can fail)', () => {
    const graph = new Map([
      ['domain/run.ts', ['engine/frame.ts']],
      ['storage/db.ts', ['workers/protocol.ts']],
      ['cli/headless.ts', ['app/services/runs.ts']],
      ['engine/frame.ts', ['domain/run.ts']],
    ])
    expect(layeringViolations(graph)).toEqual([
      'domain/run.ts -> engine/frame.ts',
      'storage/db.ts -> workers/protocol.ts',
      'cli/headless.ts -> app/services/runs.ts',
    ])
  })

  it('has no import cycles (domain/hook ↔ domain/pipeline and engine/models/model ↔ engine/trees/forest are gone)', () => {
    expect(importCycles(importGraph())).toEqual([])
    expect(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['a.ts']],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts']])
  })

  it('keeps TF.js off the app main thread (it loads in the run worker only)', () => {
    const packages = mainThreadPackages()
    expect(packages.size).toBeGreaterThan(3)
    expect(packages.has('solid-js')).toBe(true)
    const tf = [...packages].filter(([name]) => name.startsWith('@tensorflow/'))
    expect(tf).toEqual([])
  })
})
