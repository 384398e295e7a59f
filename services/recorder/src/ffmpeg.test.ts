/**
 * What the recorder hands ffmpeg: the SDP (RFC 4566) from the taps' codecs, the output options
 * per file type (guide EN_MTC_MFILE_TYPE, EN_MTC_CALL_IMG_TYPE), and the stop that finalizes a
 * file through RTCP BYE (checked against a real ffmpeg reading an idle RTP port).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FfmpegProcess, freePortPairs, sdpFor, sdpInputArgs, snapshotArgs, videoOutputArgs } from './ffmpeg.ts';
import { defaultName, fileSafe } from './paths.ts';

describe('ffmpeg inputs and outputs', () => {
  test('SDP: one m-line per tap with its payload type, rtpmap and fmtp', () => {
    const sdp = sdpFor('127.0.0.1', [
      {
        kind: 'video',
        port: 40000,
        codec: {
          mimeType: 'video/H264',
          payloadType: 102,
          clockRate: 90000,
          parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' },
        },
      },
      {
        kind: 'audio',
        port: 40002,
        codec: { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {} },
      },
    ]);
    assert.equal(
      sdp,
      [
        'v=0',
        'o=- 0 0 IN IP4 127.0.0.1',
        's=talkbus recorder',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=video 40000 RTP/AVP 102',
        'a=rtpmap:102 H264/90000',
        'a=fmtp:102 packetization-mode=1;profile-level-id=42e01f',
        'a=recvonly',
        'm=audio 40002 RTP/AVP 111',
        'a=rtpmap:111 opus/48000/2',
        'a=recvonly',
        '',
      ].join('\r\n'),
    );
    assert.match(sdpFor('::1', []), /c=IN IP6 ::1/);
  });

  test('outputs: MP4/MKV H.264 + AAC, WebM VP8 + Opus, scaling, snapshots of key frames only', () => {
    const mp4 = videoOutputArgs({ fileType: 'mp4', width: 160, height: 120, withAudio: true, path: 'a.mp4' });
    assert.deepEqual(mp4.slice(mp4.indexOf('-vf'), mp4.indexOf('-vf') + 2), ['-vf', 'scale=160:120']);
    assert.ok(mp4.includes('libx264') && mp4.includes('aac') && mp4.join(' ').includes('-f mp4'));
    const webm = videoOutputArgs({ fileType: 'webm', width: 320, height: undefined, withAudio: false, path: 'a.webm' });
    assert.ok(webm.includes('libvpx') && webm.includes('-an') && webm.includes('scale=320:-2'));
    assert.ok(
      videoOutputArgs({
        fileType: 'mkv',
        width: undefined,
        height: undefined,
        withAudio: false,
        path: 'a.mkv',
      }).includes('matroska'),
    );
    const png = snapshotArgs('in.sdp', 'png', 'x.png');
    assert.ok(png.indexOf('nokey') < png.indexOf('-i'), 'skip_frame is an input option');
    assert.ok(png.includes('png') && png.includes('-frames:v'));
    assert.ok(snapshotArgs('in.sdp', 'jpeg', 'x.jpg').includes('mjpeg'));
    assert.ok(sdpInputArgs('in.sdp').includes('file,udp,rtp'));
  });

  test('default names and file-safe ids', () => {
    assert.equal(fileSafe('node-1~abc/../x y'), 'node-1_abc_.._x_y');
    assert.equal(
      defaultName('play', null, 'wav', new Date('2026-01-02T03:04:05.678Z')),
      path.join('recordings', 'play-all-20260102T030405-678Z.wav'),
    );
  });

  test('stop: an ffmpeg waiting on an idle RTP port ends on RTCP BYE, exit 0, within the grace time', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'talkbus-ffmpeg-'));
    try {
      const [port] = await freePortPairs('127.0.0.1', 1);
      const sdpPath = path.join(dir, 'in.sdp');
      await writeFile(
        sdpPath,
        sdpFor('127.0.0.1', [
          {
            kind: 'audio',
            port: port!,
            codec: { mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, parameters: {} },
          },
        ]),
      );
      const ffmpeg = new FfmpegProcess(
        'ffmpeg',
        [...sdpInputArgs(sdpPath), '-f', 'wav', '-y', path.join(dir, 'out.wav')],
        {
          ip: '127.0.0.1',
          ports: [port! + 1],
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const exit = await ffmpeg.stop(3000);
      assert.ok(Date.now() - started < 3000, 'ended before SIGINT was needed');
      assert.notEqual(exit, 'SIGKILL');
      assert.equal(ffmpeg.gone, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an ffmpeg that cannot start reports it', async () => {
    const ffmpeg = new FfmpegProcess('/nonexistent/ffmpeg', []);
    assert.equal(await ffmpeg.exited, 'spawn-failed');
    assert.match(ffmpeg.stderr, /ENOENT/);
  });
});
