/**
 * Pool placement with two real mediasoup workers: a bridge's legs end up on one worker (the leg
 * not yet carrying RTP moves, or a `colocateWith` hint places it there at creation), and when
 * neither may move the bridge still relays through `pipeToRouter` (the fallback).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from '@talkbus/contracts';
import { amplitudeOf, connectedEndpoint, RtpPeer, startMedia, waitFor, type MediaHarness } from './test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia({ workers: 2 });
});
after(() => harness.dispose());

const pidOf = async (sessionId: string) => (await call(harness.broker, 'media.endpoint.get', { sessionId })).workerPid;

/** Bridges two connected endpoints, relays a tone each way, and answers what each peer heard. */
async function relay(a: string, b: string, alice: RtpPeer, bob: RtpPeer, ports: [number, number]) {
  await call(harness.broker, 'media.endpoint.bridge', { sessionId: a, otherSessionId: b });
  const from = [alice.received.length, bob.received.length];
  await Promise.all([alice.sendTone(ports[0], 30, [440]), bob.sendTone(ports[1], 30, [1300])]);
  await waitFor(
    'audio at both peers',
    () => alice.received.length > from[0]! + 10 && bob.received.length > from[1]! + 10,
  );
  return { bobHears440: amplitudeOf(bob.pcm(), 440), aliceHears1300: amplitudeOf(alice.pcm(), 1300) };
}

async function closeAll(sessionIds: string[], peers: RtpPeer[]) {
  for (const sessionId of sessionIds)
    await call(harness.broker, 'media.endpoint.close', { sessionId }).catch(() => undefined);
  await Promise.all(peers.map((peer) => peer.close()));
}

describe('pool placement', () => {
  test('least loaded spreads calls; a bridge moves the leg with no RTP yet to its partner’s worker', async () => {
    const [alice, bob] = await Promise.all([new RtpPeer().bind(), new RtpPeer().bind()]);
    try {
      const a = await connectedEndpoint(harness.broker, 'move-a', alice);
      const b = await connectedEndpoint(harness.broker, 'move-b', bob);
      assert.notEqual(a.workerPid, b.workerPid, 'least loaded: one endpoint per worker');
      const heard = await relay('move-a', 'move-b', alice, bob, [a.audio!.port, b.audio!.port]);
      assert.equal(await pidOf('move-b'), a.workerPid, 'the second leg moved to the first one’s worker');
      assert.ok(heard.bobHears440 > 4000, `bob hears 440 Hz (${heard.bobHears440})`);
      assert.ok(heard.aliceHears1300 > 4000, `alice hears 1300 Hz (${heard.aliceHears1300})`);
    } finally {
      await closeAll(['move-a', 'move-b'], [alice, bob]);
    }
  });

  test('colocateWith places a new endpoint on the named call’s worker', async () => {
    const [alice, carol] = await Promise.all([new RtpPeer().bind(), new RtpPeer().bind()]);
    try {
      const first = await connectedEndpoint(harness.broker, 'hint-a', alice);
      const spread = await connectedEndpoint(harness.broker, 'hint-x', carol);
      assert.notEqual(spread.workerPid, first.workerPid);
      const hinted = await call(harness.broker, 'media.endpoint.create', {
        sessionId: 'hint-b',
        account: 'alice',
        colocateWith: 'hint-x',
      });
      assert.equal(hinted.workerPid, spread.workerPid, 'placed next to hint-x, not on the least loaded');
      const unknown = await call(harness.broker, 'media.endpoint.create', {
        sessionId: 'hint-c',
        account: 'alice',
        colocateWith: 'no-such-call',
      });
      assert.ok([first.workerPid, spread.workerPid].includes(unknown.workerPid), 'unknown hint: least loaded');
    } finally {
      await closeAll(['hint-a', 'hint-x', 'hint-b', 'hint-c'], [alice, carol]);
    }
  });

  test('legs already carrying RTP stay put; the bridge pipes between workers', async () => {
    const [alice, bob] = await Promise.all([new RtpPeer().bind(), new RtpPeer().bind()]);
    try {
      const a = await connectedEndpoint(harness.broker, 'pipe-a', alice);
      const b = await connectedEndpoint(harness.broker, 'pipe-b', bob);
      assert.notEqual(a.workerPid, b.workerPid);
      // RTP on both legs first (learnt SSRCs, rtpStarted): neither may move any more.
      await Promise.all([alice.sendTone(a.audio!.port, 15, [440]), bob.sendTone(b.audio!.port, 15, [1300])]);
      await waitFor('RTP started on both', () =>
        ['pipe-a', 'pipe-b'].every((sessionId) =>
          harness.events.some((event) => event.name === 'media.rtpStarted' && event.payload['sessionId'] === sessionId),
        ),
      );
      const heard = await relay('pipe-a', 'pipe-b', alice, bob, [a.audio!.port, b.audio!.port]);
      assert.equal(await pidOf('pipe-a'), a.workerPid);
      assert.equal(await pidOf('pipe-b'), b.workerPid, 'not moved');
      assert.ok(heard.bobHears440 > 4000, `piped: bob hears 440 Hz (${heard.bobHears440})`);
      assert.ok(heard.aliceHears1300 > 4000, `piped: alice hears 1300 Hz (${heard.aliceHears1300})`);
    } finally {
      await closeAll(['pipe-a', 'pipe-b'], [alice, bob]);
    }
  });
});
