/** Small seeded synthetic datasets for the tree tests (test-only helpers; nothing here reads files). */
import { createRng } from '../../domain/random.ts'
import type { FeatureMatrix, Target } from '../frame.ts'

export interface Dataset {
  X: FeatureMatrix
  y: Target
}

export function matrix(columns: number[][], categoricalLevels?: number[]): FeatureMatrix {
  return {
    nRows: columns[0].length,
    names: columns.map((_, j) => `x${j}`),
    columns: columns.map((c) => Float64Array.from(c)),
    categoricalLevels: categoricalLevels ?? columns.map(() => 0),
  }
}

export function classes(codes: number[], k = 2): Target {
  return {
    kind: 'classification',
    codes: Int32Array.from(codes),
    classes: Array.from({ length: k }, (_, i) => `c${i}`),
  }
}

/** `k` Gaussian blobs in 4 dimensions (2 informative, 2 noise), plus a categorical and some NaNs. */
export function blobs(n: number, k: number, seed: number): Dataset {
  const rng = createRng(seed)
  const cols: number[][] = [[], [], [], [], []]
  const codes: number[] = []
  for (let i = 0; i < n; i++) {
    const c = i % k
    codes.push(c)
    const angle = (2 * Math.PI * c) / k
    cols[0].push(3 * Math.cos(angle) + rng.nextNormal())
    cols[1].push(3 * Math.sin(angle) + rng.nextNormal())
    cols[2].push(rng.nextNormal())
    cols[3].push(rng.nextFloat() < 0.1 ? Number.NaN : rng.nextNormal())
    cols[4].push(rng.nextFloat() < 0.05 ? Number.NaN : rng.nextInt(5))
  }
  return { X: matrix(cols, [0, 0, 0, 0, 5]), y: classes(codes, k) }
}

/** y = sin(x0) + x1² / 4 + noise, with a categorical offset. */
export function regression(n: number, seed: number): Dataset {
  const rng = createRng(seed)
  const cols: number[][] = [[], [], [], []]
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const x0 = rng.nextFloat() * 6 - 3
    const x1 = rng.nextFloat() * 4 - 2
    const cat = rng.nextInt(4)
    cols[0].push(x0)
    cols[1].push(x1)
    cols[2].push(rng.nextNormal())
    cols[3].push(cat)
    y[i] = Math.sin(x0) + (x1 * x1) / 4 + (cat === 2 ? 1 : 0) + 0.1 * rng.nextNormal()
  }
  return { X: matrix(cols, [0, 0, 0, 4]), y: { kind: 'regression', values: y } }
}

/** Rows `from .. to` of a dataset. */
export function slice(data: Dataset, from: number, to: number): Dataset {
  const X: FeatureMatrix = {
    ...data.X,
    nRows: to - from,
    columns: data.X.columns.map((c) => c.slice(from, to)),
  }
  const y: Target =
    data.y.kind === 'regression'
      ? { ...data.y, values: data.y.values.slice(from, to) }
      : { ...data.y, codes: data.y.codes.slice(from, to) }
  return { X, y }
}

export function accuracy(pred: Float64Array, y: Target): number {
  if (y.kind !== 'classification') throw new Error('accuracy needs classes')
  let correct = 0
  for (let i = 0; i < pred.length; i++) if (pred[i] === y.codes[i]) correct++
  return correct / pred.length
}

export function r2(pred: Float64Array, y: Target): number {
  if (y.kind !== 'regression') throw new Error('r2 needs values')
  const v = y.values
  let mean = 0
  for (let i = 0; i < v.length; i++) mean += v[i] / v.length
  let se = 0
  let ss = 0
  for (let i = 0; i < v.length; i++) {
    se += (pred[i] - v[i]) ** 2
    ss += (v[i] - mean) ** 2
  }
  return 1 - se / ss
}
