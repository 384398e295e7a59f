import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cryptoUnusableReason,
  DEFAULT_SRTP_SUITES,
  generateCryptoAttribute,
  parseCryptoAttribute,
  selectCrypto,
  srtpKeyLength,
  SrtpSuite,
  toSrtpParameters,
  writeCryptoAttribute,
} from './crypto.ts';
import { SdpError, SdpErrorCode } from './errors.ts';
import {
  asteriskOffer,
  fakeRandomBytes,
  localTransport,
  peerTransport,
  section,
  srtpOffer,
  testKey,
  webrtcSdesOffer,
} from './fixtures.ts';
import type { SrtpOptions } from './local-config.ts';
import { MediaSession } from './media-session.ts';

function session(srtp: SrtpOptions, transport = localTransport, seed = 1): MediaSession {
  return new MediaSession({ transport, srtp, randomBytes: fakeRandomBytes(seed) });
}

describe('a=crypto attributes (RFC 4568 §9.1)', () => {
  it('parses tag, suite, key, lifetime and MKI, and writes them back', () => {
    const text = `1 AES_CM_128_HMAC_SHA1_80 inline:${testKey(30, 1)}|2^20|1:4`;
    const attribute = parseCryptoAttribute(text);
    assert.deepEqual(attribute, {
      tag: 1,
      suite: 'AES_CM_128_HMAC_SHA1_80',
      keyBase64: testKey(30, 1),
      lifetime: '2^20',
      mki: { value: 1, length: 4 },
    });
    assert.equal(writeCryptoAttribute(attribute), text);
  });

  it('parses a key with only an MKI, and session parameters', () => {
    const attribute = parseCryptoAttribute(`7 AES_CM_128_HMAC_SHA1_32 inline:${testKey(30, 2)}|5:2 UNENCRYPTED_SRTCP`);
    assert.deepEqual(attribute.mki, { value: 5, length: 2 });
    assert.equal(attribute.lifetime, undefined);
    assert.deepEqual(attribute.sessionParameters, ['UNENCRYPTED_SRTCP']);
    assert.match(cryptoUnusableReason(attribute, DEFAULT_SRTP_SUITES) ?? '', /MKI/);
  });

  const malformed = [
    '',
    'x AES_CM_128_HMAC_SHA1_80 inline:AAAA',
    '1 AES_CM_128_HMAC_SHA1_80',
    '1 AES_CM_128_HMAC_SHA1_80 uri:x',
    '1 AES_CM_128_HMAC_SHA1_80 inline:!!!!',
    '1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|1:0',
    '1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|junk',
  ];
  for (const text of malformed) {
    it(`refuses ${JSON.stringify(text)} with SDP_INVALID_CRYPTO`, () => {
      assert.throws(
        () => parseCryptoAttribute(text),
        (error: unknown) =>
          error instanceof SdpError && error.code === SdpErrorCode.InvalidCrypto && error.status === 400,
      );
    });
  }

  it('knows each suite’s key||salt length (RFC 4568 §6.2, RFC 7714 §12)', () => {
    assert.equal(srtpKeyLength(SrtpSuite.AesCm128HmacSha1_80), 30);
    assert.equal(srtpKeyLength(SrtpSuite.AesCm128HmacSha1_32), 30);
    assert.equal(srtpKeyLength(SrtpSuite.AeadAes128Gcm), 28);
    assert.equal(srtpKeyLength(SrtpSuite.AeadAes256Gcm), 44);
    const generated = generateCryptoAttribute(3, SrtpSuite.AeadAes256Gcm, fakeRandomBytes());
    assert.equal(Buffer.from(generated.keyBase64, 'base64').length, 44);
  });

  it('selects the first usable attribute in the offer’s order', () => {
    const offered = [
      parseCryptoAttribute(`1 F8_128_HMAC_SHA1_80 inline:${testKey(30, 1)}`),
      parseCryptoAttribute(`2 AES_CM_128_HMAC_SHA1_80 inline:${testKey(20, 1)}`),
      parseCryptoAttribute(`3 AES_CM_128_HMAC_SHA1_32 inline:${testKey(30, 1)}`),
    ];
    assert.equal(selectCrypto(offered, DEFAULT_SRTP_SUITES)?.tag, 3);
    assert.equal(selectCrypto(offered, [SrtpSuite.AesCm128HmacSha1_80]), undefined);
  });

  it('maps to mediasoup SrtpParameters', () => {
    const attribute = parseCryptoAttribute(`1 AEAD_AES_128_GCM inline:${testKey(28, 9)}`);
    assert.deepEqual(toSrtpParameters(attribute), { cryptoSuite: 'AEAD_AES_128_GCM', keyBase64: testKey(28, 9) });
    assert.throws(() => toSrtpParameters({ tag: 1, suite: 'F8_128_HMAC_SHA1_80', keyBase64: 'AAAA' }), {
      code: SdpErrorCode.InvalidCrypto,
    });
  });
});

describe('SDES-SRTP negotiation', () => {
  it('mandatory: offers RTP/SAVP with one attribute per suite, and both sides agree on keys', () => {
    const alice = session({ mode: 'mandatory' });
    const bob = session({ mode: 'mandatory' }, peerTransport, 2);
    const offer = alice.createOffer();
    assert.match(offer, /^m=audio 4000 RTP\/SAVP 0 8 101\r$/m);
    const cryptoLines = section(offer, 0).filter((line) => line.startsWith('a=crypto:'));
    assert.deepEqual(
      cryptoLines.map((line) => line.split(' ').slice(0, 2).join(' ')),
      [
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80',
        'a=crypto:2 AES_CM_128_HMAC_SHA1_32',
        'a=crypto:3 AEAD_AES_256_GCM',
        'a=crypto:4 AEAD_AES_128_GCM',
      ],
    );
    const answer = bob.receiveOffer(offer);
    assert.equal(
      section(answer, 0).filter((line) => line.startsWith('a=crypto:')).length,
      1,
      'the answer holds exactly one',
    );
    alice.receiveAnswer(answer);
    const mine = alice.audio?.crypto;
    const theirs = bob.audio?.crypto;
    assert.equal(mine?.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(mine?.tag, 1);
    assert.equal(mine?.local.keyBase64, theirs?.remote.keyBase64);
    assert.equal(mine?.remote.keyBase64, theirs?.local.keyBase64);
    assert.notEqual(mine?.local.keyBase64, mine?.remote.keyBase64);
  });

  it('keeps its keys across re-offers, so an unchanged re-offer is the same SDP', () => {
    const alice = session({ mode: 'mandatory' });
    const bob = session({ mode: 'mandatory' }, peerTransport, 2);
    const offer = alice.createOffer();
    alice.receiveAnswer(bob.receiveOffer(offer));
    assert.equal(alice.createReoffer(), offer);
  });

  it('uses configured keys (e.g. from mediasoup srtpParameters)', () => {
    const key = testKey(30, 0x42);
    const alice = session({
      mode: 'mandatory',
      suites: [SrtpSuite.AesCm128HmacSha1_80],
      keys: { AES_CM_128_HMAC_SHA1_80: key },
    });
    assert.ok(alice.createOffer().includes(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}`));
  });

  it('answers the RFC 4568-style offer: skips the MKI attribute, takes tag 2', () => {
    const bob = session({ mode: 'optional' });
    const answer = bob.receiveOffer(srtpOffer);
    assert.match(answer, /^m=audio 4000 RTP\/SAVP 0 101\r$/m);
    assert.match(answer, /^a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:\S{40}\r$/m);
    assert.equal(bob.audio?.crypto?.remote.keyBase64, testKey(30, 2));
  });

  it('answers SDES in RTP/SAVPF (WebRTC through an SBC): picks AEAD_AES_256_GCM, the offer’s first', () => {
    const bob = session({ mode: 'optional' });
    const answer = bob.receiveOffer(webrtcSdesOffer);
    assert.match(answer, /^m=audio 4000 RTP\/SAVPF 0 126\r$/m);
    assert.match(answer, /^a=crypto:1 AEAD_AES_256_GCM inline:\S{60}\r$/m);
    assert.match(answer, /^a=mid:0\r$/m);
    assert.equal(bob.audio?.crypto?.suite, 'AEAD_AES_256_GCM');
    assert.equal(bob.audio?.rtcpMux, true);
    assert.equal(bob.audio?.remote.rtcpPort, 50000, 'a=rtcp:9 is ignored when muxed');
  });

  it('refuses an RTP/SAVP offer when SRTP is off: 488, Warning 302', () => {
    assert.throws(
      () => session({ mode: 'off' }).receiveOffer(srtpOffer),
      (error: unknown) => error instanceof SdpError && error.status === 488 && error.warning?.code === 302,
    );
  });

  it('refuses an RTP/SAVP offer without an acceptable crypto', () => {
    const onlyMki = srtpOffer.replace(/^a=crypto:2 .*\r\n/m, '');
    assert.throws(() => session({ mode: 'optional' }).receiveOffer(onlyMki), {
      code: SdpErrorCode.NoAcceptableMedia,
      status: 488,
    });
  });

  it('mandatory refuses plain RTP; optional accepts it without crypto', () => {
    assert.throws(() => session({ mode: 'mandatory' }).receiveOffer(asteriskOffer), {
      code: SdpErrorCode.NoAcceptableMedia,
    });
    const bob = session({ mode: 'optional' });
    bob.receiveOffer(asteriskOffer);
    assert.equal(bob.audio?.crypto, undefined);
  });

  it('optional: offers RTP/AVP with crypto (best effort) and accepts a plain answer', () => {
    const alice = session({ mode: 'optional' });
    const plain = session({ mode: 'off' }, peerTransport, 2);
    const offer = alice.createOffer();
    assert.match(offer, /^m=audio 4000 RTP\/AVP /m);
    assert.match(offer, /^a=crypto:1 /m);
    const answer = plain.receiveOffer(offer);
    assert.ok(!answer.includes('a=crypto'));
    alice.receiveAnswer(answer);
    assert.equal(alice.audio?.crypto, undefined);
    const secure = session({ mode: 'optional' }, peerTransport, 3);
    const alice2 = session({ mode: 'optional' });
    alice2.receiveAnswer(secure.receiveOffer(alice2.createOffer()));
    assert.equal(alice2.audio?.crypto?.suite, 'AES_CM_128_HMAC_SHA1_80');
  });

  it('an SRTP answer without crypto, or with an unoffered tag, is a mismatch', () => {
    const alice = session({ mode: 'mandatory' });
    const bob = session({ mode: 'mandatory' }, peerTransport, 2);
    const answer = bob.receiveOffer(alice.createOffer());
    assert.throws(() => alice.receiveAnswer(answer.replace(/^a=crypto:.*\r\n/m, '')), {
      code: SdpErrorCode.AnswerMismatch,
      status: 488,
    });
    assert.throws(() => alice.receiveAnswer(answer.replace('a=crypto:1 ', 'a=crypto:9 ')), {
      code: SdpErrorCode.AnswerMismatch,
    });
    alice.receiveAnswer(answer);
    assert.ok(alice.audio?.crypto !== undefined);
  });
});
