/**
 * RTP data packets (RFC 3550 §5.1): the fixed header, the CSRC list, one header extension
 * (§5.3.1) and padding. Parsing reads the datagram by index and never copies: `payload` and
 * `extension.data` are views into the input Buffer.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers             | (CC of them)
 * ```
 */
import { checkRange, RtpErrorCode, RtpParseError } from './errors.ts';

/** Size of the fixed RTP header in octets (RFC 3550 §5.1). */
export const RTP_HEADER_LENGTH = 12;

/** A header extension (RFC 3550 §5.3.1): 16-bit profile-defined value and the extension words. */
export interface RtpHeaderExtension {
  /** "defined by profile" field, e.g. 0xBEDE for RFC 8285 one-byte headers. */
  profile: number;
  /** Extension body; its length is a multiple of 4 octets (the length field counts 32-bit words). */
  data: Buffer;
}

/** A parsed RTP packet. Buffers are views into the parsed datagram (no copy). */
export interface RtpPacket {
  /** Payload type, 0..127 (RFC 3551 §6: 0 = PCMU, 8 = PCMA; dynamic 96..127). */
  payloadType: number;
  /** Marker bit (for audio: first packet of a talkspurt; RFC 4733: start of an event). */
  marker: boolean;
  /** Sequence number, 0..65535, wraps. */
  sequenceNumber: number;
  /** RTP timestamp in clock-rate units (samples for audio), 0..2^32-1, wraps. */
  timestamp: number;
  /** Synchronization source, unsigned 32-bit. */
  ssrc: number;
  /** Contributing sources (at most 15), unsigned 32-bit each. */
  csrcs: number[];
  /** Header extension, when the X bit is set. */
  extension: RtpHeaderExtension | undefined;
  /** Payload octets, padding excluded. */
  payload: Buffer;
  /** Padding octets at the end of the packet, count octet included (0 = no P bit). */
  paddingLength: number;
}

/** What {@link writeRtpPacket} needs: an {@link RtpPacket} whose optional parts may be left out. */
export interface RtpPacketInit {
  /** Payload type, 0..127. */
  payloadType: number;
  /** Marker bit; default false. */
  marker?: boolean;
  /** Sequence number, 0..65535. */
  sequenceNumber: number;
  /** RTP timestamp, 0..2^32-1. */
  timestamp: number;
  /** SSRC, 0..2^32-1. */
  ssrc: number;
  /** Contributing sources; default none; at most 15. */
  csrcs?: readonly number[];
  /** Header extension; `data.length` must be a multiple of 4. */
  extension?: RtpHeaderExtension | undefined;
  /** Payload octets. */
  payload: Uint8Array;
  /** Padding octets to append (0..255, 0 = none); default 0. */
  paddingLength?: number;
}

/**
 * RFC 5761 §4 demultiplexing of RTP and RTCP on one port: the second octet of RTCP (packet
 * type) is 192..223, which as an RTP marker+PT byte would be PT 64..95 — never used for RTP.
 *
 * @returns true when `data` looks like RTCP rather than RTP (no validation beyond that).
 */
export function isRtcpPacket(data: Uint8Array): boolean {
  if (data.length < 2) return false;
  const type = data[1]!;
  return type >= 192 && type <= 223;
}

/**
 * Parses one RTP packet. Safe on any bytes: everything malformed surfaces as
 * {@link RtpParseError} with a code from {@link RtpErrorCode}.
 *
 * @param data the UDP payload
 * @throws RtpParseError `TRUNCATED`, `BAD_VERSION`, `BAD_HEADER_LENGTH`, `BAD_PADDING`
 */
export function parseRtpPacket(data: Buffer): RtpPacket {
  const length = data.length;
  if (length < RTP_HEADER_LENGTH) {
    throw new RtpParseError(RtpErrorCode.Truncated, `RTP packet of ${length} octets, need ${RTP_HEADER_LENGTH}`);
  }
  const first = data[0]!;
  if (first >> 6 !== 2) throw new RtpParseError(RtpErrorCode.BadVersion, `RTP version ${first >> 6}, expected 2`);
  const csrcCount = first & 0x0f;
  const second = data[1]!;
  let offset = RTP_HEADER_LENGTH;
  if (offset + csrcCount * 4 > length) {
    throw new RtpParseError(RtpErrorCode.BadHeaderLength, `CSRC list of ${csrcCount} runs past the packet`, offset);
  }
  const csrcs: number[] = [];
  for (let index = 0; index < csrcCount; index++, offset += 4) csrcs.push(data.readUInt32BE(offset));
  let extension: RtpHeaderExtension | undefined;
  if ((first & 0x10) !== 0) {
    if (offset + 4 > length) {
      throw new RtpParseError(RtpErrorCode.BadHeaderLength, 'header extension header runs past the packet', offset);
    }
    const profile = data.readUInt16BE(offset);
    const words = data.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (end > length) {
      throw new RtpParseError(
        RtpErrorCode.BadHeaderLength,
        `header extension of ${words} words runs past the packet`,
        offset,
      );
    }
    extension = { profile, data: data.subarray(offset + 4, end) };
    offset = end;
  }
  let paddingLength = 0;
  if ((first & 0x20) !== 0) {
    // RFC 3550 §5.1: "The last octet of the padding contains a count of how many padding
    // octets should be ignored, including itself" — so it cannot be 0.
    paddingLength = data[length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > length) {
      throw new RtpParseError(RtpErrorCode.BadPadding, `padding count ${paddingLength} does not fit`, length - 1);
    }
  }
  return {
    payloadType: second & 0x7f,
    marker: (second & 0x80) !== 0,
    sequenceNumber: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    csrcs,
    extension,
    payload: data.subarray(offset, length - paddingLength),
    paddingLength,
  };
}

/** Octets {@link writeRtpPacket} will write for `packet`. */
export function rtpPacketLength(packet: RtpPacketInit): number {
  const csrcCount = packet.csrcs?.length ?? 0;
  const extensionLength = packet.extension === undefined ? 0 : 4 + packet.extension.data.length;
  return RTP_HEADER_LENGTH + csrcCount * 4 + extensionLength + packet.payload.length + (packet.paddingLength ?? 0);
}

function checkPacket(packet: RtpPacketInit): void {
  checkRange('payloadType', packet.payloadType, 0, 127);
  checkRange('sequenceNumber', packet.sequenceNumber, 0, 0xffff);
  checkRange('timestamp', packet.timestamp, 0, 0xffffffff);
  checkRange('ssrc', packet.ssrc, 0, 0xffffffff);
  checkRange('csrcs.length', packet.csrcs?.length ?? 0, 0, 15);
  checkRange('paddingLength', packet.paddingLength ?? 0, 0, 255);
  if (packet.extension !== undefined) {
    checkRange('extension.profile', packet.extension.profile, 0, 0xffff);
    const size = packet.extension.data.length;
    if (size % 4 !== 0 || size / 4 > 0xffff) checkRange('extension.data.length / 4', size / 4, 0, 0xffff);
  }
}

/**
 * Writes `packet` into `target` at `offset` (no allocation: the hot send path).
 *
 * @returns the number of octets written ({@link rtpPacketLength})
 * @throws RtpArgumentError `OUT_OF_RANGE` for a field outside its range or a target too small
 */
export function writeRtpPacket(packet: RtpPacketInit, target: Uint8Array, offset = 0): number {
  checkPacket(packet);
  const total = rtpPacketLength(packet);
  checkRange('target space', total, 0, target.length - offset);
  const csrcs = packet.csrcs ?? [];
  const paddingLength = packet.paddingLength ?? 0;
  const extension = packet.extension;
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  target[offset] = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (extension !== undefined ? 0x10 : 0) | csrcs.length;
  target[offset + 1] = (packet.marker === true ? 0x80 : 0) | packet.payloadType;
  view.setUint16(offset + 2, packet.sequenceNumber);
  view.setUint32(offset + 4, packet.timestamp);
  view.setUint32(offset + 8, packet.ssrc);
  let position = offset + RTP_HEADER_LENGTH;
  for (const csrc of csrcs) {
    checkRange('csrc', csrc, 0, 0xffffffff);
    view.setUint32(position, csrc);
    position += 4;
  }
  if (extension !== undefined) {
    view.setUint16(position, extension.profile);
    view.setUint16(position + 2, extension.data.length / 4);
    target.set(extension.data, position + 4);
    position += 4 + extension.data.length;
  }
  target.set(packet.payload, position);
  position += packet.payload.length;
  if (paddingLength > 0) {
    target.fill(0, position, position + paddingLength - 1);
    target[position + paddingLength - 1] = paddingLength;
    position += paddingLength;
  }
  return position - offset;
}

/**
 * Serializes `packet` into a new Buffer.
 *
 * @throws RtpArgumentError `OUT_OF_RANGE` for a field outside its range
 */
export function serializeRtpPacket(packet: RtpPacketInit): Buffer {
  checkPacket(packet); // before sizing the Buffer: a negative padding must not reach allocUnsafe
  const buffer = Buffer.allocUnsafe(rtpPacketLength(packet));
  writeRtpPacket(packet, buffer, 0);
  return buffer;
}
