import type { ScheduledRtpPacket } from './telephone-event.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { telephoneEventCode } from './dtmf-keys.ts';
import { RtpParseError } from './errors.ts';
import { randomBytes, seededRandom } from '@talkbus/testing';
import { TelephoneEventReceiver } from './telephone-event-receiver.ts';
import { TelephoneEventSender } from './telephone-event.ts';

const sender = new TelephoneEventSender({ payloadType: 101, ssrc: 1 });

function press(key: string, durationMs: number, timestamp: number, startMs: number): ScheduledRtpPacket[] {
  return sender.press({ event: telephoneEventCode(key), durationMs, timestamp, sequenceNumber: 0, startMs });
}

function run(receiver: TelephoneEventReceiver, packets: ScheduledRtpPacket[]) {
  return packets.flatMap(({ packet, sendAtMs }) => receiver.receive(packet, sendAtMs + 30));
}

const ends = (reports: ReturnType<typeof run>) =>
  reports
    .filter((report) => report.kind === 'end')
    .map((report) => [report.key, report.duration, report.startLost, report.endLost]);

describe('TelephoneEventReceiver', () => {
  it('reports start once and end once, dropping the retransmitted end packets', () => {
    const receiver = new TelephoneEventReceiver();
    const reports = run(receiver, press('7', 120, 8000, 0));
    assert.deepEqual(
      reports.map((report) => [report.kind, report.key, report.timestamp, report.duration]),
      [
        ['start', '7', 8000, 160],
        ['end', '7', 8000, 960],
      ],
    );
    assert.equal(reports[1]!.durationMs, 120);
    assert.equal(reports[1]!.startLost, false);
    assert.equal(receiver.active, false);
  });

  it('reports an event whose start packets were all lost, with its full duration', () => {
    const receiver = new TelephoneEventReceiver();
    const packets = press('#', 100, 1600, 0);
    const onlyEnds = packets.filter(({ packet }) => (packet.payload[1]! & 0x80) !== 0);
    assert.equal(onlyEnds.length, 3);
    const reports = run(receiver, onlyEnds);
    assert.deepEqual(
      reports.map((report) => [report.kind, report.key, report.duration, report.startLost]),
      [['end', '#', 800, true]],
    );
  });

  it('reports an event whose first packets were lost but updates came (startLost)', () => {
    const receiver = new TelephoneEventReceiver();
    const reports = run(receiver, press('1', 100, 0, 0).slice(2));
    assert.deepEqual(ends(reports), [['1', 800, true, false]]);
  });

  it('closes an event whose end packets were lost when the next event starts', () => {
    const receiver = new TelephoneEventReceiver();
    const first = press('1', 100, 0, 0).slice(0, 3); // no end packets
    const second = press('2', 60, 2400, 300);
    const reports = run(receiver, [...first, ...second]);
    assert.deepEqual(ends(reports), [
      ['1', 480, false, true],
      ['2', 480, false, false],
    ]);
  });

  it('closes an event whose end packets were lost after the timeout (poll)', () => {
    const receiver = new TelephoneEventReceiver({ timeoutMs: 200 });
    run(receiver, press('9', 100, 0, 0).slice(0, 2)); // last packet at 20 + 30 = 50 ms
    assert.deepEqual(receiver.poll(200), []);
    assert.deepEqual(
      receiver.poll(250).map((report) => [report.kind, report.key, report.duration, report.endLost]),
      [['end', '9', 320, true]],
    );
    assert.deepEqual(receiver.poll(1000), []);
  });

  it('ignores duplicates, reordering and late packets of ended events', () => {
    const receiver = new TelephoneEventReceiver();
    const packets = press('4', 100, 800, 0);
    const shuffled = [
      packets[1]!,
      packets[0]!,
      packets[3]!,
      packets[2]!,
      packets[4]!,
      packets[0]!,
      packets[5]!,
      packets[6]!,
      packets[4]!,
    ];
    const reports = run(receiver, shuffled);
    assert.deepEqual(ends(reports), [['4', 800, false, false]]);
    // A packet of an older event after a newer one ended.
    run(receiver, press('5', 40, 4000, 400));
    assert.deepEqual(run(receiver, press('3', 40, 100, 500)), []);
  });

  it('reports the same key pressed twice as two events', () => {
    const receiver = new TelephoneEventReceiver();
    const reports = run(receiver, [...press('0', 60, 0, 0), ...press('0', 60, 1600, 200)]);
    assert.deepEqual(ends(reports), [
      ['0', 480, false, false],
      ['0', 480, false, false],
    ]);
  });

  it('joins the segments of a long event (§2.5.1.3) into one', () => {
    const receiver = new TelephoneEventReceiver();
    const reports = run(receiver, sender.press({ event: 16, durationMs: 9000, timestamp: 0, sequenceNumber: 0 }));
    assert.deepEqual(
      reports.map((report) => [report.kind, report.event, report.key, report.duration]),
      [
        ['start', 16, undefined, 160],
        ['end', 16, undefined, 72000],
      ],
    );
  });

  it('never throws anything but RtpParseError on random packets, and reports sane durations (seeded fuzz)', () => {
    const random = seededRandom(4733);
    const receiver = new TelephoneEventReceiver({ timeoutMs: 100 });
    const ended = new Set<number>();
    for (let step = 0; step < 20_000; step++) {
      const timestamp = Math.floor(random() * 8) * 1000; // few distinct events, revisited often
      try {
        const reports = [
          ...receiver.receive(
            { timestamp, payload: randomBytes(random, Math.floor(random() * 6)), marker: random() < 0.2 },
            step,
          ),
          ...receiver.poll(step),
        ];
        for (const report of reports) {
          if (report.kind !== 'end') continue;
          assert.ok(report.duration >= 0 && report.duration <= 0xffff);
          ended.add(report.timestamp);
        }
      } catch (error) {
        assert.ok(error instanceof RtpParseError, String(error));
      }
    }
    assert.ok(ended.size > 0);
  });

  it('throws RtpParseError on a short payload', () => {
    assert.throws(() => new TelephoneEventReceiver().receive({ timestamp: 0, payload: Buffer.alloc(3) }, 0), {
      name: 'RtpParseError',
      code: 'BAD_TELEPHONE_EVENT',
    });
  });
});
