/**
 * @module
 * Runtime checking of option objects. TypeScript already rejects unknown
 * keys in object literals; this closes the same gap for JavaScript callers and
 * for objects built at run time, so a misspelt option is an error instead of
 * being silently ignored (hio's weakness W1).
 */
import { HioError } from './errors.js';

/**
 * Throws `HIO_ERR_INVALID_OPTION` when `options` has a key not in `known`.
 * Keys whose value is `undefined` count as absent.
 */
export function checkOptions(owner: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: unknown option '${key}'`);
    }
  }
}

/** Throws `HIO_ERR_INVALID_OPTION` unless `value` is a finite number ≥ 0. */
export function checkSeconds(owner: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Throws `HIO_ERR_INVALID_OPTION` unless `value` is a number ≥ 0, finite or
 * Infinity. A tock of Infinity means "only when woken".
 */
export function checkTock(owner: string, value: number): number {
  if (value === Infinity) return value;
  return checkSeconds(owner, 'tock', value);
}
