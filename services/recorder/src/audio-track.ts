/**
 * One audio source of a recording (one side of one call), placed on the recording's timeline by
 * RTP timestamp so that timing stays true: a lost packet or a gap (hold, a source not there yet)
 * leaves silence of the right length, never a shorter file.
 *
 * The timeline is in samples at 8 kHz since the recording started. The first packet of a stream
 * is placed where it arrived (its *anchor*); later packets at `anchor + (timestamp − anchor's
 * timestamp)` (RFC 3550 §5.1: the timestamp counts sampling instants), into a ring the writer
 * reads a little behind real time ({@link AudioTrack.mixInto}). A packet whose place is more
 * than {@link REANCHOR_SAMPLES} away from its arrival (new SSRC, a timestamp jump after hold,
 * clocks drifting apart) starts a new anchor at its arrival.
 *
 * No I/O and no clock: arrival positions come in as arguments.
 */
import { SequenceExtender } from '@talkbus/rtp';

/** Samples the ring holds (about 2 s at 8 kHz): the most a packet may be ahead of the writer. */
export const RING_SAMPLES = 16_384;
/** Distance between a packet's timestamp place and its arrival that starts a new anchor: 200 ms. */
export const REANCHOR_SAMPLES = 1600;

/** What the track takes of a packet: RTP fields and the decoded samples. */
export interface TrackPacket {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  samples: Int16Array;
}

/** Counters of a track. */
export interface TrackStats {
  /** Packets placed (in whole or in part). */
  received: number;
  /** Packets the sequence numbers say never came (RFC 3550 A.3, per SSRC run). */
  lost: number;
  /** Packets that came after their place had been written (they are dropped). */
  late: number;
  /** New anchors after the first. */
  reanchors: number;
}

/** One source on a recording's timeline; see the file comment. */
export class AudioTrack {
  readonly #ring = new Int16Array(RING_SAMPLES);
  #anchor: { ssrc: number; timestamp: number; position: number } | undefined;
  /** The next sample the writer will read. */
  #readPosition = 0;
  readonly #sequence = new SequenceExtender();
  #firstSequence = 0;
  #highestSequence = 0;
  #runReceived = 0;
  #lostBefore = 0;
  readonly #stats: TrackStats = { received: 0, lost: 0, late: 0, reanchors: 0 };

  /**
   * Places a packet.
   *
   * @param packet its SSRC, sequence number, timestamp and samples (8 kHz mono)
   * @param arrival where on the timeline it arrived, in samples since the recording started
   */
  push(packet: TrackPacket, arrival: number): void {
    let anchor = this.#anchor;
    let position = anchor ? anchor.position + ((packet.timestamp - anchor.timestamp) | 0) : 0;
    if (!anchor || anchor.ssrc !== packet.ssrc || Math.abs(position - arrival) > REANCHOR_SAMPLES) {
      if (anchor) this.#stats.reanchors++;
      if (!anchor || anchor.ssrc !== packet.ssrc) this.#newRun(packet.sequenceNumber);
      anchor = { ssrc: packet.ssrc, timestamp: packet.timestamp, position: Math.max(arrival, this.#readPosition) };
      this.#anchor = anchor;
      position = anchor.position;
    }
    this.#count(packet.sequenceNumber);
    const samples = packet.samples;
    const skip = Math.max(0, this.#readPosition - position);
    if (skip >= samples.length) {
      this.#stats.late++;
      return;
    }
    this.#stats.received++;
    const end = Math.min(position + samples.length, this.#readPosition + RING_SAMPLES);
    for (let at = position + skip; at < end; at++) this.#ring[at % RING_SAMPLES] = samples[at - position]!;
  }

  /**
   * Adds `count` samples from the read position into `sum` (silence where nothing was placed),
   * clears them and moves on.
   */
  mixInto(sum: Int32Array, count: number): void {
    const ring = this.#ring;
    for (let index = 0; index < count; index++) {
      const slot = (this.#readPosition + index) % RING_SAMPLES;
      sum[index]! += ring[slot]!;
      ring[slot] = 0;
    }
    this.#readPosition += count;
  }

  /** Skips the timeline up to `position` without reading (a track joining a running recording). */
  startAt(position: number): void {
    this.#readPosition = Math.max(this.#readPosition, position);
  }

  /** The counters. */
  get stats(): TrackStats {
    return { ...this.#stats, lost: this.#lostBefore + this.#runLost() };
  }

  #newRun(sequenceNumber: number): void {
    this.#lostBefore += this.#runLost();
    this.#sequence.reset();
    this.#firstSequence = this.#sequence.extend(sequenceNumber);
    this.#highestSequence = this.#firstSequence;
    this.#runReceived = 0;
  }

  #count(sequenceNumber: number): void {
    const extended = this.#sequence.extend(sequenceNumber);
    if (extended > this.#highestSequence) this.#highestSequence = extended;
    this.#runReceived++;
  }

  #runLost(): number {
    if (this.#runReceived === 0) return 0;
    return Math.max(0, this.#highestSequence - this.#firstSequence + 1 - this.#runReceived);
  }
}
