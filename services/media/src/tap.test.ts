/**
 * Taps (the recorder's way to a call's RTP): what the peer sends and what we send copied to a
 * UDP socket the test owns, the codec reported, the tap following the source when the peer's
 * SSRC is learnt after the tap was made, `media.tapClosed` when the endpoint closes, bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, ErrorCode, TalkbusError } from '@talkbus/contracts';
import { G711Law, g711Decode } from '@talkbus/rtp';
import { amplitudeOf, connectedEndpoint, RtpPeer, startMedia, waitFor, type MediaHarness } from './test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

/** PCM of the PCMU packets a socket received. */
function pcmOf(peer: RtpPeer): Int16Array {
  const frames = peer.received.filter((packet) => packet.payloadType === 0);
  const out = new Int16Array(frames.length * 160);
  frames.forEach((packet, index) => out.set(g711Decode(G711Law.Mulaw, packet.payload).subarray(0, 160), index * 160));
  return out;
}

describe('media.tap', () => {
  test('receive and send taps copy each side of the call; the tap follows an SSRC learnt later', async () => {
    const [peer, receiveSink, sendSink] = await Promise.all([
      new RtpPeer().bind(),
      new RtpPeer().bind(),
      new RtpPeer().bind(),
    ]);
    try {
      const info = await connectedEndpoint(harness.broker, 'tap-1', peer);
      await call(harness.broker, 'media.endpoint.input', {
        sessionId: 'tap-1',
        input: { kind: 'tone', frequencies: [440] },
      });
      // Made before the peer sent anything: no source yet.
      const receive = await call(harness.broker, 'media.tap.create', {
        sessionId: 'tap-1',
        kind: 'audio',
        direction: 'receive',
        target: { ip: '127.0.0.1', port: receiveSink.port },
      });
      assert.equal(receive.codec, null);
      const send = await call(harness.broker, 'media.tap.create', {
        sessionId: 'tap-1',
        kind: 'audio',
        direction: 'send',
        target: { ip: '127.0.0.1', port: sendSink.port },
      });
      assert.equal(send.codec?.mimeType, 'audio/PCMU');
      await peer.sendTone(info.audio!.port, 30, [1000]);
      await waitFor('RTP at both taps', () => receiveSink.received.length > 10 && sendSink.received.length > 10);
      assert.ok(amplitudeOf(pcmOf(receiveSink), 1000) > 4000, 'receive tap: the peer’s 1 kHz');
      assert.ok(amplitudeOf(pcmOf(sendSink), 440) > 1000, 'send tap: our 440 Hz');
      assert.ok(amplitudeOf(pcmOf(receiveSink), 440) < 300, 'receive tap: not our tone');
      const now = await call(harness.broker, 'media.tap.get', { tapId: receive.tapId });
      assert.equal(now.codec?.payloadType, 0);
      assert.equal(now.ssrc, receiveSink.received.at(-1)?.ssrc);
      assert.deepEqual(await call(harness.broker, 'media.keyFrame', { tapId: receive.tapId }), { requested: false });

      await call(harness.broker, 'media.endpoint.close', { sessionId: 'tap-1' });
      const closed = await waitFor('media.tapClosed', () =>
        harness.events.filter((event) => event.name === 'media.tapClosed' && event.payload['sessionId'] === 'tap-1'),
      );
      assert.deepEqual(closed.map((event) => event.payload['tapId']).sort(), [receive.tapId, send.tapId].sort());
      assert.equal(closed[0]!.payload['reason'], 'endpoint-closed');
      assert.deepEqual(await call(harness.broker, 'media.tap.close', { tapId: send.tapId }), { closed: false });
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'tap-1' }).catch(() => undefined);
      await Promise.all([peer.close(), receiveSink.close(), sendSink.close()]);
    }
  });

  test('bad input: unknown session or tap, a kind the call lacks, bad target', async () => {
    const target = { ip: '127.0.0.1', port: 40000 };
    await assert.rejects(
      call(harness.broker, 'media.tap.create', { sessionId: 'nope', kind: 'audio', direction: 'send', target }),
      (err) => TalkbusError.is(err, ErrorCode.MEDIA_ENDPOINT_NOT_FOUND),
    );
    await call(harness.broker, 'media.endpoint.create', { sessionId: 'tap-2', account: 'alice' });
    try {
      await assert.rejects(
        call(harness.broker, 'media.tap.create', { sessionId: 'tap-2', kind: 'video', direction: 'receive', target }),
        (err) => TalkbusError.is(err, ErrorCode.MEDIA_NOT_NEGOTIATED),
      );
      await assert.rejects(
        call(harness.broker, 'media.tap.create', {
          sessionId: 'tap-2',
          kind: 'audio',
          direction: 'sideways' as 'send',
          target,
        }),
        { name: 'ValidationError' },
      );
      await assert.rejects(
        call(harness.broker, 'media.tap.create', {
          sessionId: 'tap-2',
          kind: 'audio',
          direction: 'send',
          target: { ip: 'localhost', port: 0 },
        }),
        { name: 'ValidationError' },
      );
      await assert.rejects(call(harness.broker, 'media.keyFrame', { tapId: 'nope' }), (err) =>
        TalkbusError.is(err, ErrorCode.MEDIA_ENDPOINT_NOT_FOUND),
      );
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'tap-2' });
    }
  });
});
