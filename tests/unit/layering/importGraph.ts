/**
 * The import graph of src/: every `import … from`, `export … from` and `import(…)` of a relative path,
 * resolved to a file under src/. Read from the source text, so it sees type-only imports too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const srcRoot = fileURLToPath(new URL('../../../src/', import.meta.url))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : []
  })
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)(\s+type\b)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g

/** What one file imports: src files (relative to src/) and packages; `runtimeOnly` leaves out `import type`. */
export function importsOf(file: string, runtimeOnly = false): { files: string[]; packages: string[] } {
  const path = join(srcRoot, file)
  const files = new Set<string>()
  const packages = new Set<string>()
  for (const match of readFileSync(path, 'utf8').matchAll(importPattern)) {
    if (runtimeOnly && match[1]) continue
    const specifier = (match[2] ?? match[3] ?? match[4]).replace(/\?.*$/, '')
    if (!specifier.startsWith('.')) packages.add(specifier)
    else {
      const target = relative(srcRoot, resolve(dirname(path), specifier))
      if (!target.startsWith('..')) files.add(target)
    }
  }
  return { files: [...files], packages: [...packages] }
}

/** Source files (paths relative to src/, e.g. `domain/hook.ts`) and the src files each imports. */
export function importGraph(): Map<string, string[]> {
  return new Map(
    sourceFiles(srcRoot).map((path) => {
      const file = relative(srcRoot, path)
      return [file, importsOf(file).files]
    }),
  )
}

/** Groups of files that import each other (strongly connected components with more than one file). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (node: string) => {
    indices.set(node, index)
    low.set(node, index++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      if (!indices.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!))
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1) cycles.push(component.sort())
    }
  }
  for (const node of graph.keys()) if (!indices.has(node)) visit(node)
  return cycles
}
