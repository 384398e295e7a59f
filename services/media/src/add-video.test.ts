/**
 * `media.endpoint.update { video: true }` on an endpoint made audio-only (guide §6.3,
 * `Mtc_SessUpdate` adding video): a video PlainTransport appears on the audio's worker, the next
 * negotiation wires it, and the test pattern reaches a UDP socket the test owns; removing video
 * (port 0) stops what flows.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from '@talkbus/contracts';
import { RtpPeer, pcmuStream, startMedia, waitFor, type MediaHarness, requireFfmpeg } from './test-support.ts';

requireFfmpeg();

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

test('video added to an audio-only endpoint by update, then removed', async () => {
  const audioPeer = await new RtpPeer().bind();
  const videoPeer = await new RtpPeer().bind();
  try {
    const created = await call(harness.broker, 'media.endpoint.create', { sessionId: 'add-1', account: 'alice' });
    assert.equal(created.video, null);
    await call(harness.broker, 'media.endpoint.update', { sessionId: 'add-1', streams: [pcmuStream(audioPeer)] });
    const added = await call(harness.broker, 'media.endpoint.update', { sessionId: 'add-1', streams: [], video: true });
    assert.ok(added.video, 'a video transport');
    assert.notEqual(added.video.port, added.audio!.port);
    assert.equal(added.workerPid, created.workerPid, 'on the audio’s worker');
    const again = await call(harness.broker, 'media.endpoint.update', { sessionId: 'add-1', streams: [], video: true });
    assert.equal(again.video!.port, added.video.port, 'adding twice keeps the one transport');
    const video = {
      index: 1,
      kind: 'video' as const,
      accepted: true,
      direction: 'sendrecv' as const,
      rtcpMux: true,
      remote: { address: '127.0.0.1', port: videoPeer.port, ssrcs: [] },
      codecs: [{ name: 'VP8', clockRate: 90000, payloadType: 100, localPayloadType: 100 }],
    };
    await call(harness.broker, 'media.endpoint.update', {
      sessionId: 'add-1',
      streams: [pcmuStream(audioPeer), video],
    });
    const input = await call(harness.broker, 'media.endpoint.video', {
      sessionId: 'add-1',
      input: { kind: 'pattern' },
    });
    assert.equal(input.payloadType, 100);
    await waitFor('VP8 at the video peer', () => videoPeer.received.length >= 10, 8000);
    await call(harness.broker, 'media.endpoint.update', {
      sessionId: 'add-1',
      streams: [pcmuStream(audioPeer), { ...video, accepted: false, direction: 'inactive' }],
    });
    await call(harness.broker, 'media.endpoint.video', { sessionId: 'add-1', input: { kind: 'none' } });
    const stoppedAt = videoPeer.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(videoPeer.received.length <= stoppedAt + 2, 'no more video');
  } finally {
    await call(harness.broker, 'media.endpoint.close', { sessionId: 'add-1' }).catch(() => undefined);
    await audioPeer.close();
    await videoPeer.close();
  }
});
