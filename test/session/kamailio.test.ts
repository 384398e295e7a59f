/**
 * Two (and three) talkbus accounts calling each other through a real Kamailio, with RTP flowing
 * both ways and measured by the media service: basic call (guide §6.12.1), hold/unhold
 * (§6.12.5), blind transfer to a third account (§6.12.6.1), attended transfer (§6.12.6.2).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kamailioAvailable, startKamailio, type Kamailio } from './kamailio.ts';
import { startSessionNode, type SessionNode } from './support.ts';

const skip = kamailioAvailable ? false : 'Kamailio is not installed';
let kamailio: Kamailio;
let node: SessionNode;

before(async () => {
  if (skip) return;
  kamailio = await startKamailio({ alice: 'a-secret', bob: 'b-secret', carol: 'c-secret' });
  node = await startSessionNode({ nodeID: `session-kam-${process.pid}` });
  for (const [user, password] of [
    ['alice', 'a-secret'],
    ['bob', 'b-secret'],
    ['carol', 'c-secret'],
  ] as const) {
    await node.account(user, {
      sipUser: user,
      domain: '127.0.0.1',
      registrar: `127.0.0.1:${kamailio.port}`,
      outboundProxy: `127.0.0.1:${kamailio.port}`,
      authPassword: password,
      keepAliveInterval: 0,
    });
  }
});
after(async () => {
  await node?.stop();
  await kamailio?.stop();
});

const uri = (user: string) => `sip:${user}@127.0.0.1:${kamailio.port}`;

/** `from` calls `to` through Kamailio; `to` answers. Both session ids once both talk. */
async function connect(from: string, to: string): Promise<[string, string]> {
  const incoming = node.waitFor('call.incoming', { account: to }, 5000, node.events.length);
  const { sessionId: caller } = await node.call<{ sessionId: string }>('session.call', { account: from, uri: uri(to) });
  const callee = (await incoming).payload.sessionId as string;
  await node.call('session.answer', { sessionId: callee });
  await node.waitFor('call.talking', { sessionId: caller });
  await node.waitFor('call.talking', { sessionId: callee });
  return [caller, callee];
}

interface Stats {
  audio: { packetsReceived: number; packetsSent: number } | null;
}

/** RTP received by each session during `ms` of real time (the media service's counters). */
async function rtpDuring(sessionIds: string[], ms: number): Promise<number[]> {
  const read = () =>
    Promise.all(
      sessionIds.map(async (sessionId) => {
        const stats = await node.call<Stats>('media.endpoint.stats', { sessionId });
        return stats.audio?.packetsReceived ?? 0;
      }),
    );
  const before = await read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await read();
  return after.map((count, i) => count - before[i]!);
}

/**
 * Waits (at most 3 s) until every session receives RTP. NOTE: `call.talking` (or `unheld`) comes
 * before the media is re-wired and the peer's SSRC adopted again; on a loaded machine (parallel
 * test files) a 600 ms window opened at once measured 14 (and once 0) packets instead of ~30.
 */
async function rtpStarted(sessionIds: string[]): Promise<void> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const counts = await rtpDuring(sessionIds, 100);
    if (counts.every((count) => count > 0)) return;
  }
}

async function ended(sessionId: string) {
  return (await node.waitFor('call.termed', { sessionId })).payload;
}

test('§6.12.1 alice calls bob through Kamailio; RTP flows both ways; alice hangs up', { skip }, async () => {
  const [caller, callee] = await connect('alice', 'bob');
  for (const sessionId of [caller, callee])
    await node.call('media.endpoint.input', { sessionId, input: { kind: 'tone', frequencies: [440] } });
  const [toAlice, toBob] = await rtpDuring([caller, callee], 600);
  assert.ok(toAlice! > 15, `alice received ${toAlice} packets in 600 ms`);
  assert.ok(toBob! > 15, `bob received ${toBob} packets in 600 ms`);
  await node.call('session.term', { sessionId: caller });
  assert.equal((await ended(caller)).reason, 'NORMAL');
  assert.equal((await ended(callee)).reason, 'BYE');
  assert.deepEqual(node.names(caller), ['outgoing', 'alerted', 'talking', 'termed']);
  assert.deepEqual(node.names(callee), ['incoming', 'talking', 'termed']);
});

test(
  '§6.12.5 hold: holdOk on alice, held on bob, no RTP to bob; unhold: unholdOk/unheld, RTP again',
  { skip },
  async () => {
    const [caller, callee] = await connect('alice', 'bob');
    await node.call('session.hold', { sessionId: caller });
    await node.waitFor('call.holdOk', { sessionId: caller });
    await node.waitFor('call.held', { sessionId: callee });
    assert.deepEqual(await node.call('session.hasHeld', { sessionId: callee }), { value: true });
    // RFC 3264 §8.4: alice offered sendonly, bob answered recvonly: bob sends nothing to alice.
    const [heldToAlice] = await rtpDuring([caller, callee], 400);
    assert.ok(heldToAlice! < 3, `alice received ${heldToAlice} packets while holding`);
    await node.call('session.unhold', { sessionId: caller });
    await node.waitFor('call.unholdOk', { sessionId: caller });
    await node.waitFor('call.unheld', { sessionId: callee });
    await rtpStarted([caller, callee]);
    const [toAlice, toBob] = await rtpDuring([caller, callee], 600);
    assert.ok(toAlice! > 15 && toBob! > 15, `RTP after unhold: ${toAlice} / ${toBob}`);
    await node.call('session.term', { sessionId: callee });
    await ended(caller);
    assert.deepEqual(node.names(caller), ['outgoing', 'alerted', 'talking', 'holdOk', 'unholdOk', 'termed']);
    assert.deepEqual(node.names(callee), ['incoming', 'talking', 'held', 'unheld', 'termed']);
  },
);

test('§6.12.6.1 blind transfer: bob transfers alice to carol; alice and carol talk', { skip }, async () => {
  const [aliceToBob, bobFromAlice] = await connect('alice', 'bob');
  const carolRings = node.waitFor('call.incoming', { account: 'carol' }, 8000, node.events.length);
  const refered = node.waitFor('call.refered', { account: 'alice' }, 8000, node.events.length);
  await node.call('session.transfer', { sessionId: bobFromAlice, uri: uri('carol') });
  const aliceToCarol = (await refered).payload.sessionId as string;
  const carol = (await carolRings).payload.sessionId as string;
  assert.match(String((await carolRings).payload.referredBy), /bob@/);
  await node.call('session.answer', { sessionId: carol });
  await node.waitFor('call.talking', { sessionId: aliceToCarol });
  assert.equal((await node.waitFor('call.trsfTerm', { sessionId: bobFromAlice })).payload.success, true);
  assert.equal((await ended(bobFromAlice)).reason, 'TRSFED');
  assert.equal((await ended(aliceToBob)).reason, 'TRSFED');
  assert.deepEqual(node.names(bobFromAlice), ['incoming', 'talking', 'trsfAcpt', 'termed', 'trsfTerm']);
  const [toAlice, toCarol] = await rtpDuring([aliceToCarol, carol], 1000);
  assert.ok(toAlice! > 15 && toCarol! > 15, `RTP alice↔carol: ${toAlice} / ${toCarol}`);
  await node.call('session.term', { sessionId: carol });
  await ended(aliceToCarol);
});

test(
  '§6.12.6.2 attended transfer: bob holds alice, calls carol, joins them (REFER with Replaces)',
  { skip },
  async () => {
    const [aliceToBob, bobFromAlice] = await connect('alice', 'bob');
    await node.call('session.hold', { sessionId: bobFromAlice });
    await node.waitFor('call.holdOk', { sessionId: bobFromAlice });
    const [bobToCarol, carolFromBob] = await connect('bob', 'carol');
    const replacing = node.waitFor('call.incoming', { account: 'alice' }, 8000, node.events.length);
    // §6.8.2: transfer the bob–carol call to alice, replacing the alice–bob dialog.
    await node.call('session.attendedTransfer', { sessionId: bobToCarol, targetSessionId: bobFromAlice });
    const aliceNew = (await replacing).payload;
    assert.equal(aliceNew.replaces, aliceToBob);
    assert.equal((await ended(aliceToBob)).reason, 'REPLACE');
    assert.equal((await ended(bobFromAlice)).reason, 'BYE');
    assert.equal((await ended(bobToCarol)).reason, 'TRSFED');
    await node.waitFor('call.trsfTerm', { sessionId: bobToCarol });
    const carolNew = (await node.waitFor('call.refered', { account: 'carol' })).payload.sessionId as string;
    await node.waitFor('call.talking', { sessionId: carolNew });
    await rtpStarted([carolNew, aliceNew.sessionId as string]);
    const [toCarol, toAlice] = await rtpDuring([carolNew, aliceNew.sessionId as string], 600);
    assert.ok(toCarol! > 15 && toAlice! > 15, `RTP carol↔alice: ${toCarol} / ${toAlice}`);
    assert.equal((await ended(carolFromBob)).reason, 'TRSFED');
    await node.call('session.term', { sessionId: carolNew });
    await ended(aliceNew.sessionId as string);
  },
);
