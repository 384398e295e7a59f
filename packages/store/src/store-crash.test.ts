/**
 * kill -9 in the middle of writes never leaves a half-written batch (issue 3, item 5): a child
 * writes atomic batches in a loop, we SIGKILL it at a random moment after some progress, reopen
 * and check the invariants of `test-fixtures/batch-invariants.ts`. Several rounds on the same
 * database, so later rounds also start from a store recovered after a kill.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Store, sortableKey } from './index.ts';
import { checkInvariants, numberOf, openLayout } from './test-fixtures/batch-invariants.ts';
import { spawnFixture, type Fixture } from './test-fixtures/spawn-fixture.ts';

const ROUNDS = 5;
/** Bound on one round's wait for the child's progress. */
const PROGRESS_TIMEOUT_MS = 20_000;

let root = '';
const fixtures: Fixture[] = [];
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'talkbus-store-crash-'));
});
after(async () => {
  await Promise.all(fixtures.map((fixture) => fixture.kill()));
  await rm(root, { recursive: true, force: true });
});

describe('kill -9 during batch writes', { timeout: 120_000 }, () => {
  it('the invariant check catches a half-written batch (so it is not vacuous)', async () => {
    const store = await Store.open({ location: join(root, 'torn'), schemaVersion: 1 });
    try {
      const { accounts, byNumber, counters } = openLayout(store);
      const numbers = [numberOf(1, 0)];
      // The account and the counter, but not the index entries and token of the same batch.
      await store
        .batch()
        .put(accounts, sortableKey(1), { id: 1, numbers, padding: '' })
        .put(counters, 'batches', 1)
        .write();
      await assert.rejects(() => checkInvariants(store));
      await byNumber.put(numbers[0]!, 1);
      await assert.rejects(() => checkInvariants(store));
    } finally {
      await store.close();
    }
  });

  it(`leaves every batch whole or absent, over ${ROUNDS} random kills`, async () => {
    const location = join(root, 'db');
    let before = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const writer = spawnFixture('batch-writer.ts', [location]);
      fixtures.push(writer);
      // Let it write a random number of batches past where it resumed, then kill at a random
      // moment: usually in the middle of a write() or a LevelDB flush/compaction.
      const target = before + 20 + Math.floor(Math.random() * 300);
      let reported = 0;
      await writer.waitForLine((line) => {
        const match = /^progress (\d+)$/.exec(line);
        if (match === null) return undefined;
        reported = Number(match[1]);
        return reported >= target ? reported : undefined;
      }, PROGRESS_TIMEOUT_MS);
      await sleep(Math.random() * 20);
      // Lines are read asynchronously, so `reported` may lag the child: that is fine, the
      // check below needs only a lower bound.
      await writer.kill();
      assert.equal(writer.child.signalCode, 'SIGKILL', 'the writer died from the kill, not by itself');

      const store = await Store.open({ location, schemaVersion: 1 });
      try {
        const batches = await checkInvariants(store);
        assert.ok(batches >= reported, `batch ${reported} was reported written, but only ${batches} survived`);
        assert.ok(batches > before, 'the round made progress');
        before = batches;
      } finally {
        await store.close();
      }
    }
  });
});
