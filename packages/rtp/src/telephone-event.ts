/**
 * RFC 4733 telephone-event payloads (§2.3) and the sender side of a key press (§2.5.1):
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |     event     |E|R| volume    |          duration             |
 * ```
 *
 * All packets of one event carry the event's start as RTP timestamp; the duration grows by one
 * packet interval per packet; the final packet has the E bit and is sent three times
 * (§2.5.1.4), each copy with its own sequence number but the same timestamp and duration.
 */
import type { RtpPacketInit } from './rtp-packet.ts';
import { checkRange, RtpErrorCode, RtpParseError } from './errors.ts';

/** Octets of one event block (RFC 4733 §2.3). */
export const TELEPHONE_EVENT_LENGTH = 4;
/** Largest duration one packet can express, in timestamp units (RFC 4733 §2.5.1.3). */
export const MAX_EVENT_DURATION = 0xffff;

/** A decoded telephone-event payload. */
export interface TelephoneEvent {
  /** Event code, 0..255 (0–15 DTMF, 16 flash; RFC 4733 §3.2). */
  event: number;
  /** End bit: the event has ended. */
  end: boolean;
  /** Power level 0..63, in −dBm0 (10 means −10 dBm0). */
  volume: number;
  /** Duration so far, in timestamp units (samples at 8 kHz), 0..65535. */
  duration: number;
}

/**
 * Decodes the first event block of a telephone-event payload (a payload may carry more, as
 * RFC 2198 redundancy; those are ignored).
 *
 * @throws RtpParseError `BAD_TELEPHONE_EVENT` for a payload shorter than 4 octets
 */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < TELEPHONE_EVENT_LENGTH) {
    throw new RtpParseError(
      RtpErrorCode.BadTelephoneEvent,
      `telephone-event payload of ${payload.length} octets, need 4`,
    );
  }
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/**
 * Encodes one event block (R bit zero).
 *
 * @throws RtpArgumentError `OUT_OF_RANGE` for a field outside its range
 */
export function serializeTelephoneEvent(event: TelephoneEvent): Buffer {
  checkRange('event', event.event, 0, 255);
  checkRange('volume', event.volume, 0, 63);
  checkRange('duration', event.duration, 0, MAX_EVENT_DURATION);
  const payload = Buffer.allocUnsafe(TELEPHONE_EVENT_LENGTH);
  payload[0] = event.event;
  payload[1] = (event.end ? 0x80 : 0) | event.volume;
  payload.writeUInt16BE(event.duration, 2);
  return payload;
}

/** Options of {@link TelephoneEventSender}. */
export interface TelephoneEventSenderOptions {
  /** Negotiated telephone-event payload type (dynamic, e.g. 101). */
  payloadType: number;
  /** SSRC of the audio stream the events belong to. */
  ssrc: number;
  /** RTP clock rate in Hz; default 8000. */
  clockRate?: number;
  /** Interval between packets in ms; default 20 (the audio ptime). */
  packetIntervalMs?: number;
  /** Power level in −dBm0, 0..63; default 10. */
  volume?: number;
  /** Copies of the final packet (RFC 4733 §2.5.1.4 says three); default 3. */
  endPacketCount?: number;
}

/** One packet to send and when, as {@link TelephoneEventSender.press} schedules it. */
export interface ScheduledRtpPacket {
  /** When to send, on the caller's clock in ms (`startMs` + a multiple of the interval). */
  sendAtMs: number;
  /** The packet (payload is a 4-octet event block). */
  packet: RtpPacketInit & { marker: boolean };
}

/** What {@link TelephoneEventSender.press} needs. */
export interface TelephoneEventPress {
  /** Event code (0–15 for DTMF; see `telephoneEventCode`). */
  event: number;
  /** How long the key is held, in ms (> 0). */
  durationMs: number;
  /** RTP timestamp at which the event starts (the audio stream's current timestamp). */
  timestamp: number;
  /** First sequence number to use (the audio stream's next one). */
  sequenceNumber: number;
  /** Clock time of the first packet, in ms; default 0. */
  startMs?: number;
}

/**
 * Builds the RTP packets of key presses. Stateless between presses: the caller owns the audio
 * stream's timestamp and sequence number and passes them in, then continues its sequence
 * numbers after the last packet returned.
 */
export class TelephoneEventSender {
  readonly #payloadType: number;
  readonly #ssrc: number;
  readonly #clockRate: number;
  readonly #intervalMs: number;
  readonly #volume: number;
  readonly #endPacketCount: number;

  /** @param options payload type, SSRC, clock rate, interval, volume */
  constructor(options: TelephoneEventSenderOptions) {
    checkRange('payloadType', options.payloadType, 0, 127);
    checkRange('ssrc', options.ssrc, 0, 0xffffffff);
    this.#payloadType = options.payloadType;
    this.#ssrc = options.ssrc;
    this.#clockRate = options.clockRate ?? 8000;
    this.#intervalMs = options.packetIntervalMs ?? 20;
    this.#volume = options.volume ?? 10;
    this.#endPacketCount = options.endPacketCount ?? 3;
    checkRange('clockRate', this.#clockRate, 1, 1_000_000);
    checkRange('packetIntervalMs', this.#intervalMs, 1, 1000);
    checkRange('volume', this.#volume, 0, 63);
    checkRange('endPacketCount', this.#endPacketCount, 1, 10);
  }

  /** Packet interval in timestamp units. */
  get intervalSamples(): number {
    return Math.round((this.#intervalMs * this.#clockRate) / 1000);
  }

  /**
   * All packets of one key press, in sending order. Packet k (k = 0, 1, …) goes at
   * `startMs + k × interval` and reports the duration so far, (k + 1) × interval (RFC 4733
   * §5 example: the first packet already covers one interval), capped at the press duration;
   * the first has the marker bit (§2.5.1.2). The last update is followed by the end packets:
   * E bit, the full duration, the same timestamp, one per interval (§2.5.1.4).
   *
   * A press longer than 65535 timestamp units is split in segments (§2.5.1.3): each segment
   * restarts at timestamp + 65535 with its own start (marker) and only the last one ends.
   *
   * @throws RtpArgumentError `OUT_OF_RANGE` for a bad event, duration, timestamp or sequence
   */
  press(press: TelephoneEventPress): ScheduledRtpPacket[] {
    checkRange('event', press.event, 0, 255);
    checkRange('timestamp', press.timestamp, 0, 0xffffffff);
    checkRange('sequenceNumber', press.sequenceNumber, 0, 0xffff);
    const totalSamples = Math.round((press.durationMs * this.#clockRate) / 1000);
    checkRange('duration in samples', totalSamples, 1, 0x7fffffff);
    const interval = this.intervalSamples;
    const packets: ScheduledRtpPacket[] = [];
    let sequenceNumber = press.sequenceNumber;
    let sendAtMs = press.startMs ?? 0;
    let segmentStart = 0;
    const emit = (timestampOffset: number, duration: number, end: boolean, marker: boolean): void => {
      const payload = serializeTelephoneEvent({ event: press.event, end, volume: this.#volume, duration });
      packets.push({
        sendAtMs,
        packet: {
          payloadType: this.#payloadType,
          marker,
          sequenceNumber,
          timestamp: (press.timestamp + timestampOffset) >>> 0,
          ssrc: this.#ssrc,
          payload,
        },
      });
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
      sendAtMs += this.#intervalMs;
    };
    for (;;) {
      const segmentLength = Math.min(MAX_EVENT_DURATION, totalSamples - segmentStart);
      const lastSegment = segmentStart + segmentLength >= totalSamples;
      // Updates while the key is down: durations interval, 2·interval, … below the segment length.
      let duration = interval;
      let first = true;
      while (duration < segmentLength) {
        emit(segmentStart, duration, false, first);
        first = false;
        duration += interval;
      }
      if (lastSegment) {
        for (let copy = 0; copy < this.#endPacketCount; copy++)
          emit(segmentStart, segmentLength, true, first && copy === 0);
        return packets;
      }
      // A full segment: report 0xFFFF without E, then start the next segment (§2.5.1.3).
      emit(segmentStart, segmentLength, false, first);
      segmentStart += segmentLength;
    }
  }
}
