import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { H264_PACKETIZATION_MODE_0, H264_PACKETIZATION_MODE_1, VP8 } from './codecs.ts';
import { fakeRandomBytes, localTransport, sdp, webrtcSdesOffer } from './fixtures.ts';
import { answerProfileLevelId, h264FormatsMatch, H264Profile, parseProfileLevelId } from './h264.ts';
import { MediaSession } from './media-session.ts';
import { intersectTelephoneEvents, parseTelephoneEvents, writeTelephoneEvents } from './telephone-event.ts';

describe('H.264 profile-level-id (RFC 6184 §8.1)', () => {
  const cases: Array<[string | undefined, H264Profile, number]> = [
    ['42e01f', H264Profile.ConstrainedBaseline, 31],
    ['42C01E', H264Profile.ConstrainedBaseline, 30],
    ['4d801f', H264Profile.ConstrainedBaseline, 31],
    ['4d401f', H264Profile.Main, 31],
    ['42001f', H264Profile.Baseline, 31],
    ['42801F', H264Profile.Baseline, 31],
    ['4d001f', H264Profile.Main, 31],
    ['640c1f', H264Profile.ConstrainedHigh, 31],
    ['640032', H264Profile.High, 50],
    ['42f00b', H264Profile.ConstrainedBaseline, 9],
    [undefined, H264Profile.Baseline, 10],
  ];
  for (const [text, profile, level] of cases) {
    it(`reads ${text ?? '(absent)'} as ${profile} level ${level}`, () => {
      assert.deepEqual(parseProfileLevelId(text), { profile, level });
    });
  }

  it('rejects malformed values and unknown profiles', () => {
    assert.equal(parseProfileLevelId('42e0'), undefined);
    assert.equal(parseProfileLevelId('zze01f'), undefined);
    assert.equal(parseProfileLevelId('ff001f'), undefined);
  });

  it('matches on profile and packetization-mode; levels may differ (RFC 6184 §8.2.2)', () => {
    const local = { 'packetization-mode': 1, 'profile-level-id': '42e01f' };
    assert.equal(h264FormatsMatch(local, { 'packetization-mode': '1', 'profile-level-id': '42c034' }), true);
    assert.equal(
      h264FormatsMatch(local, { 'packetization-mode': '1', 'profile-level-id': '42001f' }),
      false,
      'Baseline is not Constrained Baseline',
    );
    assert.equal(h264FormatsMatch(local, { 'packetization-mode': '0', 'profile-level-id': '42e01f' }), false);
    assert.equal(h264FormatsMatch(local, { 'profile-level-id': '42e01f' }), false, 'absent packetization-mode is 0');
    assert.equal(h264FormatsMatch({ 'packetization-mode': 0 }, {}), true, 'both default to Baseline 1, mode 0');
    assert.equal(
      h264FormatsMatch(local, { 'packetization-mode': '1', 'profile-level-id': 420010 as unknown as string }),
      false,
    );
  });

  it('answers with the offer’s profile bytes at the lower level without asymmetry', () => {
    assert.equal(answerProfileLevelId({ 'profile-level-id': '42e01f' }, { 'profile-level-id': '42e034' }), '42e01f');
    assert.equal(answerProfileLevelId({ 'profile-level-id': '42e034' }, { 'profile-level-id': '42c01e' }), '42c01e');
  });

  it('answers with our level when both allow level asymmetry', () => {
    const local = { 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 };
    assert.equal(
      answerProfileLevelId(local, { 'profile-level-id': '42e00a', 'level-asymmetry-allowed': '1' }),
      '42e01f',
    );
  });

  it('handles level 1b in both directions', () => {
    assert.equal(answerProfileLevelId({ 'profile-level-id': '42e01f' }, { 'profile-level-id': '42f00b' }), '42f00b');
    assert.equal(answerProfileLevelId({ 'profile-level-id': '42f00b' }, { 'profile-level-id': '42e01f' }), '42f00b');
    assert.equal(
      answerProfileLevelId({ 'profile-level-id': '42e00a' }, { 'profile-level-id': '42f00b' }),
      '42e00a',
      '1 is below 1b',
    );
  });

  it('gives undefined when the profiles differ', () => {
    assert.equal(answerProfileLevelId({ 'profile-level-id': '42e01f' }, { 'profile-level-id': '64001f' }), undefined);
  });
});

describe('H.264 in offer/answer', () => {
  const videoOffer = (fmtp: string): string =>
    sdp(
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.9',
      's=-',
      'c=IN IP4 192.0.2.9',
      't=0 0',
      'm=audio 6000 RTP/AVP 0',
      'm=video 6002 RTP/AVP 126',
      'a=rtpmap:126 H264/90000',
      `a=fmtp:126 ${fmtp}`,
      'a=rtcp-fb:126 nack pli',
    );

  function answerVideo(fmtp: string): { answer: string; session: MediaSession } {
    const session = new MediaSession({ transport: localTransport, randomBytes: fakeRandomBytes() });
    return { answer: session.receiveOffer(videoOffer(fmtp)), session };
  }

  it('accepts Constrained Baseline 4.0 with mode 1 at pt 126, answering level 3.1', () => {
    const { answer, session } = answerVideo('profile-level-id=42e028;packetization-mode=1');
    assert.match(answer, /^m=video 4002 RTP\/AVP 126\r$/m);
    assert.match(answer, /^a=fmtp:126 packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1\r$/m);
    assert.deepEqual(session.video?.codecs[0]?.rtcpFeedback, [{ type: 'nack', parameter: 'pli' }]);
  });

  it('accepts mode 0 against the mode-0 capability', () => {
    const { answer } = answerVideo('profile-level-id=42e01f');
    assert.match(answer, /^a=fmtp:126 packetization-mode=0;profile-level-id=42e01f;level-asymmetry-allowed=1\r$/m);
  });

  it('refuses High profile video with port 0 but keeps the audio', () => {
    const { answer, session } = answerVideo('profile-level-id=640028;packetization-mode=1');
    assert.match(answer, /^m=video 0 RTP\/AVP 126\r$/m);
    assert.equal(session.audio?.accepted, true);
  });

  it('picks the Constrained Baseline H.264 of a WebRTC-ish offer, not its Baseline one', () => {
    const session = new MediaSession({
      transport: localTransport,
      srtp: { mode: 'optional' },
      capabilities: { video: [H264_PACKETIZATION_MODE_1, H264_PACKETIZATION_MODE_0] },
      randomBytes: fakeRandomBytes(),
    });
    const answer = session.receiveOffer(webrtcSdesOffer);
    assert.match(answer, /^m=video 4002 RTP\/SAVPF 103\r$/m);
    // goog-remb was offered for 103 but we do not list it: it must not be used.
    assert.deepEqual(session.video?.codecs[0]?.rtcpFeedback, [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }]);
  });

  it('uses goog-remb / transport-cc only when both sides list them', () => {
    const session = new MediaSession({
      transport: localTransport,
      srtp: { mode: 'optional' },
      capabilities: {
        video: [
          {
            ...VP8,
            rtcpFeedback: [{ type: 'goog-remb' }, { type: 'transport-cc' }, { type: 'nack' }, { type: 'rrtr' }],
          },
        ],
      },
      randomBytes: fakeRandomBytes(),
    });
    const answer = session.receiveOffer(webrtcSdesOffer);
    assert.match(answer, /^a=rtcp-fb:96 goog-remb\r$/m);
    assert.ok(!answer.includes('rrtr'));
    assert.deepEqual(session.video?.codecs[0]?.rtcpFeedback, [
      { type: 'goog-remb' },
      { type: 'transport-cc' },
      { type: 'nack' },
    ]);
  });
});

describe('telephone-event events (RFC 4733 §7.1.1)', () => {
  it('parses and writes event ranges', () => {
    assert.deepEqual(parseTelephoneEvents('0-3, 11,15-16'), [0, 1, 2, 3, 11, 15, 16]);
    assert.equal(writeTelephoneEvents([0, 1, 2, 3, 11, 15, 16]), '0-3,11,15-16');
    assert.equal(parseTelephoneEvents('5-2'), undefined);
    assert.equal(parseTelephoneEvents('0-300'), undefined);
    assert.equal(parseTelephoneEvents('x'), undefined);
  });

  it('intersects ours with the offer’s, 0-15 when the offer has no fmtp', () => {
    assert.equal(intersectTelephoneEvents('0-16', '0-15,66,70'), '0-15');
    assert.equal(intersectTelephoneEvents('0-16', undefined), '0-15');
    assert.equal(intersectTelephoneEvents('0-16', '66'), undefined);
  });

  it('leaves telephone-event out of the answer when no event is shared', () => {
    const offer = sdp(
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.9',
      's=-',
      'c=IN IP4 192.0.2.9',
      't=0 0',
      'm=audio 6000 RTP/AVP 0 101',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 66',
    );
    const session = new MediaSession({ transport: localTransport });
    assert.match(session.receiveOffer(offer), /^m=audio 4000 RTP\/AVP 0\r$/m);
    assert.equal(session.audio?.telephoneEvent, undefined);
  });
});
