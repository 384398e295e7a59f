/**
 * Audio recordings (guide §7.1.1, table 7-1: Mtc_SessRecMicStart, RecPlayStart, RecCallStart) of
 * real calls at the media level: mediasoup endpoints, a peer the test plays sending 1 kHz, the
 * local side sending 440 Hz (a tone input). The mic, speaker and whole-call WAVs must hold the
 * right tones at the right times (Goertzel), silence where packets were lost, and last as long
 * as the recording ran (±100 ms).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, ErrorCode, TalkbusError } from '@talkbus/contracts';
import {
  amplitudeIn,
  readWav,
  sleep,
  startRecorderNode,
  streamTo,
  TonePeer,
  toneSpan,
  waitFor,
  type RecorderNode,
} from './support.ts';

let node: RecorderNode;
before(async () => {
  node = await startRecorderNode();
});
after(() => node.dispose());

/** A call of alice towards a peer, the local side saying 440 Hz. */
async function openCall(sessionId: string, peer: TonePeer, tone = 440): Promise<number> {
  await call(node.broker, 'media.endpoint.create', { sessionId, account: 'alice' });
  const info = await call(node.broker, 'media.endpoint.update', { sessionId, streams: [streamTo(peer.port)] });
  await call(node.broker, 'media.endpoint.input', { sessionId, input: { kind: 'tone', frequencies: [tone] } });
  return info.audio!.port;
}

describe('recorder: audio (guide table 7-1 mic / play / call)', () => {
  test('mic, speaker and whole call of one call: the right tones at the right times, lost packets as silence', async () => {
    const peer = await new TonePeer().bind();
    try {
      const port = await openCall('rec-1', peer);
      // The peer's SSRC is learnt from its first packets: prime before recording.
      await peer.sendTone(port, 10, 1000);
      await sleep(300);
      const startedAt = Date.now();
      const [mic, play, whole] = await Promise.all([
        call(node.broker, 'recorder.mic.start', { sessionId: 'rec-1', fileType: 'wav-pcmu', path: 'mic.wav' }),
        call(node.broker, 'recorder.play.start', { sessionId: 'rec-1', fileType: 'wav-pcma' }),
        call(node.broker, 'recorder.call.start', { sessionId: 'rec-1', fileType: 'wav-pcm16' }),
      ]);
      assert.equal(mic.path, path.join(node.folder, 'mic.wav'));
      assert.ok(play.path.startsWith(path.join(node.folder, 'recordings') + path.sep), play.path);
      await sleep(500);
      // 1 kHz from 0.5 s for 1.2 s; frames 25..34 (0.5–0.7 s into the tone) are lost.
      const toneAt = Date.now() - startedAt;
      await peer.sendTone(port, 60, 1000, new Set(Array.from({ length: 10 }, (_, index) => 25 + index)));
      await sleep(600);
      const stopAt = Date.now() - startedAt;
      const results = await Promise.all([
        call(node.broker, 'recorder.mic.stop', { sessionId: 'rec-1' }),
        call(node.broker, 'recorder.play.stop', { sessionId: 'rec-1' }),
        call(node.broker, 'recorder.call.stop', { sessionId: 'rec-1' }),
      ]);
      const files = await Promise.all([mic, play, whole].map((info) => readWav(info.path)));
      for (const [index, { durationMs, wav }] of files.entries()) {
        assert.ok(Math.abs(durationMs - stopAt) <= 100, `${index}: ${durationMs} ms recorded, ${stopAt} ms ran`);
        assert.equal(results[index]!.durationMs, Math.round(durationMs));
        assert.equal(wav.truncated, false);
        assert.equal(wav.sampleRate, 8000);
      }
      assert.deepEqual(
        files.map(({ wav }) => wav.format),
        ['mulaw', 'alaw', 'pcm16'],
      );
      const [micPcm, playPcm, wholePcm] = files.map((file) => file.pcm) as [Int16Array, Int16Array, Int16Array];

      // Speaker: 1 kHz from toneAt to toneAt + 1.2 s, with a 200 ms hole at +0.5 s; never our 440 Hz.
      const span = toneSpan(playPcm, 1000)!;
      assert.ok(Math.abs(span.from - toneAt) <= 100, `tone starts at ${span.from} ms, sent at ${toneAt} ms`);
      assert.ok(Math.abs(span.to - (toneAt + 1200)) <= 100, `tone ends at ${span.to} ms`);
      assert.ok(amplitudeIn(playPcm, 1000, toneAt + 520, toneAt + 680) < 300, 'lost packets are silence');
      assert.ok(amplitudeIn(playPcm, 1000, toneAt + 760, toneAt + 1140) > 5000, 'tone after the loss, on time');
      assert.ok(amplitudeIn(playPcm, 1000, 0, toneAt - 100) < 300, 'silence before the tone');
      assert.ok(amplitudeIn(playPcm, 440, 0, stopAt) < 300, 'the speaker does not hear the mic');

      // Mic: 440 Hz all along (Node's tone input), never the peer's 1 kHz.
      assert.ok(amplitudeIn(micPcm, 440, 200, stopAt - 100) > 1500, 'mic holds 440 Hz');
      assert.ok(amplitudeIn(micPcm, 1000, toneAt, toneAt + 1200) < 300, 'mic does not hold 1 kHz');

      // Whole call: both.
      assert.ok(amplitudeIn(wholePcm, 440, 200, stopAt - 100) > 1500, 'call holds 440 Hz');
      assert.ok(amplitudeIn(wholePcm, 1000, toneAt + 100, toneAt + 450) > 5000, 'call holds 1 kHz');
      const wholeSpan = toneSpan(wholePcm, 1000)!;
      assert.ok(Math.abs(wholeSpan.from - toneAt) <= 100, `call: tone starts at ${wholeSpan.from} ms`);

      const stopped = node.events.filter((event) => event.name === 'recorder.stopped');
      assert.deepEqual(stopped.map((event) => event.payload['kind']).sort(), ['call', 'mic', 'play']);
      assert.ok(
        stopped.every((event) => event.payload['reason'] === 'stopped' && (event.payload['bytes'] as number) > 44),
      );
    } finally {
      await call(node.broker, 'media.endpoint.close', { sessionId: 'rec-1' }).catch(() => undefined);
      await peer.close();
    }
  });

  test('speaker of all calls mixed (no session id): a call that starts later joins; a call that ends leaves', async () => {
    const [first, second] = await Promise.all([new TonePeer().bind(), new TonePeer().bind()]);
    try {
      const firstPort = await openCall('mix-1', first);
      await first.sendTone(firstPort, 5, 1000);
      const recording = await call(node.broker, 'recorder.play.start', { account: 'alice' });
      assert.equal(recording.sessionId, null);
      const startedAt = Date.now();
      const secondPort = await openCall('mix-2', second);
      await Promise.all([first.sendTone(firstPort, 50, 1000), second.sendTone(secondPort, 50, 660)]);
      const secondAt = Date.now() - startedAt;
      await second.sendTone(secondPort, 25, 660);
      await call(node.broker, 'media.endpoint.close', { sessionId: 'mix-2' });
      await sleep(300);
      const result = await call(node.broker, 'recorder.play.stop', { account: 'alice' });
      assert.equal(result.stopped, true);
      const { pcm } = await readWav(recording.path);
      assert.ok(amplitudeIn(pcm, 1000, 300, 900) > 4000, 'first call heard');
      assert.ok(amplitudeIn(pcm, 660, secondAt - 700, secondAt) > 4000, 'second call (joined later) heard');
      assert.ok(amplitudeIn(pcm, 660, secondAt + 700, result.durationMs - 50) < 300, 'second call gone after it ended');
    } finally {
      for (const sessionId of ['mix-1', 'mix-2'])
        await call(node.broker, 'media.endpoint.close', { sessionId }).catch(() => undefined);
      await Promise.all([first.close(), second.close()]);
    }
  });

  test('the call ends during a recording: recorder.stopped (call-ended) and a complete WAV', async () => {
    const peer = await new TonePeer().bind();
    try {
      const port = await openCall('end-1', peer);
      const recording = await call(node.broker, 'recorder.call.start', { sessionId: 'end-1' });
      await peer.sendTone(port, 25, 1000);
      await call(node.broker, 'media.endpoint.close', { sessionId: 'end-1' });
      const event = await waitFor('recorder.stopped', () =>
        node.events.find(
          (seen) => seen.name === 'recorder.stopped' && seen.payload['recordingId'] === recording.recordingId,
        ),
      );
      assert.equal(event.payload['reason'], 'call-ended');
      const { durationMs, wav } = await readWav(recording.path);
      assert.equal(wav.truncated, false);
      assert.ok(Math.abs(durationMs - (event.payload['durationMs'] as number)) <= 1);
      assert.deepEqual(await call(node.broker, 'recorder.call.stop', { sessionId: 'end-1' }), {
        stopped: false,
        path: null,
        durationMs: 0,
        bytes: 0,
      });
    } finally {
      await call(node.broker, 'media.endpoint.close', { sessionId: 'end-1' }).catch(() => undefined);
      await peer.close();
    }
  });

  test('bad input: unknown session, second recording, paths outside or not writable, no video, bad params', async () => {
    const peer = await new TonePeer().bind();
    const is = (code: string) => (err: unknown) => TalkbusError.is(err, code as never);
    try {
      await openCall('bad-1', peer);
      await assert.rejects(
        call(node.broker, 'recorder.mic.start', { sessionId: 'nope' }),
        is(ErrorCode.RECORDER_SESSION_NOT_FOUND),
      );
      await assert.rejects(call(node.broker, 'recorder.play.start', {}), is(ErrorCode.INVALID_PARAMETER));
      await assert.rejects(
        call(node.broker, 'recorder.play.start', { sessionId: 'bad-1', account: 'bob' }),
        is(ErrorCode.INVALID_PARAMETER),
      );
      await call(node.broker, 'recorder.mic.start', { sessionId: 'bad-1' });
      await assert.rejects(
        call(node.broker, 'recorder.mic.start', { sessionId: 'bad-1' }),
        is(ErrorCode.RECORDER_ALREADY_RECORDING),
      );
      assert.equal((await call(node.broker, 'recorder.list', {})).recordings.length, 1);
      await call(node.broker, 'recorder.mic.stop', { sessionId: 'bad-1' });
      await assert.rejects(
        call(node.broker, 'recorder.play.start', { sessionId: 'bad-1', path: '../escape.wav' }),
        is(ErrorCode.PATH_OUTSIDE_ACCOUNT),
      );
      await assert.rejects(
        call(node.broker, 'recorder.play.start', { sessionId: 'bad-1', path: path.join(node.dataDir, 'x.wav') }),
        is(ErrorCode.PATH_OUTSIDE_ACCOUNT),
      );
      await mkdir(path.join(node.folder, 'a-directory.wav'), { recursive: true });
      await assert.rejects(
        call(node.broker, 'recorder.play.start', { sessionId: 'bad-1', path: 'a-directory.wav' }),
        is(ErrorCode.RECORDER_PATH_NOT_WRITABLE),
      );
      await assert.rejects(
        call(node.broker, 'recorder.play.start', { account: 'nobody' }),
        is(ErrorCode.ACCOUNT_NOT_FOUND),
      );
      for (const action of ['recorder.recvVideo.start', 'recorder.sendVideo.start'] as const)
        await assert.rejects(call(node.broker, action, { sessionId: 'bad-1' }), is(ErrorCode.RECORDER_NO_VIDEO));
      for (const action of ['recorder.renderSnapshot', 'recorder.captureSnapshot'] as const)
        await assert.rejects(call(node.broker, action, { sessionId: 'bad-1' }), is(ErrorCode.RECORDER_NO_VIDEO));
      await assert.rejects(
        call(node.broker, 'recorder.call.start', { sessionId: 'bad-1', fileType: 'mp3' as 'wav-pcmu' }),
        { name: 'ValidationError' },
      );
      await assert.rejects(call(node.broker, 'recorder.recvVideo.start', { sessionId: 'bad-1', width: 5 }), {
        name: 'ValidationError',
      });
      await assert.rejects(
        call(node.broker, 'recorder.renderSnapshot', { sessionId: 'bad-1', fileType: 'gif' as 'png' }),
        { name: 'ValidationError' },
      );
      await assert.rejects(call(node.broker, 'recorder.recvVideo.stop', {} as { sessionId: string }), {
        name: 'ValidationError',
      });
      assert.equal((await call(node.broker, 'recorder.list', {})).recordings.length, 0);
    } finally {
      await call(node.broker, 'media.endpoint.close', { sessionId: 'bad-1' }).catch(() => undefined);
      await peer.close();
    }
  });
});
