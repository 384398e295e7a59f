/** Types and helpers shared by the parts of the store suite (`store-suite*.ts`). */
import assert from 'node:assert/strict';
import type { KeyValueStore, Migration } from './key-value-store.ts';
import { StoreError, type StoreErrorCode } from './store-error.ts';

/** Options a suite test passes when it opens a store. */
export interface SuiteOpenOptions {
  schemaVersion: number;
  migrations?: Migration[];
}

/** One fresh, empty place to keep data (a temp directory, a bucket). */
export interface StoreSuiteBacking {
  /** Opens a store on this backing; may be called again after close to reopen the same data. */
  open(options: SuiteOpenOptions): Promise<KeyValueStore>;
  /** Removes the backing and everything in it. Stores opened on it are closed first. */
  destroy(): Promise<void>;
}

/** What a backend gives the suite. */
export interface StoreSuiteOptions {
  /** Backend name, used in the test titles. */
  name: string;
  /** A new, empty backing for one test. */
  createBacking(): Promise<StoreSuiteBacking>;
}

/** What each part of the suite gets: ways to run a test body on fresh storage. */
export interface SuiteContext {
  /** Runs `body` with a fresh store at schema version 1, then closes and destroys it. */
  withStore(body: (store: KeyValueStore, backing: StoreSuiteBacking) => Promise<void>): Promise<void>;
  /** Runs `body` with a fresh backing (nothing opened yet), then destroys it. */
  withBacking(body: (backing: StoreSuiteBacking) => Promise<void>): Promise<void>;
}

/** Builds the {@link SuiteContext} of a backend. */
export function suiteContext({ createBacking }: StoreSuiteOptions): SuiteContext {
  async function withBacking(body: (backing: StoreSuiteBacking) => Promise<void>): Promise<void> {
    const backing = await createBacking();
    try {
      await body(backing);
    } finally {
      await backing.destroy();
    }
  }
  return {
    withBacking,
    withStore: (body) =>
      withBacking(async (backing) => {
        const store = await backing.open({ schemaVersion: 1 });
        try {
          await body(store, backing);
        } finally {
          await store.close();
        }
      }),
  };
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Asserts that `action` rejects (or throws) a `StoreError` with `code`, and returns it. */
export async function assertStoreError(action: () => unknown, code: StoreErrorCode): Promise<StoreError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StoreError, `expected StoreError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.name, 'StoreError');
  return caught;
}
