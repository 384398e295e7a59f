/**
 * The virtual video input with a real mediasoup worker and a real ffmpeg 5.1: the test pattern
 * encoded as VP8 or H.264 reaches a UDP socket the test owns, with the peer's payload type, and
 * starts on a key frame (VP8 payload descriptor and key frame header; H.264 NAL types); the ffmpeg
 * process is gone after `none` and after the endpoint closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, type MediaStreamParams } from '@talkbus/contracts';
import { RtpPeer, startMedia, waitFor, type MediaHarness, requireFfmpeg } from './test-support.ts';

requireFfmpeg();

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

function videoStream(peer: RtpPeer, codec: MediaStreamParams['codecs'][number]): MediaStreamParams {
  return {
    index: 0,
    kind: 'video',
    accepted: true,
    direction: 'sendrecv',
    rtcpMux: true,
    remote: { address: '127.0.0.1', port: peer.port, ssrcs: [] },
    codecs: [codec],
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The VP8 payload after its descriptor (RFC 7741 §4.2), and whether the descriptor's S bit is set. */
function vp8Payload(payload: Buffer): { start: boolean; partition: number; frame: Buffer } {
  let offset = 1;
  const start = (payload[0]! & 0x10) !== 0;
  if (payload[0]! & 0x80) {
    const extension = payload[1]!;
    offset = 2;
    if (extension & 0x80) offset += payload[offset]! & 0x80 ? 2 : 1; // PictureID (7 or 15 bits)
    if (extension & 0x40) offset += 1; // TL0PICIDX
    if (extension & 0x30) offset += 1; // TID/KEYIDX
  }
  return { start, partition: payload[0]! & 0x07, frame: payload.subarray(offset) };
}

/** NAL units in an H.264 RTP payload: type, forbidden bit, and profile_idc for an SPS. */
function nalUnits(payload: Buffer): { type: number; forbidden: number; profileIdc?: number }[] {
  const unit = (bytes: Buffer, type = bytes[0]! & 0x1f) => ({
    type,
    forbidden: bytes[0]! >> 7,
    ...(type === 7 ? { profileIdc: bytes[1]! } : {}),
  });
  const type = payload[0]! & 0x1f;
  if (type === 28) return [unit(payload, payload[1]! & 0x1f)];
  if (type !== 24) return [unit(payload)];
  const units = [];
  for (let offset = 1; offset + 2 < payload.length;) {
    const size = payload.readUInt16BE(offset);
    units.push(unit(payload.subarray(offset + 2, offset + 2 + size)));
    offset += 2 + size;
  }
  return units;
}

describe('virtual video input (ffmpeg test pattern)', () => {
  test('VP8 on the peer’s payload type, starting on a 320×240 key frame; endpoint close stops ffmpeg', async () => {
    const peer = await new RtpPeer().bind();
    try {
      await call(harness.broker, 'media.endpoint.create', {
        sessionId: 'vp8-1',
        account: 'alice',
        audio: false,
        video: true,
      });
      await call(harness.broker, 'media.endpoint.update', {
        sessionId: 'vp8-1',
        streams: [videoStream(peer, { name: 'VP8', clockRate: 90000, payloadType: 100, localPayloadType: 100 })],
      });
      const info = await call(harness.broker, 'media.endpoint.video', {
        sessionId: 'vp8-1',
        input: { kind: 'pattern' },
      });
      assert.equal(info.codec, 'VP8');
      assert.equal(info.payloadType, 100);
      assert.ok(info.pid && alive(info.pid), 'ffmpeg runs');
      await waitFor('VP8 RTP at the peer', () => peer.received.length >= 20, 8000);
      assert.ok(
        peer.received.every((packet) => packet.payloadType === 100),
        'every packet on the peer’s pt 100',
      );
      const first = vp8Payload(Buffer.from(peer.received[0]!.payload));
      assert.ok(first.start && first.partition === 0, 'the first packet starts a frame');
      assert.equal(first.frame[0]! & 0x01, 0, 'P bit 0: a key frame');
      assert.deepEqual([...first.frame.subarray(3, 6)], [0x9d, 0x01, 0x2a], 'key frame start code');
      assert.equal(first.frame.readUInt16LE(6) & 0x3fff, 320);
      assert.equal(first.frame.readUInt16LE(8) & 0x3fff, 240);
      assert.ok(
        peer.received.some((packet) => packet.marker),
        'frames end with the marker bit',
      );
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'vp8-1' });
      await waitFor('ffmpeg gone after close', () => !alive(info.pid!), 3000);
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'vp8-1' }).catch(() => undefined);
      await peer.close();
    }
  });

  test('H.264 (packetization-mode 1) on the peer’s payload type: SPS, PPS, IDR; `none` stops ffmpeg', async () => {
    const peer = await new RtpPeer().bind();
    try {
      await call(harness.broker, 'media.endpoint.create', {
        sessionId: 'h264-1',
        account: 'alice',
        audio: false,
        video: true,
      });
      await call(harness.broker, 'media.endpoint.update', {
        sessionId: 'h264-1',
        streams: [
          videoStream(peer, {
            name: 'H264',
            clockRate: 90000,
            payloadType: 103,
            localPayloadType: 103,
            parameters: { 'packetization-mode': '1', 'profile-level-id': '42e01f' },
          }),
        ],
      });
      const info = await call(harness.broker, 'media.endpoint.video', {
        sessionId: 'h264-1',
        input: { kind: 'pattern' },
      });
      assert.equal(info.codec, 'H264');
      assert.equal(info.payloadType, 103);
      await waitFor('H.264 RTP at the peer', () => peer.received.length >= 20, 8000);
      assert.ok(
        peer.received.every((packet) => packet.payloadType === 103),
        'every packet on the peer’s pt 103',
      );
      // NAL units of each packet (RFC 6184 §5.7.1 STAP-A unpacked; FU-A as its fragment's type, §5.8).
      const units = peer.received.flatMap((packet) => nalUnits(Buffer.from(packet.payload)));
      const types = units.map((unit) => unit.type);
      assert.ok(
        units.every((unit) => unit.forbidden === 0),
        'forbidden_zero_bit is 0',
      );
      assert.ok(
        types.every((type) => type >= 1 && type <= 23),
        `NAL types ${[...new Set(types)].join(',')}`,
      );
      assert.equal(types[0], 7, 'starts with an SPS (key frame)');
      assert.ok(types.includes(8) && types.includes(5), 'PPS and IDR slices follow');
      assert.equal(units[0]!.profileIdc, 66, 'profile_idc 66 (baseline)');
      await call(harness.broker, 'media.endpoint.video', { sessionId: 'h264-1', input: { kind: 'none' } });
      assert.equal(alive(info.pid!), false, 'ffmpeg stopped by `none`');
      const stoppedAt = peer.received.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(peer.received.length <= stoppedAt + 2, 'no more video');
    } finally {
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'h264-1' }).catch(() => undefined);
      await peer.close();
    }
  });

  test('stopping the service stops every ffmpeg it started', async () => {
    const own = await startMedia();
    const peer = await new RtpPeer().bind();
    try {
      await call(own.broker, 'media.endpoint.create', {
        sessionId: 'stop-1',
        account: 'alice',
        audio: false,
        video: true,
      });
      await call(own.broker, 'media.endpoint.update', {
        sessionId: 'stop-1',
        streams: [videoStream(peer, { name: 'VP8', clockRate: 90000, payloadType: 96, localPayloadType: 96 })],
      });
      const info = await call(own.broker, 'media.endpoint.video', { sessionId: 'stop-1', input: { kind: 'pattern' } });
      assert.ok(info.pid && alive(info.pid));
      await own.dispose();
      assert.equal(alive(info.pid), false, 'ffmpeg gone once the service stopped');
    } finally {
      await peer.close();
    }
  });
});
