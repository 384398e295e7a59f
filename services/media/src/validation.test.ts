/**
 * Bad input on every media action: the broker refuses it with a ValidationError naming the
 * field before the service sees it (ARCHITECTURE "Rules that hold everywhere").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mediaActions } from '@talkbus/contracts';
import { startMedia, type MediaHarness } from './test-support.ts';

type ActionKey = keyof typeof mediaActions;

const stream = {
  index: 0,
  kind: 'audio',
  accepted: true,
  direction: 'sendrecv',
  rtcpMux: true,
  remote: { address: '127.0.0.1', port: 4000 },
  codecs: [{ name: 'PCMU', clockRate: 8000, payloadType: 0, localPayloadType: 0 }],
};

/** Valid params of each action (the session need not exist: validation comes first). */
const validParams: Record<ActionKey, Record<string, unknown>> = {
  endpointCreate: {
    sessionId: 's1',
    account: 'alice',
    audio: true,
    video: false,
    comedia: true,
    rtcpMux: true,
    portMin: 20000,
    portMax: 20100,
  },
  endpointVideo: { sessionId: 's1', input: { kind: 'pattern' } },
  endpointUpdate: { sessionId: 's1', streams: [stream] },
  endpointClose: { sessionId: 's1' },
  endpointGet: { sessionId: 's1' },
  endpointList: {},
  endpointInput: { sessionId: 's1', input: { kind: 'tone', frequencies: [440] } },
  endpointOutput: { sessionId: 's1', output: { kind: 'null' } },
  endpointBridge: { sessionId: 's1', otherSessionId: 's2' },
  endpointUnbridge: { sessionId: 's1' },
  endpointEarlyMedia: { sessionId: 's1', mode: 'network' },
  endpointMute: { sessionId: 's1', mic: true, speaker: false },
  endpointDtmf: { sessionId: 's1', digits: '12#', durationMs: 100, gapMs: 60 },
  endpointStats: { sessionId: 's1' },
  mixStart: { sessionIds: ['s1', 's2'] },
  mixStop: { mixId: 'mix-1' },
  ringPlay: { tone: 'ringback', region: 'CN', sessionId: 's1', durationMs: 1000 },
  ringStop: { sessionId: 's1' },
  inputDeviceCount: {},
  inputDeviceName: { index: 0 },
  getInputDevice: {},
  setInputDevice: { device: 'tone' },
  getInputVolume: {},
  setInputVolume: { volume: 40 },
  muteInput: { muted: true },
  outputDeviceCount: {},
  outputDeviceName: { index: 0 },
  getOutputDevice: {},
  setOutputDevice: { device: 'null' },
  getOutputVolume: {},
  setOutputVolume: { volume: 40 },
  muteOutput: { muted: false },
};

interface RuleShape {
  type?: string;
  optional?: boolean;
}

/** Calls an action expecting a ValidationError whose first problem names `field`. */
async function rejectsOn(promise: Promise<unknown>, field: string, type?: string): Promise<void> {
  const err = (await promise.then(
    () => assert.fail(`expected a ValidationError on '${field}'`),
    (e: unknown) => e,
  )) as { name?: string; message?: string; data?: { field?: string; type?: string; actual?: unknown }[] };
  assert.equal(err.name, 'ValidationError', `${field}: got ${err.name}: ${err.message}`);
  assert.equal(err.data?.[0]?.field, field, JSON.stringify(err.data));
  if (type) assert.equal(err.data?.[0]?.type, type, JSON.stringify(err.data));
}

let harness: MediaHarness;
before(async () => {
  harness = await startMedia();
});
after(() => harness.dispose());

describe('every media action refuses bad params with a ValidationError naming the field', () => {
  for (const [key, spec] of Object.entries(mediaActions) as [ActionKey, (typeof mediaActions)[ActionKey]][]) {
    test(spec.name, async () => {
      const base = validParams[key];
      for (const [field, rule] of Object.entries(spec.params as Record<string, RuleShape>)) {
        if (!rule.optional) {
          const { [field]: _omitted, ...missing } = base;
          await rejectsOn(harness.broker.call(spec.name, missing), field, 'required');
        }
        await rejectsOn(
          harness.broker.call(spec.name, {
            ...base,
            [field]: rule.type === 'object' ? 'not an object' : { not: 'a scalar' },
          }),
          field,
        );
      }
      const err = (await harness.broker.call(spec.name, { ...base, bogus: 1 }).then(
        () => assert.fail('an unknown param was accepted'),
        (e: unknown) => e,
      )) as { name: string; data: { type: string; actual: string }[] };
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.data[0]!.actual, 'bogus');
    });
  }
});

describe('nested and ranged fields', () => {
  const update = (patch: Record<string, unknown>) =>
    harness.broker.call('media.endpoint.update', { sessionId: 's1', streams: [{ ...stream, ...patch }] });
  test('negotiated streams name the nested field', async () => {
    await rejectsOn(update({ direction: 'sideways' }), 'streams[0].direction', 'enumValue');
    await rejectsOn(
      update({ remote: { address: 'not-an-ip!', port: 4000 } }),
      'streams[0].remote.address',
      'stringPattern',
    );
    await rejectsOn(update({ remote: { address: '127.0.0.1', port: 70000 } }), 'streams[0].remote.port', 'numberMax');
    await rejectsOn(
      update({ codecs: [{ name: 'PCMU', clockRate: 8000, payloadType: 128, localPayloadType: 0 }] }),
      'streams[0].codecs[0].payloadType',
      'numberMax',
    );
    await rejectsOn(
      update({ crypto: { suite: 'NULL_CIPHER', remoteKeyBase64: 'x'.repeat(40) } }),
      'streams[0].crypto.suite',
      'enumValue',
    );
  });
  test('volumes, DTMF keys, mixes', async () => {
    await rejectsOn(harness.broker.call('media.audio.setInputVolume', { volume: 101 }), 'volume', 'numberMax');
    await rejectsOn(harness.broker.call('media.audio.setOutputVolume', { volume: -1 }), 'volume', 'numberMin');
    await rejectsOn(
      harness.broker.call('media.endpoint.dtmf', { sessionId: 's1', digits: '12x' }),
      'digits',
      'stringPattern',
    );
    await rejectsOn(
      harness.broker.call('media.endpoint.dtmf', { sessionId: 's1', digits: '1', durationMs: 10 }),
      'durationMs',
      'numberMin',
    );
    await rejectsOn(harness.broker.call('media.mix.start', { sessionIds: ['only-one'] }), 'sessionIds', 'arrayMin');
    await rejectsOn(harness.broker.call('media.mix.start', { sessionIds: ['a', 'a'] }), 'sessionIds', 'arrayUnique');
    await rejectsOn(
      harness.broker.call('media.endpoint.create', { sessionId: 's1', account: '../x' }),
      'account',
      'stringPattern',
    );
  });
});
