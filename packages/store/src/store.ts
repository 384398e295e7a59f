/** `Store`: the LevelDB implementation of `KeyValueStore`. */
import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import type { Batch, KeyValueStore, Migration, StoreLogger, Sublevel } from './key-value-store.ts';
import { DEFAULT_MAX_KEY_BYTES, META_SUBLEVEL_NAME, validateSublevelName } from './key-layout.ts';
import { LevelBatch } from './level-batch.ts';
import { errorCode, LevelEngine, messageOf, type LevelDatabase } from './level-engine.ts';
import { LevelSublevel } from './level-sublevel.ts';
import { bringSchemaUpToDate, isVersion, silentLogger, validateMigrations } from './schema-migrations.ts';
import { StoreError } from './store-error.ts';
import { DEFAULT_MAX_VALUE_BYTES } from './value-codec.ts';

/** Options of {@link Store.open}. */
export interface StoreOptions {
  /** Directory of the LevelDB database; created (with its parents) when missing. */
  location: string;
  /** The schema version this code reads and writes: a non-negative integer. */
  schemaVersion: number;
  /** Steps from older versions up to {@link StoreOptions.schemaVersion}. Default: none. */
  migrations?: Migration[];
  /** Where creation and migrations are logged. Default: nowhere. */
  logger?: StoreLogger;
  /** Bound on a key, in UTF-8 bytes. Default 1024 (1 KiB). */
  maxKeyBytes?: number;
  /** Bound on a value's JSON, in UTF-8 bytes. Default 1,048,576 (1 MiB). */
  maxValueBytes?: number;
  /**
   * fsync every write. Default `false`: a write survives a crash of the process (kill -9) but
   * the last writes may be lost on power failure or a kernel crash. Either way a batch is
   * never half-applied.
   */
  sync?: boolean;
}

/**
 * A LevelDB database with typed sublevels, atomic batches and a schema version.
 *
 * @example
 * ```ts
 * const store = await Store.open({ location: './data/profile', schemaVersion: 1 });
 * const accounts = store.sublevel<Account>('accounts');
 * await accounts.put('Alice_CMCC', { sipUser: '8000', displayName: 'Alice Huang' });
 * await store.close();
 * ```
 */
export class Store implements KeyValueStore {
  /** The directory given at open. */
  readonly location: string;
  readonly #engine: LevelEngine;
  #schemaVersion = 0;

  private constructor(engine: LevelEngine) {
    this.#engine = engine;
    this.location = engine.settings.location;
  }

  /**
   * Opens (creating when missing) the database at `options.location` and brings its schema to
   * `options.schemaVersion`, running migrations as needed.
   *
   * @throws {StoreError} `STORE_INVALID_OPTIONS`, `STORE_LOCKED` (another process holds it),
   *   `STORE_UNREADABLE`, `STORE_CORRUPT`, `STORE_SCHEMA_TOO_NEW`, `STORE_MIGRATION_MISSING`,
   *   `STORE_MIGRATION_FAILED`. On any error the database is left closed.
   */
  static async open(options: StoreOptions): Promise<Store> {
    const settings = checkOptions(options);
    const { location } = settings;
    try {
      await mkdir(location, { recursive: true });
    } catch (error) {
      throw unreadable(location, error);
    }
    const db: LevelDatabase = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (error) {
      throw openError(location, error);
    }
    const store = new Store(new LevelEngine(db, settings));
    try {
      await bringSchemaUpToDate({
        store,
        meta: new LevelSublevel<unknown>(store.#engine, [META_SUBLEVEL_NAME], {
          maxKeyBytes: DEFAULT_MAX_KEY_BYTES,
          maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
        }),
        isEmpty: async () => (await db.keys({ limit: 1 }).all()).length === 0,
        onVersion: (version) => {
          store.#schemaVersion = version;
        },
        target: options.schemaVersion,
        migrations: options.migrations ?? [],
        logger: options.logger ?? silentLogger,
      });
    } catch (error) {
      await store.close().catch(() => undefined);
      throw store.#engine.mapError(error);
    }
    return store;
  }

  /**
   * Repairs a damaged LevelDB database at `location` (LevelDB's RepairDB: keeps what it can
   * read, may drop damaged entries). Only for a closed database; take a copy first.
   */
  static async repair(location: string): Promise<void> {
    // level's Node entry point is classic-level's ClassicLevel, which has a static repair().
    const classic = Level as unknown as { repair(location: string): Promise<void> };
    try {
      await classic.repair(location);
    } catch (error) {
      throw openError(location, error);
    }
  }

  /** The schema version of the data: the code's version once open returned. */
  get schemaVersion(): number {
    return this.#schemaVersion;
  }

  /** True until {@link Store.close} is called. */
  get isOpen(): boolean {
    return this.#engine.isOpen;
  }

  /**
   * A top-level typed sublevel. Names: 1–255 UTF-8 bytes, no control characters.
   *
   * @throws {StoreError} `STORE_INVALID_KEY` for a bad name, `STORE_CLOSED` after close.
   */
  sublevel<V>(name: string): Sublevel<V> {
    this.#engine.assertOpen();
    validateSublevelName(name);
    return new LevelSublevel<V>(this.#engine, [name]);
  }

  /** A new empty batch, atomic across this store's sublevels. */
  batch(): Batch {
    this.#engine.assertOpen();
    return new LevelBatch(this.#engine);
  }

  /** Waits for pending operations, then closes. Idempotent. */
  close(): Promise<void> {
    return this.#engine.close();
  }
}

function checkOptions(options: StoreOptions): LevelEngine['settings'] {
  if (typeof options !== 'object' || options === null)
    throw new StoreError('STORE_INVALID_OPTIONS', 'Store.open needs an options object');
  const {
    location,
    schemaVersion,
    maxKeyBytes = DEFAULT_MAX_KEY_BYTES,
    maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
    sync = false,
  } = options;
  if (typeof location !== 'string' || location.length === 0) {
    throw new StoreError('STORE_INVALID_OPTIONS', 'options.location must be a non-empty path');
  }
  if (!isVersion(schemaVersion)) {
    throw new StoreError(
      'STORE_INVALID_OPTIONS',
      `options.schemaVersion must be a non-negative integer, got ${String(schemaVersion)}`,
    );
  }
  for (const [name, value] of [
    ['maxKeyBytes', maxKeyBytes],
    ['maxValueBytes', maxValueBytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new StoreError('STORE_INVALID_OPTIONS', `options.${name} must be a positive integer, got ${String(value)}`);
  }
  validateMigrations(options.migrations ?? [], schemaVersion);
  return { location, maxKeyBytes, maxValueBytes, sync: sync === true };
}

function unreadable(location: string, error: unknown): StoreError {
  return new StoreError(
    'STORE_UNREADABLE',
    `cannot open the store at ${location} (${messageOf(error)}): check that the path is a directory this user can read and write, or choose another location`,
    { cause: error, location },
  );
}

/** Maps a failed LevelDB open (LEVEL_DATABASE_NOT_OPEN, with the reason in `cause`). */
function openError(location: string, error: unknown): StoreError {
  const reason = error instanceof Error && error.cause !== undefined ? error.cause : error;
  switch (errorCode(reason)) {
    case 'LEVEL_LOCKED':
      return new StoreError(
        'STORE_LOCKED',
        `the store at ${location} is locked: another process (or another open Store in this process) holds it; stop that process or use another location`,
        { cause: error, location },
      );
    case 'LEVEL_CORRUPTION':
      return new StoreError(
        'STORE_CORRUPT',
        `the store at ${location} is corrupt (${messageOf(reason)}): restore a backup, or run Store.repair(location) on a copy (it may drop damaged entries)`,
        { cause: error, location },
      );
    case 'LEVEL_IO_ERROR':
      // A file the database's own index names is missing (e.g. CURRENT points to a deleted
      // MANIFEST): the directory is readable but the database in it is damaged.
      if (/No such file or directory/.test(messageOf(reason))) {
        return new StoreError(
          'STORE_CORRUPT',
          `the store at ${location} is damaged: ${messageOf(reason)}; restore a backup, or run Store.repair(location) on a copy`,
          { cause: error, location },
        );
      }
      return unreadable(location, reason);
    default:
      return unreadable(location, reason);
  }
}
