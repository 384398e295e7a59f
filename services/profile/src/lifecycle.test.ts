/**
 * The service's life: the store opens at start (a locked store fails the start with an error
 * naming the path), closes at stop after the work in progress, refuses work while stopping,
 * and reports storage failures as STORAGE_FAILED.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { call } from '@talkbus/contracts';
import { NodeStartError, startNode } from '@talkbus/runtime';
import { Store } from '@talkbus/store';
import { createProfileService } from './index.ts';
import { PROFILE_SCHEMA_VERSION } from './profile-store.ts';
import { rejectsWithCode, startProfile } from './test-support.ts';

test('a locked store fails the start with a clear error naming the path', async () => {
  const harness = await startProfile();
  await harness.stop();
  const location = path.join(harness.dataDir, 'profile');
  const holder = await Store.open({ location, schemaVersion: PROFILE_SCHEMA_VERSION });
  try {
    const err = await startNode(
      // 'fatal': the broker logs the failed start itself; keep the test output clean.
      { ...harness.config, services: ['profile'], log: { ...harness.config.log, level: 'fatal' } },
      { profile: createProfileService },
    ).then(
      () => assert.fail('the node started on a locked store'),
      (e: unknown) => e as NodeStartError,
    );
    assert.ok(err instanceof NodeStartError);
    assert.equal(err.code, 'SERVICE_START_FAILED');
    assert.ok(err.message.includes(location), err.message);
    assert.match(err.message, /locked/);
  } finally {
    await holder.close();
    await harness.dispose();
  }
});

test('work accepted before a stop lands on disk; work while stopping gets SHUTTING_DOWN', async () => {
  let harness = await startProfile();
  const { broker } = harness;
  const accepted = call(broker, 'profile.create', { account: 'Alice_CMCC' });
  const stopping = harness.stop();
  let refused: unknown;
  for (let attempt = 0; attempt < 100 && !refused; attempt++) {
    await call(broker, 'profile.count', {}).catch((err: unknown) => {
      refused = err;
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await stopping;
  assert.equal((refused as { type?: string } | undefined)?.type, 'SHUTTING_DOWN');
  assert.equal((await accepted).account, 'Alice_CMCC');
  await rejectsWithCode(call(broker, 'profile.exists', { account: 'Alice_CMCC' }), 'SHUTTING_DOWN');
  // Events arriving after the stop are dropped with a warning, not thrown.
  await broker.emit('call.termed', {});

  harness = await harness.restart();
  assert.deepEqual(await call(harness.broker, 'profile.exists', { account: 'Alice_CMCC' }), { exists: true });
  await harness.dispose();
});

test('a storage failure answers STORAGE_FAILED with the cause, and writes nothing', async () => {
  const harness = await startProfile();
  try {
    const accountsDir = path.join(harness.dataDir, 'accounts');
    await rm(accountsDir, { recursive: true });
    await writeFile(accountsDir, 'not a directory');
    const err = await rejectsWithCode(
      call(harness.broker, 'profile.create', { account: 'Alice_CMCC' }),
      'STORAGE_FAILED',
    );
    assert.deepEqual(err.data, { cause: 'ENOTDIR' });
    assert.match(String(err.message), /Alice_CMCC/);
    assert.deepEqual(await call(harness.broker, 'profile.exists', { account: 'Alice_CMCC' }), { exists: false });
    assert.deepEqual(await call(harness.broker, 'profile.count', {}), { count: 0 });
  } finally {
    await harness.dispose();
  }
});
