import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SORTABLE_KEY_WIDTH, parseSortableKey, sortableKey } from './sortable-key.ts';
import { assertStoreError } from './store-suite.ts';

describe('sortableKey', () => {
  it('has a fixed width and sorts like the numbers', () => {
    const numbers = [0, 1, 9, 10, 99, 100, 1_700_000_000_000, Date.UTC(2100, 0), Number.MAX_SAFE_INTEGER];
    const keys = numbers.map(sortableKey);
    for (const key of keys) assert.equal(key.length, SORTABLE_KEY_WIDTH);
    assert.deepEqual([...keys].reverse().sort(), keys);
    assert.equal(sortableKey(42), '0000000000000042');
  });

  it('round-trips through parseSortableKey, ignoring a suffix', () => {
    for (const n of [0, 7, 1_700_000_000_123, Number.MAX_SAFE_INTEGER])
      assert.equal(parseSortableKey(sortableKey(n)), n);
    assert.equal(parseSortableKey(`${sortableKey(5)}:call-1`), 5);
  });

  it('refuses what it cannot order', async () => {
    for (const n of [-1, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1]) {
      await assertStoreError(() => sortableKey(n), 'STORE_INVALID_KEY');
    }
    for (const key of ['', '12', 'abcdefghijklmnop', '-000000000000001']) {
      await assertStoreError(() => parseSortableKey(key), 'STORE_INVALID_KEY');
    }
  });
});
