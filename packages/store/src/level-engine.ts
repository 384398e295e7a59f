/**
 * The open LevelDB handle shared by a `Store`, its sublevels and its batches: state, limits and
 * the mapping of LevelDB errors to `StoreError`s. Internal.
 */
import type { Level } from 'level';
import { StoreError } from './store-error.ts';

/** The LevelDB handle, keys and values as UTF-8 strings. */
export type LevelDatabase = Level<string, string>;

/** One write of a batch, in LevelDB keys. */
export type LevelOperation = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/** Limits and flags fixed at open. */
export interface EngineSettings {
  /** Directory of the database. */
  readonly location: string;
  /** Bound on a user key, UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Bound on a value's JSON, UTF-8 bytes. */
  readonly maxValueBytes: number;
  /** fsync every write. */
  readonly sync: boolean;
}

/** The open database with its settings and open/closed state. */
export class LevelEngine {
  readonly db: LevelDatabase;
  readonly settings: EngineSettings;
  #open = true;
  #closing: Promise<void> | undefined;

  constructor(db: LevelDatabase, settings: EngineSettings) {
    this.db = db;
    this.settings = settings;
  }

  /** False once `close()` was called. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Throws `STORE_CLOSED` once `close()` has been called. */
  assertOpen(): void {
    if (!this.#open) {
      throw new StoreError('STORE_CLOSED', `store at ${this.settings.location} is closed`, {
        location: this.settings.location,
      });
    }
  }

  /** Runs a database call, after the open check, with errors mapped to `StoreError`. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await call();
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /** Writes `operations` as one atomic LevelDB batch. */
  async write(operations: LevelOperation[]): Promise<void> {
    await this.run(() => this.db.batch(operations, { sync: this.settings.sync }));
  }

  /** Closes once; later calls wait for the same close. */
  close(): Promise<void> {
    this.#open = false;
    // classic-level waits for pending reads and writes before it closes, so close flushes.
    this.#closing ??= this.db.close().catch((error: unknown) => {
      throw this.mapError(error);
    });
    return this.#closing;
  }

  /** Maps an error from LevelDB (or ours, unchanged) to a `StoreError`. */
  mapError(error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    const location = this.settings.location;
    const code = errorCode(error);
    if (
      code === 'LEVEL_DATABASE_NOT_OPEN' ||
      code === 'LEVEL_ITERATOR_NOT_OPEN' ||
      code === 'LEVEL_DATABASE_NOT_CLOSED' ||
      !this.#open
    ) {
      return new StoreError('STORE_CLOSED', `store at ${location} is closed`, { cause: error, location });
    }
    if (code === 'LEVEL_CORRUPTION') {
      return new StoreError(
        'STORE_CORRUPT',
        `LevelDB reports corruption in ${location}: restore a backup, or try Store.repair() (it may drop damaged entries)`,
        { cause: error, location },
      );
    }
    return new StoreError('STORE_IO_ERROR', `LevelDB operation failed in ${location}: ${messageOf(error)}`, {
      cause: error,
      location,
    });
  }
}

/** The `code` property of an error-like value, if it has a string one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return undefined;
}

/** The message of an error-like value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
