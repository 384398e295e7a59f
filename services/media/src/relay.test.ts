/**
 * RTP through the endpoint with real mediasoup workers and UDP sockets the test owns: a tone in
 * from one peer and out to another through a local bridge (Goertzel on what arrives), the peer's
 * SSRC learnt without a=ssrc, Node-made audio (tone input) reaching the peer, hold stopping RTP,
 * mute silencing, RTP started/timeout events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from '@talkbus/contracts';
import {
  amplitudeOf,
  connectedEndpoint,
  pcmuStream,
  RtpPeer,
  sleep,
  startMedia,
  waitFor,
  type MediaHarness,
} from './test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia({ rtpTimeoutMs: 600 });
});
after(() => harness.dispose());

describe('relay and Node-made audio', () => {
  test('a tone sent by one peer reaches the bridged peer unchanged (SSRC learnt)', async () => {
    const [alice, bob] = await Promise.all([new RtpPeer().bind(), new RtpPeer().bind()]);
    try {
      const a = await connectedEndpoint(harness.broker, 'relay-a', alice);
      const b = await connectedEndpoint(harness.broker, 'relay-b', bob);
      await call(harness.broker, 'media.endpoint.bridge', { sessionId: 'relay-a', otherSessionId: 'relay-b' });
      await Promise.all([alice.sendTone(a.audio!.port, 40, [440]), bob.sendTone(b.audio!.port, 40, [1300])]);
      await waitFor('audio at both peers', () => alice.received.length > 10 && bob.received.length > 10);
      assert.ok(amplitudeOf(bob.pcm(), 440) > 4000, `bob hears 440 Hz (${amplitudeOf(bob.pcm(), 440)})`);
      assert.ok(amplitudeOf(alice.pcm(), 1300) > 4000, 'alice hears 1300 Hz');
      assert.ok(amplitudeOf(bob.pcm(), 1300) < 500, 'bob does not hear himself');
      const stats = await call(harness.broker, 'media.endpoint.stats', { sessionId: 'relay-a' });
      assert.equal(stats.audio?.remoteSsrc, alice.ssrc);
      assert.ok(
        harness.events.some((event) => event.name === 'media.rtpStarted' && event.payload['sessionId'] === 'relay-a'),
      );
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'relay-a' }).catch(() => undefined);
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'relay-b' }).catch(() => undefined);
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  test('a tone input reaches the peer; mic mute really silences it', async () => {
    const peer = await new RtpPeer().bind();
    try {
      await connectedEndpoint(harness.broker, 'tone-1', peer);
      await call(harness.broker, 'media.endpoint.input', {
        sessionId: 'tone-1',
        input: { kind: 'tone', frequencies: [697] },
      });
      await waitFor('tone at the peer', () => peer.received.length >= 25);
      assert.ok(amplitudeOf(peer.pcm(), 697) > 2000, `697 Hz heard (${amplitudeOf(peer.pcm(), 697)})`);
      await call(harness.broker, 'media.endpoint.mute', { sessionId: 'tone-1', mic: true });
      await sleep(100);
      const mutedFrom = peer.received.length;
      await waitFor('muted frames', () => peer.received.length >= mutedFrom + 20);
      const muted = peer.pcm().subarray(mutedFrom * 160);
      assert.ok(amplitudeOf(muted, 697, muted.length) < 50, 'muted: silence');
      assert.ok(
        muted.every((sample) => Math.abs(sample) < 64),
        'muted: every sample near zero',
      );
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'tone-1' }).catch(() => undefined);
      await peer.close();
    }
  });

  test('hold: recvonly/inactive stops our RTP; sendonly stops the peer’s getting through', async () => {
    const [alice, bob] = await Promise.all([new RtpPeer().bind(), new RtpPeer().bind()]);
    try {
      const a = await connectedEndpoint(harness.broker, 'hold-a', alice);
      await connectedEndpoint(harness.broker, 'hold-b', bob);
      await call(harness.broker, 'media.endpoint.bridge', { sessionId: 'hold-a', otherSessionId: 'hold-b' });
      await alice.sendTone(a.audio!.port, 15, [440]);
      await waitFor('relay before hold', () => bob.received.length > 5);
      // alice's side put on hold by alice (our direction sendonly): her RTP must not pass.
      await call(harness.broker, 'media.endpoint.update', {
        sessionId: 'hold-a',
        streams: [pcmuStream(alice, { direction: 'sendonly' })],
      });
      await sleep(60);
      const before = bob.received.length;
      await alice.sendTone(a.audio!.port, 15, [440]);
      await sleep(100);
      assert.equal(bob.received.length, before, 'nothing relayed while held');
      // bob's call inactive: nothing goes to bob at all, even Node-made audio.
      await call(harness.broker, 'media.endpoint.update', { sessionId: 'hold-a', streams: [pcmuStream(alice)] });
      await call(harness.broker, 'media.endpoint.update', {
        sessionId: 'hold-b',
        streams: [pcmuStream(bob, { direction: 'inactive' })],
      });
      await sleep(60);
      const inactiveFrom = bob.received.length;
      await alice.sendTone(a.audio!.port, 15, [440]);
      await sleep(100);
      assert.equal(bob.received.length, inactiveFrom, 'inactive: no RTP to bob');
      const info = await call(harness.broker, 'media.endpoint.get', { sessionId: 'hold-b' });
      assert.equal(info.direction, 'inactive');
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'hold-a' }).catch(() => undefined);
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'hold-b' }).catch(() => undefined);
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  test('no RTP for the configured time → media.rtpTimeout', async () => {
    const peer = await new RtpPeer().bind();
    try {
      await connectedEndpoint(harness.broker, 'silent-1', peer);
      const event = await waitFor(
        'rtpTimeout',
        () =>
          harness.events.find((seen) => seen.name === 'media.rtpTimeout' && seen.payload['sessionId'] === 'silent-1'),
        3000,
      );
      assert.equal(event.payload['account'], 'alice');
      assert.ok((event.payload['silentForMs'] as number) >= 600);
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'silent-1' }).catch(() => undefined);
      await peer.close();
    }
  });
});
