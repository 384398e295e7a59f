import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SdpError, SdpErrorCode } from './errors.ts';
import { allFixtures, sdp } from './fixtures.ts';
import { originLine, parseSdp, writeSdp } from './parse.ts';

const minimal = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0'];

function rejects(text: unknown, code: string, detail?: RegExp): void {
  assert.throws(
    () => parseSdp(text as string),
    (error: unknown) => {
      assert.ok(error instanceof SdpError, `not an SdpError: ${String(error)}`);
      assert.equal(error.name, 'SdpError');
      assert.equal(error.code, code);
      assert.equal(error.status, 400);
      if (detail !== undefined) assert.match(error.message, detail);
      return true;
    },
  );
}

describe('parseSdp', () => {
  for (const [name, text] of Object.entries(allFixtures)) {
    it(`parses the ${name} fixture and writes it back parseable`, () => {
      const description = parseSdp(text);
      assert.ok(description.media.length >= 1);
      const again = parseSdp(writeSdp(description));
      assert.equal(again.media.length, description.media.length);
    });
  }

  it('accepts LF-only line ends', () => {
    assert.equal(parseSdp(minimal.join('\n')).media[0]?.port, 4000);
  });

  it('accepts c= at media level only (RFC 4566 §5.7)', () => {
    const text = sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.1');
    assert.equal(parseSdp(text).media[0]?.connection?.ip, '192.0.2.1');
  });

  it('accepts a port-0 m-line without any c=', () => {
    const text = sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 0 RTP/AVP 0');
    assert.equal(parseSdp(text).media[0]?.port, 0);
  });

  it('reads the verbatim o= line', () => {
    assert.equal(originLine(sdp(...minimal)), '- 1 1 IN IP4 192.0.2.1');
    assert.equal(originLine('v=0\r\n'), undefined);
  });

  const broken: Array<[string, unknown, RegExp]> = [
    ['a non-string body', 42, /not text/],
    ['an empty body', '', /v=0/],
    ['garbage', 'hello world\r\n', /v=0/],
    ['v=1', sdp('v=1', ...minimal.slice(1)), /v=0/],
    ['v= not first', sdp(minimal[1] as string, 'v=0', ...minimal.slice(2)), /v=0/],
    ['no o=', sdp('v=0', ...minimal.slice(2)), /o=/],
    ['o= with five fields', sdp('v=0', 'o=- 1 IN IP4 192.0.2.1', ...minimal.slice(2)), /o=/],
    ['o= with a non-numeric version', sdp('v=0', 'o=- 1 x IN IP4 192.0.2.1', ...minimal.slice(2)), /o=/],
    ['no c= for an active m-line', sdp(...minimal.filter((line) => !line.startsWith('c='))), /c=/],
    ['c= with IP7', sdp(...minimal.slice(0, 3), 'c=IN IP7 192.0.2.1', ...minimal.slice(4)), /IP4\/IP6/],
    [
      'c= IP4 with an IPv6 address',
      sdp(...minimal.slice(0, 3), 'c=IN IP4 2001:db8::1', ...minimal.slice(4)),
      /not IP4/,
    ],
    ['a port above 65535', sdp(...minimal.slice(0, 5), 'm=audio 70000 RTP/AVP 0'), /port/],
    ['payload type 128', sdp(...minimal.slice(0, 5), 'm=audio 4000 RTP/AVP 128'), /0\.\.127/],
    ['a non-numeric RTP format', sdp(...minimal.slice(0, 5), 'm=audio 4000 RTP/AVP PCMU'), /0\.\.127/],
    ['an m-line without formats', sdp(...minimal.slice(0, 5), 'm=audio 4000 RTP/AVP'), /format/],
    ['an m-line without a port', sdp(...minimal.slice(0, 5), 'm=audio RTP/AVP 0'), /m-line/],
    ['a=rtcp port 0', sdp(...minimal, 'a=rtcp:0'), /rtcp/],
    ['a=ptime 0', sdp(...minimal, 'a=ptime:0'), /ptime/],
    ['an rtpmap clock rate of 0', sdp(...minimal, 'a=rtpmap:0 PCMU/0'), /clock rate/],
  ];
  for (const [name, text, detail] of broken) {
    it(`refuses ${name} with 400 SDP_MALFORMED`, () => rejects(text, SdpErrorCode.Malformed, detail));
  }

  it('refuses a body over 64 KiB with SDP_TOO_LARGE', () => {
    rejects(
      sdp(...minimal, ...Array.from({ length: 3000 }, () => 'a=x-filler:0123456789abcdef')),
      SdpErrorCode.TooLarge,
    );
  });

  it('counts bytes, not characters, for the size limit', () => {
    const text = sdp(...minimal, `a=x-note:${'é'.repeat(100)}`);
    assert.doesNotThrow(() => parseSdp(text, { maxBytes: 400 }));
    assert.throws(() => parseSdp(text, { maxBytes: 250 }), { code: SdpErrorCode.TooLarge });
  });

  it('refuses more than 32 m-lines with SDP_TOO_MANY_MEDIA', () => {
    const media = Array.from({ length: 33 }, (_, index) => `m=audio ${4000 + 2 * index} RTP/AVP 0`);
    rejects(sdp(...minimal.slice(0, 5), ...media), SdpErrorCode.TooManyMedia);
    assert.equal(parseSdp(sdp(...minimal.slice(0, 5), ...media.slice(0, 32))).media.length, 32);
  });
});
