/**
 * The local mix (3-way conference in TypeScript, rtp package's G.711 mixer): each call hears the
 * sum of the others' tones and not its own. The WAV output records what the local side hears;
 * speaker mute writes silence; local ringback replaces the network (guide §6.9.2).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, type MediaEndpointInfo } from '@talkbus/contracts';
import { parseWav, wavToPcm16 } from '@talkbus/rtp';
import {
  amplitudeOf,
  connectedEndpoint,
  RtpPeer,
  sleep,
  startMedia,
  waitFor,
  type MediaHarness,
} from './test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

describe('local mix', () => {
  test('three calls: each hears the sum of the other two tones, not its own', async () => {
    const peers = await Promise.all([new RtpPeer().bind(), new RtpPeer().bind(), new RtpPeer().bind()]);
    const ids = ['mix-a', 'mix-b', 'mix-c'];
    const tones = [500, 1100, 1700];
    try {
      const infos: MediaEndpointInfo[] = [];
      for (const [index, id] of ids.entries()) infos.push(await connectedEndpoint(harness.broker, id, peers[index]!));
      const { mixId } = await call(harness.broker, 'media.mix.start', { sessionIds: ids });
      const from = peers.map((peer) => peer.received.length);
      await Promise.all(
        peers.map((peer, index) => peer.sendTone(infos[index]!.audio!.port, 50, [tones[index]!], undefined, 4000)),
      );
      await waitFor('mixed audio', () => peers.every((peer, index) => peer.received.length > from[index]! + 30));
      for (const [index, peer] of peers.entries()) {
        const heard = peer.pcm().subarray(from[index]! * 160);
        const others = tones.filter((_, other) => other !== index);
        for (const tone of others)
          assert.ok(amplitudeOf(heard, tone) > 2000, `${ids[index]} hears ${tone} Hz (${amplitudeOf(heard, tone)})`);
        assert.ok(
          amplitudeOf(heard, tones[index]!) < 400,
          `${ids[index]} does not hear itself (${amplitudeOf(heard, tones[index]!)})`,
        );
      }
      await call(harness.broker, 'media.mix.stop', { mixId });
      await assert.rejects(call(harness.broker, 'media.mix.stop', { mixId }), { type: 'MEDIA_MIX_NOT_FOUND' });
    } finally {
      for (const id of ids)
        await call(harness.broker, 'media.endpoint.close', { sessionId: id }).catch(() => undefined);
      await Promise.all(peers.map((peer) => peer.close()));
    }
  });
});

describe('outputs', () => {
  test('a WAV output records the peer; speaker mute writes silence; local ringback replaces the network', async () => {
    const peer = await new RtpPeer().bind();
    const file = path.join(harness.dataDir, 'media', 'heard.wav');
    try {
      const info = await connectedEndpoint(harness.broker, 'wav-1', peer);
      await call(harness.broker, 'media.endpoint.output', {
        sessionId: 'wav-1',
        output: { kind: 'wav', path: 'heard.wav' },
      });
      await peer.sendTone(info.audio!.port, 25, [800]);
      await call(harness.broker, 'media.endpoint.mute', { sessionId: 'wav-1', speaker: true });
      await sleep(40);
      await peer.sendTone(info.audio!.port, 15, [800]);
      await call(harness.broker, 'media.endpoint.mute', { sessionId: 'wav-1', speaker: false });
      await call(harness.broker, 'media.endpoint.earlyMedia', { sessionId: 'wav-1', mode: 'local-ringback' });
      await peer.sendTone(info.audio!.port, 25, [800]);
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'wav-1' });
      const pcm = wavToPcm16(parseWav(await readFile(file)));
      assert.ok(pcm.length >= 8000, `WAV has ${pcm.length} samples`);
      assert.ok(amplitudeOf(pcm.subarray(0, 3200), 800, 3200) > 4000, 'the peer is heard');
      const muted = pcm.subarray(25 * 160 + 800, 25 * 160 + 2000);
      assert.ok(amplitudeOf(muted, 800, muted.length) < 50, 'speaker muted: silence');
      // CN ringback (§6.9.1 EN_MTC_RING_RING_BACK): 450 Hz; the network's 800 Hz is not heard.
      const ringback = pcm.subarray(pcm.length - 3200);
      assert.ok(amplitudeOf(ringback, 450, 3200) > 1000, `ringback heard (${amplitudeOf(ringback, 450, 3200)})`);
      assert.ok(amplitudeOf(ringback, 800, 3200) < 200, 'network not heard during local ringback');
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'wav-1' }).catch(() => undefined);
      await peer.close();
    }
  });
});
