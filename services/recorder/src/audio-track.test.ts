/**
 * The audio track places packets by RTP timestamp (RFC 3550 §5.1) so a recording keeps true
 * timing: lost packets and gaps are silence of the right length, a late packet is dropped, a new
 * SSRC or a timestamp jump starts a new anchor, sequence gaps count as lost (RFC 3550 A.3).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AudioTrack, REANCHOR_SAMPLES } from './audio-track.ts';

/** A 160-sample frame filled with `value`. */
const frame = (value: number) => new Int16Array(160).fill(value);

/** Reads `count` samples out of a track. */
function read(track: AudioTrack, count: number): Int32Array {
  const sum = new Int32Array(count);
  track.mixInto(sum, count);
  return sum;
}

describe('AudioTrack', () => {
  test('packets land at anchor + timestamp distance; a lost packet leaves 20 ms of silence', () => {
    const track = new AudioTrack();
    track.push({ ssrc: 1, sequenceNumber: 10, timestamp: 1000, samples: frame(1) }, 80);
    // seq 11 lost; seq 12 arrives a little late (jitter) but lands by its timestamp.
    track.push({ ssrc: 1, sequenceNumber: 12, timestamp: 1320, samples: frame(3) }, 80 + 330);
    const out = read(track, 80 + 480);
    assert.deepEqual([out[79], out[80], out[239], out[240], out[399], out[400], out[559]], [0, 1, 1, 0, 0, 3, 3]);
    assert.deepEqual(track.stats, { received: 2, lost: 1, late: 0, reanchors: 0 });
  });

  test('a packet whose place was written already is late and dropped; part of one is kept', () => {
    const track = new AudioTrack();
    track.push({ ssrc: 1, sequenceNumber: 1, timestamp: 0, samples: frame(1) }, 0);
    read(track, 400);
    track.push({ ssrc: 1, sequenceNumber: 2, timestamp: 160, samples: frame(2) }, 420);
    track.push({ ssrc: 1, sequenceNumber: 3, timestamp: 320, samples: frame(3) }, 420);
    const out = read(track, 100);
    assert.equal(out[0], 3, 'the rest of frame 3 after the read position');
    assert.equal(out[80], 0);
    assert.equal(track.stats.late, 1);
  });

  test('a new SSRC or a timestamp far from the arrival starts a new anchor at the arrival', () => {
    const track = new AudioTrack();
    track.push({ ssrc: 1, sequenceNumber: 1, timestamp: 0, samples: frame(1) }, 0);
    track.push({ ssrc: 2, sequenceNumber: 500, timestamp: 99_999, samples: frame(2) }, 800);
    track.push(
      { ssrc: 2, sequenceNumber: 501, timestamp: 99_999 + 160 + 10 * REANCHOR_SAMPLES, samples: frame(3) },
      960,
    );
    const out = read(track, 1200);
    assert.deepEqual([out[0], out[800], out[960], out[1119], out[1120]], [1, 2, 3, 3, 0]);
    assert.equal(track.stats.reanchors, 2);
    assert.equal(track.stats.lost, 0);
  });

  test('timestamps wrap around 2^32 without a jump', () => {
    const track = new AudioTrack();
    track.push({ ssrc: 7, sequenceNumber: 65535, timestamp: 0xffffff60, samples: frame(1) }, 0);
    track.push({ ssrc: 7, sequenceNumber: 0, timestamp: 0, samples: frame(2) }, 160);
    const out = read(track, 320);
    assert.deepEqual([out[159], out[160], out[319]], [1, 2, 2]);
    assert.deepEqual(track.stats, { received: 2, lost: 0, late: 0, reanchors: 0 });
  });

  test('startAt skips the timeline: a track joining a running recording starts silent', () => {
    const track = new AudioTrack();
    track.startAt(8000);
    track.push({ ssrc: 1, sequenceNumber: 1, timestamp: 0, samples: frame(4) }, 8100);
    const out = read(track, 260);
    assert.deepEqual([out[99], out[100], out[259]], [0, 4, 4]);
  });
});
