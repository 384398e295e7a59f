import type { RtcpPacket } from './rtcp.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpParseError } from './errors.ts';
import { ntpFromUnixMs, ntpMiddle32, unixMsFromNtp } from './ntp-time.ts';
import { parseRtcpCompound, SdesItemType, serializeRtcpCompound } from './rtcp.ts';
import { randomBytes, seededRandom } from '@talkbus/testing';

const BLOCK = {
  ssrc: 0x11223344,
  fractionLost: 64,
  cumulativeLost: -5,
  highestSequence: 0x0001_0005,
  jitter: 42,
  lastSenderReport: 0xabcd1234,
  delaySinceLastSenderReport: 65536,
};

const COMPOUND: RtcpPacket[] = [
  {
    kind: 'sender-report',
    ssrc: 0xcafebabe,
    ntpSeconds: 0xe0000000,
    ntpFraction: 0x80000000,
    rtpTimestamp: 160_000,
    packetCount: 1000,
    octetCount: 160_000,
    reports: [BLOCK, { ...BLOCK, ssrc: 2, cumulativeLost: 0x7fffff }],
    extension: Buffer.alloc(0),
  },
  {
    kind: 'source-description',
    chunks: [
      { ssrc: 0xcafebabe, items: [{ type: SdesItemType.Cname, text: 'alice@talkbus.example' }] },
      {
        ssrc: 7,
        items: [
          { type: SdesItemType.Name, text: '张三' },
          { type: SdesItemType.Tool, text: 'talkbus' },
        ],
      },
      { ssrc: 8, items: [] },
    ],
  },
  { kind: 'goodbye', ssrcs: [0xcafebabe], reason: 'call ended' },
];

describe('RTCP', () => {
  it('round-trips a compound SR + SDES + BYE', () => {
    const bytes = serializeRtcpCompound(COMPOUND);
    assert.equal(bytes.length % 4, 0);
    assert.equal(bytes[1], 200);
    assert.deepEqual(parseRtcpCompound(bytes, { strict: true }), COMPOUND);
  });

  it('round-trips RR, BYE without reason, and unknown packet types', () => {
    const packets: RtcpPacket[] = [
      { kind: 'receiver-report', ssrc: 1, reports: [BLOCK], extension: Buffer.alloc(0) },
      { kind: 'goodbye', ssrcs: [1, 2, 3], reason: undefined },
      { kind: 'other', packetType: 205, count: 1, body: Buffer.from('0000000100000002', 'hex') },
      { kind: 'receiver-report', ssrc: 9, reports: [], extension: Buffer.alloc(0) },
    ];
    assert.deepEqual(parseRtcpCompound(serializeRtcpCompound(packets)), packets);
  });

  it('parses a byte fixture of an empty RR', () => {
    assert.deepEqual(parseRtcpCompound(Buffer.from('80c9000100000001', 'hex')), [
      { kind: 'receiver-report', ssrc: 1, reports: [], extension: Buffer.alloc(0) },
    ]);
  });

  it('pads a BYE reason to 32 bits with the P bit', () => {
    const bytes = serializeRtcpCompound([{ kind: 'goodbye', ssrcs: [1], reason: 'x' }]);
    assert.equal(bytes.length, 12);
    assert.equal(bytes[0]! & 0x20, 0x20);
    assert.equal(bytes[11], 2);
    assert.deepEqual(parseRtcpCompound(bytes), [{ kind: 'goodbye', ssrcs: [1], reason: 'x' }]);
  });

  it('rejects malformed packets with the right code', () => {
    const cases: [string, string, boolean?][] = [
      ['80c9', 'TRUNCATED'],
      ['40c9000100000001', 'BAD_VERSION'],
      ['80c9000200000001', 'BAD_RTCP_LENGTH'], // length says 12 octets, 8 present
      ['80c900010000000100', 'BAD_RTCP_LENGTH'], // trailing octet
      ['81c9000100000001', 'BAD_RTCP_BODY'], // one report block announced, none present
      ['80c8000100000001', 'BAD_RTCP_BODY'], // SR without sender info
      ['81ca000100000001', 'BAD_RTCP_BODY'], // SDES chunk without items terminator
      ['81ca00020000000101056162', 'BAD_RTCP_BODY'], // SDES item text runs past
      ['82cb000100000001', 'BAD_RTCP_BODY'], // BYE with 2 SSRCs, 1 present
      ['a0c9000100000000', 'BAD_PADDING'], // padding count 0
      ['a0c9000100000009', 'BAD_PADDING'], // padding 9 > body
      ['81ca000200000001000000', 'BAD_RTCP_LENGTH'],
      ['80cb000000000000', 'BAD_VERSION'], // an empty BYE, then a packet of version 0
      ['81cb00000000000080c9000100000001', 'BAD_COMPOUND', true], // BYE first
      ['a0c900020000000100000004' + '80c9000100000001', 'BAD_COMPOUND', true], // padding not on last
    ];
    for (const [hex, code, strict] of cases) {
      assert.throws(() => parseRtcpCompound(Buffer.from(hex, 'hex'), { strict }), { name: 'RtpParseError', code }, hex);
    }
  });

  it('fails cleanly on every truncation of the compound packet, except at packet boundaries', () => {
    const bytes = serializeRtcpCompound(COMPOUND);
    const boundaries = new Map<number, number>();
    COMPOUND.reduce((offset, packet, index) => {
      const end = offset + serializeRtcpCompound([packet]).length;
      boundaries.set(end, index + 1);
      return end;
    }, 0);
    for (let end = 0; end < bytes.length; end++) {
      const packets = boundaries.get(end);
      if (packets === undefined) {
        assert.throws(() => parseRtcpCompound(bytes.subarray(0, end)), RtpParseError, `cut at ${end}`);
      } else {
        assert.deepEqual(parseRtcpCompound(bytes.subarray(0, end)), COMPOUND.slice(0, packets));
      }
    }
  });

  it('never throws anything but RtpParseError on random bytes (seeded fuzz)', () => {
    const random = seededRandom(0x3550);
    const valid = serializeRtcpCompound(COMPOUND);
    let parsed = 0;
    for (let round = 0; round < 20_000; round++) {
      let bytes: Buffer;
      if (random() < 0.5) {
        bytes = randomBytes(random, Math.floor(random() * 96));
        if (bytes.length > 4) {
          bytes[0] = 0x80 | (bytes[0]! & 0x3f);
          bytes[1] = 200 + Math.floor(random() * 6);
          bytes.writeUInt16BE(Math.floor(bytes.length / 4) - 1, 2);
        }
      } else {
        // Mutate a few octets of a valid compound packet.
        bytes = Buffer.from(valid);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
          bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        }
      }
      try {
        parseRtcpCompound(bytes, { strict: random() < 0.5 });
        parsed++;
      } catch (error) {
        assert.ok(error instanceof RtpParseError, String(error));
      }
    }
    assert.ok(parsed > 500, `only ${parsed} parsed`);
  });

  it('refuses counts over 31 and texts over 255 octets', () => {
    assert.throws(
      () => serializeRtcpCompound([{ kind: 'goodbye', ssrcs: new Array<number>(32).fill(1), reason: undefined }]),
      { name: 'RtpArgumentError', code: 'OUT_OF_RANGE' },
    );
    assert.throws(() => serializeRtcpCompound([{ kind: 'goodbye', ssrcs: [1], reason: 'x'.repeat(256) }]), {
      code: 'OUT_OF_RANGE',
    });
  });
});

describe('NTP time', () => {
  it('converts Unix ms to NTP and back, and takes the middle 32 bits', () => {
    const ntp = ntpFromUnixMs(1_700_000_000_500);
    assert.equal(ntp.seconds, (1_700_000_000 + 2_208_988_800) >>> 0);
    assert.equal(ntp.fraction, 0x80000000);
    assert.equal(unixMsFromNtp(ntp), 1_700_000_000_500);
    assert.equal(ntpMiddle32(ntp), (((ntp.seconds & 0xffff) << 16) | 0x8000) >>> 0);
  });
});
