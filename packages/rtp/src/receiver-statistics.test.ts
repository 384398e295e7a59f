import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpReceiverStatistics } from './receiver-statistics.ts';
import { isNewerSequence, SequenceExtender, sequenceDelta } from './sequence-number.ts';

/** Feeds packets `first..first+count-1` (mod 2^16), 20 ms apart, skipping `lost`. */
function feed(stats: RtpReceiverStatistics, first: number, count: number, lost: Set<number> = new Set()): void {
  for (let index = 0; index < count; index++) {
    if (lost.has(index)) continue;
    stats.update({ sequenceNumber: (first + index) & 0xffff, timestamp: (index * 160) >>> 0 }, index * 20);
  }
}

describe('sequence numbers', () => {
  it('computes signed distances across the wrap', () => {
    assert.equal(sequenceDelta(1, 65535), 2);
    assert.equal(sequenceDelta(65535, 1), -2);
    assert.equal(sequenceDelta(5, 5), 0);
    assert.equal(isNewerSequence(0, 65535), true);
    assert.equal(isNewerSequence(65535, 0), false);
  });

  it('extends sequence numbers through wraps and reordering', () => {
    const extender = new SequenceExtender();
    const base = extender.extend(65534);
    assert.deepEqual(
      [65535, 0, 65533, 1, 2].map((seq) => extender.extend(seq) - base),
      [1, 2, -1, 3, 4],
    );
    assert.equal(extender.highest! - base, 4);
  });
});

describe('RtpReceiverStatistics (RFC 3550 A.1, A.3, A.8)', () => {
  it('counts no loss for an in-order stream and needs MIN_SEQUENTIAL packets first', () => {
    const stats = new RtpReceiverStatistics({ clockRate: 8000 });
    assert.equal(stats.update({ sequenceNumber: 100, timestamp: 0 }, 0), false); // probation
    assert.equal(stats.update({ sequenceNumber: 101, timestamp: 160 }, 20), true);
    for (let seq = 102; seq < 200; seq++)
      stats.update({ sequenceNumber: seq, timestamp: (seq - 100) * 160 }, (seq - 100) * 20);
    assert.equal(stats.expected, 99);
    assert.equal(stats.received, 99);
    assert.equal(stats.cumulativeLost, 0);
    assert.equal(stats.lossRatio, 0);
    assert.equal(stats.jitter, 0);
  });

  it('measures loss across a sequence wrap, and the interval fraction lost', () => {
    const stats = new RtpReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    const lost = new Set([10, 11, 12, 13, 14, 50, 51, 52, 53, 54]);
    feed(stats, 65500, 100, lost);
    assert.equal(stats.expected, 100);
    assert.equal(stats.extendedHighestSequence, 65536 + ((65500 + 99) & 0xffff));
    assert.equal(stats.cumulativeLost, 10);
    assert.equal(stats.lossRatio, 0.1);
    const first = stats.createReportBlock(42, 2000);
    assert.equal(first.fractionLost, Math.floor((10 * 256) / 100));
    assert.equal(first.cumulativeLost, 10);
    assert.equal(first.highestSequence, stats.extendedHighestSequence);
    // Next interval: 20 more, none lost.
    for (let index = 100; index < 120; index++) {
      stats.update({ sequenceNumber: (65500 + index) & 0xffff, timestamp: index * 160 }, index * 20);
    }
    assert.equal(stats.createReportBlock(42, 2400).fractionLost, 0);
  });

  it('counts duplicates as received (negative loss) and ignores reordering', () => {
    const stats = new RtpReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    for (const seq of [1, 2, 4, 3, 5, 5, 6]) stats.update({ sequenceNumber: seq, timestamp: seq * 160 }, seq * 20);
    assert.equal(stats.expected, 6);
    assert.equal(stats.received, 7);
    assert.equal(stats.cumulativeLost, -1);
    assert.equal(stats.lossRatio, 0);
  });

  it('resynchronises after a large jump only when two sequential packets confirm it', () => {
    const stats = new RtpReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    feed(stats, 0, 10);
    assert.equal(stats.update({ sequenceNumber: 30_000, timestamp: 0 }, 300), false);
    assert.equal(stats.extendedHighestSequence, 9);
    assert.equal(stats.update({ sequenceNumber: 30_001, timestamp: 160 }, 320), true);
    assert.equal(stats.expected, 1);
    assert.equal(stats.received, 1);
  });

  it('estimates interarrival jitter (A.8) in timestamp units and ms', () => {
    const stats = new RtpReceiverStatistics({ clockRate: 8000, minSequential: 1 });
    // Packets sent every 20 ms; arrivals alternate 5 ms early and 5 ms late: |D| = 10 ms = 80.
    for (let index = 0; index < 400; index++) {
      const arrival = index * 20 + (index % 2 === 0 ? -5 : 5);
      stats.update({ sequenceNumber: index, timestamp: (0xfffff000 + index * 160) >>> 0 }, arrival); // wraps
    }
    assert.ok(Math.abs(stats.jitter - 80) < 0.5, `jitter ${stats.jitter}`);
    assert.ok(Math.abs(stats.jitterMs - 10) < 0.1);
    assert.equal(stats.createReportBlock(1, 8000).jitter, 79);
  });

  it('fills LSR and DLSR from the last sender report', () => {
    const stats = new RtpReceiverStatistics({ clockRate: 8000 });
    assert.equal(stats.createReportBlock(1, 0).lastSenderReport, 0);
    stats.receiveSenderReport(0x12345678, 1000);
    const block = stats.createReportBlock(1, 1500);
    assert.equal(block.lastSenderReport, 0x12345678);
    assert.equal(block.delaySinceLastSenderReport, 32768); // 0.5 s in 1/65536 s
  });
});
