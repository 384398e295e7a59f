/**
 * The suite every `KeyValueStore` backend runs (STYLE §8; compare Level/abstract-level
 * `test/index.js`). A backend's test file calls {@link storeSuite} with a factory of fresh,
 * empty backings. Not exported from `index.ts`: it imports `node:test`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValueStore, Migration, Sublevel } from './key-value-store.ts';
import { sortableKey } from './sortable-key.ts';
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

/** What a backend gives {@link storeSuite}. */
export interface StoreSuiteOptions {
  /** Backend name, used in the test titles. */
  name: string;
  /** A new, empty backing for one test. */
  createBacking(): Promise<StoreSuiteBacking>;
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Asserts that `action` rejects (or throws) a `StoreError` with `code`. */
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

/** Runs the shared suite for one backend. */
export function storeSuite({ name, createBacking }: StoreSuiteOptions): void {
  /** Runs `body` with a fresh store at schema version 1, then cleans up. */
  async function withStore(body: (store: KeyValueStore, backing: StoreSuiteBacking) => Promise<void>): Promise<void> {
    const backing = await createBacking();
    try {
      const store = await backing.open({ schemaVersion: 1 });
      try {
        await body(store, backing);
      } finally {
        await store.close();
      }
    } finally {
      await backing.destroy();
    }
  }

  async function withBacking(body: (backing: StoreSuiteBacking) => Promise<void>): Promise<void> {
    const backing = await createBacking();
    try {
      await body(backing);
    } finally {
      await backing.destroy();
    }
  }

  describe(`KeyValueStore suite: ${name}`, () => {
    describe('single keys', () => {
      it('puts, gets, has and deletes', () =>
        withStore(async (store) => {
          const items = store.sublevel<{ n: number }>('items');
          assert.equal(await items.get('a'), undefined);
          assert.equal(await items.has('a'), false);
          await items.put('a', { n: 1 });
          assert.deepEqual(await items.get('a'), { n: 1 });
          assert.equal(await items.has('a'), true);
          await items.put('a', { n: 2 });
          assert.deepEqual(await items.get('a'), { n: 2 });
          await items.del('a');
          assert.equal(await items.get('a'), undefined);
          await items.del('never-there');
        }));

      it('round-trips JSON values and drops what JSON drops', () =>
        withStore(async (store) => {
          const values = store.sublevel<unknown>('values');
          const samples: unknown[] = [null, 0, -1.5, true, 'text', '', 'héllo 😀 中文', [1, [2, { x: 'y' }]], { nested: { deep: [null] } }];
          for (const [index, sample] of samples.entries()) await values.put(`k${index}`, sample);
          for (const [index, sample] of samples.entries()) assert.deepEqual(await values.get(`k${index}`), sample);
          await values.put('date', { at: new Date(0), gone: undefined });
          assert.deepEqual(await values.get('date'), { at: '1970-01-01T00:00:00.000Z' });
        }));

      it('getMany answers in the order asked, undefined where missing', () =>
        withStore(async (store) => {
          const items = store.sublevel<number>('items');
          await items.put('a', 1);
          await items.put('c', 3);
          assert.deepEqual(await items.getMany(['c', 'b', 'a', 'c']), [3, undefined, 1, 3]);
          assert.deepEqual(await items.getMany([]), []);
        }));

      it('takes keys with any character but \\x00, and orders them by UTF-8 bytes', () =>
        withStore(async (store) => {
          const items = store.sublevel<string>('items');
          const keys = ['😀', '\uffff', 'é', 'b', 'a', 'a\x01', ' ', '!', '\x7f', 'A'];
          for (const key of keys) await items.put(key, key);
          // UTF-8 byte order, which differs from JS string order for U+FFFF vs astral characters.
          assert.deepEqual(await collect(items.keys()), [' ', '!', 'A', 'a', 'a\x01', 'b', '\x7f', 'é', '\uffff', '😀']);
          for (const key of keys) assert.equal(await items.get(key), key);
        }));

      it('keeps many concurrent puts', () =>
        withStore(async (store) => {
          const items = store.sublevel<number>('items');
          await Promise.all(Array.from({ length: 500 }, (_, index) => items.put(sortableKey(index), index)));
          assert.equal(await items.count(), 500);
        }));
    });

    describe('key and value rules', () => {
      it('refuses empty, oversized, \\x00-bearing, ill-formed and non-string keys', () =>
        withStore(async (store) => {
          const items = store.sublevel<number>('items');
          await items.put('x'.repeat(1024), 1);
          const bad: unknown[] = ['', 'x'.repeat(1025), '€'.repeat(342), 'a\x00b', '\ud800', 'a\udc00b', 42, undefined, null];
          for (const key of bad) {
            await assertStoreError(() => items.put(key as string, 1), 'STORE_INVALID_KEY');
            await assertStoreError(() => items.get(key as string), 'STORE_INVALID_KEY');
            await assertStoreError(() => items.del(key as string), 'STORE_INVALID_KEY');
            await assertStoreError(() => items.has(key as string), 'STORE_INVALID_KEY');
            await assertStoreError(() => store.batch().put(items, key as string, 1), 'STORE_INVALID_KEY');
          }
          await assertStoreError(() => items.getMany(['ok', '']), 'STORE_INVALID_KEY');
          assert.equal(await items.count(), 1);
        }));

      it('refuses bad sublevel names', () =>
        withStore(async (store) => {
          const bad: unknown[] = ['', 'a\x00', 'a\x01b', '\x02meta', 'tab\there', 'new\nline', '\x7f', '\ud800', 'n'.repeat(256), 7];
          for (const sublevelName of bad) {
            await assertStoreError(() => store.sublevel(sublevelName as string), 'STORE_INVALID_KEY');
            await assertStoreError(() => store.sublevel('ok').sublevel(sublevelName as string), 'STORE_INVALID_KEY');
          }
          store.sublevel('n'.repeat(255));
          store.sublevel('Alice_CMCC').sublevel('张伟 (home)');
        }));

      it('refuses values JSON cannot hold, and values over 1 MiB of JSON', () =>
        withStore(async (store) => {
          const values = store.sublevel<unknown>('values');
          const cyclic: Record<string, unknown> = {};
          cyclic.self = cyclic;
          for (const value of [undefined, () => 1, 10n, cyclic]) {
            await assertStoreError(() => values.put('k', value), 'STORE_INVALID_VALUE');
          }
          await values.put('max', 'x'.repeat(1024 * 1024 - 2)); // plus two quotes: exactly 1 MiB
          assert.equal(((await values.get('max')) as string).length, 1024 * 1024 - 2);
          await assertStoreError(() => values.put('big', 'x'.repeat(1024 * 1024 - 1)), 'STORE_VALUE_TOO_LARGE');
          await assertStoreError(() => values.put('big', '€'.repeat(350_000)), 'STORE_VALUE_TOO_LARGE');
          await assertStoreError(() => store.batch().put(values, 'big', 'x'.repeat(1024 * 1024)), 'STORE_VALUE_TOO_LARGE');
          assert.equal(await values.has('big'), false);
        }));
    });

    describe('sublevels', () => {
      it('keep the same key apart, including names that prefix each other', () =>
        withStore(async (store) => {
          const a = store.sublevel<string>('a');
          const ab = store.sublevel<string>('ab');
          await a.put('k', 'in a');
          await ab.put('k', 'in ab');
          assert.equal(await a.get('k'), 'in a');
          assert.equal(await ab.get('k'), 'in ab');
          assert.deepEqual(await collect(a.entries()), [['k', 'in a']]);
          assert.deepEqual(store.sublevel('a').sublevel('b').path, ['a', 'b']);
          assert.equal(await store.sublevel<string>('a').get('k'), 'in a', 'a new handle on the same name reads the same data');
        }));

      it('keep nested sublevels out of their parent, whatever the parent keys hold', () =>
        withStore(async (store) => {
          const parent = store.sublevel<string>('parent');
          const child = parent.sublevel<string>('child');
          const grandchild = child.sublevel<string>('grandchild');
          await parent.put('p', 'parent');
          await parent.put('\x01child', 'tries to look like the child');
          await parent.put('child', 'a key named like the child');
          await child.put('c', 'child');
          await grandchild.put('g', 'grandchild');
          assert.deepEqual(await collect(parent.keys()), ['\x01child', 'child', 'p']);
          assert.deepEqual(await collect(child.entries()), [['c', 'child']]);
          assert.deepEqual(await collect(grandchild.entries()), [['g', 'grandchild']]);
          assert.equal(await parent.count(), 3);
          assert.equal(await parent.get('c'), undefined);

          await parent.clear();
          assert.equal(await parent.count(), 0);
          assert.equal(await child.get('c'), 'child', 'clear() keeps nested sublevels');

          await parent.put('p', 'again');
          await store.sublevel<string>('parentx').put('p', 'sibling');
          await parent.clearTree();
          assert.equal(await parent.count(), 0);
          assert.equal(await child.count(), 0);
          assert.equal(await grandchild.count(), 0);
          assert.equal(await store.sublevel<string>('parentx').get('p'), 'sibling', 'clearTree() stays inside the tree');
        }));
    });

    describe('ranges', () => {
      const fill = async (store: KeyValueStore): Promise<Sublevel<number>> => {
        const numbers = store.sublevel<number>('numbers');
        const batch = store.batch();
        for (let n = 0; n < 20; n += 1) batch.put(numbers, sortableKey(n), n);
        await batch.write();
        await store.sublevel<number>('numbers').sublevel<number>('inner').put(sortableKey(5), -1);
        await store.sublevel<number>('numbersz').put(sortableKey(5), -2);
        return numbers;
      };
      const values = async (iterable: AsyncIterable<number>): Promise<number[]> => collect(iterable);

      it('iterate in key order, bounded by gt/gte/lt/lte, with limit and reverse', () =>
        withStore(async (store) => {
          const numbers = await fill(store);
          const all = Array.from({ length: 20 }, (_, n) => n);
          assert.deepEqual(await values(numbers.values()), all);
          assert.deepEqual(await values(numbers.values({ reverse: true })), [...all].reverse());
          assert.deepEqual(await values(numbers.values({ gte: sortableKey(5), lt: sortableKey(8) })), [5, 6, 7]);
          assert.deepEqual(await values(numbers.values({ gt: sortableKey(5), lte: sortableKey(8) })), [6, 7, 8]);
          assert.deepEqual(await values(numbers.values({ gt: sortableKey(15) })), [16, 17, 18, 19]);
          assert.deepEqual(await values(numbers.values({ lt: sortableKey(2) })), [0, 1]);
          assert.deepEqual(await values(numbers.values({ limit: 3 })), [0, 1, 2]);
          assert.deepEqual(await values(numbers.values({ limit: 3, reverse: true, lt: sortableKey(10) })), [9, 8, 7]);
          assert.deepEqual(await values(numbers.values({ limit: 0 })), []);
          assert.deepEqual(await values(numbers.values({ limit: Infinity })), all);
          assert.deepEqual(await values(numbers.values({ gte: '', lte: '\uffff' })), all);
          assert.deepEqual(await values(numbers.values({ gt: sortableKey(9), lt: sortableKey(3) })), []);
          assert.deepEqual(await collect(numbers.entries({ gte: sortableKey(18) })), [
            [sortableKey(18), 18],
            [sortableKey(19), 19],
          ]);
          assert.deepEqual(await collect(numbers.keys({ lte: sortableKey(1) })), [sortableKey(0), sortableKey(1)]);
        }));

      it('count and clear honour the range', () =>
        withStore(async (store) => {
          const numbers = await fill(store);
          assert.equal(await numbers.count(), 20);
          assert.equal(await numbers.count({ gte: sortableKey(10) }), 10);
          assert.equal(await numbers.count({ limit: 4 }), 4);
          await numbers.clear({ gte: sortableKey(5), lt: sortableKey(15) });
          assert.deepEqual(await values(numbers.values()), [0, 1, 2, 3, 4, 15, 16, 17, 18, 19]);
          await numbers.clear({ limit: 2, reverse: true });
          assert.deepEqual(await values(numbers.values()), [0, 1, 2, 3, 4, 15, 16, 17]);
          assert.equal(await numbers.sublevel<number>('inner').get(sortableKey(5)), -1);
          assert.equal(await store.sublevel<number>('numbersz').get(sortableKey(5)), -2);
        }));

      it('refuse bad limits and bounds', () =>
        withStore(async (store) => {
          const numbers = await fill(store);
          for (const limit of [-1, 1.5, Number.NaN]) {
            await assertStoreError(() => collect(numbers.keys({ limit })), 'STORE_INVALID_KEY');
            await assertStoreError(() => numbers.count({ limit }), 'STORE_INVALID_KEY');
          }
          await assertStoreError(() => collect(numbers.keys({ gt: '\ud800' })), 'STORE_INVALID_KEY');
          await assertStoreError(() => numbers.clear({ lt: 5 as unknown as string }), 'STORE_INVALID_KEY');
        }));

      it('let a loop stop early, and keep working after', () =>
        withStore(async (store) => {
          const numbers = await fill(store);
          const seen: number[] = [];
          for await (const [, value] of numbers.entries()) {
            seen.push(value);
            if (value === 2) break;
          }
          assert.deepEqual(seen, [0, 1, 2]);
          await numbers.put(sortableKey(99), 99);
          assert.equal(await numbers.count(), 21);
        }));
    });

    describe('batches', () => {
      it('apply puts and deletes across sublevels together', () =>
        withStore(async (store) => {
          const accounts = store.sublevel<{ user: string }>('accounts');
          const byUser = store.sublevel<string>('byUser');
          const nested = accounts.sublevel<number>('counters');
          await accounts.put('old', { user: '7000' });
          await byUser.put('7000', 'old');
          const batch = store.batch();
          assert.equal(batch.length, 0);
          const returned = batch
            .put(accounts, 'Alice_CMCC', { user: '8000' })
            .put(byUser, '8000', 'Alice_CMCC')
            .put(nested, 'logins', 1)
            .del(accounts, 'old')
            .del(byUser, '7000');
          assert.equal(returned, batch);
          assert.equal(batch.length, 5);
          assert.equal(await accounts.get('Alice_CMCC'), undefined, 'nothing is visible before write()');
          await batch.write();
          assert.deepEqual(await collect(accounts.entries()), [['Alice_CMCC', { user: '8000' }]]);
          assert.deepEqual(await collect(byUser.entries()), [['8000', 'Alice_CMCC']]);
          assert.equal(await nested.get('logins'), 1);
        }));

      it('apply the last write to a key that a batch touches twice', () =>
        withStore(async (store) => {
          const items = store.sublevel<number>('items');
          await store.batch().put(items, 'k', 1).put(items, 'k', 2).put(items, 'gone', 1).del(items, 'gone').write();
          assert.equal(await items.get('k'), 2);
          assert.equal(await items.has('gone'), false);
        }));

      it('write once, and an empty batch is a no-op', () =>
        withStore(async (store) => {
          const items = store.sublevel<number>('items');
          await store.batch().write();
          const batch = store.batch().put(items, 'k', 1);
          await batch.write();
          await assertStoreError(() => batch.write(), 'STORE_BATCH_WRITTEN');
          await assertStoreError(() => batch.put(items, 'k', 2), 'STORE_BATCH_WRITTEN');
          assert.equal(await items.get('k'), 1);
        }));

      it('refuse a bad operation at once and keep the good ones', () =>
        withStore(async (store) => {
          const items = store.sublevel<number>('items');
          const batch = store.batch().put(items, 'good', 1);
          await assertStoreError(() => batch.put(items, '', 2), 'STORE_INVALID_KEY');
          await assertStoreError(() => batch.put(items, 'big', 'x'.repeat(2 * 1024 * 1024) as unknown as number), 'STORE_VALUE_TOO_LARGE');
          assert.equal(batch.length, 1);
          await batch.write();
          assert.deepEqual(await collect(items.keys()), ['good']);
        }));

      it('refuse a sublevel of another store', () =>
        withStore(async (store) =>
          withBacking(async (otherBacking) => {
            const other = await otherBacking.open({ schemaVersion: 1 });
            try {
              await assertStoreError(() => store.batch().put(other.sublevel<number>('items'), 'k', 1), 'STORE_FOREIGN_SUBLEVEL');
              await assertStoreError(() => store.batch().del(other.sublevel('items'), 'k'), 'STORE_FOREIGN_SUBLEVEL');
            } finally {
              await other.close();
            }
          }),
        ));
    });

    describe('close and reopen', () => {
      it('keeps data and version across a reopen', () =>
        withBacking(async (backing) => {
          const first = await backing.open({ schemaVersion: 4 });
          assert.equal(first.schemaVersion, 4);
          assert.equal(first.isOpen, true);
          await first.sublevel<string>('a').sublevel<string>('b').put('k', 'v');
          await first.close();
          const second = await backing.open({ schemaVersion: 4 });
          assert.equal(second.schemaVersion, 4);
          assert.equal(await second.sublevel<string>('a').sublevel<string>('b').get('k'), 'v');
          assert.equal(await second.sublevel<string>('a').count(), 0);
          await second.close();
        }));

      it('close waits for writes already started, and is idempotent', () =>
        withBacking(async (backing) => {
          const store = await backing.open({ schemaVersion: 1 });
          const items = store.sublevel<number>('items');
          const writes = Array.from({ length: 200 }, (_, index) => items.put(sortableKey(index), index));
          const closing = store.close();
          await Promise.all(writes);
          await closing;
          await store.close();
          assert.equal(store.isOpen, false);
          const again = await backing.open({ schemaVersion: 1 });
          assert.equal(await again.sublevel('items').count(), 200);
          await again.close();
        }));

      it('refuses every operation after close with STORE_CLOSED', () =>
        withBacking(async (backing) => {
          const store = await backing.open({ schemaVersion: 1 });
          const items = store.sublevel<number>('items');
          await items.put('k', 1);
          const pending = store.batch().put(items, 'k', 2);
          await store.close();
          const operations: (() => unknown)[] = [
            () => items.get('k'),
            () => items.getMany(['k']),
            () => items.put('k', 3),
            () => items.del('k'),
            () => items.has('k'),
            () => collect(items.entries()),
            () => collect(items.keys()),
            () => collect(items.values()),
            () => items.count(),
            () => items.clear(),
            () => items.clearTree(),
            () => store.sublevel('items'),
            () => store.batch(),
            () => pending.write(),
          ];
          for (const operation of operations) await assertStoreError(operation, 'STORE_CLOSED');
        }));

      it('ends an iteration that is running when the store closes with STORE_CLOSED', () =>
        withBacking(async (backing) => {
          const store = await backing.open({ schemaVersion: 1 });
          const items = store.sublevel<number>('items');
          const batch = store.batch();
          for (let n = 0; n < 5000; n += 1) batch.put(items, sortableKey(n), n);
          await batch.write();
          await assertStoreError(async () => {
            let seen = 0;
            for await (const _ of items.keys()) {
              seen += 1;
              if (seen === 10) await store.close();
            }
          }, 'STORE_CLOSED');
        }));
    });

    describe('schema versions and migrations', () => {
      interface ContactV1 {
        name: string;
      }
      interface ContactV3 {
        first: string;
        last: string;
        numbers: string[];
      }
      const splitNames: Migration = {
        from: 1,
        to: 2,
        description: 'split contact names',
        async migrate(tx, store) {
          const contacts = store.sublevel<ContactV1>('contacts');
          for await (const [key, contact] of contacts.entries()) {
            const [first = '', last = ''] = contact.name.split(' ');
            tx.put(store.sublevel<unknown>('contacts'), key, { first, last });
          }
        },
      };
      const addNumbers: Migration = {
        from: 2,
        to: 3,
        description: 'add numbers',
        async migrate(tx, store) {
          const contacts = store.sublevel<Omit<ContactV3, 'numbers'>>('contacts');
          const upgraded = store.sublevel<ContactV3>('contacts');
          for await (const [key, contact] of contacts.entries()) tx.put(upgraded, key, { ...contact, numbers: [] });
        },
      };

      it('stamps a new store with the code version and runs no migration', () =>
        withBacking(async (backing) => {
          let ran = false;
          const never: Migration = { from: 0, to: 5, description: 'never', migrate: async () => void (ran = true) };
          const store = await backing.open({ schemaVersion: 5, migrations: [never] });
          assert.equal(store.schemaVersion, 5);
          assert.equal(ran, false);
          await store.close();
        }));

      it('runs the steps in order from the stored version, whatever order they are listed in', () =>
        withBacking(async (backing) => {
          const v1 = await backing.open({ schemaVersion: 1 });
          await v1.sublevel<ContactV1>('contacts').put('c1', { name: 'Alice Huang' });
          await v1.close();
          const v3 = await backing.open({ schemaVersion: 3, migrations: [addNumbers, splitNames] });
          assert.equal(v3.schemaVersion, 3);
          assert.deepEqual(await v3.sublevel<ContactV3>('contacts').get('c1'), { first: 'Alice', last: 'Huang', numbers: [] });
          await v3.close();
          const again = await backing.open({ schemaVersion: 3, migrations: [addNumbers, splitNames] });
          assert.deepEqual(await again.sublevel<ContactV3>('contacts').get('c1'), { first: 'Alice', last: 'Huang', numbers: [] });
          await again.close();
        }));

      it('a step can jump versions', () =>
        withBacking(async (backing) => {
          await (await backing.open({ schemaVersion: 1 })).close();
          const jump: Migration = { from: 1, to: 4, description: 'jump', migrate: async () => {} };
          const store = await backing.open({ schemaVersion: 4, migrations: [jump] });
          assert.equal(store.schemaVersion, 4);
          await store.close();
        }));

      it('a failing step leaves that step unwritten and the version at the last completed step', () =>
        withBacking(async (backing) => {
          const v1 = await backing.open({ schemaVersion: 1 });
          await v1.sublevel<ContactV1>('contacts').put('c1', { name: 'Alice Huang' });
          await v1.close();
          const boom = new Error('boom');
          const failing: Migration = {
            from: 2,
            to: 3,
            description: 'fails half way',
            async migrate(tx, store) {
              const contacts = store.sublevel<unknown>('contacts');
              tx.put(contacts, 'c1', 'half-written');
              tx.put(contacts, 'c2', 'half-written');
              throw boom;
            },
          };
          const error = await assertStoreError(() => backing.open({ schemaVersion: 3, migrations: [splitNames, failing] }), 'STORE_MIGRATION_FAILED');
          assert.equal(error.cause, boom);
          assert.match(error.message, /2→3/);
          assert.match(error.message, /version 2/);
          // The stored version is 2: opening as 2 works, and step 1→2 was kept.
          const v2 = await backing.open({ schemaVersion: 2 });
          assert.equal(v2.schemaVersion, 2);
          assert.deepEqual(await collect(v2.sublevel('contacts').entries()), [['c1', { first: 'Alice', last: 'Huang' }]]);
          await v2.close();
          const fixed = await backing.open({ schemaVersion: 3, migrations: [splitNames, addNumbers] });
          assert.deepEqual(await fixed.sublevel('contacts').get('c1'), { first: 'Alice', last: 'Huang', numbers: [] });
          await fixed.close();
        }));

      it('a step whose batch cannot be written fails the same way', () =>
        withBacking(async (backing) => {
          await (await backing.open({ schemaVersion: 1 })).close();
          const tooBig: Migration = {
            from: 1,
            to: 2,
            description: 'writes a bad value',
            async migrate(tx, store) {
              tx.put(store.sublevel<string>('x'), 'ok', 'fine');
              tx.put(store.sublevel<string>('x'), 'big', 'x'.repeat(2 * 1024 * 1024));
            },
          };
          const error = await assertStoreError(() => backing.open({ schemaVersion: 2, migrations: [tooBig] }), 'STORE_MIGRATION_FAILED');
          assert.ok(error.cause instanceof StoreError && error.cause.code === 'STORE_VALUE_TOO_LARGE');
          const v1 = await backing.open({ schemaVersion: 1 });
          assert.equal(await v1.sublevel('x').count(), 0);
          await v1.close();
        }));

      it('refuses a store newer than the code, and leaves it alone', () =>
        withBacking(async (backing) => {
          const v3 = await backing.open({ schemaVersion: 3 });
          await v3.sublevel<number>('data').put('k', 3);
          await v3.close();
          const error = await assertStoreError(() => backing.open({ schemaVersion: 2 }), 'STORE_SCHEMA_TOO_NEW');
          assert.match(error.message, /3/);
          const again = await backing.open({ schemaVersion: 3 });
          assert.equal(await again.sublevel<number>('data').get('k'), 3);
          await again.close();
        }));

      it('refuses a gap in the chain before running any step', () =>
        withBacking(async (backing) => {
          await (await backing.open({ schemaVersion: 1 })).close();
          let ran = false;
          const first: Migration = { from: 1, to: 2, description: 'first', migrate: async () => void (ran = true) };
          await assertStoreError(() => backing.open({ schemaVersion: 4, migrations: [first] }), 'STORE_MIGRATION_MISSING');
          assert.equal(ran, false);
          const v1 = await backing.open({ schemaVersion: 1 });
          assert.equal(v1.schemaVersion, 1);
          await v1.close();
        }));

      it('refuses malformed migration lists', () =>
        withBacking(async (backing) => {
          const step = (from: number, to: number): Migration => ({ from, to, description: `${from}→${to}`, migrate: async () => {} });
          for (const migrations of [[step(2, 2)], [step(2, 1)], [step(1, 9)], [step(1, 2), step(1, 3)], [step(0.5, 2)], [{ from: 1, to: 2 } as Migration]]) {
            await assertStoreError(() => backing.open({ schemaVersion: 3, migrations }), 'STORE_INVALID_OPTIONS');
          }
          await assertStoreError(() => backing.open({ schemaVersion: -1 }), 'STORE_INVALID_OPTIONS');
          await assertStoreError(() => backing.open({ schemaVersion: 1.5 }), 'STORE_INVALID_OPTIONS');
        }));
    });
  });
}
