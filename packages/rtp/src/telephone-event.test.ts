import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { telephoneEventCode } from './dtmf-keys.ts';
import { RtpParseError } from './errors.ts';
import { parseRtpPacket, serializeRtpPacket } from './rtp-packet.ts';
import { seededRandom, randomBytes } from '@talkbus/testing';
import { parseTelephoneEvent, serializeTelephoneEvent, TelephoneEventSender } from './telephone-event.ts';

const sender = new TelephoneEventSender({ payloadType: 101, ssrc: 0x1234 });

function summary(packets: ReturnType<TelephoneEventSender['press']>) {
  return packets.map(({ sendAtMs, packet }) => {
    const event = parseTelephoneEvent(packet.payload);
    return [sendAtMs, packet.sequenceNumber, packet.timestamp, packet.marker, event.end, event.duration];
  });
}

describe('RFC 4733 payload', () => {
  it('encodes and decodes a byte fixture', () => {
    // Event 5, E=1, volume 10, duration 800.
    const bytes = Buffer.from('058a0320', 'hex');
    assert.deepEqual(parseTelephoneEvent(bytes), { event: 5, end: true, volume: 10, duration: 800 });
    assert.deepEqual(serializeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }), bytes);
    // The R bit is ignored on receipt.
    assert.deepEqual(parseTelephoneEvent(Buffer.from('0b4a0000', 'hex')), {
      event: 11,
      end: false,
      volume: 10,
      duration: 0,
    });
  });

  it('rejects short payloads and out-of-range fields', () => {
    for (let length = 0; length < 4; length++) {
      assert.throws(() => parseTelephoneEvent(Buffer.alloc(length)), {
        name: 'RtpParseError',
        code: 'BAD_TELEPHONE_EVENT',
      });
    }
    assert.throws(() => serializeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }), {
      code: 'OUT_OF_RANGE',
    });
    assert.throws(() => serializeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 65536 }), {
      code: 'OUT_OF_RANGE',
    });
  });

  it('parses any 4+ octets and rejects shorter ones only with RtpParseError (seeded fuzz)', () => {
    const random = seededRandom(4733);
    for (let round = 0; round < 2000; round++) {
      const bytes = randomBytes(random, Math.floor(random() * 8));
      try {
        const event = parseTelephoneEvent(bytes);
        assert.ok(event.volume < 64 && event.duration < 65536);
      } catch (error) {
        assert.ok(error instanceof RtpParseError);
      }
    }
  });
});

describe('TelephoneEventSender', () => {
  it('sends a 100 ms key press: updates every 20 ms, then three end packets with one timestamp', () => {
    const packets = sender.press({
      event: telephoneEventCode('5'),
      durationMs: 100,
      timestamp: 16000,
      sequenceNumber: 500,
      startMs: 1000,
    });
    assert.deepEqual(summary(packets), [
      // sendAtMs, seq, timestamp, marker, E, duration
      [1000, 500, 16000, true, false, 160],
      [1020, 501, 16000, false, false, 320],
      [1040, 502, 16000, false, false, 480],
      [1060, 503, 16000, false, false, 640],
      [1080, 504, 16000, false, true, 800],
      [1100, 505, 16000, false, true, 800],
      [1120, 506, 16000, false, true, 800],
    ]);
    for (const { packet } of packets) {
      assert.equal(packet.payloadType, 101);
      assert.equal(packet.ssrc, 0x1234);
      assert.equal(parseTelephoneEvent(packet.payload).event, 5);
      assert.equal(parseTelephoneEvent(packet.payload).volume, 10);
      // Each serializes to a valid RTP packet.
      assert.equal(parseRtpPacket(serializeRtpPacket(packet)).payload.length, 4);
    }
  });

  it('handles durations that are not a multiple of the interval, and sequence/timestamp wrap', () => {
    const packets = sender.press({ event: 11, durationMs: 50, timestamp: 0xffffff00, sequenceNumber: 65534 });
    assert.deepEqual(summary(packets), [
      [0, 65534, 0xffffff00, true, false, 160],
      [20, 65535, 0xffffff00, false, false, 320],
      [40, 0, 0xffffff00, false, true, 400],
      [60, 1, 0xffffff00, false, true, 400],
      [80, 2, 0xffffff00, false, true, 400],
    ]);
  });

  it('marks the first end packet when the press is shorter than one interval', () => {
    const packets = sender.press({ event: 1, durationMs: 10, timestamp: 0, sequenceNumber: 0 });
    assert.deepEqual(summary(packets), [
      [0, 0, 0, true, true, 80],
      [20, 1, 0, false, true, 80],
      [40, 2, 0, false, true, 80],
    ]);
  });

  it('splits a press longer than 0xFFFF samples into segments (§2.5.1.3)', () => {
    const packets = sender.press({ event: 16, durationMs: 9000, timestamp: 1000, sequenceNumber: 0 });
    const rows = summary(packets);
    const segmentEnd = rows.findIndex((row) => row[5] === 0xffff);
    assert.ok(segmentEnd > 0);
    assert.equal(rows[segmentEnd]![4], false); // no E bit on the full segment
    const next = rows[segmentEnd + 1]!;
    assert.equal(next[2], 1000 + 0xffff);
    assert.equal(next[3], true);
    const last = rows.slice(-3);
    for (const row of last) assert.deepEqual(row.slice(2), [1000 + 0xffff, false, true, 72000 - 0xffff]);
    // Sequence numbers are consecutive throughout.
    rows.forEach((row, index) => assert.equal(row[1], index));
  });

  it('validates its options and presses', () => {
    assert.throws(() => new TelephoneEventSender({ payloadType: 128, ssrc: 0 }), {
      name: 'RtpArgumentError',
      code: 'OUT_OF_RANGE',
    });
    assert.throws(() => sender.press({ event: 1, durationMs: 0, timestamp: 0, sequenceNumber: 0 }), {
      code: 'OUT_OF_RANGE',
    });
    assert.throws(() => sender.press({ event: 256, durationMs: 100, timestamp: 0, sequenceNumber: 0 }), {
      code: 'OUT_OF_RANGE',
    });
  });
});
