/** Another process holding the database: STORE_LOCKED, quickly, both ways round. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Store } from './index.ts';
import { assertStoreError } from './store-suite.ts';
import { spawnFixture, type Fixture } from './test-fixtures/spawn-fixture.ts';

/** Bound on the child's start-up (Node start, type stripping, LevelDB open). */
const START_TIMEOUT_MS = 15_000;
/** STORE_LOCKED must come at once, not after a retry loop. */
const LOCKED_WITHIN_MS = 2_000;

let root = '';
const fixtures: Fixture[] = [];
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'talkbus-store-lock-'));
});
after(async () => {
  await Promise.all(fixtures.map((fixture) => fixture.kill()));
  await rm(root, { recursive: true, force: true });
});

describe('a store held by another process', { timeout: 60_000 }, () => {
  it('is refused with STORE_LOCKED naming the location, and opens once that process is killed', async () => {
    const location = join(root, 'held-by-child');
    const holder = spawnFixture('hold-store.ts', [location]);
    fixtures.push(holder);
    await holder.waitForLine((line) => (JSON.parse(line) as { ready?: boolean }).ready, START_TIMEOUT_MS);

    const started = performance.now();
    const error = await assertStoreError(() => Store.open({ location, schemaVersion: 1 }), 'STORE_LOCKED');
    assert.ok(performance.now() - started < LOCKED_WITHIN_MS, 'STORE_LOCKED within the bound');
    assert.ok(error.message.includes(location), error.message);
    assert.match(error.message, /another process/);

    await holder.kill();
    const store = await Store.open({ location, schemaVersion: 1 });
    await store.close();
  });

  it('makes another process fail with STORE_LOCKED while this one holds it', async () => {
    const location = join(root, 'held-by-parent');
    const store = await Store.open({ location, schemaVersion: 1 });
    try {
      const contender = spawnFixture('hold-store.ts', [location]);
      fixtures.push(contender);
      const code = await contender.waitForLine(
        (line) => (JSON.parse(line) as { error?: string }).error,
        START_TIMEOUT_MS,
      );
      assert.equal(code, 'STORE_LOCKED');
      await contender.kill();
    } finally {
      await store.close();
    }
  });
});
