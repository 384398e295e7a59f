/** Store suite, part 1: single keys, key and value rules, sublevels, ranges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValueStore, Sublevel } from './key-value-store.ts';
import { sortableKey } from './sortable-key.ts';
import { assertStoreError, collect, type SuiteContext } from './store-suite-context.ts';

/** Store suite, part 1: single keys, key and value rules, sublevels, ranges. */
export function dataTests({ withStore }: SuiteContext): void {
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
        const samples: unknown[] = [
          null,
          0,
          -1.5,
          true,
          'text',
          '',
          'héllo 😀 中文',
          [1, [2, { x: 'y' }]],
          { nested: { deep: [null] } },
        ];
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
        const bad: unknown[] = [
          '',
          'x'.repeat(1025),
          '€'.repeat(342),
          'a\x00b',
          '\ud800',
          'a\udc00b',
          42,
          undefined,
          null,
        ];
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
        const bad: unknown[] = [
          '',
          'a\x00',
          'a\x01b',
          '\x02meta',
          'tab\there',
          'new\nline',
          '\x7f',
          '\ud800',
          'n'.repeat(256),
          7,
        ];
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
        await assertStoreError(
          () => store.batch().put(values, 'big', 'x'.repeat(1024 * 1024)),
          'STORE_VALUE_TOO_LARGE',
        );
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
        assert.equal(
          await store.sublevel<string>('a').get('k'),
          'in a',
          'a new handle on the same name reads the same data',
        );
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
}
