/**
 * A killed mediasoup worker: the node survives, the endpoints it carried are reported with
 * `media.endpointFailed` and closed, the worker is restarted and takes new calls. Unknown
 * sessions answer MEDIA_ENDPOINT_NOT_FOUND; closing frees the ports for reuse; devices.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from '@talkbus/contracts';
import { connectedEndpoint, RtpPeer, sleep, startMedia, waitFor, type MediaHarness } from './test-support.ts';

let harness: MediaHarness;
before(async () => {
  harness = await startMedia({ portMin: 41000, portMax: 41005 });
});
after(() => harness.dispose());

describe('worker failure and resources', () => {
  test('a killed worker: endpointFailed, restart, new endpoints work', async () => {
    const peer = await new RtpPeer().bind();
    try {
      const info = await connectedEndpoint(harness.broker, 'doomed', peer);
      process.kill(info.workerPid, 'SIGKILL');
      const failed = await waitFor(
        'endpointFailed',
        () => harness.events.find((event) => event.name === 'media.endpointFailed'),
        5000,
      );
      assert.deepEqual(
        {
          sessionId: failed.payload['sessionId'],
          account: failed.payload['account'],
          reason: failed.payload['reason'],
        },
        { sessionId: 'doomed', account: 'alice', reason: 'worker-died' },
      );
      await assert.rejects(call(harness.broker, 'media.endpoint.get', { sessionId: 'doomed' }), {
        type: 'MEDIA_ENDPOINT_NOT_FOUND',
      });
      // The worker restarts after a short back-off; until then creation answers MEDIA_WORKER_UNAVAILABLE.
      let again;
      for (let attempt = 0; attempt < 100 && !again; attempt++) {
        again = await call(harness.broker, 'media.endpoint.create', { sessionId: 'reborn', account: 'alice' }).catch(
          (err: { type?: string }) => {
            if (err.type !== 'MEDIA_WORKER_UNAVAILABLE') throw err;
            return sleep(50).then(() => undefined);
          },
        );
      }
      assert.ok(again, 'the worker came back');
      assert.notEqual(again.workerPid, info.workerPid);
      await call(harness.broker, 'media.endpoint.close', { sessionId: 'reborn' });
    } finally {
      await peer.close();
    }
  });

  test('ports are released on close and refused when the range is full', async () => {
    // 41000-41005 holds two RTP/RTCP pairs: 41000/41001 and 41002/41003.
    const first = await call(harness.broker, 'media.endpoint.create', { sessionId: 'p1', account: 'alice' });
    const second = await call(harness.broker, 'media.endpoint.create', { sessionId: 'p2', account: 'alice' });
    assert.deepEqual([first.audio!.port, second.audio!.port].sort(), [41000, 41002]);
    await assert.rejects(call(harness.broker, 'media.endpoint.create', { sessionId: 'p3', account: 'alice' }), {
      type: 'MEDIA_NO_PORTS',
    });
    await assert.rejects(call(harness.broker, 'media.endpoint.create', { sessionId: 'p1', account: 'alice' }), {
      type: 'MEDIA_ENDPOINT_EXISTS',
    });
    await call(harness.broker, 'media.endpoint.close', { sessionId: 'p1' });
    const third = await call(harness.broker, 'media.endpoint.create', { sessionId: 'p3', account: 'alice' });
    assert.equal(third.audio!.port, first.audio!.port);
    for (const sessionId of ['p2', 'p3']) await call(harness.broker, 'media.endpoint.close', { sessionId });
    assert.deepEqual(await call(harness.broker, 'media.endpoint.list', {}), { endpoints: [] });
  });

  test('unknown sessions answer MEDIA_ENDPOINT_NOT_FOUND on every per-call action', async () => {
    const sessionId = 'nobody';
    const attempts = [
      call(harness.broker, 'media.endpoint.close', { sessionId }),
      call(harness.broker, 'media.endpoint.get', { sessionId }),
      call(harness.broker, 'media.endpoint.mute', { sessionId, mic: true }),
      call(harness.broker, 'media.endpoint.dtmf', { sessionId, digits: '1' }),
      call(harness.broker, 'media.endpoint.stats', { sessionId }),
      call(harness.broker, 'media.endpoint.earlyMedia', { sessionId, mode: 'network' }),
      call(harness.broker, 'media.endpoint.input', { sessionId, input: { kind: 'silence' } }),
      call(harness.broker, 'media.endpoint.output', { sessionId, output: { kind: 'null' } }),
      call(harness.broker, 'media.endpoint.unbridge', { sessionId }),
      call(harness.broker, 'media.mix.start', { sessionIds: [sessionId, 'other'] }),
      call(harness.broker, 'media.ring.play', { tone: 'ring', sessionId }),
    ];
    for (const attempt of attempts) await assert.rejects(attempt, { type: 'MEDIA_ENDPOINT_NOT_FOUND' });
  });

  test('virtual audio devices, volumes and mute (guide §4.3.1)', async () => {
    assert.deepEqual(await call(harness.broker, 'media.audio.inputDeviceCount', {}), { count: 2 });
    assert.deepEqual(await call(harness.broker, 'media.audio.inputDeviceName', { index: 1 }), { device: 'tone' });
    await assert.rejects(call(harness.broker, 'media.audio.inputDeviceName', { index: 2 }), {
      type: 'MEDIA_DEVICE_NOT_FOUND',
    });
    await call(harness.broker, 'media.audio.setInputDevice', { device: 'tone' });
    assert.deepEqual(await call(harness.broker, 'media.audio.getInputDevice', {}), { device: 'tone' });
    await assert.rejects(call(harness.broker, 'media.audio.setOutputDevice', { device: 'speaker' }), {
      type: 'MEDIA_DEVICE_NOT_FOUND',
    });
    assert.deepEqual(await call(harness.broker, 'media.audio.outputDeviceName', { index: 0 }), { device: 'null' });
    await call(harness.broker, 'media.audio.setOutputVolume', { volume: 80 });
    assert.deepEqual(await call(harness.broker, 'media.audio.getOutputVolume', {}), { volume: 80 });
    assert.deepEqual(await call(harness.broker, 'media.audio.muteInput', { muted: true }), { muted: true });
    await call(harness.broker, 'media.audio.muteInput', { muted: false });
    await call(harness.broker, 'media.audio.setInputDevice', { device: 'silence' });
  });
});
