/**
 * Bounded, seeded fuzz: mutated fixtures through receiveOffer and receiveAnswer must either
 * produce SDP that parses again, or throw an SdpError. Anything else (TypeError, RangeError, a
 * hang) is a crash. The seed is printed on failure so a run can be repeated.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SdpError } from './errors.ts';
import { allFixtures, fakeRandomBytes, localTransport, peerTransport } from './fixtures.ts';
import { MediaSession } from './media-session.ts';
import { parseSdp } from './parse.ts';
import { G722, OPUS, PCMA, PCMU, TELEPHONE_EVENT } from './codecs.ts';
import { seededRandom as prng } from '@talkbus/testing';

const trickyLines = [
  'm=audio 99999 RTP/AVP 0',
  'm=video 0 RTP/AVP',
  'm=audio 4000 RTP/SAVP 0',
  'm=audio 4000 UDP/TLS/RTP/SAVPF 111',
  'm=123 4000 456 789',
  'c=IN IP6 1.2.3.4',
  'c=IN IP4 ::1',
  'c=IN IP4 0.0.0.0',
  'c=IN IP4 12345',
  'c=',
  'o=',
  'o=- 1 2 IN IP4',
  'a=rtpmap:96 ',
  'a=rtpmap:96 123/8000',
  'a=rtpmap:0 PCMU/8000/99999',
  'a=rtpmap:101 telephone-event/8000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1',
  'a=fmtp:97 profile-level-id=zzzzzz',
  'a=fmtp:101 __proto__=1;constructor=2',
  'a=fmtp:101 0-99999',
  'a=fmtp:101 15',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^20|1:4;inline:BBBB',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:YUJjRGVGZ2hJaktsTW5PcFFyU3RVdld4WXoxMjM0|2^20',
  'a=crypto:x y',
  'a=crypto:123',
  'a=rtcp:',
  'a=rtcp:70000',
  'a=rtcp:9 IN IP4 ::1',
  'a=rtcp-mux',
  'a=rtcp-fb:* nack',
  'a=rtcp-fb:96',
  'a=ssrc:abc cname:x',
  'a=ssrc:99999999999 cname:1',
  'a=ptime:-1',
  'a=ptime:abc',
  'a=maxptime:1e9',
  'a=mid:0',
  'a=sendonly',
  'a=inactive',
  'a=recvonly',
  'b=AS:abc',
  'v=0',
  '',
  '=',
  'a=',
];

function mutate(text: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const lines = text.split('\r\n');
  const at = Math.floor(random() * lines.length);
  const rounds = 1 + Math.floor(random() * 3);
  let out = lines;
  for (let round = 0; round < rounds; round++) {
    switch (Math.floor(random() * 8)) {
      case 0: {
        // Flip one character to a random byte-ish character.
        const joined = out.join('\r\n');
        const offset = Math.floor(random() * joined.length);
        out = (
          joined.slice(0, offset) +
          String.fromCharCode(Math.floor(random() * 256)) +
          joined.slice(offset + 1)
        ).split('\r\n');
        break;
      }
      case 1:
        out = out.filter((_, index) => index !== at);
        break;
      case 2:
        out = [...out.slice(0, at), out[at] ?? '', ...out.slice(at)];
        break;
      case 3:
        out = [...out.slice(0, at), pick(trickyLines), ...out.slice(at)];
        break;
      case 4: {
        const other = Math.floor(random() * out.length);
        const copy = [...out];
        [copy[at], copy[other]] = [copy[other] ?? '', copy[at] ?? ''];
        out = copy;
        break;
      }
      case 5: {
        const joined = out.join('\r\n');
        out = joined.slice(0, Math.floor(random() * joined.length)).split('\r\n');
        break;
      }
      case 6:
        out = out.map((line) =>
          line.replace(/\d+/, () =>
            pick(['0', '1', '127', '128', '65535', '65536', '4294967296', '99999999999999999999', '-1']),
          ),
        );
        break;
      default:
        out = out.map((line) => (random() < 0.1 ? line.replace(/ /, pick(['  ', '\t', '', '/'])) : line));
    }
  }
  return out.join(pick(['\r\n', '\r\n', '\n']));
}

function expectSafe(run: () => string | undefined, seed: number, input: string): boolean {
  try {
    const output = run();
    if (output !== undefined) parseSdp(output);
    return true;
  } catch (error) {
    if (error instanceof SdpError) return false;
    assert.fail(
      `seed ${seed}: ${String(error)}\n--- input ---\n${JSON.stringify(input)}\n${(error as Error).stack ?? ''}`,
    );
  }
}

describe('fuzz', () => {
  const fixtures = Object.values(allFixtures);
  const capabilities = { audio: [PCMU, PCMA, G722, OPUS, TELEPHONE_EVENT] };

  it('receiveOffer never crashes on 3000 mutated offers', () => {
    let answered = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const random = prng(seed);
      const input = mutate(fixtures[seed % fixtures.length] as string, random);
      const srtp = (['off', 'optional', 'mandatory'] as const)[seed % 3] ?? 'off';
      const session = new MediaSession({
        transport: localTransport,
        capabilities,
        srtp: { mode: srtp },
        randomBytes: fakeRandomBytes(seed),
      });
      if (expectSafe(() => session.receiveOffer(input), seed, input)) answered++;
    }
    // The mutations must leave enough offers valid to reach the negotiation code.
    assert.ok(answered > 600, `only ${answered} mutated offers were answered`);
  });

  it('receiveAnswer never crashes on 1500 mutated answers, and the state stays usable', () => {
    let applied = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const random = prng(seed * 7919);
      const srtp = (['off', 'optional', 'mandatory'] as const)[seed % 3] ?? 'off';
      const alice = new MediaSession({
        transport: localTransport,
        srtp: { mode: srtp },
        randomBytes: fakeRandomBytes(seed),
      });
      const bob = new MediaSession({
        transport: peerTransport,
        srtp: { mode: srtp },
        randomBytes: fakeRandomBytes(seed + 1),
      });
      const answer = bob.receiveOffer(alice.createOffer({ video: seed % 2 === 0 }));
      const input = mutate(answer, random);
      const ok = expectSafe(
        () => {
          alice.receiveAnswer(input);
          return alice.createReoffer({ hold: seed % 4 === 0 });
        },
        seed,
        input,
      );
      if (ok) applied++;
    }
    assert.ok(applied > 300, `only ${applied} mutated answers were applied`);
  });

  it('every prefix of every fixture is handled (split at every offset)', () => {
    for (const fixture of fixtures) {
      for (let offset = 0; offset <= fixture.length; offset += 3) {
        const input = fixture.slice(0, offset);
        const session = new MediaSession({ transport: localTransport, capabilities });
        expectSafe(() => session.receiveOffer(input), offset, input);
      }
    }
  });
});
