/**
 * A read-only view of one m-line with the session-level defaults applied: the connection
 * address (RFC 4566 §5.7), the direction (RFC 3264 §5.1: sendrecv by default, media level over
 * session level), RTP formats resolved through rtpmap or the RFC 3551 static table, fmtp,
 * rtcp-fb, crypto and SSRCs. Both offers and answers, ours and theirs, are read through it.
 */
import type { MediaDescription, SessionDescription } from './parse.ts';
import { isRtpProtocol } from './parse.ts';
import type { RemoteFormat, RtcpFeedback } from './codecs.ts';
import { parseFormatParameters, staticPayloadType } from './codecs.ts';
import type { CryptoAttribute } from './crypto.ts';
import { parseCryptoAttribute } from './crypto.ts';
import type { Direction } from './direction.ts';
import { asDirection, directionFrom, directionSends } from './direction.ts';

/** One m-line, resolved. */
export interface MediaLine {
  /** Zero-based position in the SDP. */
  readonly index: number;
  /** Media type: `audio`, `video`, `application`, `image`, … */
  readonly kind: string;
  /** Port; 0 means the stream is refused or removed (RFC 3264 §6, §8.2). */
  readonly port: number;
  /** Transport protocol, e.g. `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, `udptl`. */
  readonly protocol: string;
  /** The format list as written (payload types for RTP). */
  readonly formats: readonly string[];
  /** Connection address (media-level c= over session-level). */
  readonly address: string | undefined;
  /** 4 or 6. */
  readonly ipVersion: number | undefined;
  /**
   * Direction as written (RFC 3264 §5.1). A connection address of 0.0.0.0 (the RFC 2543 way to
   * hold, RFC 3264 §8.4) is read as "does not want to receive".
   */
  readonly direction: Direction;
  /** `a=rtcp-mux` present (RFC 5761 §5.1.1). */
  readonly rtcpMux: boolean;
  /** `a=rtcp` port and address (RFC 3605), when given. */
  readonly rtcp: { readonly port: number; readonly address: string | undefined } | undefined;
  /** `a=mid` (RFC 5888). */
  readonly mid: string | undefined;
  /** `a=ptime`, ms. */
  readonly ptime: number | undefined;
  /** `a=maxptime`, ms. */
  readonly maxptime: number | undefined;
  /** RTP formats in m-line order; formats with neither rtpmap nor a static assignment are left out. */
  readonly rtpFormats: readonly RemoteFormat[];
  /** `a=crypto` attributes that parse (malformed ones are ignored, RFC 4568 §6.1 says they are not usable). */
  readonly crypto: readonly CryptoAttribute[];
  /** SSRCs announced with `a=ssrc` (RFC 5576). */
  readonly ssrcs: readonly number[];
  /** The `cname` of the first announced SSRC. */
  readonly cname: string | undefined;
}

/** Resolve m-line `index` of a validated description. */
export function readMediaLine(description: SessionDescription, index: number): MediaLine {
  const media = description.media[index] as MediaDescription;
  const connection = media.connection ?? description.connection;
  const address = connection?.ip;
  let direction = asDirection(media.direction) ?? asDirection(description.direction) ?? 'sendrecv';
  if (address === '0.0.0.0' || address === '::') direction = directionFrom(directionSends(direction), false);
  const formats = String(media.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((format) => format.length > 0);
  return {
    index,
    kind: media.type,
    port: media.port,
    protocol: media.protocol,
    formats,
    address,
    ipVersion: connection?.version,
    direction,
    rtcpMux: media.rtcpMux === 'rtcp-mux',
    rtcp:
      media.rtcp === undefined
        ? undefined
        : { port: media.rtcp.port, address: media.rtcp.address === undefined ? undefined : String(media.rtcp.address) },
    mid: media.mid === undefined ? undefined : String(media.mid),
    ptime: media.ptime === undefined ? undefined : Number(media.ptime),
    maxptime: media.maxptime === undefined ? undefined : Number(media.maxptime),
    rtpFormats: isRtpProtocol(media.protocol) ? readRtpFormats(media, formats) : [],
    crypto: readCrypto(media),
    ssrcs: [
      ...new Set(
        (media.ssrcs ?? [])
          .map((ssrc) => Number(ssrc.id))
          .filter((id) => Number.isInteger(id) && id >= 0 && id < 2 ** 32),
      ),
    ],
    cname: optionalString(media.ssrcs?.find((ssrc) => ssrc.attribute === 'cname')?.value),
  };
}

function readRtpFormats(media: MediaDescription, formats: readonly string[]): RemoteFormat[] {
  const result: RemoteFormat[] = [];
  const seen = new Set<number>();
  for (const format of formats) {
    const payloadType = Number(format);
    if (seen.has(payloadType)) continue;
    seen.add(payloadType);
    const rtpmap = media.rtp.find((rtp) => rtp.payload === payloadType);
    const fallback = staticPayloadType(payloadType);
    // RFC 3264 §5.1 / RFC 4566 §6: dynamic payload types need an rtpmap; static ones may omit it.
    // sdp-transform turns all-digit fields into numbers: read everything through String().
    const name = rtpmap === undefined ? fallback?.name : String(rtpmap.codec);
    const clockRate = rtpmap?.rate ?? fallback?.clockRate;
    if (name === undefined || name.length === 0 || clockRate === undefined) continue;
    const config = media.fmtp.find((fmtp) => fmtp.payload === payloadType)?.config ?? '';
    const parameters = parseFormatParameters(String(config));
    const channels = rtpmap?.encoding === undefined ? 1 : Number(rtpmap.encoding);
    result.push({
      payloadType,
      name,
      clockRate,
      channels,
      parameters,
      events: name.toLowerCase() === 'telephone-event' && config !== '' ? String(config).trim() : undefined,
      rtcpFeedback: readFeedback(media, payloadType),
    });
  }
  return result;
}

function readFeedback(media: MediaDescription, payloadType: number): RtcpFeedback[] {
  const feedback: RtcpFeedback[] = [];
  for (const line of media.rtcpFb ?? []) {
    if (line.payload !== '*' && Number(line.payload) !== payloadType) continue;
    const type = String(line.type ?? '');
    const parameter = String(line.subtype ?? '');
    if (type.length === 0) continue;
    feedback.push(parameter === '' ? { type } : { type, parameter });
  }
  return feedback;
}

function readCrypto(media: MediaDescription): CryptoAttribute[] {
  const result: CryptoAttribute[] = [];
  for (const line of media.crypto ?? []) {
    try {
      result.push(parseCryptoAttribute(line));
    } catch {
      // An unparseable attribute is simply not usable; the others may be.
    }
  }
  return result;
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}
