import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SdpError, SdpErrorCode } from './errors.ts';
import { fakeRandomBytes, lines, linphoneOffer, localTransport, peerTransport, section } from './fixtures.ts';
import { MediaSession } from './media-session.ts';
import { originLine, parseSdp } from './parse.ts';

function alice(): MediaSession {
  return new MediaSession({ transport: localTransport, sessionId: '1000', randomBytes: fakeRandomBytes(1) });
}
function bob(): MediaSession {
  return new MediaSession({ transport: peerTransport, sessionId: '2000', randomBytes: fakeRandomBytes(2) });
}
function versionOf(text: string): number {
  return Number(originLine(text)?.split(' ')[2]);
}
function ports(text: string): Array<[string, number]> {
  return parseSdp(text).media.map((media) => [media.type, media.port]);
}

describe('re-offers: adding and removing video (RFC 3264 §8.1, §8.2)', () => {
  it('appends a video m-line to an audio-only session', () => {
    const a = alice();
    const b = bob();
    a.receiveAnswer(b.receiveOffer(a.createOffer()));
    const reoffer = a.createReoffer({ video: true });
    assert.deepEqual(ports(reoffer), [
      ['audio', 4000],
      ['video', 4002],
    ]);
    a.receiveAnswer(b.receiveOffer(reoffer));
    assert.equal(a.video?.codecs[0]?.name, 'H264');
    assert.equal(a.video?.codecs[0]?.parameters['packetization-mode'], '1');
    assert.equal(b.video?.remote.port, 4002);
  });

  it('removes video by setting its port to 0, keeping the m-line', () => {
    const a = alice();
    const b = bob();
    a.receiveAnswer(b.receiveOffer(a.createOffer({ video: true })));
    assert.ok(a.video?.accepted);
    const reoffer = a.createReoffer({ video: false });
    assert.deepEqual(section(reoffer, 1), ['m=video 0 RTP/AVP 96 97 98']);
    const answer = b.receiveOffer(reoffer);
    assert.deepEqual(section(answer, 1), ['m=video 0 RTP/AVP 96 97 98']);
    a.receiveAnswer(answer);
    assert.equal(a.video, undefined);
    assert.equal(a.negotiated?.length, 2);
  });

  it('re-adds video in the slot of the removed stream, not as a third m-line', () => {
    const a = alice();
    const b = bob();
    a.receiveAnswer(b.receiveOffer(a.createOffer({ video: true })));
    a.receiveAnswer(b.receiveOffer(a.createReoffer({ video: false })));
    const again = a.createReoffer({ video: true });
    assert.deepEqual(ports(again), [
      ['audio', 4000],
      ['video', 4002],
    ]);
    assert.match(again, /^m=video 4002 RTP\/AVP 96 97 98\r$/m, 'the payload types stay the same');
    a.receiveAnswer(b.receiveOffer(again));
    assert.ok(a.video?.accepted);
  });

  it('a peer that adds video to our audio call gets it answered', () => {
    const a = alice();
    const b = bob();
    b.receiveAnswer(a.receiveOffer(b.createOffer()));
    const answer = a.receiveOffer(b.createReoffer({ video: true }));
    assert.deepEqual(ports(answer), [
      ['audio', 4000],
      ['video', 4002],
    ]);
  });

  it('a video stream the answer refused is not re-offered unless asked', () => {
    const a = alice();
    const audioOnly = new MediaSession({ transport: { address: '10.0.0.2', audio: { port: 5000 } } });
    a.receiveAnswer(audioOnly.receiveOffer(a.createOffer({ video: true })));
    assert.equal(a.video, undefined);
    assert.deepEqual(section(a.createReoffer(), 1), ['m=video 0 RTP/AVP 96 97 98']);
  });

  it('keeps the offerer’s payload types in our later re-offers (RFC 3264 §8.3.2)', () => {
    const a = alice();
    a.receiveOffer(linphoneOffer);
    const reoffer = a.createReoffer();
    assert.match(reoffer, /^m=audio 4000 RTP\/AVP 0 8 110\r$/m);
    // VP8 stays at the peer's 96 and, being in use, comes first; H.264 takes free numbers.
    assert.match(reoffer, /^m=video 4002 RTP\/AVP 96 97 98\r$/m);
    assert.match(section(reoffer, 1).join('\n'), /a=rtpmap:96 VP8\/90000/);
  });
});

describe('o= sess-version (RFC 3264 §8)', () => {
  it('stays the same for an unchanged re-offer and increments by one for a changed one', () => {
    const a = alice();
    const b = bob();
    const first = a.createOffer();
    assert.equal(versionOf(first), 1);
    a.receiveAnswer(b.receiveOffer(first));
    const same = a.createReoffer();
    assert.equal(versionOf(same), 1);
    assert.equal(same, first);
    a.receiveAnswer(b.receiveOffer(same));
    const hold = a.createReoffer({ hold: true });
    assert.equal(versionOf(hold), 2);
    a.receiveAnswer(b.receiveOffer(hold));
    assert.equal(versionOf(a.createReoffer({ hold: true })), 2);
  });

  it('the answerer’s version also moves only when its answer changes', () => {
    const a = alice();
    const b = bob();
    const answer1 = b.receiveOffer(a.createOffer());
    a.receiveAnswer(answer1);
    const answer2 = b.receiveOffer(a.createReoffer());
    assert.equal(answer2, answer1);
    a.receiveAnswer(answer2);
    const answer3 = b.receiveOffer(a.createReoffer({ hold: true }));
    assert.equal(versionOf(answer3), versionOf(answer1) + 1);
    assert.equal(lines(answer3)[1]?.split(' ')[1], '2000', 'sess-id never changes');
  });

  it('counts on from a rolled-back offer, since the peer may have seen it', () => {
    const a = alice();
    const b = bob();
    a.receiveAnswer(b.receiveOffer(a.createOffer()));
    assert.equal(versionOf(a.createReoffer({ hold: true })), 2);
    a.rollback();
    assert.equal(a.state, 'stable');
    assert.equal(a.localHold, false);
    assert.equal(versionOf(a.createReoffer()), 3, 'differs from version 2, so it is a new version');
  });

  it('follows a change of local address', () => {
    const a = alice();
    const b = bob();
    a.receiveAnswer(b.receiveOffer(a.createOffer()));
    a.setTransport({ address: '10.0.0.9', audio: { port: 4100 } });
    const moved = a.createReoffer();
    assert.equal(versionOf(moved), 2);
    assert.match(moved, /^c=IN IP4 10\.0\.0\.9\r$/m);
    assert.match(moved, /^m=audio 4100 /m);
  });
});

describe('offerless INVITE, early media and forks', () => {
  it('offerless INVITE: the UAS offers in the 200 and takes the answer from the ACK', () => {
    const uas = alice();
    const uac = bob();
    const offerIn200 = uas.createOffer();
    assert.equal(uac.remoteSdpRole(offerIn200), 'offer');
    const answerInAck = uac.receiveOffer(offerIn200);
    const negotiated = uas.receiveAnswer(answerInAck);
    assert.equal(negotiated[0]?.accepted, true);
    assert.equal(uas.audio?.remote.port, 5000);
  });

  it('183 early media then a 200 that repeats the answer (RFC 3261 §13.2.1)', () => {
    const caller = alice();
    const callee = bob();
    const answer = callee.receiveOffer(caller.createOffer());
    assert.equal(caller.remoteSdpRole(answer), 'answer');
    const early = caller.receiveAnswer(answer);
    assert.equal(caller.remoteSdpRole(answer), 'repeat');
    assert.equal(caller.state, 'stable');
    assert.ok(caller.isRepeatOfRemote(answer));
    assert.equal(caller.receiveAnswer(answer), early, 'the repeat changes nothing');
  });

  it('a 200 whose SDP differs from the 183 is refused unless replace is asked for', () => {
    const caller = alice();
    const callee = bob();
    caller.receiveAnswer(callee.receiveOffer(caller.createOffer()));
    const other = new MediaSession({ transport: { address: '10.0.0.3', audio: { port: 6000 } }, sessionId: '3000' });
    const different = other.receiveOffer(caller.localSdp as string);
    assert.throws(() => caller.receiveAnswer(different), { name: 'SdpError', code: SdpErrorCode.UnexpectedAnswer });
    caller.receiveAnswer(different, { replace: true });
    assert.equal(caller.audio?.remote.address, '10.0.0.3');
  });

  it('forks: each early dialog applies its own answer to the same offer', () => {
    const caller = alice();
    caller.createOffer();
    const fork = caller.fork();
    const one = new MediaSession({ transport: { address: '10.0.0.3', audio: { port: 6000 } } });
    const two = new MediaSession({ transport: { address: '10.0.0.4', audio: { port: 7000 } } });
    caller.receiveAnswer(one.receiveOffer(caller.pendingOffer as string));
    fork.receiveAnswer(two.receiveOffer(fork.pendingOffer as string));
    assert.equal(caller.audio?.remote.address, '10.0.0.3');
    assert.equal(fork.audio?.remote.address, '10.0.0.4');
    assert.equal(fork.sessionId, caller.sessionId);
  });
});

describe('offer/answer state errors', () => {
  it('an offer while ours is outstanding is glare: 491', () => {
    const a = alice();
    const b = bob();
    const ours = a.createOffer();
    assert.throws(
      () => a.receiveOffer(b.createOffer()),
      (error: unknown) => error instanceof SdpError && error.status === 491 && error.code === SdpErrorCode.OfferPending,
    );
    assert.equal(a.pendingOffer, ours);
    assert.throws(() => a.createOffer(), { code: SdpErrorCode.OfferPending });
  });

  it('an answer with no offer outstanding is refused', () => {
    assert.throws(() => alice().receiveAnswer(bob().createOffer()), {
      code: SdpErrorCode.UnexpectedAnswer,
      status: 400,
    });
  });

  it('createReoffer needs an established session', () => {
    assert.throws(() => alice().createReoffer(), { code: SdpErrorCode.InvalidOptions });
  });

  it('an answer with a different m-line count is a mismatch (488) and leaves the offer outstanding', () => {
    const a = alice();
    const b = bob();
    const offer = a.createOffer({ video: true });
    const answer = b.receiveOffer(offer);
    const truncated = answer.slice(0, answer.indexOf('m=video'));
    assert.throws(() => a.receiveAnswer(truncated), { code: SdpErrorCode.AnswerMismatch, status: 488 });
    assert.equal(a.state, 'local-offer');
    a.receiveAnswer(answer);
    assert.equal(a.state, 'stable');
  });

  it('an answer that swaps the media type of an m-line is a mismatch', () => {
    const a = alice();
    const answer = bob().receiveOffer(a.createOffer());
    assert.throws(() => a.receiveAnswer(answer.replace('m=audio', 'm=video')), { code: SdpErrorCode.AnswerMismatch });
  });

  it('an answer with no codec from the offer is refused with 488 and Warning 305', () => {
    const a = alice();
    const answer = bob().receiveOffer(a.createOffer());
    const g729 = answer
      .replace('m=audio 5000 RTP/AVP 0 101', 'm=audio 5000 RTP/AVP 18')
      .replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000');
    assert.throws(
      () => a.receiveAnswer(g729),
      (error: unknown) =>
        error instanceof SdpError && error.code === SdpErrorCode.NoCommonCodec && error.warning?.code === 305,
    );
  });

  it('an answer that refuses every stream is refused with 488', () => {
    const a = alice();
    const answer = bob().receiveOffer(a.createOffer());
    assert.throws(() => a.receiveAnswer(answer.replace('m=audio 5000', 'm=audio 0')), {
      code: SdpErrorCode.NoAcceptableMedia,
      status: 488,
    });
  });

  it('an answer may use other payload numbers than the offer; we then send with them', () => {
    const a = alice();
    const answer = bob().receiveOffer(a.createOffer());
    const renumbered = answer
      .replace('RTP/AVP 0 101', 'RTP/AVP 0 100')
      .replace(/telephone-event\/8000/, 'telephone-event/8000')
      .replaceAll(':101', ':100');
    a.receiveAnswer(renumbered);
    assert.deepEqual(a.audio?.telephoneEvent, {
      payloadType: 100,
      localPayloadType: 101,
      clockRate: 8000,
      events: '0-16',
    });
  });

  it('rejects invalid options with SDP_INVALID_OPTIONS', () => {
    assert.throws(() => new MediaSession({ transport: { address: 'host.example' } }), {
      code: SdpErrorCode.InvalidOptions,
    });
    assert.throws(() => new MediaSession({ transport: { address: '10.0.0.1', audio: { port: 0 } } }), {
      code: SdpErrorCode.InvalidOptions,
    });
    assert.throws(() => new MediaSession({ transport: localTransport, sessionId: 'abc' }), {
      code: SdpErrorCode.InvalidOptions,
    });
    assert.throws(() => new MediaSession({ transport: localTransport, srtp: { mode: 'optional', suites: [] } }), {
      code: SdpErrorCode.InvalidOptions,
    });
    assert.throws(
      () =>
        new MediaSession({ transport: { address: '10.0.0.1', audio: { port: 4000 } } }).createOffer({ video: true }),
      {
        code: SdpErrorCode.InvalidOptions,
      },
    );
    assert.throws(() => new MediaSession({ transport: { address: '10.0.0.1' } }).createOffer(), {
      code: SdpErrorCode.InvalidOptions,
    });
  });
});
