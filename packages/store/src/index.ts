/**
 * `@talkbus/store`: LevelDB access for talkbus services — typed sublevels, atomic batches,
 * schema versions with migrations, and clear errors. See README.md.
 */
export type { Batch, KeyRange, KeyValueStore, Migration, StoreLogger, Sublevel } from './key-value-store.ts';
export { Store, type StoreOptions } from './store.ts';
export { StoreError, isStoreError, type StoreErrorCode, type StoreErrorOptions } from './store-error.ts';
export { SORTABLE_KEY_WIDTH, parseSortableKey, sortableKey } from './sortable-key.ts';
export { DEFAULT_MAX_KEY_BYTES, MAX_SUBLEVEL_NAME_BYTES } from './key-layout.ts';
export { DEFAULT_MAX_VALUE_BYTES } from './value-codec.ts';
export { SCHEMA_VERSION_KEY } from './schema-migrations.ts';
