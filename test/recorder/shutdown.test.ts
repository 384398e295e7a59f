/**
 * Service shutdown during recordings (guide §7.1.1 files must be usable whatever ends them): the
 * node stops while a received-video MP4 (ffmpeg fed by a tap, the peer an ffmpeg test pattern)
 * and a speaker WAV are being recorded. The MP4 is finalized (ffprobe reads it, duration within
 * 10 %), the WAV is complete, ffmpeg is gone.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { call } from '@talkbus/contracts';
import { stopAllChildren } from '../support/process.ts';
import {
  ffmpegSender,
  freeUdpPair,
  probe,
  readWav,
  sleep,
  startRecorderNode,
  streamTo,
  TonePeer,
  waitFor,
} from './support.ts';

test('node stopping: the MP4 in progress is finalized and the WAV is complete', async () => {
  const node = await startRecorderNode();
  const audioPeer = await new TonePeer().bind();
  const localPort = await freeUdpPair();
  const sender = (() => {
    let started: ReturnType<typeof ffmpegSender> | undefined;
    return {
      start: (port: number) =>
        (started = ffmpegSender({
          source: 'smptebars',
          codec: 'h264',
          payloadType: 102,
          ssrc: 777_000,
          port,
          localPort,
          seconds: 12,
        })),
      stop: () => started?.stop(2000),
    };
  })();
  let stopped = false;
  try {
    const info = await call(node.broker, 'media.endpoint.create', {
      sessionId: 'down-1',
      account: 'alice',
      video: true,
    });
    await call(node.broker, 'media.endpoint.update', {
      sessionId: 'down-1',
      streams: [
        streamTo(audioPeer.port),
        streamTo(localPort, {
          kind: 'video',
          remote: { address: '127.0.0.1', port: localPort, ssrcs: [777_000] },
          codecs: [{ name: 'H264', clockRate: 90000, payloadType: 102, localPayloadType: 102, parameters: {} }],
        }),
      ],
    });
    sender.start(info.video!.port);
    await waitFor('video', () =>
      node.events.some((event) => event.name === 'media.rtpStarted' && event.payload['kind'] === 'video'),
    );
    const video = await call(node.broker, 'recorder.recvVideo.start', { sessionId: 'down-1' });
    const audio = await call(node.broker, 'recorder.play.start', { sessionId: 'down-1', fileType: 'wav-pcmu' });
    const startedAt = Date.now();
    await audioPeer.sendTone(info.audio!.port, 200, 1000); // 4 s: the first key frame may take a GOP
    const ranMs = Date.now() - startedAt;
    await node.broker.stop();
    stopped = true;
    const probed = await probe(video.path);
    assert.equal(probed.streams[0]?.codec_name, 'h264');
    assert.ok(Math.abs(probed.duration * 1000 - ranMs) <= ranMs * 0.1, `${probed.duration} s of ${ranMs} ms`);
    const { wav, durationMs } = await readWav(audio.path);
    assert.equal(wav.truncated, false);
    assert.ok(Math.abs(durationMs - ranMs) <= 150, `${durationMs} ms of ${ranMs} ms`);
  } finally {
    await sender.stop();
    await stopAllChildren();
    await audioPeer.close();
    if (!stopped) await node.broker.stop().catch(() => undefined);
    await sleep(50);
    await rm(node.dataDir, { recursive: true, force: true });
  }
});
