import type { PlayoutFrame } from './jitter-buffer.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JitterBuffer } from './jitter-buffer.ts';
import { seededRandom } from '@talkbus/testing';

const SILENCE = Buffer.alloc(160, 0xff);

/** A packet whose payload names its sequence number (first two octets). */
function packet(sequenceNumber: number) {
  const payload = Buffer.alloc(160, 0x55);
  payload.writeUInt16BE(sequenceNumber & 0xffff, 0);
  return { sequenceNumber: sequenceNumber & 0xffff, timestamp: (sequenceNumber * 160) >>> 0, payload };
}

/** The sequence number a test payload names. */
const named = (payload: Uint8Array | undefined) => (payload![0]! << 8) | payload![1]!;

const played = (frame: PlayoutFrame) =>
  frame.status === 'packet' ? named(frame.payload) : frame.payload === SILENCE ? 'silence' : frame.status;

/**
 * Simulates a stream: packet i is sent at i·20 ms and arrives after `delay(i)` ms (undefined
 * = lost); the playout pops every 20 ms. Returns what was played, in order.
 */
function simulate(buffer: JitterBuffer, count: number, delay: (index: number) => number | undefined, first = 0) {
  const arrivals = [];
  for (let index = 0; index < count; index++) {
    const late = delay(index);
    if (late !== undefined) arrivals.push({ at: index * 20 + late, index });
  }
  arrivals.sort((left, right) => left.at - right.at);
  const output: (number | string)[] = [];
  let next = 0;
  for (let now = 0; now < count * 20 + 400; now += 20) {
    while (next < arrivals.length && arrivals[next]!.at <= now) {
      buffer.push(packet(first + arrivals[next]!.index), arrivals[next]!.at);
      next++;
    }
    output.push(played(buffer.pop()));
  }
  return output;
}

describe('JitterBuffer', () => {
  it('plays an in-order stream after the initial delay, without concealment', () => {
    const buffer = new JitterBuffer({ silencePayload: SILENCE });
    const output = simulate(buffer, 50, () => 5);
    const packets = output.filter((entry) => typeof entry === 'number');
    assert.deepEqual(
      packets,
      Array.from({ length: 50 }, (_, index) => index),
    );
    assert.equal(output.indexOf(0), 2, 'two frames (40 ms) of buffering first');
    assert.equal(buffer.stats.concealed, 1, 'only the underrun at the very end');
    assert.equal(buffer.stats.targetDelayMs, 40);
  });

  it('reorders packets by sequence number, across the 16-bit wrap', () => {
    const buffer = new JitterBuffer({ minDelayMs: 60, maxDelayMs: 60 });
    for (const index of [2, 0, 1, 4, 3, 5]) buffer.push(packet(65534 + index), index * 20);
    const output = [0, 1, 2, 3, 4, 5].map(() => played(buffer.pop()));
    assert.deepEqual(output, [65534, 65535, 0, 1, 2, 3]);
  });

  it('drops late and duplicate packets', () => {
    const buffer = new JitterBuffer({ minDelayMs: 20 });
    assert.equal(buffer.push(packet(10), 0), 'queued');
    assert.equal(buffer.push(packet(10), 1), 'duplicate');
    assert.equal(buffer.push(packet(11), 20), 'queued');
    assert.equal(played(buffer.pop()), 10);
    assert.equal(played(buffer.pop()), 11);
    assert.equal(buffer.push(packet(9), 40), 'late');
    assert.equal(buffer.push(packet(11), 40), 'late');
    assert.equal(buffer.stats.late, 2);
    assert.equal(buffer.stats.duplicate, 1);
  });

  it('takes an earlier packet before playout starts as the new start', () => {
    const buffer = new JitterBuffer({ minDelayMs: 60 });
    buffer.push(packet(5), 0);
    buffer.push(packet(4), 1);
    buffer.push(packet(6), 2);
    assert.deepEqual([played(buffer.pop()), played(buffer.pop()), played(buffer.pop())], [4, 5, 6]);
  });

  it('stays bounded: holds at most `capacity` packets, dropping the oldest', () => {
    const buffer = new JitterBuffer({ capacity: 10, maxDelayMs: 200 });
    const results = Array.from({ length: 30 }, (_, index) => buffer.push(packet(index), index));
    assert.equal(buffer.stats.buffered, 10);
    assert.equal(results.filter((result) => result === 'overflow').length, 20);
    assert.equal(buffer.stats.dropped, 20);
    assert.equal(played(buffer.pop()), 20);
  });

  it('conceals a lost packet by repeating, then with silence after maxRepeats', () => {
    const buffer = new JitterBuffer({ silencePayload: SILENCE, maxRepeats: 1 });
    const output = simulate(buffer, 12, (index) => (index >= 4 && index <= 6 ? undefined : 0));
    // 4 is missing when due: the buffer is empty (underrun), so it repeats 3 once, then gives
    // silence while it re-buffers; it resumes at 7, the oldest packet it holds.
    assert.deepEqual(output.slice(0, 11), ['silence', 0, 1, 2, 3, 'concealed', 'silence', 'silence', 7, 8, 9]);
    const repeat = new JitterBuffer({ maxRepeats: 2 });
    repeat.push(packet(0), 0);
    repeat.push(packet(1), 0);
    repeat.push(packet(3), 0);
    repeat.pop();
    assert.equal(named(repeat.pop().payload), 1);
    const concealed = repeat.pop();
    assert.deepEqual([concealed.status, concealed.sequenceNumber, named(concealed.payload)], ['concealed', 2, 1]);
  });

  it('conceals by silence when asked, re-buffers after an underrun, then shrinks the delay', () => {
    const buffer = new JitterBuffer({ concealment: 'silence', silencePayload: SILENCE });
    // Packets 10..14 are 100 ms late (a delay spike): the buffer underruns and waits for them
    // instead of dropping them; afterwards it holds too much and drops frames to catch up.
    const output = simulate(buffer, 60, (index) => (index >= 10 && index < 15 ? 100 : 0));
    const packets = output.filter((entry) => typeof entry === 'number');
    assert.ok(output.slice(11, 16).includes('silence'));
    for (let index = 10; index < 15; index++) assert.ok(packets.includes(index), `late packet ${index} played`);
    for (let index = 1; index < packets.length; index++)
      assert.ok((packets[index] as number) > (packets[index - 1] as number));
    assert.ok(buffer.stats.dropped >= 1 && buffer.stats.dropped <= 4, `dropped ${buffer.stats.dropped}`);
    assert.equal(buffer.stats.late, 0);
  });

  it('adapts the target delay to the measured jitter, within its bounds', () => {
    const random = seededRandom(8);
    const calm = new JitterBuffer();
    simulate(calm, 200, () => 10);
    assert.equal(calm.stats.targetDelayMs, 40);
    const jittery = new JitterBuffer({ maxDelayMs: 160 });
    const output = simulate(jittery, 500, () => Math.floor(random() * 80));
    assert.ok(jittery.stats.jitterMs > 15, `jitter ${jittery.stats.jitterMs}`);
    assert.ok(
      jittery.stats.targetDelayMs >= 60 && jittery.stats.targetDelayMs <= 160,
      `${jittery.stats.targetDelayMs}`,
    );
    const packets = output.filter((entry) => typeof entry === 'number');
    assert.ok(packets.length > 450, `played ${packets.length} of 500`);
    for (let index = 1; index < packets.length; index++)
      assert.ok((packets[index] as number) > (packets[index - 1] as number));
  });

  it('starts over after a sequence jump (a new stream)', () => {
    const buffer = new JitterBuffer({ minDelayMs: 20 });
    buffer.push(packet(100), 0);
    buffer.pop();
    assert.equal(buffer.push(packet(30_000), 20), 'reset');
    assert.equal(buffer.stats.resets, 1);
    assert.equal(played(buffer.pop()), 30_000);
  });

  it('works with no minimum delay (plays a packet as soon as it is there)', () => {
    const buffer = new JitterBuffer({ minDelayMs: 0, maxDelayMs: 0 });
    assert.equal(buffer.pop().status, 'buffering');
    buffer.push(packet(1), 0);
    assert.equal(played(buffer.pop()), 1);
    assert.equal(buffer.pop().status, 'concealed');
    assert.equal(buffer.pop().status, 'buffering');
  });

  it('stays bounded and consistent under random sequence numbers (seeded fuzz)', () => {
    const random = seededRandom(99);
    const buffer = new JitterBuffer({ capacity: 16, maxDelayMs: 100 });
    let base = 0;
    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      if (roll < 0.6) {
        const jump = roll < 0.01 ? Math.floor(random() * 65536) : Math.floor(random() * 40) - 10;
        buffer.push(packet(base + jump), step);
        if (roll < 0.3) base += 1;
      } else {
        const frame = buffer.pop();
        assert.ok(['packet', 'concealed', 'buffering'].includes(frame.status));
      }
      assert.ok(buffer.stats.buffered >= 0 && buffer.stats.buffered <= 16, `buffered ${buffer.stats.buffered}`);
    }
  });

  it('validates its options', () => {
    assert.throws(() => new JitterBuffer({ minDelayMs: 100, maxDelayMs: 50 }), {
      name: 'RtpArgumentError',
      code: 'OUT_OF_RANGE',
    });
    assert.throws(() => new JitterBuffer({ capacity: 1 }), { code: 'OUT_OF_RANGE' });
  });
});
