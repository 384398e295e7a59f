/**
 * Every code a {@link StoreError} can carry.
 *
 * - `STORE_LOCKED`: another process (or another open store in this process) holds the database.
 * - `STORE_CORRUPT`: LevelDB reports corruption, or a stored value is not valid JSON.
 * - `STORE_UNREADABLE`: the location cannot be created or read (not a directory, no permission, I/O error).
 * - `STORE_CLOSED`: the operation was called after `close()` (or before `open` finished).
 * - `STORE_SCHEMA_TOO_NEW`: the database was written by newer code (stored schema version > code's).
 * - `STORE_MIGRATION_FAILED`: a migration step threw or its batch failed; the stored version is the last completed step.
 * - `STORE_MIGRATION_MISSING`: no migration leads from the stored version towards the code's version.
 * - `STORE_INVALID_KEY`: a key, range bound or sublevel name breaks the rules (see README).
 * - `STORE_INVALID_VALUE`: a value cannot be encoded as JSON (undefined, BigInt, cycles).
 * - `STORE_VALUE_TOO_LARGE`: a value's JSON is longer than the store's `maxValueBytes`.
 * - `STORE_INVALID_OPTIONS`: bad `StoreOptions` or migrations list.
 * - `STORE_FOREIGN_SUBLEVEL`: a batch was given a sublevel of another store.
 * - `STORE_BATCH_WRITTEN`: a batch was used after `write()` was called on it.
 * - `STORE_IO_ERROR`: any other failure of the underlying database.
 */
export type StoreErrorCode =
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'STORE_UNREADABLE'
  | 'STORE_CLOSED'
  | 'STORE_SCHEMA_TOO_NEW'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_MIGRATION_MISSING'
  | 'STORE_INVALID_KEY'
  | 'STORE_INVALID_VALUE'
  | 'STORE_VALUE_TOO_LARGE'
  | 'STORE_INVALID_OPTIONS'
  | 'STORE_FOREIGN_SUBLEVEL'
  | 'STORE_BATCH_WRITTEN'
  | 'STORE_IO_ERROR';

/** Options of {@link StoreError}'s constructor. */
export interface StoreErrorOptions {
  /** The error this one wraps (e.g. the LevelDB error), if any. */
  cause?: unknown;
  /** The database location the error is about, if any. */
  location?: string;
}

/**
 * The only error class `@talkbus/store` throws. Branch on {@link StoreError.code}, never on the
 * message; the message is for people and says what to do.
 */
export class StoreError extends Error {
  /** Always `'StoreError'`. */
  override readonly name = 'StoreError';
  /** What went wrong, as a fixed constant. */
  readonly code: StoreErrorCode;
  /** The database location the error is about, when known. */
  readonly location: string | undefined;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
  }
}

/** True when `error` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}
