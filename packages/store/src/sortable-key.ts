import { StoreError } from './store-error.ts';

/** Width, in characters, of every {@link sortableKey}: enough for `Number.MAX_SAFE_INTEGER`. */
export const SORTABLE_KEY_WIDTH = 16;

/**
 * Encodes a non-negative safe integer (a count, a sequence number, a timestamp in milliseconds)
 * as a fixed-width string of {@link SORTABLE_KEY_WIDTH} decimal digits, so that string order
 * equals numeric order: `sortableKey(9) < sortableKey(10)`. Use it as (a prefix of) a key for
 * time-ordered data, e.g. `` `${sortableKey(startedAt)}:${callId}` `` so that two entries of the
 * same millisecond stay distinct.
 *
 * @throws {StoreError} `STORE_INVALID_KEY` if `n` is negative, fractional, NaN or above
 *   `Number.MAX_SAFE_INTEGER`.
 */
export function sortableKey(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new StoreError('STORE_INVALID_KEY', `sortableKey needs a non-negative safe integer, got ${String(n)}`);
  }
  return String(n).padStart(SORTABLE_KEY_WIDTH, '0');
}

/**
 * The inverse of {@link sortableKey}: reads the number back from the first
 * {@link SORTABLE_KEY_WIDTH} characters of `key` (anything after them is ignored).
 *
 * @throws {StoreError} `STORE_INVALID_KEY` if `key` does not start with a sortable key.
 */
export function parseSortableKey(key: string): number {
  const digits = key.slice(0, SORTABLE_KEY_WIDTH);
  if (!/^[0-9]{16}$/.test(digits)) {
    throw new StoreError('STORE_INVALID_KEY', `not a sortable key: ${JSON.stringify(key.slice(0, 40))}`);
  }
  return Number(digits);
}
