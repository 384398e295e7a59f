/**
 * The reception report block of SR and RR packets (RFC 3550 §6.4.1): what a receiver tells a
 * sender about one source — loss, highest sequence, jitter, and the LSR/DLSR pair for the
 * round-trip time. `RtpReceiverStatistics.createReportBlock` fills one in.
 */
import { checkRange, RtpErrorCode, RtpParseError } from './errors.ts';

/** Octets of one report block on the wire. */
export const REPORT_BLOCK_LENGTH = 24;

/** A reception report block (RFC 3550 §6.4.1), 24 octets on the wire. */
export interface RtcpReportBlock {
  /** SSRC of the source this block reports on. */
  ssrc: number;
  /** Fraction lost since the previous report, fixed point /256 (0..255). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (negative with duplicates). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  highestSequence: number;
  /** Interarrival jitter in RTP timestamp units (RFC 3550 A.8). */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp (LSR), 0 if none. */
  lastSenderReport: number;
  /** Delay since that SR (DLSR) in units of 1/65536 s, 0 if none. */
  delaySinceLastSenderReport: number;
}

/**
 * Reads `count` report blocks starting at `offset`, which must end by `end`.
 *
 * @throws RtpParseError `BAD_RTCP_BODY` when they run past `end`
 */
export function readReportBlocks(data: Buffer, offset: number, count: number, end: number): RtcpReportBlock[] {
  if (offset + count * REPORT_BLOCK_LENGTH > end) {
    throw new RtpParseError(RtpErrorCode.BadRtcpBody, `${count} report blocks run past the packet`, offset);
  }
  const reports: RtcpReportBlock[] = [];
  for (let index = 0; index < count; index++, offset += REPORT_BLOCK_LENGTH) {
    reports.push({
      ssrc: data.readUInt32BE(offset),
      fractionLost: data[offset + 4]!,
      cumulativeLost: data.readIntBE(offset + 5, 3),
      highestSequence: data.readUInt32BE(offset + 8),
      jitter: data.readUInt32BE(offset + 12),
      lastSenderReport: data.readUInt32BE(offset + 16),
      delaySinceLastSenderReport: data.readUInt32BE(offset + 20),
    });
  }
  return reports;
}

/**
 * Writes report blocks at `offset` of a Buffer sized for them.
 *
 * @returns the offset after the last block
 * @throws RtpArgumentError `OUT_OF_RANGE` for a fraction or cumulative loss outside its field
 */
export function writeReportBlocks(target: Buffer, offset: number, reports: readonly RtcpReportBlock[]): number {
  for (const block of reports) {
    checkRange('fractionLost', block.fractionLost, 0, 255);
    checkRange('cumulativeLost', block.cumulativeLost, -0x800000, 0x7fffff);
    target.writeUInt32BE(block.ssrc >>> 0, offset);
    target[offset + 4] = block.fractionLost;
    target.writeIntBE(block.cumulativeLost, offset + 5, 3);
    target.writeUInt32BE(block.highestSequence >>> 0, offset + 8);
    target.writeUInt32BE(block.jitter >>> 0, offset + 12);
    target.writeUInt32BE(block.lastSenderReport >>> 0, offset + 16);
    target.writeUInt32BE(block.delaySinceLastSenderReport >>> 0, offset + 20);
    offset += REPORT_BLOCK_LENGTH;
  }
  return offset;
}
