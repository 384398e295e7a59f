/**
 * Video recordings and snapshots (guide §7.1.1, table 7-1: Mtc_SessRecRecvVideoStart,
 * RecSendVideoStart, RenderSnapshot, CaptureSnapshot) of calls whose peer is ffmpeg sending a
 * test pattern over RTP (H.264 and VP8): the recording plays (ffprobe: codec, size, duration
 * within 10 %), a key frame request reaches the peer as RTCP PLI, the snapshots' pixels are the
 * pattern's colours, and a call that ends finalizes its recording.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, ErrorCode, TalkbusError, type MediaStreamParams } from '@talkbus/contracts';
import { stopAllChildren, type Child } from '../support/process.ts';
import {
  ffmpegSender,
  freeUdpPair,
  probe,
  rgbOf,
  sleep,
  startRecorderNode,
  streamTo,
  TonePeer,
  waitFor,
  type RecorderNode,
} from './support.ts';

let node: RecorderNode;
before(async () => {
  node = await startRecorderNode({ codecWaitMs: 1500 });
});
after(async () => {
  await stopAllChildren();
  await node.dispose();
});

/** SMPTE bars (top two thirds), left to right, as ffmpeg's smptebars draws them (75 % levels). */
const SMPTE_BARS: [number, number, number][] = [
  [191, 191, 191],
  [191, 191, 0],
  [0, 191, 191],
  [0, 191, 0],
  [191, 0, 191],
  [191, 0, 0],
  [0, 0, 191],
];

/** Checks the seven bars at mid-height of the top part of a 320×240 RGB image. */
function assertBars(rgb: Buffer, width: number, what: string): void {
  const y = 60;
  SMPTE_BARS.forEach((expected, bar) => {
    const x = Math.floor(((bar + 0.5) * width) / 7);
    const at = (y * width + x) * 3;
    const pixel = [rgb[at]!, rgb[at + 1]!, rgb[at + 2]!];
    const off = pixel.some((value, channel) => Math.abs(value - expected[channel]!) > 40);
    assert.ok(!off, `${what}: bar ${bar} is ${pixel.join(',')}, expected ${expected.join(',')}`);
  });
}

interface VideoCall {
  sessionId: string;
  sender: Child;
  /** The test's socket where the endpoint sends RTCP for the peer's video (PLI/FIR land here). */
  rtcpPeer: TonePeer;
  audioPeer: TonePeer;
  audioPort: number;
}

/** A call with audio (a tone peer) and video (ffmpeg sending `source`), RTCP of video to a test socket. */
async function videoCall(sessionId: string, codec: 'h264' | 'vp8', source: string, seconds = 12): Promise<VideoCall> {
  const [rtcpPeer, audioPeer] = await Promise.all([new TonePeer().bind(), new TonePeer().bind()]);
  const localPort = await freeUdpPair();
  const ssrc = 0x1000_0000 + Math.floor(Math.random() * 0x1000_0000);
  const info = await call(node.broker, 'media.endpoint.create', {
    sessionId,
    account: 'alice',
    video: true,
    rtcpMux: false,
  });
  const payloadType = codec === 'h264' ? 102 : 96;
  const video: MediaStreamParams = streamTo(localPort, {
    kind: 'video',
    rtcpMux: false,
    remote: { address: '127.0.0.1', port: localPort, rtcpPort: rtcpPeer.port, ssrcs: [ssrc] },
    codecs: [
      {
        name: codec === 'h264' ? 'H264' : 'VP8',
        clockRate: 90000,
        payloadType,
        localPayloadType: payloadType,
        parameters: codec === 'h264' ? { 'packetization-mode': '1', 'profile-level-id': '42e01f' } : {},
      },
    ],
  });
  await call(node.broker, 'media.endpoint.update', {
    sessionId,
    streams: [streamTo(audioPeer.port, { kind: 'audio', rtcpMux: false }), video],
  });
  const sender = ffmpegSender({ source, codec, payloadType, ssrc, port: info.video!.port, localPort, seconds });
  // The recording can hold only what was sent: wait until the peer's video flows.
  await waitFor('the peer’s video', () =>
    node.events.some(
      (event) =>
        event.name === 'media.rtpStarted' &&
        event.payload['sessionId'] === sessionId &&
        event.payload['kind'] === 'video',
    ),
  );
  return { sessionId, sender, rtcpPeer, audioPeer, audioPort: info.audio!.port };
}

async function closeCall(videoCallState: VideoCall): Promise<void> {
  await call(node.broker, 'media.endpoint.close', { sessionId: videoCallState.sessionId }).catch(() => undefined);
  await videoCallState.sender.stop(2000);
  await Promise.all([videoCallState.rtcpPeer.close(), videoCallState.audioPeer.close()]);
}

/** RTCP PSFB (PT 206) with FMT 1 (PLI, RFC 4585 §6.3.1) or 4 (FIR, RFC 5104 §4.3.1) in a compound. */
function hasKeyFrameRequest(packets: readonly Buffer[]): boolean {
  return packets.some((packet) => {
    for (let at = 0; at + 4 <= packet.length; at += (packet.readUInt16BE(at + 2) + 1) * 4) {
      const fmt = packet[at]! & 0x1f;
      if (packet[at + 1] === 206 && (fmt === 1 || fmt === 4)) return true;
    }
    return false;
  });
}

describe('recorder: video (guide table 7-1 RecRecvVideo / RecSendVideo / snapshots)', () => {
  test('H.264 peer: received video as MP4 at 160×120 with audio, PLI to the peer, PNG render snapshot', async () => {
    const state = await videoCall('vid-h264', 'h264', 'smptebars');
    const audio = state.audioPeer.sendTone(state.audioPort, 250, 1000);
    try {
      const recording = await call(node.broker, 'recorder.recvVideo.start', {
        sessionId: 'vid-h264',
        fileType: 'mp4',
        width: 160,
        height: 120,
        withAudio: true,
      });
      const startedAt = Date.now();
      await waitFor('a key frame request at the peer', () => hasKeyFrameRequest(state.rtcpPeer.rtcp), 3000);
      await assert.rejects(call(node.broker, 'recorder.recvVideo.start', { sessionId: 'vid-h264' }), (err) =>
        TalkbusError.is(err, ErrorCode.RECORDER_ALREADY_RECORDING),
      );
      // Not bridged: nothing is sent on this call's video.
      await assert.rejects(
        call(node.broker, 'recorder.sendVideo.start', { sessionId: 'vid-h264', path: 'nothing-sent.mp4' }),
        (err) => TalkbusError.is(err, ErrorCode.RECORDER_NO_VIDEO),
      );
      await assert.rejects(access(path.join(node.folder, 'nothing-sent.mp4')), { code: 'ENOENT' });
      const snapshot = await call(node.broker, 'recorder.renderSnapshot', {
        sessionId: 'vid-h264',
        fileType: 'png',
        path: 'render.png',
      });
      assert.deepEqual([snapshot.width, snapshot.height, snapshot.fileType], [320, 240, 'png']);
      assertBars(await rgbOf(snapshot.path, 320, 240), 320, 'render snapshot');
      await sleep(Math.max(0, 4000 - (Date.now() - startedAt)));
      const ranMs = Date.now() - startedAt;
      const result = await call(node.broker, 'recorder.recvVideo.stop', { sessionId: 'vid-h264' });
      assert.equal(result.path, recording.path);
      const probed = await probe(recording.path);
      const videoStream = probed.streams.find((stream) => stream.codec_type === 'video')!;
      assert.deepEqual([videoStream.codec_name, videoStream.width, videoStream.height], ['h264', 160, 120]);
      assert.ok(probed.streams.some((stream) => stream.codec_type === 'audio' && stream.codec_name === 'aac'));
      assert.ok(
        Math.abs(probed.duration * 1000 - ranMs) <= ranMs * 0.1,
        `duration ${probed.duration} s, recorded for ${ranMs} ms`,
      );
      const event = node.events.find(
        (seen) => seen.name === 'recorder.stopped' && seen.payload['recordingId'] === recording.recordingId,
      );
      assert.equal(event?.payload['reason'], 'stopped');
      assert.ok((event?.payload['bytes'] as number) > 1000);
    } finally {
      await audio.catch(() => undefined);
      await closeCall(state);
    }
  });

  test('VP8 peer: WebM (VP8 + Opus) recording finalized when the call ends; JPEG render snapshot', async () => {
    const state = await videoCall('vid-vp8', 'vp8', 'smptebars');
    try {
      const snapshot = await call(node.broker, 'recorder.renderSnapshot', { sessionId: 'vid-vp8' });
      assert.equal(snapshot.fileType, 'jpeg');
      assert.match(snapshot.path, /\.jpg$/);
      assertBars(await rgbOf(snapshot.path, 320, 240), 320, 'VP8 render snapshot');
      const audio = state.audioPeer.sendTone(state.audioPort, 260, 440);
      await sleep(300); // the audio peer's SSRC is learnt
      const recording = await call(node.broker, 'recorder.recvVideo.start', {
        sessionId: 'vid-vp8',
        fileType: 'webm',
        withAudio: true,
      });
      const startedAt = Date.now();
      await sleep(4000);
      const ranMs = Date.now() - startedAt;
      await call(node.broker, 'media.endpoint.close', { sessionId: 'vid-vp8' });
      const event = await waitFor(
        'recorder.stopped',
        () =>
          node.events.find(
            (seen) => seen.name === 'recorder.stopped' && seen.payload['recordingId'] === recording.recordingId,
          ),
        8000,
      );
      assert.equal(event.payload['reason'], 'call-ended');
      const probed = await probe(recording.path);
      const videoStream = probed.streams.find((stream) => stream.codec_type === 'video')!;
      assert.deepEqual([videoStream.codec_name, videoStream.width, videoStream.height], ['vp8', 320, 240]);
      assert.ok(probed.streams.some((stream) => stream.codec_type === 'audio' && stream.codec_name === 'opus'));
      await audio;
      assert.ok(
        Math.abs(probed.duration * 1000 - ranMs) <= ranMs * 0.1,
        `duration ${probed.duration} s, recorded for ${ranMs} ms`,
      );
    } finally {
      await closeCall(state);
    }
  });

  test('sent video: a bridged call sends the other peer’s bars; MKV recording and JPEG capture snapshot', async () => {
    const bars = await videoCall('vid-bars', 'h264', 'smptebars');
    const plain = await videoCall('vid-plain', 'h264', 'color=c=0x2040c0');
    try {
      await call(node.broker, 'media.endpoint.bridge', { sessionId: 'vid-plain', otherSessionId: 'vid-bars' });
      const recording = await call(node.broker, 'recorder.sendVideo.start', {
        sessionId: 'vid-plain',
        fileType: 'mkv',
      });
      // The recording runs from the moment start answers (ffmpeg and the taps are up).
      const startedAt = Date.now();
      const capture = await call(node.broker, 'recorder.captureSnapshot', { sessionId: 'vid-plain' });
      assertBars(await rgbOf(capture.path, 320, 240), 320, 'capture snapshot (what vid-plain sends)');
      const render = await call(node.broker, 'recorder.renderSnapshot', { sessionId: 'vid-plain', fileType: 'png' });
      const rgb = await rgbOf(render.path, 320, 240);
      const centre = (120 * 320 + 160) * 3;
      const pixel = [rgb[centre]!, rgb[centre + 1]!, rgb[centre + 2]!];
      assert.ok(
        Math.abs(pixel[0]! - 0x20) < 30 && Math.abs(pixel[1]! - 0x40) < 30 && Math.abs(pixel[2]! - 0xc0) < 30,
        `render snapshot (what vid-plain receives) is the plain colour: ${pixel.join(',')}`,
      );
      // 8 s: a relayed stream starts at the next key frame after ffmpeg's probe (up to ~0.7 s on a
      // loaded machine), which 10 % of a 4 s recording does not cover.
      await sleep(Math.max(0, 8000 - (Date.now() - startedAt)));
      const ranMs = Date.now() - startedAt;
      await call(node.broker, 'recorder.sendVideo.stop', { sessionId: 'vid-plain' });
      const probed = await probe(recording.path);
      assert.equal(probed.streams[0]?.codec_name, 'h264');
      assert.ok(
        Math.abs(probed.duration * 1000 - ranMs) <= ranMs * 0.1,
        `duration ${probed.duration} s, recorded for ${ranMs} ms`,
      );
    } finally {
      await closeCall(plain);
      await closeCall(bars);
    }
  });
});
