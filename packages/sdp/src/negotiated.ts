/**
 * The outcome of one offer/answer exchange, per m-line: what the media layer needs to set up a
 * PlainTransport, a producer and a consumer for the stream.
 */
import type { FormatParameters, MediaKind, RtcpFeedback } from './codecs.ts';
import { isG711 } from './codecs.ts';
import type { CryptoAttribute, SrtpSuite } from './crypto.ts';
import type { Direction } from './direction.ts';
import { SdpError, SdpErrorCode } from './errors.ts';

/** A codec both sides agreed on. */
export interface NegotiatedCodec {
  /** `audio` or `video`. */
  readonly kind: MediaKind;
  /** Encoding name as the local capability spells it. */
  readonly name: string;
  /** RTP clock rate, Hz. */
  readonly clockRate: number;
  /** Channels (1 for all but opus). */
  readonly channels: number;
  /** Payload type in the peer's SDP: what we send RTP with (RFC 3264 §5.1: the receiver's SDP sets it). */
  readonly payloadType: number;
  /** Payload type in our SDP: what the peer sends us. Equal to `payloadType` when we answered. */
  readonly localPayloadType: number;
  /** fmtp of the peer for this format (what it can receive). */
  readonly parameters: Readonly<Record<string, string>>;
  /** fmtp we wrote for this format (what we can receive). */
  readonly localParameters: FormatParameters;
  /** RTCP feedback both sides listed. */
  readonly rtcpFeedback: readonly RtcpFeedback[];
}

/** telephone-event (RFC 4733) as negotiated. */
export interface NegotiatedTelephoneEvent {
  /** Payload type in the peer's SDP (send with it). */
  readonly payloadType: number;
  /** Payload type in our SDP (expect it). */
  readonly localPayloadType: number;
  /** Clock rate, Hz (matches the audio codec's, RFC 4733 §2.1). */
  readonly clockRate: number;
  /** Events the peer accepts (its fmtp, default `0-15`). */
  readonly events: string;
}

/** SDES keys (RFC 4568) as negotiated for one stream. */
export interface NegotiatedCrypto {
  /** The suite both sides use. */
  readonly suite: SrtpSuite;
  /** The tag that paired offer and answer. */
  readonly tag: number;
  /** Our attribute: the key we encrypt with. */
  readonly local: CryptoAttribute;
  /** The peer's attribute: the key it encrypts with (give it to `PlainTransport.connect`). */
  readonly remote: CryptoAttribute;
}

/** Our side of a stream. */
export interface LocalEndpointOfStream {
  /** The address in our c= line. */
  readonly address: string;
  /** Our RTP port (0 when refused). */
  readonly port: number;
  /** Our RTCP port when we announced one with a=rtcp, else undefined (port + 1, or `port` when muxed). */
  readonly rtcpPort: number | undefined;
}

/** The peer's side of a stream. */
export interface RemoteEndpointOfStream {
  /** Where to send RTP: the peer's c= address. */
  readonly address: string;
  /** Where to send RTP: the peer's m-line port (0 when refused). */
  readonly port: number;
  /** Where to send RTCP: a=rtcp address or `address`. */
  readonly rtcpAddress: string;
  /** Where to send RTCP: `port` when muxed (RFC 5761), else a=rtcp (RFC 3605), else port + 1 (RFC 3550 §11). */
  readonly rtcpPort: number;
  /** SSRCs the peer announced (RFC 5576), possibly none. */
  readonly ssrcs: readonly number[];
  /** The peer's CNAME, if announced. */
  readonly cname: string | undefined;
}

/** One m-line after offer/answer. */
export interface NegotiatedMedia {
  /** Zero-based m-line index (the same in offer and answer, RFC 3264 §6). */
  readonly index: number;
  /** m-line media type (`audio`, `video`, or another, always refused). */
  readonly kind: string;
  /** `a=mid`, when the offer had one. */
  readonly mid: string | undefined;
  /** Transport protocol (`RTP/AVP`, `RTP/SAVP`, `RTP/AVPF`, `RTP/SAVPF`). */
  readonly protocol: string;
  /** False when either side set port 0: no media and no RTCP flow (RFC 3264 §6). */
  readonly accepted: boolean;
  /** The direction media flows, seen from our side: what we may send and expect to receive. */
  readonly direction: Direction;
  /** The direction in our SDP. */
  readonly localDirection: Direction;
  /** The direction in the peer's SDP (with c=0.0.0.0 read as not receiving). */
  readonly remoteDirection: Direction;
  /** Our endpoint. */
  readonly local: LocalEndpointOfStream;
  /** The peer's endpoint. */
  readonly remote: RemoteEndpointOfStream;
  /** RTP and RTCP share a port (both SDPs carry a=rtcp-mux, RFC 5761 §5.1.1). */
  readonly rtcpMux: boolean;
  /** Agreed media codecs; the first is the one to send (telephone-event and CN excluded). */
  readonly codecs: readonly NegotiatedCodec[];
  /** telephone-event, when both sides have it at the codec's clock rate. */
  readonly telephoneEvent: NegotiatedTelephoneEvent | undefined;
  /** The peer's a=ptime: the packet duration to send, ms (RFC 4566 §6). */
  readonly ptime: number | undefined;
  /** The peer's a=maxptime, ms. */
  readonly maxptime: number | undefined;
  /** Our a=ptime, ms. */
  readonly localPtime: number | undefined;
  /** SRTP keys when the stream is encrypted (RFC 4568), else undefined. */
  readonly crypto: NegotiatedCrypto | undefined;
}

/** Whether a negotiated stream sends G.711 (PCMU or PCMA): tones, mixing and WAV work on it. */
export function isG711Stream(media: NegotiatedMedia): boolean {
  const codec = media.codecs[0];
  return media.accepted && codec !== undefined && isG711(codec);
}

/**
 * Assert that a stream's codec is G.711 before a feature that only works on G.711 (local tones,
 * mixing, WAV recording). Other codecs (G.722, opus, video) are passed through untouched by
 * mediasoup, but TypeScript does not transcode them.
 *
 * @param feature what was asked, for the message (e.g. `WAV recording`)
 * @throws SdpError `SDP_CODEC_NOT_G711` (status 488)
 */
export function assertG711Stream(media: NegotiatedMedia, feature: string): void {
  if (isG711Stream(media)) return;
  const codec = media.codecs[0];
  const name = codec === undefined ? 'no codec' : `${codec.name}/${codec.clockRate}`;
  throw new SdpError(
    SdpErrorCode.CodecNotG711,
    `${feature} needs G.711 (PCMU/PCMA), but m-line ${media.index} uses ${name}`,
    {
      mediaIndex: media.index,
    },
  );
}
