/**
 * Reading and writing SDP text (RFC 4566) over `sdp-transform`, with the validation
 * `sdp-transform` does not do. It is lenient: a line it does not recognise is dropped or kept as
 * `invalid`, a missing field is simply absent. Everything the offer/answer logic relies on is
 * therefore checked here, so the rest of the package can trust a {@link SessionDescription}.
 */
// sdp-transform is CommonJS. Under Node's ESM loader the default import is `module.exports`
// (always present); the named exports are guessed by cjs-module-lexer, so they are not relied on.
import sdpTransform from 'sdp-transform';
import { isIP } from 'node:net';
import type { SessionDescription, MediaDescription } from 'sdp-transform';
import { SdpError, SdpErrorCode, malformed } from './errors.ts';

export type { SessionDescription, MediaDescription };

/** Size limits applied before and after parsing. */
export interface SdpLimits {
  /** Largest SDP body accepted, in bytes (UTF-8). Default 65536 (64 KiB). */
  maxBytes?: number;
  /** Most m-lines accepted. Default 32. */
  maxMediaLines?: number;
  /** Most payload formats on one m-line. Default 64. */
  maxFormatsPerMedia?: number;
}

/** The limits used when none are given. */
export const DEFAULT_SDP_LIMITS: Required<SdpLimits> = { maxBytes: 65536, maxMediaLines: 32, maxFormatsPerMedia: 64 };

/** Transport protocols whose formats are RTP payload types (RFC 4566 §5.14, RFC 3711, RFC 4585, RFC 5764). */
export function isRtpProtocol(protocol: string): boolean {
  return /^(UDP\/TLS\/)?RTP\/S?AVPF?$/i.test(protocol);
}

/**
 * Parse and validate an SDP body.
 *
 * Checks (each a {@link SdpError} with status 400 when it fails):
 * - size (`maxBytes`) and m-line count (`maxMediaLines`);
 * - the first line is `v=0` (RFC 4566 §5.1, §5: "v=" comes first);
 * - `o=` is present with a numeric sess-version and a network type `IN` (RFC 4566 §5.2);
 * - every m-line has a media type, a port in 0..65535, a protocol and at least one format;
 *   RTP formats are payload types 0..127 (RFC 3551 §3); rtpmap/fmtp refer to listed formats;
 * - a `c=` line applies to every m-line whose port is not 0, at session or media level
 *   (RFC 4566 §5.7), and its address family matches `IP4`/`IP6`;
 * - `a=rtcp` ports are in 1..65535, `a=ptime`/`a=maxptime` are in 1..10000 ms.
 *
 * @param text the SDP body
 * @param limits size limits, {@link DEFAULT_SDP_LIMITS} by default
 * @returns the parsed description
 * @throws SdpError `SDP_TOO_LARGE`, `SDP_TOO_MANY_MEDIA` or `SDP_MALFORMED`
 */
export function parseSdp(text: string, limits: SdpLimits = {}): SessionDescription {
  const max = { ...DEFAULT_SDP_LIMITS, ...limits };
  if (typeof text !== 'string') throw malformed('SDP body is not text');
  // Cheap upper bound first (a UTF-16 unit is at most 3 UTF-8 bytes), exact count only near it.
  if (text.length > max.maxBytes || (text.length * 3 > max.maxBytes && Buffer.byteLength(text) > max.maxBytes)) {
    throw new SdpError(SdpErrorCode.TooLarge, `SDP body exceeds ${max.maxBytes} bytes`);
  }
  const mediaLines = text.match(/^m=/gm)?.length ?? 0;
  if (mediaLines > max.maxMediaLines) {
    throw new SdpError(SdpErrorCode.TooManyMedia, `SDP has ${mediaLines} m-lines, more than ${max.maxMediaLines}`);
  }
  if (!/^v=0[ \t]*(\r\n|\r|\n|$)/.test(text)) throw malformed('SDP does not start with v=0');
  let description: SessionDescription;
  try {
    description = sdpTransform.parse(text);
  } catch (error) {
    throw new SdpError(SdpErrorCode.Malformed, 'SDP does not parse', { cause: error });
  }
  validateSession(description, text);
  description.media.forEach((media, index) => validateMedia(description, media, index, max.maxFormatsPerMedia));
  return description;
}

/**
 * Write a description as SDP text with CRLF line ends (RFC 4566 §5). The description is not
 * validated: it is expected to come from this package.
 */
export function writeSdp(description: SessionDescription): string {
  return sdpTransform.write(description);
}

/** The verbatim `o=` line of an SDP body (without the line end), or undefined. */
export function originLine(text: string): string | undefined {
  const match = /^o=([^\r\n]*)/m.exec(text);
  return match?.[1]?.trim();
}

/**
 * Whether `address` is an IP literal of family `ipVersion` (4 or 6). FQDNs are legal in SDP
 * (RFC 4566 §5.7) but need a resolver, which this pure layer does not have.
 */
export function isAddressOfFamily(address: string, ipVersion: number): boolean {
  return isIP(address) === ipVersion;
}

function validateSession(description: SessionDescription, text: string): void {
  if (description.version !== 0) throw malformed('v= is not 0');
  const origin = description.origin as Partial<SessionDescription['origin']> | undefined;
  const rawOrigin = originLine(text);
  if (origin === undefined || rawOrigin === undefined) throw malformed('o= line is missing');
  const fields = rawOrigin.split(/\s+/);
  if (fields.length !== 6 || !/^\d{1,20}$/.test(fields[2] ?? '') || fields[3] !== 'IN') {
    throw malformed(`o= line is malformed: ${JSON.stringify(rawOrigin.slice(0, 120))}`);
  }
  if (!Array.isArray(description.media)) throw malformed('SDP has no media list');
  if (description.connection !== undefined) validateConnection(description.connection, undefined);
}

function validateConnection(connection: { version?: number; ip?: string }, index: number | undefined): void {
  if (connection.version !== 4 && connection.version !== 6)
    throw malformed('c= has an address type other than IP4/IP6', index);
  if (typeof connection.ip !== 'string' || connection.ip.length === 0) throw malformed('c= has no address', index);
  // An IP literal must match the declared family; a name (FQDN) is checked at negotiation time.
  const family = isIP(connection.ip);
  if (family !== 0 && family !== connection.version)
    throw malformed(`c= address ${connection.ip} is not IP${connection.version}`, index);
}

function validateMedia(
  description: SessionDescription,
  media: MediaDescription,
  index: number,
  maxFormats: number,
): void {
  if (typeof media.type !== 'string' || media.type.length === 0) throw malformed('m-line is malformed', index);
  if (!Number.isInteger(media.port) || media.port < 0 || media.port > 65535)
    throw malformed('m-line port is out of range', index);
  if (typeof media.protocol !== 'string' || media.protocol.length === 0)
    throw malformed('m-line has no protocol', index);
  const formats = String(media.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((format) => format.length > 0);
  // RFC 4566 §5.14: an m-line lists at least one format, even with port 0.
  if (formats.length === 0) throw malformed('m-line lists no format', index);
  if (formats.length > maxFormats) throw malformed(`m-line lists more than ${maxFormats} formats`, index);
  if (isRtpProtocol(media.protocol)) {
    for (const format of formats) {
      if (!/^\d{1,3}$/.test(format) || Number(format) > 127)
        throw malformed(`payload type ${format} is not in 0..127`, index);
    }
    for (const rtp of media.rtp) {
      if (!Number.isInteger(rtp.payload) || rtp.payload > 127)
        throw malformed('a=rtpmap payload type is out of range', index);
      if (rtp.rate !== undefined && (!Number.isInteger(rtp.rate) || rtp.rate <= 0 || rtp.rate > 1_000_000)) {
        throw malformed('a=rtpmap clock rate is out of range', index);
      }
      if (rtp.encoding !== undefined && (!Number.isInteger(rtp.encoding) || rtp.encoding < 1 || rtp.encoding > 255)) {
        throw malformed('a=rtpmap channel count is out of range', index);
      }
    }
  }
  if (media.connection !== undefined) validateConnection(media.connection, index);
  else if (media.port !== 0 && description.connection === undefined)
    throw malformed('no c= line applies to the m-line', index);
  if (media.rtcp !== undefined) {
    if (!Number.isInteger(media.rtcp.port) || media.rtcp.port < 1 || media.rtcp.port > 65535) {
      throw malformed('a=rtcp port is out of range', index);
    }
    if (
      media.rtcp.address !== undefined &&
      media.rtcp.ipVer !== undefined &&
      isIP(String(media.rtcp.address)) !== media.rtcp.ipVer
    ) {
      throw malformed('a=rtcp address does not match its family', index);
    }
  }
  for (const key of ['ptime', 'maxptime'] as const) {
    const value = media[key];
    if (value !== undefined && !(Number(value) > 0 && Number(value) <= 10000))
      throw malformed(`a=${key} is out of range`, index);
  }
}
