/**
 * Per-source reception statistics as RFC 3550 Appendix A computes them: sequence validation
 * and extended highest sequence (A.1), expected/lost packets and the interval fraction lost
 * (A.3), interarrival jitter (A.8), and the LSR/DLSR fields of a report block (§6.4.1). The
 * media service's "audio loss ratio" getter reads {@link RtpReceiverStatistics.lossRatio}.
 *
 * Time comes in as arguments (milliseconds on the caller's clock; STYLE §5).
 */
import type { RtcpReportBlock } from './rtcp-report-block.ts';
import { checkRange } from './errors.ts';
import { RTP_SEQ_MOD } from './sequence-number.ts';

/** RFC 3550 A.1 `MAX_DROPOUT`: a forward jump up to this many packets is a loss, not a restart. */
const MAX_DROPOUT = 3000;
/** RFC 3550 A.1 `MAX_MISORDER`: a backward step up to this many packets is reordering. */
const MAX_MISORDER = 100;

/** Options of {@link RtpReceiverStatistics}. */
export interface RtpReceiverStatisticsOptions {
  /** RTP clock rate in Hz (8000 for G.711). */
  clockRate: number;
  /**
   * Sequential packets needed before a source is valid (RFC 3550 A.1 `MIN_SEQUENTIAL`);
   * default 2 as in the RFC. With 1 the first packet counts at once.
   */
  minSequential?: number;
}

/** The subset of an RTP packet the statistics read. */
export interface RtpPacketStamp {
  /** 16-bit sequence number. */
  sequenceNumber: number;
  /** 32-bit RTP timestamp in clock-rate units. */
  timestamp: number;
}

/** Receiver statistics for one SSRC. One instance per source. */
export class RtpReceiverStatistics {
  readonly #clockRate: number;
  readonly #minSequential: number;
  #probation: number;
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #received = 0;
  #receivedPrior = 0;
  #expectedPrior = 0;
  #started = false;
  // A.8 state: previous arrival (timestamp units) and RTP timestamp; jitter estimate.
  #lastArrival = 0;
  #lastTimestamp = 0;
  #haveTransit = false;
  #jitter = 0;
  // §6.4.1 LSR/DLSR state.
  #lastSenderReport = 0;
  #lastSenderReportArrivalMs: number | undefined;

  /** @param options clock rate and probation length */
  constructor(options: RtpReceiverStatisticsOptions) {
    checkRange('clockRate', options.clockRate, 1, 10_000_000);
    this.#clockRate = options.clockRate;
    this.#minSequential = options.minSequential ?? 2;
    checkRange('minSequential', this.#minSequential, 1, 100);
    this.#probation = this.#minSequential;
  }

  #initSequence(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  /**
   * Accounts one received packet (RFC 3550 A.1 `update_seq` and A.8).
   *
   * @param packet its sequence number and RTP timestamp
   * @param arrivalMs arrival time on the caller's clock, in milliseconds
   * @returns false while the source is on probation or after a jump that is not yet confirmed
   *   (the packet should not be played); true when it was counted
   */
  update(packet: RtpPacketStamp, arrivalMs: number): boolean {
    const seq = packet.sequenceNumber & 0xffff;
    if (!this.#started) {
      // A.1: init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL;
      this.#started = true;
      this.#initSequence(seq);
      this.#maxSeq = (seq - 1) & 0xffff;
      this.#probation = this.#minSequential;
    }
    const udelta = (seq - this.#maxSeq) & 0xffff;
    let counted = true;
    if (this.#probation > 0) {
      // A.1: the source is valid once MIN_SEQUENTIAL packets arrive in sequence.
      if (seq === ((this.#maxSeq + 1) & 0xffff)) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) this.#initSequence(seq);
        else counted = false;
      } else {
        this.#probation = this.#minSequential - 1;
        this.#maxSeq = seq;
        counted = false;
      }
    } else if (udelta < MAX_DROPOUT) {
      // In order, with permissible gap; count a wrap when the sequence number goes round.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      this.#maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: two sequential packets after it mean the other side restarted.
      if (seq === this.#badSeq) {
        this.#initSequence(seq);
        this.#haveTransit = false;
      } else {
        this.#badSeq = (seq + 1) & 0xffff;
        counted = false;
      }
    }
    // else: duplicate or reordered packet, counted as received (A.3 allows negative loss).
    if (!counted) return false;
    this.#received++;
    this.#updateJitter(packet.timestamp >>> 0, arrivalMs);
    return true;
  }

  #updateJitter(timestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.#clockRate) / 1000;
    if (this.#haveTransit) {
      // A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16. The RTP timestamp
      // difference is taken as signed 32-bit so a wrap does not look like a 2^32 jump.
      const timestampDelta = (timestamp - this.#lastTimestamp) | 0;
      const transitDelta = Math.abs(arrival - this.#lastArrival - timestampDelta);
      this.#jitter += (transitDelta - this.#jitter) / 16;
    }
    this.#haveTransit = true;
    this.#lastArrival = arrival;
    this.#lastTimestamp = timestamp;
  }

  /**
   * Notes a sender report from this source, for the LSR/DLSR fields of the next report block.
   *
   * @param ntpMiddle32 middle 32 bits of the SR's NTP timestamp (`ntpMiddle32`)
   * @param arrivalMs arrival time of the SR on the caller's clock, in milliseconds
   */
  receiveSenderReport(ntpMiddle32: number, arrivalMs: number): void {
    this.#lastSenderReport = ntpMiddle32 >>> 0;
    this.#lastSenderReportArrivalMs = arrivalMs;
  }

  /** Packets counted as received (duplicates included, probation excluded). */
  get received(): number {
    return this.#received;
  }

  /** Extended highest sequence number received (A.1 `cycles + max_seq`). */
  get extendedHighestSequence(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** Packets expected so far (A.3 `extended_max - base_seq + 1`); 0 before the source is valid. */
  get expected(): number {
    return this.#probation > 0 || !this.#started ? 0 : this.extendedHighestSequence - this.#baseSeq + 1;
  }

  /** Cumulative packets lost (A.3), clamped to the signed 24-bit range of a report block. */
  get cumulativeLost(): number {
    return Math.max(-0x800000, Math.min(0x7fffff, this.expected - this.#received));
  }

  /** Lost / expected since the start, 0..1 (0 before any packet). The "audio loss ratio". */
  get lossRatio(): number {
    const expected = this.expected;
    if (expected <= 0) return 0;
    return Math.min(1, Math.max(0, (expected - this.#received) / expected));
  }

  /** Interarrival jitter estimate in RTP timestamp units (A.8), unrounded. */
  get jitter(): number {
    return this.#jitter;
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.#jitter * 1000) / this.#clockRate;
  }

  /**
   * Builds a report block for this source and starts a new reporting interval (the fraction
   * lost is over the interval since the previous call; A.3).
   *
   * @param ssrc the source's SSRC
   * @param nowMs the time the report is sent, on the same clock as the arrival times (for DLSR)
   */
  createReportBlock(ssrc: number, nowMs: number): RtcpReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    this.#expectedPrior = expected;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    let delaySinceLastSenderReport = 0;
    if (this.#lastSenderReportArrivalMs !== undefined) {
      const delayMs = Math.max(0, nowMs - this.#lastSenderReportArrivalMs);
      delaySinceLastSenderReport = Math.min(0xffffffff, Math.round((delayMs * 65536) / 1000));
    }
    return {
      ssrc: ssrc >>> 0,
      fractionLost,
      cumulativeLost: this.cumulativeLost,
      highestSequence: this.extendedHighestSequence >>> 0,
      jitter: Math.min(0xffffffff, Math.floor(this.#jitter)),
      lastSenderReport: this.#lastSenderReport,
      delaySinceLastSenderReport,
    };
  }
}
