import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpParseError } from './errors.ts';
import { isRtcpPacket, parseRtpPacket, rtpPacketLength, serializeRtpPacket, writeRtpPacket } from './rtp-packet.ts';
import { randomBytes, seededRandom } from '@talkbus/testing';

// A PCMU packet: V=2, no P/X, CC=0, M=1, PT=0, seq 0x1234, ts 0xDEADBEEF, SSRC 0x01020304.
const FIXTURE = Buffer.from('8080 1234 deadbeef 01020304 fffefd'.replaceAll(' ', ''), 'hex');

describe('RTP packets', () => {
  it('parses a byte fixture', () => {
    const packet = parseRtpPacket(FIXTURE);
    assert.equal(packet.payloadType, 0);
    assert.equal(packet.marker, true);
    assert.equal(packet.sequenceNumber, 0x1234);
    assert.equal(packet.timestamp, 0xdeadbeef);
    assert.equal(packet.ssrc, 0x01020304);
    assert.deepEqual(packet.csrcs, []);
    assert.equal(packet.extension, undefined);
    assert.deepEqual([...packet.payload], [0xff, 0xfe, 0xfd]);
    assert.equal(packet.paddingLength, 0);
    assert.deepEqual(serializeRtpPacket(packet), FIXTURE);
  });

  it('round-trips CSRCs, a header extension, padding and the marker', () => {
    const init = {
      payloadType: 101,
      marker: true,
      sequenceNumber: 65535,
      timestamp: 0xffffffff,
      ssrc: 0xcafebabe,
      csrcs: [1, 0xffffffff, 3],
      extension: { profile: 0xbede, data: Buffer.from('10ff0000', 'hex') },
      payload: Buffer.from('hello'),
      paddingLength: 3,
    };
    const bytes = serializeRtpPacket(init);
    assert.equal(bytes.length, rtpPacketLength(init));
    assert.equal(bytes.length, 12 + 12 + 8 + 5 + 3);
    assert.equal(bytes[0], 0x80 | 0x20 | 0x10 | 3);
    assert.equal(bytes[bytes.length - 1], 3);
    const packet = parseRtpPacket(bytes);
    assert.deepEqual(
      { ...packet, payload: [...packet.payload], extension: undefined },
      {
        ...init,
        payload: [...init.payload],
        extension: undefined,
      },
    );
    assert.equal(packet.extension?.profile, 0xbede);
    assert.deepEqual(packet.extension?.data, init.extension.data);
  });

  it('writes into a caller buffer at an offset', () => {
    const target = Buffer.alloc(40, 0xaa);
    const written = writeRtpPacket(
      { payloadType: 8, sequenceNumber: 1, timestamp: 160, ssrc: 7, payload: Buffer.alloc(4, 0xd5) },
      target,
      5,
    );
    assert.equal(written, 16);
    assert.equal(target[4], 0xaa);
    assert.equal(parseRtpPacket(target.subarray(5, 21)).payloadType, 8);
    assert.throws(
      () =>
        writeRtpPacket({ payloadType: 8, sequenceNumber: 1, timestamp: 0, ssrc: 0, payload: Buffer.alloc(40) }, target),
      {
        name: 'RtpArgumentError',
        code: 'OUT_OF_RANGE',
      },
    );
  });

  it('refuses out-of-range fields with OUT_OF_RANGE', () => {
    const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) };
    for (const bad of [
      { payloadType: 128 },
      { sequenceNumber: 65536 },
      { timestamp: -1 },
      { ssrc: 2 ** 32 },
      { csrcs: new Array<number>(16).fill(0) },
      { paddingLength: 256 },
      { extension: { profile: 0, data: Buffer.alloc(3) } },
    ]) {
      assert.throws(() => serializeRtpPacket({ ...base, ...bad }), { name: 'RtpArgumentError', code: 'OUT_OF_RANGE' });
    }
  });

  it('rejects malformed packets with the right code', () => {
    const cases: [string, string][] = [
      ['80001234deadbeef010203', 'TRUNCATED'],
      ['40001234deadbeef01020304', 'BAD_VERSION'],
      ['82001234deadbeef0102030400000001', 'BAD_HEADER_LENGTH'], // CC=2, one CSRC present
      ['90001234deadbeef01020304bede', 'BAD_HEADER_LENGTH'], // X without a full extension header
      ['90001234deadbeef01020304bede0002aabbccdd', 'BAD_HEADER_LENGTH'], // 2 words, 1 present
      ['a0001234deadbeef01020304aa00', 'BAD_PADDING'], // padding count 0
      ['a0001234deadbeef0102030405', 'BAD_PADDING'], // padding 5 > 1 octet after header
    ];
    for (const [hex, code] of cases) {
      assert.throws(() => parseRtpPacket(Buffer.from(hex, 'hex')), { name: 'RtpParseError', code }, hex);
    }
  });

  it('fails cleanly on every truncation of a full packet', () => {
    const bytes = serializeRtpPacket({
      payloadType: 0,
      sequenceNumber: 9,
      timestamp: 9,
      ssrc: 9,
      csrcs: [5, 6],
      extension: { profile: 1, data: Buffer.alloc(8, 1) },
      payload: Buffer.alloc(0),
      paddingLength: 4,
    });
    for (let end = 0; end < bytes.length; end++) {
      try {
        parseRtpPacket(bytes.subarray(0, end));
      } catch (error) {
        assert.ok(error instanceof RtpParseError, `cut at ${end}: ${String(error)}`);
      }
    }
  });

  it('never throws anything but RtpParseError on random bytes (seeded fuzz)', () => {
    const random = seededRandom(3550);
    let parsed = 0;
    for (let round = 0; round < 20_000; round++) {
      const bytes = randomBytes(random, Math.floor(random() * 64));
      if (bytes.length > 0 && random() < 0.5) bytes[0] = 0x80 | (bytes[0]! & 0x3f); // valid version half the time
      try {
        const packet = parseRtpPacket(bytes);
        assert.ok(packet.payload.length + packet.paddingLength <= bytes.length);
        parsed++;
      } catch (error) {
        assert.ok(error instanceof RtpParseError, String(error));
      }
    }
    assert.ok(parsed > 1000, `only ${parsed} random packets parsed`);
  });

  it('tells RTCP from RTP on a shared port (RFC 5761 §4)', () => {
    assert.equal(isRtcpPacket(FIXTURE), false);
    assert.equal(isRtcpPacket(Buffer.from('80c80006', 'hex')), true);
    assert.equal(isRtcpPacket(Buffer.from('81c9', 'hex')), true);
    assert.equal(isRtcpPacket(Buffer.from('80', 'hex')), false);
  });
});
