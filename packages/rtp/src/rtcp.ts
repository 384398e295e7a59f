/**
 * RTCP (RFC 3550 §6.4–6.6): sender and receiver reports, source descriptions, BYE, and
 * compound packets. Other packet types (APP, RFC 4585 feedback…) are kept as raw bodies so a
 * compound packet survives a parse/serialize round trip. Safe on any bytes: malformed input
 * surfaces as {@link RtpParseError}.
 */
import type { RtcpReportBlock } from './rtcp-report-block.ts';
import { checkRange, RtpArgumentError, RtpErrorCode, RtpParseError } from './errors.ts';
import { readReportBlocks, REPORT_BLOCK_LENGTH, writeReportBlocks } from './rtcp-report-block.ts';

export type { RtcpReportBlock } from './rtcp-report-block.ts';

/** RTCP packet types (RFC 3550 §12.1). */
export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Goodbye: 203,
  ApplicationDefined: 204,
} as const;

/** SDES item types (RFC 3550 §6.5, §12.2). */
export const SdesItemType = {
  Cname: 1,
  Name: 2,
  Email: 3,
  Phone: 4,
  Location: 5,
  Tool: 6,
  Note: 7,
  Private: 8,
} as const;

/** SR (RFC 3550 §6.4.1). */
export interface RtcpSenderReport {
  kind: 'sender-report';
  /** SSRC of the sender. */
  ssrc: number;
  /** NTP timestamp, whole seconds since 1900 (see `ntp-time.ts`). */
  ntpSeconds: number;
  /** NTP timestamp, fraction in 2^-32 s. */
  ntpFraction: number;
  /** RTP timestamp for the same instant, in clock-rate units. */
  rtpTimestamp: number;
  /** Sender's packet count. */
  packetCount: number;
  /** Sender's payload octet count. */
  octetCount: number;
  /** Reception report blocks, at most 31. */
  reports: RtcpReportBlock[];
  /** Profile-specific extension octets after the report blocks (usually empty). */
  extension: Buffer;
}

/** RR (RFC 3550 §6.4.2). */
export interface RtcpReceiverReport {
  kind: 'receiver-report';
  /** SSRC of the report's sender. */
  ssrc: number;
  /** Reception report blocks, at most 31. */
  reports: RtcpReportBlock[];
  /** Profile-specific extension octets. */
  extension: Buffer;
}

/** One SDES item: type from {@link SdesItemType} and UTF-8 text of at most 255 octets. */
export interface RtcpSdesItem {
  type: number;
  text: string;
}

/** SDES chunk: a source and its items. */
export interface RtcpSdesChunk {
  ssrc: number;
  items: RtcpSdesItem[];
}

/** SDES (RFC 3550 §6.5). */
export interface RtcpSourceDescription {
  kind: 'source-description';
  /** At most 31 chunks. */
  chunks: RtcpSdesChunk[];
}

/** BYE (RFC 3550 §6.6). */
export interface RtcpGoodbye {
  kind: 'goodbye';
  /** Sources leaving, at most 31. */
  ssrcs: number[];
  /** Reason for leaving, UTF-8, at most 255 octets; undefined when absent. */
  reason: string | undefined;
}

/** Any other RTCP packet (APP, feedback, XR…), kept raw. */
export interface RtcpOtherPacket {
  kind: 'other';
  /** Packet type octet. */
  packetType: number;
  /** The 5-bit count/subtype field. */
  count: number;
  /** Octets after the 4-octet common header, padding excluded. */
  body: Buffer;
}

/** One packet of a compound RTCP packet. */
export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpGoodbye | RtcpOtherPacket;

/** Options of {@link parseRtcpCompound}. */
export interface RtcpParseOptions {
  /**
   * Apply RFC 3550 A.2's compound-packet checks: first packet SR or RR, padding only on the
   * last. Off by default because RFC 5506 reduced-size RTCP breaks the first rule.
   */
  strict?: boolean;
}

function fail(code: RtpErrorCode, message: string, offset: number): never {
  throw new RtpParseError(code, message, offset);
}

function readSdes(data: Buffer, start: number, count: number, end: number): RtcpSourceDescription {
  const chunks: RtcpSdesChunk[] = [];
  let offset = start;
  for (let index = 0; index < count; index++) {
    if (offset + 4 > end) fail(RtpErrorCode.BadRtcpBody, 'SDES chunk runs past the packet', offset);
    const chunk: RtcpSdesChunk = { ssrc: data.readUInt32BE(offset), items: [] };
    offset += 4;
    for (;;) {
      if (offset >= end) fail(RtpErrorCode.BadRtcpBody, 'SDES item list has no terminating null octet', offset);
      const type = data[offset]!;
      if (type === 0) {
        // §6.5: the list ends with a null octet, then null padding to the next 32-bit boundary.
        offset = start + Math.ceil((offset + 1 - start) / 4) * 4;
        break;
      }
      if (offset + 2 > end) fail(RtpErrorCode.BadRtcpBody, 'SDES item header runs past the packet', offset);
      const textLength = data[offset + 1]!;
      if (offset + 2 + textLength > end) fail(RtpErrorCode.BadRtcpBody, 'SDES item text runs past the packet', offset);
      chunk.items.push({ type, text: data.toString('utf8', offset + 2, offset + 2 + textLength) });
      offset += 2 + textLength;
    }
    chunks.push(chunk);
  }
  return { kind: 'source-description', chunks };
}

function readPacket(data: Buffer, start: number, packetType: number, count: number, end: number): RtcpPacket {
  const body = start + 4;
  switch (packetType) {
    case RtcpPacketType.SenderReport: {
      if (body + 24 > end) fail(RtpErrorCode.BadRtcpBody, 'SR sender info runs past the packet', body);
      const reports = readReportBlocks(data, body + 24, count, end);
      return {
        kind: 'sender-report',
        ssrc: data.readUInt32BE(body),
        ntpSeconds: data.readUInt32BE(body + 4),
        ntpFraction: data.readUInt32BE(body + 8),
        rtpTimestamp: data.readUInt32BE(body + 12),
        packetCount: data.readUInt32BE(body + 16),
        octetCount: data.readUInt32BE(body + 20),
        reports,
        extension: data.subarray(body + 24 + count * REPORT_BLOCK_LENGTH, end),
      };
    }
    case RtcpPacketType.ReceiverReport: {
      if (body + 4 > end) fail(RtpErrorCode.BadRtcpBody, 'RR has no SSRC', body);
      const reports = readReportBlocks(data, body + 4, count, end);
      return {
        kind: 'receiver-report',
        ssrc: data.readUInt32BE(body),
        reports,
        extension: data.subarray(body + 4 + count * REPORT_BLOCK_LENGTH, end),
      };
    }
    case RtcpPacketType.SourceDescription:
      return readSdes(data, body, count, end);
    case RtcpPacketType.Goodbye: {
      if (body + count * 4 > end) fail(RtpErrorCode.BadRtcpBody, `BYE with ${count} SSRCs runs past the packet`, body);
      const ssrcs: number[] = [];
      for (let index = 0; index < count; index++) ssrcs.push(data.readUInt32BE(body + index * 4));
      let reason: string | undefined;
      const reasonAt = body + count * 4;
      if (reasonAt < end) {
        const reasonLength = data[reasonAt]!;
        if (reasonAt + 1 + reasonLength > end)
          fail(RtpErrorCode.BadRtcpBody, 'BYE reason runs past the packet', reasonAt);
        reason = data.toString('utf8', reasonAt + 1, reasonAt + 1 + reasonLength);
      }
      return { kind: 'goodbye', ssrcs, reason };
    }
    default:
      return { kind: 'other', packetType, count, body: data.subarray(body, end) };
  }
}

/**
 * Parses a compound RTCP packet (or a single one) into its packets, in order.
 *
 * @param data the UDP payload
 * @throws RtpParseError `TRUNCATED`, `BAD_VERSION`, `BAD_RTCP_LENGTH`, `BAD_PADDING`,
 *   `BAD_RTCP_BODY`, and with `strict` `BAD_COMPOUND`
 */
export function parseRtcpCompound(data: Buffer, options: RtcpParseOptions = {}): RtcpPacket[] {
  if (data.length < 4) fail(RtpErrorCode.Truncated, `RTCP packet of ${data.length} octets, need 4`, 0);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + 4 > data.length)
      fail(RtpErrorCode.BadRtcpLength, 'trailing octets after the last RTCP packet', offset);
    const first = data[offset]!;
    if (first >> 6 !== 2) fail(RtpErrorCode.BadVersion, `RTCP version ${first >> 6}, expected 2`, offset);
    const packetType = data[offset + 1]!;
    const next = offset + (data.readUInt16BE(offset + 2) + 1) * 4;
    if (next > data.length) fail(RtpErrorCode.BadRtcpLength, 'RTCP length runs past the datagram', offset + 2);
    let end = next;
    if ((first & 0x20) !== 0) {
      const padding = data[next - 1]!;
      if (padding === 0 || padding > next - offset - 4)
        fail(RtpErrorCode.BadPadding, `RTCP padding ${padding}`, next - 1);
      if (options.strict === true && next !== data.length) {
        fail(RtpErrorCode.BadCompound, 'padding on an RTCP packet that is not the last', offset);
      }
      end = next - padding;
    }
    if (options.strict === true && offset === 0 && packetType !== 200 && packetType !== 201) {
      fail(RtpErrorCode.BadCompound, `compound RTCP starts with packet type ${packetType}, not SR/RR`, 1);
    }
    packets.push(readPacket(data, offset, packetType, first & 0x1f, end));
    offset = next;
  }
  return packets;
}

function utf8Length(what: string, text: string): number {
  const length = Buffer.byteLength(text, 'utf8');
  checkRange(`${what} length in octets`, length, 0, 255);
  return length;
}

function bodyLength(packet: RtcpPacket): number {
  switch (packet.kind) {
    case 'sender-report':
      return 24 + packet.reports.length * REPORT_BLOCK_LENGTH + packet.extension.length;
    case 'receiver-report':
      return 4 + packet.reports.length * REPORT_BLOCK_LENGTH + packet.extension.length;
    case 'source-description': {
      let length = 0;
      for (const chunk of packet.chunks) {
        let chunkLength = 4 + 1; // SSRC + terminating null
        for (const item of chunk.items) chunkLength += 2 + utf8Length('SDES item', item.text);
        length += Math.ceil(chunkLength / 4) * 4;
      }
      return length;
    }
    case 'goodbye':
      return packet.ssrcs.length * 4 + (packet.reason === undefined ? 0 : 1 + utf8Length('BYE reason', packet.reason));
    case 'other':
      return packet.body.length;
  }
}

function countOf(packet: RtcpPacket): number {
  switch (packet.kind) {
    case 'sender-report':
    case 'receiver-report':
      return packet.reports.length;
    case 'source-description':
      return packet.chunks.length;
    case 'goodbye':
      return packet.ssrcs.length;
    case 'other':
      return packet.count;
  }
}

function writeBody(packet: RtcpPacket, target: Buffer, offset: number): number {
  switch (packet.kind) {
    case 'sender-report':
      target.writeUInt32BE(packet.ssrc >>> 0, offset);
      target.writeUInt32BE(packet.ntpSeconds >>> 0, offset + 4);
      target.writeUInt32BE(packet.ntpFraction >>> 0, offset + 8);
      target.writeUInt32BE(packet.rtpTimestamp >>> 0, offset + 12);
      target.writeUInt32BE(packet.packetCount >>> 0, offset + 16);
      target.writeUInt32BE(packet.octetCount >>> 0, offset + 20);
      offset = writeReportBlocks(target, offset + 24, packet.reports);
      return offset + packet.extension.copy(target, offset);
    case 'receiver-report':
      target.writeUInt32BE(packet.ssrc >>> 0, offset);
      offset = writeReportBlocks(target, offset + 4, packet.reports);
      return offset + packet.extension.copy(target, offset);
    case 'source-description':
      for (const chunk of packet.chunks) {
        const chunkStart = offset;
        target.writeUInt32BE(chunk.ssrc >>> 0, offset);
        offset += 4;
        for (const item of chunk.items) {
          checkRange('SDES item type', item.type, 1, 255);
          target[offset] = item.type;
          target[offset + 1] = target.write(item.text, offset + 2, 'utf8');
          offset += 2 + target[offset + 1]!;
        }
        const padded = chunkStart + Math.ceil((offset + 1 - chunkStart) / 4) * 4;
        target.fill(0, offset, padded);
        offset = padded;
      }
      return offset;
    case 'goodbye':
      for (const ssrc of packet.ssrcs) offset = target.writeUInt32BE(ssrc >>> 0, offset);
      if (packet.reason !== undefined) {
        target[offset] = target.write(packet.reason, offset + 1, 'utf8');
        offset += 1 + target[offset]!;
      }
      return offset;
    case 'other':
      return offset + packet.body.copy(target, offset);
  }
}

/**
 * Serializes packets into one compound RTCP packet. Each packet is padded to a 32-bit
 * boundary with the P bit set when its body needs it (BYE reason, odd raw bodies).
 *
 * @throws RtpArgumentError `OUT_OF_RANGE` when a count exceeds 31 or a text 255 octets
 */
export function serializeRtcpCompound(packets: readonly RtcpPacket[]): Buffer {
  const lengths = packets.map((packet) => {
    checkRange('RTCP item count', countOf(packet), 0, 31);
    const length = 4 + bodyLength(packet);
    return Math.ceil(length / 4) * 4;
  });
  const target = Buffer.alloc(lengths.reduce((sum, length) => sum + length, 0));
  let offset = 0;
  packets.forEach((packet, index) => {
    const length = lengths[index]!;
    const padding = length - 4 - bodyLength(packet);
    if (length / 4 - 1 > 0xffff) throw new RtpArgumentError(RtpErrorCode.OutOfRange, 'RTCP packet too long');
    const packetType = packet.kind === 'other' ? packet.packetType : kindType[packet.kind];
    checkRange('RTCP packet type', packetType, 0, 255);
    target[offset] = 0x80 | (padding > 0 ? 0x20 : 0) | countOf(packet);
    target[offset + 1] = packetType;
    target.writeUInt16BE(length / 4 - 1, offset + 2);
    writeBody(packet, target, offset + 4);
    if (padding > 0) target[offset + length - 1] = padding;
    offset += length;
  });
  return target;
}

const kindType = {
  'sender-report': RtcpPacketType.SenderReport,
  'receiver-report': RtcpPacketType.ReceiverReport,
  'source-description': RtcpPacketType.SourceDescription,
  goodbye: RtcpPacketType.Goodbye,
} as const;
