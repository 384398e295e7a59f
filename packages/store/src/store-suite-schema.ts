/** Store suite, part 3: schema versions and migrations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Migration } from './key-value-store.ts';
import { StoreError } from './store-error.ts';
import { assertStoreError, collect, type SuiteContext } from './store-suite-context.ts';

/** Store suite, part 3: schema versions and migrations. */
export function schemaTests({ withBacking }: SuiteContext): void {
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
        assert.deepEqual(await v3.sublevel<ContactV3>('contacts').get('c1'), {
          first: 'Alice',
          last: 'Huang',
          numbers: [],
        });
        await v3.close();
        const again = await backing.open({ schemaVersion: 3, migrations: [addNumbers, splitNames] });
        assert.deepEqual(await again.sublevel<ContactV3>('contacts').get('c1'), {
          first: 'Alice',
          last: 'Huang',
          numbers: [],
        });
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
        const error = await assertStoreError(
          () => backing.open({ schemaVersion: 3, migrations: [splitNames, failing] }),
          'STORE_MIGRATION_FAILED',
        );
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
        const error = await assertStoreError(
          () => backing.open({ schemaVersion: 2, migrations: [tooBig] }),
          'STORE_MIGRATION_FAILED',
        );
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
        await assertStoreError(
          () => backing.open({ schemaVersion: 4, migrations: [first] }),
          'STORE_MIGRATION_MISSING',
        );
        assert.equal(ran, false);
        const v1 = await backing.open({ schemaVersion: 1 });
        assert.equal(v1.schemaVersion, 1);
        await v1.close();
      }));

    it('refuses malformed migration lists', () =>
      withBacking(async (backing) => {
        const step = (from: number, to: number): Migration => ({
          from,
          to,
          description: `${from}→${to}`,
          migrate: async () => {},
        });
        for (const migrations of [
          [step(2, 2)],
          [step(2, 1)],
          [step(1, 9)],
          [step(1, 2), step(1, 3)],
          [step(0.5, 2)],
          [{ from: 1, to: 2 } as Migration],
        ]) {
          await assertStoreError(() => backing.open({ schemaVersion: 3, migrations }), 'STORE_INVALID_OPTIONS');
        }
        await assertStoreError(() => backing.open({ schemaVersion: -1 }), 'STORE_INVALID_OPTIONS');
        await assertStoreError(() => backing.open({ schemaVersion: 1.5 }), 'STORE_INVALID_OPTIONS');
      }));
  });
}
