import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPABILITIES, G722, OPUS, PCMA, PCMU, TELEPHONE_EVENT } from './codecs.ts';
import { SdpError, SdpErrorCode } from './errors.ts';
import { baresipOffer, fakeRandomBytes, linphoneOffer, localTransport, peerTransport } from './fixtures.ts';
import { MediaSession } from './media-session.ts';
import {
  capabilitiesFromMediasoup,
  fromRtpCodecCapability,
  toRtpCodecCapabilities,
  toRtpParameters,
} from './mediasoup.ts';
import { assertG711Stream, isG711Stream } from './negotiated.ts';

describe('mediasoup RtpParameters from a negotiated stream', () => {
  it('receive (producer): our payload types, the peer’s SSRC and CNAME', () => {
    const session = new MediaSession({ transport: localTransport });
    session.receiveOffer(baresipOffer);
    const audio = session.audio;
    assert.ok(audio !== undefined);
    assert.deepEqual(toRtpParameters(audio, { direction: 'receive' }), {
      codecs: [
        { mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, parameters: {}, rtcpFeedback: [] },
        { mimeType: 'audio/telephone-event', payloadType: 101, clockRate: 8000, parameters: {}, rtcpFeedback: [] },
      ],
      headerExtensions: [],
      encodings: [{ ssrc: 1399284001 }],
      rtcp: { cname: 'sip:alice@example.com', reducedSize: false },
    });
  });

  it('send (consumer side): the peer’s payload types, our SSRC', () => {
    const alice = new MediaSession({ transport: localTransport, randomBytes: fakeRandomBytes() });
    const bob = new MediaSession({ transport: peerTransport });
    const answer = bob.receiveOffer(alice.createOffer());
    alice.receiveAnswer(answer.replace('RTP/AVP 0 101', 'RTP/AVP 0 100').replaceAll(':101', ':100'));
    const audio = alice.audio;
    assert.ok(audio !== undefined);
    const send = toRtpParameters(audio, { direction: 'send', ssrc: 1234, cname: 'talkbus' });
    assert.equal(send.codecs[1]?.payloadType, 100);
    assert.deepEqual(send.encodings, [{ ssrc: 1234 }]);
    assert.deepEqual(send.rtcp, { cname: 'talkbus', reducedSize: false });
    assert.equal(toRtpParameters(audio, { direction: 'receive', ssrc: 99 }).codecs[1]?.payloadType, 101);
    assert.equal(toRtpParameters(audio, { direction: 'send', telephoneEvent: false }).codecs.length, 1);
  });

  it('video: H.264 parameters as numbers except profile-level-id, negotiated feedback only', () => {
    const alice = new MediaSession({ transport: localTransport });
    const bob = new MediaSession({ transport: peerTransport });
    alice.receiveAnswer(bob.receiveOffer(alice.createOffer({ video: true })));
    const video = alice.video;
    assert.ok(video !== undefined);
    const parameters = toRtpParameters(video, { direction: 'send', ssrc: 5 });
    assert.deepEqual(parameters.codecs, [
      {
        mimeType: 'video/H264',
        payloadType: 96,
        clockRate: 90000,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
        rtcpFeedback: [
          { type: 'nack', parameter: '' },
          { type: 'nack', parameter: 'pli' },
          { type: 'ccm', parameter: 'fir' },
        ],
      },
    ]);
  });

  it('opus keeps its two channels', () => {
    const session = new MediaSession({
      transport: localTransport,
      capabilities: { audio: [OPUS, PCMU, TELEPHONE_EVENT] },
    });
    session.receiveOffer(linphoneOffer);
    const audio = session.audio;
    assert.ok(audio !== undefined);
    const codec = toRtpParameters(audio, { direction: 'receive', ssrc: 1 }).codecs[0];
    assert.deepEqual(codec, {
      mimeType: 'audio/opus',
      payloadType: 96,
      clockRate: 48000,
      channels: 2,
      parameters: { useinbandfec: 1 },
      rtcpFeedback: [],
    });
  });

  it('refuses a refused stream, and a producer without any SSRC', () => {
    const session = new MediaSession({ transport: { address: '10.0.0.1', audio: { port: 4000 } } });
    session.receiveOffer(linphoneOffer);
    const [audio, video] = session.negotiated ?? [];
    assert.ok(audio !== undefined && video !== undefined);
    assert.throws(() => toRtpParameters(video, { direction: 'send' }), { code: SdpErrorCode.InvalidOptions });
    assert.throws(() => toRtpParameters(audio, { direction: 'receive' }), { code: SdpErrorCode.InvalidOptions });
  });
});

describe('mediasoup codec capabilities', () => {
  it('maps local capabilities to router mediaCodecs', () => {
    const codecs = toRtpCodecCapabilities(DEFAULT_CAPABILITIES);
    assert.deepEqual(codecs[0], {
      kind: 'audio',
      mimeType: 'audio/PCMU',
      preferredPayloadType: 0,
      clockRate: 8000,
      parameters: {},
      rtcpFeedback: [],
    });
    assert.equal(codecs[2]?.mimeType, 'audio/telephone-event');
    assert.equal(codecs[3]?.mimeType, 'video/H264');
    assert.deepEqual(codecs[3]?.parameters, {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
    });
  });

  it('maps router capabilities back, dropping RTX', () => {
    const capabilities = capabilitiesFromMediasoup([
      {
        kind: 'audio',
        mimeType: 'audio/opus',
        preferredPayloadType: 100,
        clockRate: 48000,
        channels: 2,
        parameters: {},
        rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
      },
      { kind: 'audio', mimeType: 'audio/PCMA', preferredPayloadType: 8, clockRate: 8000, rtcpFeedback: [] },
      { kind: 'audio', mimeType: 'audio/telephone-event', preferredPayloadType: 110, clockRate: 8000 },
      {
        kind: 'video',
        mimeType: 'video/VP8',
        preferredPayloadType: 101,
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
      },
      { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: 102, clockRate: 90000, parameters: { apt: 101 } },
    ]);
    assert.deepEqual(capabilities.audio, [
      {
        kind: 'audio',
        name: 'opus',
        clockRate: 48000,
        channels: 2,
        payloadType: 100,
        rtcpFeedback: [{ type: 'transport-cc' }],
      },
      { kind: 'audio', name: 'PCMA', clockRate: 8000, payloadType: 8 },
      { kind: 'audio', name: 'telephone-event', clockRate: 8000, payloadType: 110, events: '0-16' },
    ]);
    assert.deepEqual(capabilities.video, [
      {
        kind: 'video',
        name: 'VP8',
        clockRate: 90000,
        payloadType: 101,
        rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
      },
    ]);
    assert.equal(fromRtpCodecCapability({ mimeType: 'bogus', payloadType: 1, clockRate: 1 }), undefined);
  });

  it('round-trips: capabilities → mediaCodecs → capabilities offers the same SDP', () => {
    const capabilities = { audio: [PCMU, PCMA, G722, TELEPHONE_EVENT], video: DEFAULT_CAPABILITIES.video };
    const again = capabilitiesFromMediasoup(toRtpCodecCapabilities(capabilities));
    const offer = (caps: typeof capabilities): string =>
      new MediaSession({ transport: localTransport, sessionId: '1', capabilities: caps }).createOffer({ video: true });
    assert.equal(offer(again as typeof capabilities), offer(capabilities));
  });
});

describe('G.711-only features', () => {
  it('says whether a negotiated stream is G.711', () => {
    const g711 = new MediaSession({ transport: localTransport });
    g711.receiveOffer(baresipOffer);
    assert.ok(g711.audio !== undefined && isG711Stream(g711.audio));
    assert.doesNotThrow(() => assertG711Stream(g711.audio as never, 'mixing'));
  });

  it('refuses tones, mixing or WAV on G.722 with a clear error', () => {
    const g722 = new MediaSession({
      transport: localTransport,
      capabilities: { audio: [G722, PCMU, TELEPHONE_EVENT] },
      codecOrder: 'local',
    });
    g722.receiveOffer(baresipOffer);
    const audio = g722.audio;
    assert.ok(audio !== undefined);
    assert.equal(isG711Stream(audio), false);
    assert.throws(
      () => assertG711Stream(audio, 'WAV recording'),
      (error: unknown) =>
        error instanceof SdpError &&
        error.code === SdpErrorCode.CodecNotG711 &&
        error.status === 488 &&
        error.message === 'WAV recording needs G.711 (PCMU/PCMA), but m-line 0 uses G722/8000',
    );
  });
});
