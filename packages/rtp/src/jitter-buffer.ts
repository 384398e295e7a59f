/**
 * A small adaptive jitter buffer for one audio stream whose packets each hold one frame
 * (G.711 at a fixed ptime). Packets are pushed as they arrive; the media loop pops one frame
 * per frame interval. It reorders by (extended) sequence number, drops duplicates and packets
 * that arrive after their playout slot, holds at most `capacity` packets, conceals a missing
 * frame by repeating the previous one or by silence, and moves its playout delay between
 * `minDelayMs` and `maxDelayMs` following the RFC 3550 A.8 jitter estimate: it re-buffers up to
 * the target after an underrun and drops a frame now and then when it holds too many.
 *
 * Time comes in as arguments (arrival times in ms on the caller's clock; STYLE §5).
 */
import { checkRange, RtpArgumentError, RtpErrorCode } from './errors.ts';
import { SequenceExtender } from './sequence-number.ts';

/** Options of {@link JitterBuffer}; defaults in brackets. */
export interface JitterBufferOptions {
  /** RTP clock rate in Hz [8000]. */
  clockRate?: number;
  /** Frame (packet) duration in ms [20]. */
  frameMs?: number;
  /** Smallest playout delay in ms [40]. */
  minDelayMs?: number;
  /** Largest playout delay in ms [200]; at most `capacity × frameMs`. */
  maxDelayMs?: number;
  /** Most packets held [50]. */
  capacity?: number;
  /** How a missing frame is concealed ['repeat']. */
  concealment?: 'silence' | 'repeat';
  /** Consecutive repeats before falling back to silence [2]. */
  maxRepeats?: number;
  /** Payload returned for silence (e.g. 160 × 0xFF for µ-law); undefined if not given. */
  silencePayload?: Uint8Array;
}

/** The fields of an RTP packet the buffer reads. */
export interface JitterBufferPacket {
  /** 16-bit sequence number. */
  sequenceNumber: number;
  /** RTP timestamp, clock-rate units. */
  timestamp: number;
  /** The frame. Kept by reference: pass a copy if the Buffer is reused. */
  payload: Uint8Array;
}

/** What {@link JitterBuffer.push} did with a packet. */
export type JitterBufferPushResult = 'queued' | 'duplicate' | 'late' | 'overflow' | 'reset';

/** One frame out of {@link JitterBuffer.pop}. */
export interface PlayoutFrame {
  /** `packet`: the frame that was due; `concealed`: it was missing (payload is the repeat or
   * the silence payload); `buffering`: not playing yet (payload is the silence payload). */
  status: 'packet' | 'concealed' | 'buffering';
  /** The frame to play; undefined for silence without a `silencePayload`. */
  payload: Uint8Array | undefined;
  /** Sequence number of the frame's slot; undefined while buffering. */
  sequenceNumber: number | undefined;
}

/** Counters and state of a {@link JitterBuffer}. */
export interface JitterBufferStats {
  /** Packets accepted into the buffer. */
  queued: number;
  /** Frames played from packets. */
  played: number;
  /** Frames concealed (lost, late or underrun). */
  concealed: number;
  /** Packets dropped because their slot had already played. */
  late: number;
  /** Packets dropped as duplicates. */
  duplicate: number;
  /** Packets dropped to keep the buffer bounded, or to shorten the delay. */
  dropped: number;
  /** Times the buffer started over after a sequence jump. */
  resets: number;
  /** Packets held now. */
  buffered: number;
  /** Playout delay the buffer aims at, in ms. */
  targetDelayMs: number;
  /** Interarrival jitter estimate (RFC 3550 A.8), in ms. */
  jitterMs: number;
}

/** A jump (in packets) beyond which the stream is taken to have restarted. */
const RESET_JUMP = 1000;
/** Frames between two delay-shrinking drops. */
const SHRINK_INTERVAL = 10;

/** Adaptive jitter buffer; see the file comment. */
export class JitterBuffer {
  readonly #frameMs: number;
  readonly #samplesPerMs: number;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #capacity: number;
  readonly #repeat: boolean;
  readonly #maxRepeats: number;
  readonly #silence: Uint8Array | undefined;
  readonly #slots: (Uint8Array | undefined)[];
  readonly #slotSequence: Float64Array;
  readonly #extender = new SequenceExtender();
  #next: number | undefined;
  #count = 0;
  #playing = false;
  #lastPayload: Uint8Array | undefined;
  #repeats = 0;
  #sinceShrink = 0;
  #haveTransit = false;
  #lastArrival = 0;
  #lastTimestamp = 0;
  #jitter = 0;
  readonly #stats = { queued: 0, played: 0, concealed: 0, late: 0, duplicate: 0, dropped: 0, resets: 0 };

  /** @param options see {@link JitterBufferOptions} */
  constructor(options: JitterBufferOptions = {}) {
    const clockRate = options.clockRate ?? 8000;
    checkRange('clockRate', clockRate, 1, 1_000_000);
    this.#frameMs = options.frameMs ?? 20;
    checkRange('frameMs', this.#frameMs, 1, 1000);
    this.#samplesPerMs = clockRate / 1000;
    this.#capacity = options.capacity ?? 50;
    checkRange('capacity', this.#capacity, 2, 10_000);
    this.#minDelayMs = options.minDelayMs ?? 2 * this.#frameMs;
    this.#maxDelayMs = options.maxDelayMs ?? Math.min(200, this.#capacity * this.#frameMs);
    if (!(
      this.#minDelayMs >= 0 &&
      this.#minDelayMs <= this.#maxDelayMs &&
      this.#maxDelayMs <= this.#capacity * this.#frameMs
    )) {
      throw new RtpArgumentError(RtpErrorCode.OutOfRange, 'need 0 <= minDelayMs <= maxDelayMs <= capacity × frameMs');
    }
    this.#repeat = (options.concealment ?? 'repeat') === 'repeat';
    this.#maxRepeats = options.maxRepeats ?? 2;
    this.#silence = options.silencePayload;
    this.#slots = new Array<Uint8Array | undefined>(this.#capacity).fill(undefined);
    this.#slotSequence = new Float64Array(this.#capacity).fill(-1);
  }

  /** Playout delay the buffer currently aims at, in ms: 2 × jitter + 1 frame, clamped. */
  get targetDelayMs(): number {
    const wanted = 2 * this.jitterMs + this.#frameMs;
    return Math.min(this.#maxDelayMs, Math.max(this.#minDelayMs, Math.ceil(wanted / this.#frameMs) * this.#frameMs));
  }

  /** Interarrival jitter estimate in ms (RFC 3550 A.8). */
  get jitterMs(): number {
    return this.#jitter / this.#samplesPerMs;
  }

  /**
   * Takes one arrived packet.
   *
   * @param packet sequence number, timestamp, payload (one frame)
   * @param arrivalMs arrival time on the caller's clock, in ms
   */
  push(packet: JitterBufferPacket, arrivalMs: number): JitterBufferPushResult {
    const extended = this.#extender.extend(packet.sequenceNumber & 0xffff);
    this.#updateJitter(packet.timestamp >>> 0, arrivalMs);
    let result: JitterBufferPushResult = 'queued';
    if (this.#next === undefined) this.#next = extended;
    if (extended < this.#next) {
      // Before playout starts a reordered first packet just moves the start back.
      if (this.#playing || this.#extender.highest! - extended >= this.#capacity) {
        this.#stats.late++;
        return 'late';
      }
      this.#next = extended;
    }
    if (extended - this.#next >= RESET_JUMP) {
      this.#clear();
      this.#next = extended;
      this.#stats.resets++;
      result = 'reset';
    } else if (extended - this.#next >= this.#capacity) {
      // Bounded: give up the oldest slots so this packet fits.
      while (extended - this.#next >= this.#capacity) this.#discardNext();
      result = 'overflow';
    }
    const slot = extended % this.#capacity;
    if (this.#slotSequence[slot] === extended) {
      this.#stats.duplicate++;
      return 'duplicate';
    }
    this.#slots[slot] = packet.payload;
    this.#slotSequence[slot] = extended;
    this.#count++;
    this.#stats.queued++;
    return result;
  }

  /** Returns the frame due now. Call once per frame interval. */
  pop(): PlayoutFrame {
    const next = this.#next;
    if (!this.#playing) {
      if (next === undefined || this.#count === 0 || this.#count * this.#frameMs < this.targetDelayMs) {
        return { status: 'buffering', payload: this.#silence, sequenceNumber: undefined };
      }
      this.#playing = true;
      this.#sinceShrink = 0;
      // Resume at the oldest packet held: the slots before it were concealed during the underrun.
      while (this.#slotSequence[this.#next! % this.#capacity] !== this.#next) this.#next! += 1;
    }
    if (this.#count === 0) {
      // Underrun: conceal without moving on (the packet may only be late), and re-buffer.
      this.#playing = false;
      return this.#conceal(undefined);
    }
    // Too much delay: skip one frame every SHRINK_INTERVAL frames until back near the target.
    if (++this.#sinceShrink >= SHRINK_INTERVAL && (this.#count - 2) * this.#frameMs > this.targetDelayMs) {
      this.#sinceShrink = 0;
      this.#discardNext();
    }
    const sequence = this.#next!;
    const slot = sequence % this.#capacity;
    this.#next = sequence + 1;
    if (this.#slotSequence[slot] !== sequence) return this.#conceal(sequence & 0xffff);
    const payload = this.#slots[slot]!;
    this.#slots[slot] = undefined;
    this.#slotSequence[slot] = -1;
    this.#count--;
    this.#lastPayload = payload;
    this.#repeats = 0;
    this.#stats.played++;
    return { status: 'packet', payload, sequenceNumber: sequence & 0xffff };
  }

  /** Counters and current state. */
  get stats(): JitterBufferStats {
    return { ...this.#stats, buffered: this.#count, targetDelayMs: this.targetDelayMs, jitterMs: this.jitterMs };
  }

  /** Empties the buffer and forgets the stream (e.g. on a new SSRC). Counters are kept. */
  reset(): void {
    this.#clear();
    this.#next = undefined;
    this.#extender.reset();
    this.#haveTransit = false;
    this.#jitter = 0;
  }

  #clear(): void {
    this.#slots.fill(undefined);
    this.#slotSequence.fill(-1);
    this.#count = 0;
    this.#playing = false;
    this.#lastPayload = undefined;
  }

  #discardNext(): void {
    const slot = this.#next! % this.#capacity;
    if (this.#slotSequence[slot] === this.#next) {
      this.#slots[slot] = undefined;
      this.#slotSequence[slot] = -1;
      this.#count--;
      this.#stats.dropped++;
    }
    this.#next! += 1;
  }

  #conceal(sequenceNumber: number | undefined): PlayoutFrame {
    this.#stats.concealed++;
    if (this.#repeat && this.#lastPayload !== undefined && this.#repeats < this.#maxRepeats) {
      this.#repeats++;
      return { status: 'concealed', payload: this.#lastPayload, sequenceNumber };
    }
    return { status: 'concealed', payload: this.#silence, sequenceNumber };
  }

  #updateJitter(timestamp: number, arrivalMs: number): void {
    const arrival = arrivalMs * this.#samplesPerMs;
    if (this.#haveTransit) {
      const delta = Math.abs(arrival - this.#lastArrival - ((timestamp - this.#lastTimestamp) | 0));
      // A very large |D| is a stream restart or a long silence, not jitter.
      if (delta < 10 * this.#samplesPerMs * 1000) this.#jitter += (delta - this.#jitter) / 16;
    }
    this.#haveTransit = true;
    this.#lastArrival = arrival;
    this.#lastTimestamp = timestamp;
  }
}
