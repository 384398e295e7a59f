/** The data layout `batch-writer.ts` writes, and the invariants that must hold after any kill. */
import assert from 'node:assert/strict';
import type { KeyValueStore, Sublevel } from '../index.ts';
import { sortableKey } from '../index.ts';

/** Index entries written with each account. */
export const NUMBERS_PER_ACCOUNT = 8;

/** An account record of the writer. */
export interface Account {
  id: number;
  numbers: string[];
  padding: string;
}

/** The `index`-th phone number of account `id`. */
export function numberOf(id: number, index: number): string {
  return `+86-${id}-${index}`;
}

/** The writer's sublevels. */
export function openLayout(store: KeyValueStore): {
  accounts: Sublevel<Account>;
  byNumber: Sublevel<number>;
  tokens: Sublevel<number>;
  counters: Sublevel<number>;
} {
  return {
    accounts: store.sublevel<Account>('accounts'),
    byNumber: store.sublevel<number>('byNumber'),
    tokens: store.sublevel<number>('tokens'),
    counters: store.sublevel<number>('counters'),
  };
}

/**
 * Checks that every batch is fully present or fully absent: the counter names the last batch,
 * accounts 1…counter all exist and no other, every account's index entries exist and point
 * back at it, and exactly one token (the counter's) exists. Returns the counter.
 */
export async function checkInvariants(store: KeyValueStore): Promise<number> {
  const { accounts, byNumber, tokens, counters } = openLayout(store);
  const batches = (await counters.get('batches')) ?? 0;
  let expected = 1;
  for await (const [key, account] of accounts.entries()) {
    assert.equal(key, sortableKey(expected), `account ${expected} missing or extra account ${key}`);
    assert.equal(account.id, expected);
    assert.equal(account.numbers.length, NUMBERS_PER_ACCOUNT);
    const owners = await byNumber.getMany(account.numbers);
    assert.deepEqual(
      owners,
      account.numbers.map(() => expected),
      `index entries of account ${expected} disagree`,
    );
    expected += 1;
  }
  assert.equal(expected - 1, batches, 'the counter matches the accounts');
  assert.equal(await byNumber.count(), batches * NUMBERS_PER_ACCOUNT, 'no index entry without its account');
  const tokenKeys: string[] = [];
  for await (const key of tokens.keys()) tokenKeys.push(key);
  assert.deepEqual(
    tokenKeys,
    batches === 0 ? [] : [`token-${batches}`],
    'the delete and the put of each batch went together',
  );
  return batches;
}
