import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { G722, OPUS, PCMA, PCMU, TELEPHONE_EVENT } from './codecs.ts';
import { SdpError, SdpErrorCode, warningHeader } from './errors.ts';
import {
  asteriskOffer,
  audioAndFaxOffer,
  baresipOffer,
  ciscoOffer,
  fakeRandomBytes,
  g729OnlyOffer,
  ipv6Offer,
  lines,
  linphoneOffer,
  localTransport,
  peerTransport,
  sdp,
  section,
  webrtcDtlsOffer,
} from './fixtures.ts';
import { MediaSession } from './media-session.ts';
import type { MediaSessionOptions } from './local-config.ts';
import { parseSdp } from './parse.ts';

function session(options: Partial<MediaSessionOptions> = {}): MediaSession {
  return new MediaSession({ transport: localTransport, sessionId: '1000', randomBytes: fakeRandomBytes(), ...options });
}

function refusedWith(fn: () => unknown, code: string, status: number, warnCode?: number): SdpError {
  let caught: unknown;
  assert.throws(fn, (error: unknown) => {
    caught = error;
    return error instanceof SdpError;
  });
  const error = caught as SdpError;
  assert.equal(error.code, code);
  assert.equal(error.status, status);
  if (warnCode !== undefined) assert.equal(error.warning?.code, warnCode);
  return error;
}

describe('offer/answer between two talkbus sessions', () => {
  it('offers PCMU 0, PCMA 8 and telephone-event 101 with fmtp 0-16 by default', () => {
    const offer = session().createOffer();
    assert.deepEqual(lines(offer).slice(0, 5), [
      'v=0',
      'o=- 1000 1 IN IP4 10.0.0.1',
      's=talkbus',
      'c=IN IP4 10.0.0.1',
      't=0 0',
    ]);
    assert.deepEqual(section(offer, 0), [
      'm=audio 4000 RTP/AVP 0 8 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      'a=rtcp-mux',
    ]);
  });

  it('negotiates PCMU, telephone-event and rtcp-mux end to end', () => {
    const alice = session();
    const bob = new MediaSession({ transport: peerTransport, sessionId: '2000' });
    const answer = bob.receiveOffer(alice.createOffer());
    assert.equal(alice.state, 'local-offer');
    const negotiated = alice.receiveAnswer(answer);
    assert.equal(alice.state, 'stable');
    const audio = negotiated[0];
    assert.ok(audio !== undefined && audio.accepted);
    assert.equal(audio.codecs[0]?.name, 'PCMU');
    assert.equal(audio.codecs.length, 1);
    assert.deepEqual(audio.telephoneEvent, {
      payloadType: 101,
      localPayloadType: 101,
      clockRate: 8000,
      events: '0-16',
    });
    assert.equal(audio.direction, 'sendrecv');
    assert.equal(audio.rtcpMux, true);
    assert.deepEqual(audio.remote, {
      address: '10.0.0.2',
      port: 5000,
      rtcpAddress: '10.0.0.2',
      rtcpPort: 5000,
      ssrcs: [],
      cname: undefined,
    });
    assert.equal(bob.audio?.remote.port, 4000);
    assert.equal(alice.audio, audio);
    assert.equal(alice.localSdp, alice.negotiated === undefined ? undefined : alice.localSdp);
  });

  it('answers with exactly the offered m-lines in the same order (RFC 3264 §6)', () => {
    const answer = session().receiveOffer(audioAndFaxOffer);
    const media = parseSdp(answer).media;
    assert.deepEqual(
      media.map((line) => [line.type, line.port, line.protocol, String(line.payloads)]),
      [
        ['audio', 4000, 'RTP/AVP', '0'],
        ['image', 0, 'udptl', 't38'],
      ],
    );
  });
});

describe('answering real-world offers', () => {
  it('baresip: skips opus and G7221, answers PCMU with telephone-event 0-15 and reads the SSRC', () => {
    const bob = session();
    const answer = bob.receiveOffer(baresipOffer);
    assert.deepEqual(section(answer, 0).slice(0, 4), [
      'm=audio 4000 RTP/AVP 0 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
    ]);
    assert.ok(!answer.includes('a=rtcp-mux'), 'no rtcp-mux when the offer has none (RFC 5761 §5.1.1)');
    const audio = bob.audio;
    assert.deepEqual(audio?.remote.ssrcs, [1399284001]);
    assert.equal(audio?.remote.cname, 'sip:alice@example.com');
    assert.equal(audio?.remote.rtcpPort, 10165, 'RTCP on port + 1 without mux or a=rtcp');
    assert.equal(audio?.telephoneEvent?.events, '0-15');
  });

  it('baresip with G722 and opus enabled for pass-through honours the offerer order', () => {
    const bob = session({ capabilities: { audio: [PCMU, PCMA, G722, OPUS, TELEPHONE_EVENT] } });
    const answer = bob.receiveOffer(baresipOffer);
    assert.match(
      answer,
      /^m=audio 4000 RTP\/AVP 96\r$/m,
      'opus at the offer pt 96, and telephone-event/8000 not at opus rate',
    );
    assert.match(answer, /a=rtpmap:96 opus\/48000\/2/);
    assert.equal(bob.audio?.codecs[0]?.channels, 2);
    assert.equal(bob.audio?.telephoneEvent, undefined);
  });

  it("codecOrder 'local' picks our preferred codec among the offered ones", () => {
    const bob = session({ capabilities: { audio: [PCMA, PCMU, G722, TELEPHONE_EVENT] }, codecOrder: 'local' });
    bob.receiveOffer(baresipOffer);
    assert.equal(bob.audio?.codecs[0]?.name, 'PCMA');
  });

  it('answerSingleCodec false lists every common codec in offer order', () => {
    const bob = session({ answerSingleCodec: false, capabilities: { audio: [PCMU, PCMA, G722, TELEPHONE_EVENT] } });
    const answer = bob.receiveOffer(baresipOffer);
    assert.match(answer, /^m=audio 4000 RTP\/AVP 9 0 8 101\r$/m);
    assert.deepEqual(
      bob.audio?.codecs.map((codec) => codec.name),
      ['G722', 'PCMU', 'PCMA'],
    );
  });

  it('linphone: maps payload types by codec, telephone-event at 8 kHz on its pt 110', () => {
    const bob = session();
    const answer = bob.receiveOffer(linphoneOffer);
    assert.match(answer, /^m=audio 4000 RTP\/AVP 0 110\r$/m);
    assert.match(answer, /a=rtpmap:110 telephone-event\/8000/);
    assert.equal(bob.audio?.telephoneEvent?.payloadType, 110);
    assert.equal(bob.audio?.telephoneEvent?.events, '0-15', 'no fmtp means 0-15 (RFC 4733 §7.1.1)');
  });

  it('linphone video: VP8 at its pt 96; the 42801F H.264 (Baseline) does not match Constrained Baseline', () => {
    const bob = session();
    const answer = bob.receiveOffer(linphoneOffer);
    assert.deepEqual(section(answer, 1).slice(0, 2), ['m=video 4002 RTP/AVP 96', 'a=rtpmap:96 VP8/90000']);
    const video = bob.video;
    assert.equal(video?.codecs[0]?.name, 'VP8');
    assert.deepEqual(video?.codecs[0]?.rtcpFeedback, [
      { type: 'nack', parameter: 'pli' },
      { type: 'ccm', parameter: 'fir' },
    ]);
  });

  it('Asterisk: keeps PCMA first, reads ptime and maxptime', () => {
    const bob = session();
    const answer = bob.receiveOffer(asteriskOffer);
    assert.match(answer, /^m=audio 4000 RTP\/AVP 8 101\r$/m);
    assert.equal(bob.audio?.ptime, 20);
    assert.equal(bob.audio?.maxptime, 150);
    assert.equal(bob.audio?.localPtime, 20);
  });

  it('Cisco: media-level c=, a=rtcp on another address, CN left out, G729 skipped', () => {
    const bob = session();
    const answer = bob.receiveOffer(ciscoOffer);
    assert.match(answer, /^m=audio 4000 RTP\/AVP 0 101\r$/m);
    assert.ok(!/CN\/8000/.test(answer));
    assert.deepEqual(bob.audio?.remote, {
      address: '172.16.1.5',
      port: 16434,
      rtcpAddress: '172.16.1.6',
      rtcpPort: 16441,
      ssrcs: [],
      cname: undefined,
    });
  });

  it('IPv6: answers from an IPv6 address and reads a=rtcp IN IP6', () => {
    const bob = session({ transport: { address: '2001:db8::1', audio: { port: 4000 } } });
    const answer = bob.receiveOffer(ipv6Offer);
    assert.deepEqual(lines(answer).slice(1, 4), ['o=- 1000 1 IN IP6 2001:db8::1', 's=talkbus', 'c=IN IP6 2001:db8::1']);
    assert.match(answer, /^m=audio 4000 RTP\/AVP 8 101\r$/m);
    assert.equal(bob.audio?.remote.address, '2001:db8::10');
    assert.equal(bob.audio?.remote.rtcpAddress, '2001:db8::11');
    assert.equal(bob.audio?.remote.rtcpPort, 30001);
  });

  it('an IPv4 session can answer an IPv6 peer (each side states its own address)', () => {
    const bob = session();
    assert.match(bob.receiveOffer(ipv6Offer), /^c=IN IP4 10\.0\.0\.1\r$/m);
  });

  it('announces a=rtcp when RTCP has its own local port, and no rtcp-mux when disabled', () => {
    const bob = session({ transport: { address: '10.0.0.1', audio: { port: 4000, rtcpPort: 4001 } }, rtcpMux: false });
    const offer = bob.createOffer();
    assert.ok(offer.includes('a=rtcp:4001\r\n'));
    assert.ok(!offer.includes('a=rtcp-mux'));
  });
});

describe('refusals', () => {
  it('refuses an offer with no common codec: 488 SDP_NO_COMMON_CODEC, Warning 305', () => {
    const error = refusedWith(() => session().receiveOffer(g729OnlyOffer), SdpErrorCode.NoCommonCodec, 488, 305);
    assert.equal(warningHeader(error), '305 talkbus "Incompatible media format"');
    assert.equal(warningHeader(error, 'pbx.example.com'), '305 pbx.example.com "Incompatible media format"');
  });

  it('refuses a DTLS-SRTP browser offer: 488 with Warning 302', () => {
    refusedWith(() => session().receiveOffer(webrtcDtlsOffer), SdpErrorCode.NoAcceptableMedia, 488, 302);
  });

  it('refuses an offer with only a fax stream: 488 with Warning 304', () => {
    const fax = sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.9', 's=-', 'c=IN IP4 192.0.2.9', 't=0 0', 'm=image 6002 udptl t38');
    refusedWith(() => session().receiveOffer(fax), SdpErrorCode.NoAcceptableMedia, 488, 304);
  });

  it('refuses an offer whose every stream has port 0', () => {
    const removed = sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.9', 's=-', 'c=IN IP4 192.0.2.9', 't=0 0', 'm=audio 0 RTP/AVP 0');
    refusedWith(() => session().receiveOffer(removed), SdpErrorCode.NoAcceptableMedia, 488, 304);
  });

  it('refuses a connection address that is a host name (Warning 301)', () => {
    const named = sdp(
      'v=0',
      'o=- 1 1 IN IP4 pbx.example.com',
      's=-',
      'c=IN IP4 pbx.example.com',
      't=0 0',
      'm=audio 6000 RTP/AVP 0',
    );
    refusedWith(() => session().receiveOffer(named), SdpErrorCode.NoAcceptableMedia, 488, 301);
  });

  it('refuses video with port 0 when there is no local video transport, keeping the m-line', () => {
    const bob = session({ transport: { address: '10.0.0.1', audio: { port: 4000 } } });
    const answer = bob.receiveOffer(linphoneOffer);
    assert.deepEqual(section(answer, 1), ['m=video 0 RTP/AVP 96 97']);
    assert.equal(bob.negotiated?.[1]?.accepted, false);
    assert.equal(bob.video, undefined);
  });

  it('accepts one audio stream and refuses a second one with port 0', () => {
    const twoAudio = sdp(
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.9',
      's=-',
      'c=IN IP4 192.0.2.9',
      't=0 0',
      'm=audio 6000 RTP/AVP 0',
      'm=audio 6002 RTP/AVP 8',
    );
    const answer = session().receiveOffer(twoAudio);
    assert.deepEqual(section(answer, 1), ['m=audio 0 RTP/AVP 8']);
  });

  it('refuses unparseable SDP with 400', () => {
    refusedWith(() => session().receiveOffer('this is not sdp'), SdpErrorCode.Malformed, 400);
  });

  it('leaves the state unchanged after a refusal', () => {
    const bob = session();
    assert.throws(() => bob.receiveOffer(g729OnlyOffer));
    assert.equal(bob.negotiated, undefined);
    assert.equal(bob.sessionVersion, undefined);
    bob.receiveOffer(asteriskOffer);
    assert.equal(bob.sessionVersion, 1);
  });
});
