/**
 * Train/test and validation splits over row indices: stratified hold-out (per class, like scikit-learn's
 * train_test_split sizes: test = ceil(fraction · n)), k-fold (stratified for classification), and an
 * explicit test list (the `split.json` format). Randomness comes only from the passed RNG.
 */
import { ValidationError } from '../../domain/errors.ts'
import type { Rng } from '../../domain/random.ts'
import { shuffleInPlace } from '../../domain/random.ts'

/** Train and test positions, each ascending. */
export interface RowSplit {
  train: Int32Array
  test: Int32Array
}

/** Test rows of a hold-out of `n` rows: `testFraction` of them rounded up, at least 1 and at most n − 1. */
export function testRowCount(n: number, testFraction: number): number {
  return Math.min(n - 1, Math.max(1, Math.ceil(testFraction * n)))
}

/**
 * Splits `rows` (positions into some table) so that about `testFraction` of them are test rows. With
 * `strata` (a class code per position of `rows`), each class keeps its share (largest remainders).
 */
export function stratifiedHoldout(
  rows: Int32Array,
  testFraction: number,
  rng: Rng,
  strata?: Int32Array,
): RowSplit {
  const n = rows.length
  if (!(testFraction > 0 && testFraction < 1))
    throw new ValidationError(
      'invalid-argument',
      `Test fraction must be between 0 and 1, got ${testFraction}`,
    )
  const nTest = testRowCount(n, testFraction)
  const isTest = new Uint8Array(n)
  if (!strata) {
    const order = shuffleInPlace(
      Int32Array.from({ length: n }, (_, i) => i),
      rng,
    )
    for (let i = 0; i < nTest; i++) isTest[order[i]] = 1
  } else {
    const groups = groupPositions(strata)
    // Largest-remainder allocation of the test rows over classes, ties to the larger class then lower code.
    const quotas = groups.map((g) => (g.length * nTest) / n)
    const counts = quotas.map(Math.floor)
    let left = nTest - counts.reduce((a, b) => a + b, 0)
    const byRemainder = groups
      .map((_group, k) => k)
      .filter((k) => groups[k].length > 0)
      .sort(
        (a, b) =>
          quotas[b] - counts[b] - (quotas[a] - counts[a]) || groups[b].length - groups[a].length || a - b,
      )
    for (const k of byRemainder) {
      if (left <= 0) break
      if (counts[k] < groups[k].length) {
        counts[k]++
        left--
      }
    }
    groups.forEach((group, k) => {
      const order = shuffleInPlace(Int32Array.from(group), rng.fork(`class-${k}`))
      for (let i = 0; i < counts[k]; i++) isTest[order[i]] = 1
    })
  }
  return partition(rows, isTest)
}

/** Assigns each position of `rows` to one of `k` folds (stratified when `strata` is given); returns fold per position. */
export function kFoldAssignment(n: number, k: number, rng: Rng, strata?: Int32Array): Int32Array {
  if (!Number.isInteger(k) || k < 2 || k > n)
    throw new ValidationError(
      'invalid-argument',
      `k-fold needs an integer k from 2 to the row count ${n}, got ${k}`,
    )
  const fold = new Int32Array(n)
  const groups = strata ? groupPositions(strata) : [Array.from({ length: n }, (_, i) => i)]
  let offset = 0
  groups.forEach((group, g) => {
    const order = shuffleInPlace(Int32Array.from(group), rng.fork(`fold-group-${g}`))
    // Continue the round-robin across classes so folds get equal sizes overall.
    for (let i = 0; i < order.length; i++) fold[order[i]] = (offset + i) % k
    offset += order.length
  })
  return fold
}

/** Train/test split from an explicit list of test rows (0-based, of `nRows`); throws on bad indices. */
export function explicitSplit(nRows: number, testIndices: readonly number[]): RowSplit {
  const isTest = new Uint8Array(nRows)
  for (const index of testIndices) {
    if (!Number.isInteger(index) || index < 0 || index >= nRows)
      throw new ValidationError(
        'invalid-argument',
        `Split test index ${index} is not a data row (0 to ${nRows - 1})`,
      )
    if (isTest[index])
      throw new ValidationError('invalid-argument', `Split test index ${index} appears twice`)
    isTest[index] = 1
  }
  if (testIndices.length === 0 || testIndices.length === nRows)
    throw new ValidationError(
      'invalid-argument',
      `Split must leave both train and test rows (got ${testIndices.length} test rows of ${nRows})`,
    )
  return partition(
    Int32Array.from({ length: nRows }, (_, i) => i),
    isTest,
  )
}

function partition(rows: Int32Array, isTest: Uint8Array): RowSplit {
  let nTest = 0
  for (let i = 0; i < isTest.length; i++) nTest += isTest[i]
  const train = new Int32Array(rows.length - nTest)
  const test = new Int32Array(nTest)
  let a = 0
  let b = 0
  for (let i = 0; i < rows.length; i++) {
    if (isTest[i]) test[b++] = rows[i]
    else train[a++] = rows[i]
  }
  return { train, test }
}

function groupPositions(strata: Int32Array): number[][] {
  const groups: number[][] = []
  for (let i = 0; i < strata.length; i++) {
    const code = strata[i]
    while (groups.length <= code) groups.push([])
    groups[code].push(i)
  }
  return groups
}
