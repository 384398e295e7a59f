/**
 * How sublevel paths and user keys become LevelDB keys.
 *
 * A sublevel path `[a, b]` is joined with `\x01` into `a\x01b`. An entry `k` of that sublevel is
 * stored as `a\x01b\x00k`, so:
 * - the sublevel's own entries are exactly the keys in `[a\x01b\x00, a\x01b\x01)`;
 * - its nested sublevels live in `[a\x01b\x01, a\x01b\x02)`, outside that range;
 * - the whole tree is `[a\x01b\x00, a\x01b\x02)`.
 * Sublevel names contain no control characters, so no name or key can reach into another
 * sublevel's range, whatever the user key holds. (abstract-level's own sublevels put nested
 * sublevels inside their parent's range, which would make `entries()` of a parent return its
 * children's data; hence this layout.)
 */
import { StoreError } from './store-error.ts';

/** Default bound on a user key, in UTF-8 bytes: 1 KiB. */
export const DEFAULT_MAX_KEY_BYTES = 1024;
/** Bound on a sublevel name, in UTF-8 bytes. */
export const MAX_SUBLEVEL_NAME_BYTES = 255;

const PATH_SEPARATOR = '\x01';
const ENTRIES_START = '\x00';
const ENTRIES_END = '\x01';
const TREE_END = '\x02';

/** The name of the store's internal metadata sublevel; starts with a control character, so no user name can equal it. */
export const META_SUBLEVEL_NAME = '\x02meta';

// Control characters (C0 and DEL) are reserved for the layout above.
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** The LevelDB key ranges of one sublevel. */
export interface SublevelLayout {
  /** Prefix of every own entry. */
  readonly prefix: string;
  /** Exclusive upper bound of the own entries. */
  readonly entriesEnd: string;
  /** Exclusive upper bound of own entries plus all nested sublevels. */
  readonly treeEnd: string;
}

/** Computes the layout of the sublevel at `path` (names already validated). */
export function layoutOf(path: readonly string[]): SublevelLayout {
  const joined = path.join(PATH_SEPARATOR);
  return {
    prefix: joined + ENTRIES_START,
    entriesEnd: joined + ENTRIES_END,
    treeEnd: joined + TREE_END,
  };
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Checks a user key: a non-empty, well-formed string (no lone surrogates, which UTF-8 would
 * silently turn into U+FFFD and so merge distinct keys), without `\x00`, at most `maxBytes`
 * UTF-8 bytes.
 */
export function validateKey(key: unknown, maxBytes: number): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StoreError('STORE_INVALID_KEY', `a key must be a non-empty string, got ${describe(key)}`);
  }
  // Each UTF-16 unit is at most 3 UTF-8 bytes: only count bytes when it can matter (hot path).
  if (key.length * 3 > maxBytes && utf8Length(key) > maxBytes) {
    throw new StoreError(
      'STORE_INVALID_KEY',
      `key is longer than ${maxBytes} UTF-8 bytes: ${JSON.stringify(key.slice(0, 40))}…`,
    );
  }
  if (key.includes('\x00')) {
    throw new StoreError('STORE_INVALID_KEY', `a key must not contain \\x00: ${JSON.stringify(key.slice(0, 80))}`);
  }
  if (!key.isWellFormed()) {
    throw new StoreError(
      'STORE_INVALID_KEY',
      `a key must be well-formed UTF-16 (no lone surrogates): ${JSON.stringify(key.slice(0, 80))}`,
    );
  }
}

/** Checks a range bound: a well-formed string (may be empty). */
export function validateBound(bound: unknown, which: string): asserts bound is string {
  if (typeof bound !== 'string' || !bound.isWellFormed()) {
    throw new StoreError(
      'STORE_INVALID_KEY',
      `range bound ${which} must be a well-formed string, got ${describe(bound)}`,
    );
  }
}

/** Checks a sublevel name: non-empty, well-formed, no control characters, at most 255 UTF-8 bytes. */
export function validateSublevelName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new StoreError('STORE_INVALID_KEY', `a sublevel name must be a non-empty string, got ${describe(name)}`);
  }
  if (CONTROL_CHARACTER.test(name) || !name.isWellFormed()) {
    throw new StoreError(
      'STORE_INVALID_KEY',
      `a sublevel name must be well-formed and free of control characters: ${JSON.stringify(name.slice(0, 80))}`,
    );
  }
  if (utf8Length(name) > MAX_SUBLEVEL_NAME_BYTES) {
    throw new StoreError(
      'STORE_INVALID_KEY',
      `a sublevel name must be at most ${MAX_SUBLEVEL_NAME_BYTES} UTF-8 bytes: ${JSON.stringify(name.slice(0, 40))}…`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}
