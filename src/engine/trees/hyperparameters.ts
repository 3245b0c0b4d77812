/** Reading sklearn-named hyperparameters with argument checks that name the parameter and the family. */
import { ValidationError } from '../../domain/errors.ts'
import type { Hyperparameters } from '../models/model.ts'

export function readNumber(
  hp: Hyperparameters,
  name: string,
  fallback: number,
  family: string,
  check: (value: number) => boolean,
  expectation: string,
): number {
  const value = hp[name] ?? fallback
  if (typeof value !== 'number' || !check(value)) {
    throw new ValidationError(
      'invalid-argument',
      `Param '${name}' of model '${family}' must be ${expectation}, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** A limit where 'none', null-like 0 or a negative number means "no limit" (Infinity). */
export function readLimit(
  hp: Hyperparameters,
  name: string,
  fallback: number | 'none',
  family: string,
): number {
  const value = hp[name] ?? fallback
  if (value === 'none' || value === 0 || value === false) return Number.POSITIVE_INFINITY
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(
      'invalid-argument',
      `Param '${name}' of model '${family}' must be a positive integer or 'none', got ${JSON.stringify(value)}`,
    )
  }
  return value
}

export const isPositiveInteger = (v: number): boolean => Number.isInteger(v) && v >= 1
export const isPositive = (v: number): boolean => v > 0 && Number.isFinite(v)
export const isNonNegative = (v: number): boolean => v >= 0 && Number.isFinite(v)
