/**
 * The recorder in another process than the media service (issue 8 point 4): node A (this test)
 * runs profile and media; node B is a `talkbus start` process running only the recorder; they
 * talk over a real nats-server. A speaker recording started through the bus gets the call's RTP
 * from a media tap over loopback UDP, exactly as in one process: the WAV holds the peer's tone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { call } from '@talkbus/contracts';
import { loadConfig, startNode, type TalkbusNode } from '@talkbus/runtime';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { startNats, type NatsServer } from '../support/nats.ts';
import { stopAllChildren } from '../support/process.ts';
import { startTalkbusNode } from '../support/talkbus.ts';
import { amplitudeIn, readWav, sleep, streamTo, TonePeer } from './support.ts';

let nats: NatsServer;
let dataDir: string;
let media: TalkbusNode;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'talkbus-recorder-cluster-'));
  nats = await startNats();
  await startTalkbusNode({
    TALKBUS_TRANSPORTER: nats.url,
    TALKBUS_SERVICES: 'recorder',
    TALKBUS_NODE_ID: 'recorder-node',
    TALKBUS_DATA_DIR: path.join(dataDir, 'b'),
  });
  const config = loadConfig({
    env: {},
    overrides: {
      nodeID: 'media-node',
      transporter: nats.url,
      services: ['profile', 'media'],
      dataDir: path.join(dataDir, 'a'),
      log: { level: 'warn', format: 'json' },
    },
  });
  media = await startNode(config, {
    profile: createProfileService,
    media: (context) =>
      createMediaService({ ...context, settings: { workers: 1, portMin: 38000, portMax: 38999, rtpCheckMs: 100 } }),
  });
  await media.broker.waitForServices(['recorder'], 10_000);
});

after(async () => {
  await media?.stop();
  await stopAllChildren();
  await nats?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a recorder in another process records a call of the media node over the bus and loopback UDP', async () => {
  const peer = await new TonePeer().bind();
  try {
    await call(media.broker, 'profile.create', { account: 'alice' });
    await call(media.broker, 'media.endpoint.create', { sessionId: 'far-1', account: 'alice' });
    const info = await call(media.broker, 'media.endpoint.update', {
      sessionId: 'far-1',
      streams: [streamTo(peer.port)],
    });
    await peer.sendTone(info.audio!.port, 10, 1000); // the peer's SSRC is learnt
    // The recorder node learns of the media node a moment after the reverse (discovery): bounded retry.
    const start = () => call(media.broker, 'recorder.play.start', { sessionId: 'far-1', fileType: 'wav-pcma' });
    const deadline = Date.now() + 5000;
    let recording = await start().catch((err: Error) => err);
    while (recording instanceof Error && recording.name === 'ServiceNotFoundError' && Date.now() < deadline) {
      await sleep(100);
      recording = await start().catch((err: Error) => err);
    }
    if (recording instanceof Error) throw recording;
    assert.ok(recording.path.startsWith(path.join(dataDir, 'a')), 'in alice’s folder on the media node');
    await peer.sendTone(info.audio!.port, 50, 1000);
    await sleep(200);
    const result = await call(media.broker, 'recorder.play.stop', { sessionId: 'far-1' });
    const { pcm, durationMs } = await readWav(recording.path);
    assert.equal(Math.round(durationMs), result.durationMs);
    assert.ok(amplitudeIn(pcm, 1000, 100, 900) > 5000, 'the tone came through the tap to the other process');
  } finally {
    await call(media.broker, 'media.endpoint.close', { sessionId: 'far-1' }).catch(() => undefined);
    await peer.close();
  }
});
