/**
 * The receiving side of RFC 4733 (§2.5.2): turns a stream of telephone-event packets into one
 * report per event, whatever was lost or repeated on the way.
 *
 * - An event is identified by its RTP timestamp (§2.5.1.2: all packets of an event carry the
 *   timestamp of its start). The three end packets (§2.5.1.4) and late updates are duplicates
 *   of an event already reported and are dropped.
 * - If the start packets were lost, the first packet seen opens the event anyway; if it is
 *   already an end packet, the event is reported at once with that packet's duration.
 * - If all end packets were lost, the event is closed by the next event's first packet, or by
 *   {@link TelephoneEventReceiver.poll} once no packet came for `timeoutMs`.
 * - Segments of a long event (§2.5.1.3: same event, next timestamp = previous + 0xFFFF) are
 *   joined into one event.
 */
import type { DtmfKey } from './dtmf-keys.ts';
import { dtmfKeyOfEvent } from './dtmf-keys.ts';
import { checkRange } from './errors.ts';
import { MAX_EVENT_DURATION, parseTelephoneEvent } from './telephone-event.ts';

/** Options of {@link TelephoneEventReceiver}. */
export interface TelephoneEventReceiverOptions {
  /** RTP clock rate of the telephone-event payload type in Hz; default 8000. */
  clockRate?: number;
  /** Close an event whose end packets never came after this many ms without packets; default 500. */
  timeoutMs?: number;
}

/** The subset of an RTP packet the receiver reads. */
export interface TelephoneEventPacket {
  /** RTP timestamp: the event's start. */
  timestamp: number;
  /** RTP payload: a telephone-event block. */
  payload: Uint8Array;
  /** RTP marker bit: set on the first packet of an event (§2.5.1.2); default false. */
  marker?: boolean;
}

/** A report of the receiver: an event started, or ended with its duration. */
export interface TelephoneEventReport {
  /** `start` when an event is first seen (not for one whose first packet is already an end),
   * `end` exactly once per event. */
  kind: 'start' | 'end';
  /** Event code, 0..255. */
  event: number;
  /** The DTMF key for events 0–15. */
  key: DtmfKey | undefined;
  /** RTP timestamp of the event's start. */
  timestamp: number;
  /** Duration in timestamp units (samples at 8 kHz); on `start`, the duration so far. */
  duration: number;
  /** Duration in ms. */
  durationMs: number;
  /** Volume, in −dBm0. */
  volume: number;
  /** On `end`: the event's first packets were not seen (no marker-bit packet). */
  startLost: boolean;
  /** On `end`: no end packet came; the event was closed by a later event or the timeout. */
  endLost: boolean;
}

interface ActiveEvent {
  event: number;
  timestamp: number;
  /** Timestamp of the current segment (differs from `timestamp` after a §2.5.1.3 rollover). */
  segmentTimestamp: number;
  /** Duration of the segments before the current one. */
  baseDuration: number;
  duration: number;
  volume: number;
  startLost: boolean;
  lastPacketMs: number;
}

/** How many ended events' timestamps are remembered for de-duplication. */
const ENDED_HISTORY = 16;

/** De-duplicating RFC 4733 receiver for one stream. Time comes in as arguments. */
export class TelephoneEventReceiver {
  readonly #clockRate: number;
  readonly #timeoutMs: number;
  #active: ActiveEvent | undefined;
  readonly #ended: number[] = [];

  /** @param options clock rate and end timeout */
  constructor(options: TelephoneEventReceiverOptions = {}) {
    this.#clockRate = options.clockRate ?? 8000;
    this.#timeoutMs = options.timeoutMs ?? 500;
    checkRange('clockRate', this.#clockRate, 1, 1_000_000);
  }

  /**
   * Takes one telephone-event packet.
   *
   * @param packet its RTP timestamp, payload and marker bit (a parsed `RtpPacket` will do)
   * @param nowMs arrival time on the caller's clock, in ms
   * @returns the reports this packet causes, possibly none
   * @throws RtpParseError `BAD_TELEPHONE_EVENT` for a payload shorter than 4 octets
   */
  receive(packet: TelephoneEventPacket, nowMs: number): TelephoneEventReport[] {
    const block = parseTelephoneEvent(packet.payload);
    const timestamp = packet.timestamp >>> 0;
    const reports: TelephoneEventReport[] = [];
    if (this.#isStale(timestamp)) return reports;
    let active = this.#active;
    if (active !== undefined && timestamp !== active.segmentTimestamp) {
      if (((timestamp - active.segmentTimestamp) | 0) < 0) return reports; // late packet of an older event
      const continues =
        block.event === active.event &&
        active.duration === MAX_EVENT_DURATION &&
        timestamp === (active.segmentTimestamp + MAX_EVENT_DURATION) >>> 0;
      if (continues) {
        active.baseDuration += MAX_EVENT_DURATION;
        active.segmentTimestamp = timestamp;
        active.duration = 0;
      } else {
        reports.push(this.#close(active, true));
        active = undefined;
      }
    }
    if (active === undefined) {
      active = {
        event: block.event,
        timestamp,
        segmentTimestamp: timestamp,
        baseDuration: 0,
        duration: block.duration,
        volume: block.volume,
        startLost: packet.marker !== true,
        lastPacketMs: nowMs,
      };
      this.#active = active;
      if (!block.end) reports.push(this.#report('start', active, false));
    }
    // Updates can arrive out of order: the duration only grows.
    if (block.duration > active.duration) active.duration = block.duration;
    active.volume = block.volume;
    active.lastPacketMs = nowMs;
    if (packet.marker === true) active.startLost = false; // the start came, only out of order
    if (block.end) reports.push(this.#close(active, false));
    return reports;
  }

  /**
   * Closes an event whose end packets were all lost, once `timeoutMs` passed since its last
   * packet. Call it from the media loop (e.g. every 20 ms frame).
   *
   * @param nowMs the caller's clock, in ms
   */
  poll(nowMs: number): TelephoneEventReport[] {
    const active = this.#active;
    if (active === undefined || nowMs - active.lastPacketMs < this.#timeoutMs) return [];
    return [this.#close(active, true)];
  }

  /** True while an event is open (started, not yet ended). */
  get active(): boolean {
    return this.#active !== undefined;
  }

  #isStale(timestamp: number): boolean {
    if (this.#ended.includes(timestamp)) return true;
    const last = this.#ended[this.#ended.length - 1];
    // Older than the last ended event: a late retransmission from before the history window.
    return this.#active === undefined && last !== undefined && ((timestamp - last) | 0) < 0;
  }

  #close(active: ActiveEvent, endLost: boolean): TelephoneEventReport {
    this.#active = undefined;
    if (active.segmentTimestamp !== active.timestamp) this.#ended.push(active.timestamp);
    this.#ended.push(active.segmentTimestamp);
    while (this.#ended.length > ENDED_HISTORY) this.#ended.shift();
    return this.#report('end', active, endLost);
  }

  #report(kind: 'start' | 'end', active: ActiveEvent, endLost: boolean): TelephoneEventReport {
    const duration = active.baseDuration + active.duration;
    return {
      kind,
      event: active.event,
      key: dtmfKeyOfEvent(active.event),
      timestamp: active.timestamp,
      duration,
      durationMs: (duration * 1000) / this.#clockRate,
      volume: active.volume,
      startLost: active.startLost,
      endLost,
    };
  }
}
