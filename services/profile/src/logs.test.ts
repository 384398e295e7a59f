/**
 * Call logs from `call.termed` and IM logs from `im.sent` / `im.received` (guide §2.3): the
 * profile service is their only writer; entries are capped, time-ordered and queryable.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { call } from '@talkbus/contracts';
import { truncateUtf8 } from './im-log.ts';
import { callTermed, rejectsWithCode, startProfile, type ProfileHarness } from './test-support.ts';

let harness: ProfileHarness;
beforeEach(async () => {
  harness = await startProfile({ limits: { maxCallLogEntries: 5, maxImLogEntries: 3, maxImBodyBytes: 10 } });
  await call(harness.broker, 'profile.create', { account: 'Alice_CMCC' });
});
afterEach(async () => {
  await harness.dispose();
});

const account = 'Alice_CMCC';
const T0 = 1_700_000_000_000;

describe('call log from call.termed', () => {
  test('an event appends an entry and emits profile.callLogAdded', async () => {
    const { broker } = harness;
    await broker.emit(
      'call.termed',
      callTermed({ sessionId: 's1', startedAt: T0, answeredAt: T0 + 2_000, endedAt: T0 + 62_400 }),
    );
    await broker.emit(
      'call.termed',
      callTermed({
        sessionId: 's2',
        direction: 'incoming',
        startedAt: T0 + 100_000,
        answeredAt: null,
        endedAt: T0 + 130_000,
        reason: 'NO_ANSWER',
        sipStatus: 480,
      }),
    );
    const { entries } = await call(broker, 'profile.callLogs.list', { account });
    assert.deepEqual(
      entries.map((e) => e.sessionId),
      ['s2', 's1'],
      'newest first',
    );
    const [missed, talked] = entries as [(typeof entries)[0], (typeof entries)[0]];
    assert.equal(talked.durationSeconds, 60);
    assert.equal(talked.account, account);
    assert.equal(talked.peerUri, 'sip:bob@example.com');
    assert.equal(missed.durationSeconds, 0, 'never answered');
    assert.equal(missed.reason, 'NO_ANSWER');
    assert.equal(missed.sipStatus, 480);
    assert.match(talked.id, /^\d{16}-[0-9a-f]{12}$/);
    const added = harness.events.filter((e) => e.name === 'profile.callLogAdded').map((e) => e.payload);
    assert.deepEqual(added, [
      { account, entry: talked },
      { account, entry: missed },
    ]);
  });

  test('keeps at most maxCallLogEntries, dropping the oldest in the same batch', async () => {
    const { broker } = harness;
    // Out of order on purpose: order is by startedAt, not arrival.
    for (const i of [3, 1, 0, 2, 6, 5, 4]) {
      await broker.emit(
        'call.termed',
        callTermed({ sessionId: `s${i}`, startedAt: T0 + i * 1000, answeredAt: null, endedAt: T0 + i * 1000 + 500 }),
      );
    }
    const { entries } = await call(broker, 'profile.callLogs.list', { account });
    assert.deepEqual(
      entries.map((e) => e.sessionId),
      ['s6', 's5', 's4', 's3', 's2'],
    );
    // A late entry older than everything kept is not kept (the log is full of newer ones).
    await broker.emit(
      'call.termed',
      callTermed({ sessionId: 'ancient', startedAt: T0 - 1, answeredAt: null, endedAt: T0 }),
    );
    assert.equal((await call(broker, 'profile.callLogs.list', { account })).entries.length, 5);
    assert.ok(
      !(await call(broker, 'profile.callLogs.list', { account })).entries.some((e) => e.sessionId === 'ancient'),
    );
    // Concurrent events for one account never leave more than the cap.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        broker.emit(
          'call.termed',
          callTermed({ sessionId: `c${i}`, startedAt: T0 + 10_000 + i, answeredAt: null, endedAt: T0 + 20_000 }),
        ),
      ),
    );
    const after = await call(broker, 'profile.callLogs.list', { account, limit: 100 });
    assert.deepEqual(
      after.entries.map((e) => e.sessionId),
      ['c9', 'c8', 'c7', 'c6', 'c5'],
    );
  });

  test('filters: since/until (inclusive, on startedAt), peer (scheme+user+host, host case-insensitive), limit', async () => {
    const { broker } = harness;
    const peers = [
      'sip:bob@example.com',
      'sip:bob@EXAMPLE.com:5070;transport=tcp',
      '"Carol" <sip:carol@example.com>',
      'sips:bob@example.com',
      'tel:+8613800000000',
    ];
    for (const [i, peerUri] of peers.entries()) {
      await broker.emit(
        'call.termed',
        callTermed({
          sessionId: `s${i}`,
          peerUri,
          startedAt: T0 + i * 1000,
          answeredAt: null,
          endedAt: T0 + i * 1000 + 1,
        }),
      );
    }
    const list = async (query: { since?: number; until?: number; peer?: string; limit?: number }) =>
      (await call(broker, 'profile.callLogs.list', { account, ...query })).entries.map((e) => e.sessionId);
    assert.deepEqual(await list({}), ['s4', 's3', 's2', 's1', 's0']);
    assert.deepEqual(await list({ since: T0 + 1000, until: T0 + 3000 }), ['s3', 's2', 's1']);
    assert.deepEqual(await list({ since: T0 + 1001 }), ['s4', 's3', 's2']);
    assert.deepEqual(await list({ until: T0 + 999 }), ['s0']);
    assert.deepEqual(await list({ since: T0 + 3000, until: T0 + 1000 }), []);
    assert.deepEqual(await list({ peer: 'sip:bob@Example.COM' }), ['s1', 's0']);
    assert.deepEqual(await list({ peer: '<sip:bob@example.com;user=phone>' }), ['s1', 's0']);
    assert.deepEqual(await list({ peer: 'sip:BOB@example.com' }), [], 'the user part is case-sensitive');
    assert.deepEqual(await list({ peer: 'sips:bob@example.com' }), ['s3']);
    assert.deepEqual(await list({ peer: 'sip:carol@example.com' }), ['s2']);
    assert.deepEqual(await list({ peer: 'tel:+8613800000000;phone-context=x' }), ['s4']);
    assert.deepEqual(await list({ peer: 'sip:bob@example.com', limit: 1 }), ['s1']);
    assert.deepEqual(await list({ limit: 2, since: T0 }), ['s4', 's3']);
    // Numbers in query strings (an HTTP or CLI caller) are converted.
    const converted = (await harness.broker.call('profile.callLogs.list', {
      account,
      since: String(T0 + 4000),
      limit: '1',
    })) as {
      entries: { sessionId: string }[];
    };
    assert.deepEqual(
      converted.entries.map((e) => e.sessionId),
      ['s4'],
    );
  });

  test('remove and clear', async () => {
    const { broker } = harness;
    for (const i of [0, 1, 2]) await broker.emit('call.termed', callTermed({ sessionId: `s${i}`, startedAt: T0 + i }));
    const [first] = (await call(broker, 'profile.callLogs.list', { account })).entries;
    assert.deepEqual(await call(broker, 'profile.callLogs.remove', { account, id: first!.id }), { removed: true });
    assert.deepEqual(await call(broker, 'profile.callLogs.remove', { account, id: first!.id }), { removed: false });
    assert.deepEqual(await call(broker, 'profile.callLogs.remove', { account, id: 'not-an-id\0' }), { removed: false });
    assert.deepEqual(await call(broker, 'profile.callLogs.clear', { account }), { removed: 2 });
    assert.deepEqual(await call(broker, 'profile.callLogs.list', { account }), { entries: [] });
    assert.deepEqual(await call(broker, 'profile.callLogs.clear', { account }), { removed: 0 });
    await rejectsWithCode(
      call(broker, 'profile.callLogs.remove', { account: 'Nobody', id: first!.id }),
      'ACCOUNT_NOT_FOUND',
    );
  });

  test('a malformed event or an unknown account is logged and ignored; the node keeps working', async () => {
    const { broker, logs } = harness;
    const bad: unknown[] = [
      null,
      'garbage',
      42,
      [],
      {},
      callTermed({ account: '../etc' }),
      callTermed({ startedAt: -5 }),
      callTermed({ startedAt: 'yesterday' }),
      callTermed({ reason: 'EXPLODED' }),
      callTermed({ direction: 'sideways' }),
      callTermed({ sipStatus: 9999 }),
      callTermed({ peerUri: 'x'.repeat(5000) }),
      callTermed({ sessionId: undefined }),
    ];
    for (const payload of bad) await broker.emit('call.termed', payload);
    await broker.emit('call.termed', callTermed({ account: 'Nobody' }));
    assert.equal(
      logs.filter((line) => line.startsWith('warn') && line.includes('malformed call.termed')).length,
      bad.length,
    );
    assert.ok(logs.some((line) => line.startsWith('warn') && line.includes("no account 'Nobody'")));
    assert.deepEqual(await call(broker, 'profile.callLogs.list', { account }), { entries: [] });
    assert.equal(harness.events.filter((e) => e.name === 'profile.callLogAdded').length, 0);
    // Extra fields from a newer sender are tolerated.
    await broker.emit('call.termed', callTermed({ futureField: { nested: true } }));
    assert.equal((await call(broker, 'profile.callLogs.list', { account })).entries.length, 1);
  });

  test('the log of a deleted account is gone with it', async () => {
    const { broker } = harness;
    await broker.emit('call.termed', callTermed());
    await call(broker, 'profile.delete', { account });
    await call(broker, 'profile.create', { account });
    assert.deepEqual(await call(broker, 'profile.callLogs.list', { account }), { entries: [] });
  });
});

describe('IM log from im.sent / im.received', () => {
  const im = (overrides: Record<string, unknown> = {}) => ({
    account,
    messageId: 'm1',
    peerUri: 'sip:bob@example.com',
    contentType: 'text/plain',
    body: 'hello',
    at: T0,
    status: 'sent',
    ...overrides,
  });

  test('appends entries (direction from the event), truncates bodies, caps, filters, clears', async () => {
    const { broker } = harness;
    await broker.emit('im.sent', im());
    await broker.emit(
      'im.received',
      im({ messageId: 'm2', at: T0 + 1, status: 'received', body: 'héllo wörld, long' }),
    );
    let { entries } = await call(broker, 'profile.imLogs.list', { account });
    assert.deepEqual(
      entries.map((e) => [e.messageId, e.direction, e.body]),
      [
        ['m2', 'incoming', 'héllo wö'], // cut at 10 UTF-8 bytes, on a character boundary
        ['m1', 'outgoing', 'hello'],
      ],
    );
    assert.deepEqual(
      harness.events.filter((e) => e.name === 'profile.imLogAdded').map((e) => (e.payload as { entry: unknown }).entry),
      [entries[1], entries[0]],
    );
    for (const i of [2, 3, 4])
      await broker.emit('im.sent', im({ messageId: `m${i + 1}`, at: T0 + i, peerUri: 'sip:carol@example.com' }));
    ({ entries } = await call(broker, 'profile.imLogs.list', { account }));
    assert.deepEqual(
      entries.map((e) => e.messageId),
      ['m5', 'm4', 'm3'],
      'capped at 3',
    );
    assert.deepEqual((await call(broker, 'profile.imLogs.list', { account, peer: 'sip:bob@example.com' })).entries, []);
    assert.deepEqual(
      (
        await call(broker, 'profile.imLogs.list', { account, since: T0 + 3, peer: 'sip:carol@EXAMPLE.com' })
      ).entries.map((e) => e.messageId),
      ['m5', 'm4'],
    );
    await broker.emit('im.received', { ...im(), status: 'bogus' });
    await broker.emit('im.sent', im({ account: 'Nobody' }));
    assert.equal((await call(broker, 'profile.imLogs.list', { account })).entries.length, 3);
    assert.deepEqual(await call(broker, 'profile.imLogs.clear', { account }), { removed: 3 });
    assert.deepEqual(await call(broker, 'profile.imLogs.list', { account }), { entries: [] });
  });

  test('truncateUtf8 never splits a character', () => {
    assert.equal(truncateUtf8('abc', 3), 'abc');
    assert.equal(truncateUtf8('ab€', 4), 'ab');
    assert.equal(truncateUtf8('😀😀', 5), '😀');
    assert.equal(truncateUtf8('😀', 3), '');
  });
});
