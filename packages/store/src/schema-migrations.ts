/**
 * Schema versions and migrations, written against `KeyValueStore` only so that every backend
 * shares them. The version lives in the store's meta sublevel under {@link SCHEMA_VERSION_KEY}.
 */
import type { KeyValueStore, Migration, StoreLogger, Sublevel } from './key-value-store.ts';
import { StoreError } from './store-error.ts';

/** Key of the schema version in the meta sublevel. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

/** A logger that drops everything: the default. */
export const silentLogger: StoreLogger = { info() {}, warn() {} };

/** What {@link bringSchemaUpToDate} needs from the backend. */
export interface SchemaContext {
  readonly store: KeyValueStore;
  /** The internal meta sublevel (not reachable through `store.sublevel`). */
  readonly meta: Sublevel<unknown>;
  /** True when the store holds no entry at all (used to tell a new store from a damaged one). */
  isEmpty(): Promise<boolean>;
  /** Called after each committed version change. */
  onVersion(version: number): void;
  readonly target: number;
  readonly migrations: readonly Migration[];
  readonly logger: StoreLogger;
}

/** Checks the shape of a migrations list; throws `STORE_INVALID_OPTIONS`. */
export function validateMigrations(migrations: unknown, target: number): asserts migrations is Migration[] {
  if (!Array.isArray(migrations)) {
    throw new StoreError('STORE_INVALID_OPTIONS', 'migrations must be an array');
  }
  const seen = new Set<number>();
  for (const [index, step] of (migrations as unknown[]).entries()) {
    const where = `migrations[${index}]`;
    if (typeof step !== 'object' || step === null)
      throw new StoreError('STORE_INVALID_OPTIONS', `${where} must be an object`);
    const { from, to, migrate, description } = step as Partial<Migration>;
    if (!isVersion(from) || !isVersion(to) || to <= from) {
      throw new StoreError(
        'STORE_INVALID_OPTIONS',
        `${where} needs integer versions with to > from, got from=${String(from)} to=${String(to)}`,
      );
    }
    if (to > target) {
      throw new StoreError(
        'STORE_INVALID_OPTIONS',
        `${where} goes to version ${to}, past the code's schemaVersion ${target}`,
      );
    }
    if (typeof migrate !== 'function' || typeof description !== 'string') {
      throw new StoreError('STORE_INVALID_OPTIONS', `${where} needs a description string and a migrate function`);
    }
    if (seen.has(from)) throw new StoreError('STORE_INVALID_OPTIONS', `two migrations start from version ${from}`);
    seen.add(from);
  }
}

/** True for a non-negative safe integer. */
export function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Reads the stored version and brings it to `target`: a new store is stamped with `target`;
 * an older one runs its migration chain, one atomic batch per step (the step's writes plus the
 * version bump). The whole chain is planned before the first step runs, so a missing step
 * changes nothing. Returns the final version.
 */
export async function bringSchemaUpToDate(context: SchemaContext): Promise<number> {
  const { store, meta, target, logger } = context;
  const stored = await meta.get(SCHEMA_VERSION_KEY);
  if (stored === undefined) {
    if (!(await context.isEmpty())) {
      throw new StoreError(
        'STORE_CORRUPT',
        `${store.location} holds data but no schema version: it was not made by @talkbus/store, or its metadata is damaged; point the store at another location or restore a backup`,
        { location: store.location },
      );
    }
    await store.batch().put(meta, SCHEMA_VERSION_KEY, target).write();
    context.onVersion(target);
    logger.info({ location: store.location, schemaVersion: target }, 'store created');
    return target;
  }
  if (!isVersion(stored)) {
    throw new StoreError(
      'STORE_CORRUPT',
      `${store.location} has an invalid schema version ${JSON.stringify(stored)}; restore a backup`,
      { location: store.location },
    );
  }
  context.onVersion(stored);
  if (stored > target) {
    throw new StoreError(
      'STORE_SCHEMA_TOO_NEW',
      `${store.location} has schema version ${stored}, newer than this code's ${target}: it was written by a newer talkbus; run that version (or newer), or restore a backup made for version ${target}`,
      { location: store.location },
    );
  }
  const plan = planMigrations(stored, target, context.migrations, store.location);
  let version = stored;
  for (const step of plan) {
    const label = `migration ${step.from}→${step.to} (${step.description})`;
    const tx = store.batch();
    try {
      await step.migrate(tx, store);
      tx.put(meta, SCHEMA_VERSION_KEY, step.to);
      await tx.write();
    } catch (error) {
      throw new StoreError(
        'STORE_MIGRATION_FAILED',
        `${label} failed on ${store.location}; nothing of this step was written and the store stays at version ${version}: fix the migration and open again`,
        { cause: error, location: store.location },
      );
    }
    version = step.to;
    context.onVersion(version);
    logger.info({ location: store.location, from: step.from, to: step.to }, `store ${label} applied`);
  }
  return version;
}

function planMigrations(
  stored: number,
  target: number,
  migrations: readonly Migration[],
  location: string,
): Migration[] {
  const byFrom = new Map(migrations.map((step) => [step.from, step]));
  const plan: Migration[] = [];
  for (let version = stored; version < target;) {
    const step = byFrom.get(version);
    if (step === undefined) {
      throw new StoreError(
        'STORE_MIGRATION_MISSING',
        `${location} is at schema version ${stored} and the code is at ${target}, but no migration starts from version ${version}; add one (nothing was changed)`,
        { location },
      );
    }
    plan.push(step);
    version = step.to;
  }
  return plan;
}
