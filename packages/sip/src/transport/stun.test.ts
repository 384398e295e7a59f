/**
 * The STUN codec (RFC 5389) against the RFC 5769 test vectors, round trips for IPv4 and IPv6,
 * the RFC 5626 §8 / RFC 7983 demultiplexing check, and malformed input: every truncation of a
 * valid message, bad lengths, overrunning attributes, wrong address families, a broken
 * FINGERPRINT, and seeded mutations. Every rejection is a StunParseError with its `code`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToIp, ipToBytes } from './ip-bytes.ts';
import {
  MAX_STUN_BYTES,
  STUN_BINDING,
  StunAttribute,
  StunErrorCode,
  StunParseError,
  createBindingRequest,
  createBindingSuccess,
  createStunErrorResponse,
  isStunPacket,
  parseStunMessage,
} from './stun.ts';
import { seededRandom } from '@talkbus/testing';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const TRANSACTION_ID = hex('b7e7a701 bc34d686 fa87dfae');

/** RFC 5769 §2.1: a request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT. */
const RFC5769_REQUEST = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);
/** RFC 5769 §2.2: IPv4 success response, 192.0.2.1:32853. */
const RFC5769_IPV4 = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);
/** RFC 5769 §2.3: IPv6 success response, [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
const RFC5769_IPV6 = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);

function rejects(data: Buffer, code: string): void {
  assert.throws(
    () => parseStunMessage(data),
    (error: unknown) => error instanceof StunParseError && error.code === code,
    `expected ${code}`,
  );
}

describe('STUN codec: RFC 5769 test vectors', () => {
  it('§2.1 request: Binding request, FINGERPRINT checked, PRIORITY and ICE-CONTROLLED flagged as unknown', () => {
    const message = parseStunMessage(RFC5769_REQUEST);
    assert.equal(message.class, 'request');
    assert.equal(message.method, STUN_BINDING);
    assert.deepEqual(message.transactionId, TRANSACTION_ID);
    assert.equal(message.software, 'STUN test client');
    assert.equal(message.fingerprint, true);
    // PRIORITY (0x0024) is comprehension-required and not ours; ICE-CONTROLLED (0x8029) is optional;
    // USERNAME is RFC 5389's own and ignored (no authentication in this usage).
    assert.deepEqual(message.unknownRequired, [0x0024]);
  });

  it('§2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const message = parseStunMessage(RFC5769_IPV4);
    assert.equal(message.class, 'success');
    assert.deepEqual(message.xorMappedAddress, { family: 4, address: '192.0.2.1', port: 32853 });
    assert.equal(message.software, 'test vector');
    assert.equal(message.fingerprint, true);
  });

  it('§2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const message = parseStunMessage(RFC5769_IPV6);
    assert.deepEqual(message.xorMappedAddress, {
      family: 6,
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });
});

describe('STUN codec: encoding', () => {
  it('a Binding request is a bare 20-byte header (RFC 5626 §8: no attributes needed)', () => {
    const request = createBindingRequest(TRANSACTION_ID);
    assert.equal(request.toString('hex'), '000100002112a442b7e7a701bc34d686fa87dfae');
    assert.equal(isStunPacket(request), true);
    const withFingerprint = parseStunMessage(createBindingRequest(TRANSACTION_ID, { fingerprint: true }));
    assert.equal(withFingerprint.fingerprint, true);
  });

  for (const [address, port] of [
    ['127.0.0.1', 5060],
    ['192.0.2.1', 32853],
    ['255.255.255.255', 65535],
    ['::1', 5060],
    ['2001:db8:1234:5678:11:2233:4455:6677', 32853],
    ['fe80::1', 1],
  ] as const) {
    it(`success round trip: ${address}:${port}, with and without FINGERPRINT and SOFTWARE`, () => {
      for (const options of [{}, { fingerprint: true }, { fingerprint: true, software: 'talkbus' }]) {
        const bytes = createBindingSuccess(TRANSACTION_ID, { address, port }, options);
        const message = parseStunMessage(bytes);
        assert.equal(message.class, 'success');
        assert.equal(message.method, STUN_BINDING);
        assert.deepEqual(message.transactionId, TRANSACTION_ID);
        assert.deepEqual(message.xorMappedAddress, { family: address.includes(':') ? 6 : 4, address, port });
        assert.equal(message.fingerprint, options.fingerprint === true);
      }
    });
  }

  it('reproduces the RFC 5769 §2.2 XOR-MAPPED-ADDRESS bytes', () => {
    const bytes = createBindingSuccess(TRANSACTION_ID, { address: '192.0.2.1', port: 32853 });
    assert.equal(bytes.subarray(20).toString('hex'), '002000080001a147e112a643');
  });

  it('error responses carry ERROR-CODE and UNKNOWN-ATTRIBUTES', () => {
    const bytes = createStunErrorResponse(
      STUN_BINDING,
      TRANSACTION_ID,
      { code: 420, reason: 'Unknown Attribute' },
      [0x0024, 0x7777],
    );
    const message = parseStunMessage(bytes);
    assert.equal(message.class, 'error');
    assert.deepEqual(message.error, { code: 420, reason: 'Unknown Attribute' });
    assert.deepEqual(message.unknownRequired, []);
  });

  it('MAPPED-ADDRESS (RFC 3489 style) is read as the fallback', () => {
    const value = hex('0001 13c4 7f000001'); // 127.0.0.1:5060, not XOR-ed
    const bytes = Buffer.concat([hex('0101000c 2112a442'), TRANSACTION_ID, hex('00010008'), value]);
    assert.deepEqual(parseStunMessage(bytes).mappedAddress, { family: 4, address: '127.0.0.1', port: 5060 });
  });
});

describe('STUN codec: demultiplexing (RFC 5626 §8, RFC 7983)', () => {
  it('tells STUN from SIP, CRLF keep-alives and RFC 3489 packets', () => {
    assert.equal(isStunPacket(RFC5769_IPV4), true);
    assert.equal(isStunPacket(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP x\r\n\r\n')), false);
    assert.equal(isStunPacket(Buffer.from('SIP/2.0 200 OK\r\n\r\n')), false);
    assert.equal(isStunPacket(Buffer.from('\r\n\r\n')), false);
    const classic = Buffer.from(RFC5769_IPV4);
    classic.writeUInt32BE(0x01020304, 4); // no magic cookie: RFC 3489
    assert.equal(isStunPacket(classic), false);
    const highBits = Buffer.from(RFC5769_IPV4);
    highBits[0] = 0x41; // 'A'
    assert.equal(isStunPacket(highBits), false);
    assert.equal(isStunPacket(RFC5769_IPV4.subarray(0, 19)), false);
  });
});

describe('STUN codec: malformed input', () => {
  it('every truncation of every vector is rejected with a code, never another error', () => {
    for (const vector of [RFC5769_REQUEST, RFC5769_IPV4, RFC5769_IPV6]) {
      for (let cut = 0; cut < vector.length; cut++) {
        const prefix = vector.subarray(0, cut);
        assert.throws(
          () => parseStunMessage(prefix),
          (error: unknown) =>
            error instanceof StunParseError &&
            (error.code === StunErrorCode.Truncated || error.code === StunErrorCode.NotStun),
          `cut at ${cut}`,
        );
      }
    }
  });

  it('a length that is not a multiple of 4, or bytes after the attributes', () => {
    const odd = Buffer.from(RFC5769_IPV4);
    odd.writeUInt16BE(0x3d, 2);
    rejects(odd, StunErrorCode.InvalidLength);
    rejects(Buffer.concat([createBindingRequest(TRANSACTION_ID), Buffer.alloc(4)]), StunErrorCode.InvalidLength);
  });

  it('an attribute whose length overruns the message, or whose header is cut', () => {
    const overrun = Buffer.concat([hex('00010008 2112a442'), TRANSACTION_ID, hex('80220010 41414141')]);
    rejects(overrun, StunErrorCode.InvalidAttribute);
    // An attribute with a valid header but its padding past the end.
    const padding = Buffer.concat([hex('00010008 2112a442'), TRANSACTION_ID, hex('80220005 41414141')]);
    rejects(padding, StunErrorCode.InvalidAttribute);
  });

  it('address attributes with an unknown family or the wrong length', () => {
    const family3 = Buffer.concat([hex('0101000c 2112a442'), TRANSACTION_ID, hex('00200008 0003a147 e112a643')]);
    rejects(family3, StunErrorCode.InvalidAddress);
    const shortV6 = Buffer.concat([hex('0101000c 2112a442'), TRANSACTION_ID, hex('00200008 0002a147 e112a643')]);
    rejects(shortV6, StunErrorCode.InvalidAddress);
    const empty = Buffer.concat([hex('01010004 2112a442'), TRANSACTION_ID, hex('00200000')]);
    rejects(empty, StunErrorCode.InvalidAddress);
  });

  it('a FINGERPRINT that does not match, of the wrong size, or not last', () => {
    const flipped = Buffer.from(RFC5769_IPV4);
    flipped[30] = flipped[30]! ^ 0x01; // one bit of SOFTWARE
    rejects(flipped, StunErrorCode.FingerprintMismatch);
    const notLast = Buffer.concat([createBindingRequest(TRANSACTION_ID, { fingerprint: true }), hex('80220000')]);
    notLast.writeUInt16BE(notLast.length - 20, 2);
    rejects(notLast, StunErrorCode.InvalidAttribute);
    const wrongSize = Buffer.concat([hex('00010008 2112a442'), TRANSACTION_ID, hex('80280002 00000000')]);
    rejects(wrongSize, StunErrorCode.InvalidAttribute);
  });

  it('an ERROR-CODE outside 300..699', () => {
    const bytes = Buffer.concat([hex('01110008 2112a442'), TRANSACTION_ID, hex('00090004 00000263')]);
    rejects(bytes, StunErrorCode.InvalidAttribute);
  });

  it('oversized datagrams and non-STUN bytes', () => {
    rejects(Buffer.alloc(MAX_STUN_BYTES + 4), StunErrorCode.TooLarge);
    rejects(Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\n\r\n'), StunErrorCode.NotStun);
  });

  it('seeded mutations of valid messages: a message or a StunParseError, nothing else', () => {
    const next = seededRandom(0x5747);
    const vectors = [
      RFC5769_REQUEST,
      RFC5769_IPV4,
      RFC5769_IPV6,
      createBindingSuccess(TRANSACTION_ID, { address: '::1', port: 5060 }, { fingerprint: true }),
      createStunErrorResponse(STUN_BINDING, TRANSACTION_ID, { code: 420, reason: 'x' }, [1, 2, 3]),
    ];
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.from(vectors[i % vectors.length]!);
      const flips = 1 + Math.floor(next() * 4);
      for (let f = 0; f < flips; f++) {
        // Keep the cookie in place half of the time so the attribute loop is what gets exercised.
        const at = 20 * (next() < 0.5 ? 1 : 0) + Math.floor(next() * (bytes.length - 20));
        bytes[at] = Math.floor(next() * 256);
      }
      const cut = next() < 0.2 ? Math.floor(next() * bytes.length) : bytes.length;
      try {
        parseStunMessage(bytes.subarray(0, cut));
        parsed++;
      } catch (error) {
        assert.ok(error instanceof StunParseError, `case ${i}: ${String(error)}`);
      }
    }
    assert.ok(parsed > 0, 'some mutations still parse');
  });

  it('attribute types are reported once each and bounded', () => {
    const attributes = Array.from({ length: 40 }, (_, i) => hex(`${(0x7000 + i).toString(16)}0000`));
    const body = Buffer.concat(attributes);
    const header = Buffer.concat([hex('0001'), Buffer.from([body.length >> 8, body.length & 0xff]), hex('2112a442')]);
    const message = parseStunMessage(Buffer.concat([header, TRANSACTION_ID, body]));
    assert.equal(message.unknownRequired.length, 16);
    assert.equal(StunAttribute.XorMappedAddress, 0x0020);
  });
});

describe('ip-bytes', () => {
  it('IPv6 text in RFC 5952 form', () => {
    const cases: Array<[string, string]> = [
      ['::1', '::1'],
      ['::', '::'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['fe80::1%eth0', 'fe80::1'],
      ['[2001:db8::1]', '2001:db8::1'],
    ];
    for (const [input, output] of cases) assert.equal(bytesToIp(ipToBytes(input)!), output, input);
  });

  it('IPv4, and names are not addresses', () => {
    assert.deepEqual([...ipToBytes('192.0.2.1')!], [192, 0, 2, 1]);
    assert.equal(ipToBytes('example.com'), undefined);
    assert.equal(ipToBytes('1.2.3'), undefined);
  });
});
