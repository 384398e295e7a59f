/** Store suite, part 2: batches, close and reopen. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortableKey } from './sortable-key.ts';
import { assertStoreError, collect, type SuiteContext } from './store-suite-context.ts';

/** Store suite, part 2: batches, close and reopen. */
export function batchAndLifecycleTests({ withStore, withBacking }: SuiteContext): void {
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
        await assertStoreError(
          () => batch.put(items, 'big', 'x'.repeat(2 * 1024 * 1024) as unknown as number),
          'STORE_VALUE_TOO_LARGE',
        );
        assert.equal(batch.length, 1);
        await batch.write();
        assert.deepEqual(await collect(items.keys()), ['good']);
      }));

    it('refuse a sublevel of another store', () =>
      withStore(async (store) =>
        withBacking(async (otherBacking) => {
          const other = await otherBacking.open({ schemaVersion: 1 });
          try {
            await assertStoreError(
              () => store.batch().put(other.sublevel<number>('items'), 'k', 1),
              'STORE_FOREIGN_SUBLEVEL',
            );
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
}
