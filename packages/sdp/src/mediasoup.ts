/**
 * Mapping between negotiated streams and mediasoup's RTP shapes. The interfaces below are the
 * structural subset of mediasoup's `RtpCodecCapability`, `RtpParameters` and friends that this
 * package fills; mediasoup itself is not imported (packages do not depend on the media worker).
 *
 * Direction matters for payload types (RFC 3264 §5.1): the peer sends us RTP with the numbers in
 * *our* SDP (a producer on the PlainTransport: `receive`), and we send with the numbers in *its*
 * SDP (a consumer towards the peer: `send`).
 */
import type { CodecCapability, MediaCapabilities, MediaKind, RtcpFeedback } from './codecs.ts';
import { isTelephoneEvent } from './codecs.ts';
import { SdpError, SdpErrorCode } from './errors.ts';
import type { NegotiatedMedia } from './negotiated.ts';

/** mediasoup `RtcpFeedback`. */
export interface MediasoupRtcpFeedback {
  /** `nack`, `ccm`, `goog-remb`, `transport-cc`. */
  type: string;
  /** `pli`, `fir`, or empty. */
  parameter?: string;
}

/** mediasoup `RtpCodecCapability` (router `mediaCodecs`, `rtpCapabilities.codecs`). */
export interface MediasoupRtpCodecCapability {
  /** `audio` or `video`. */
  kind: MediaKind;
  /** `audio/PCMU`, `audio/telephone-event`, `video/H264`, … */
  mimeType: string;
  /** Payload type the router prefers. */
  preferredPayloadType?: number;
  /** Clock rate, Hz. */
  clockRate: number;
  /** Channels (audio). */
  channels?: number;
  /** fmtp parameters (numbers where numeric, profile-level-id a string). */
  parameters?: Record<string, string | number>;
  /** RTCP feedback. */
  rtcpFeedback?: MediasoupRtcpFeedback[];
}

/** mediasoup `RtpCodecParameters`. */
export interface MediasoupRtpCodecParameters {
  /** `audio/PCMU`, … */
  mimeType: string;
  /** Payload type on the wire. */
  payloadType: number;
  /** Clock rate, Hz. */
  clockRate: number;
  /** Channels (audio, when not 1). */
  channels?: number;
  /** fmtp parameters. */
  parameters?: Record<string, string | number>;
  /** RTCP feedback both sides agreed on. */
  rtcpFeedback?: MediasoupRtcpFeedback[];
}

/** mediasoup `RtpEncodingParameters` (the part filled here). */
export interface MediasoupRtpEncodingParameters {
  /** SSRC of the stream. */
  ssrc?: number;
}

/** mediasoup `RtcpParameters`. */
export interface MediasoupRtcpParameters {
  /** CNAME. */
  cname?: string;
  /** Reduced-size RTCP (RFC 5506); always false for SIP peers here. */
  reducedSize?: boolean;
}

/** mediasoup `RtpParameters`. */
export interface MediasoupRtpParameters {
  /** a=mid, when the session has them. */
  mid?: string;
  /** The media codec first, then telephone-event. */
  codecs: MediasoupRtpCodecParameters[];
  /** Header extensions: none are negotiated by this package. */
  headerExtensions: [];
  /** One encoding with the SSRC. */
  encodings: MediasoupRtpEncodingParameters[];
  /** RTCP parameters. */
  rtcp: MediasoupRtcpParameters;
}

/** Options of {@link toRtpParameters}. */
export interface RtpParametersOptions {
  /**
   * `receive`: what the peer sends us (a producer); payload types and fmtp from our SDP.
   * `send`: what we send the peer (a consumer / the stream we make); payload types and fmtp from its SDP.
   */
  direction: 'receive' | 'send';
  /** SSRC of the encoding; for `receive`, default the first SSRC the peer announced (RFC 5576). */
  ssrc?: number;
  /** RTCP CNAME; for `receive`, default the peer's. */
  cname?: string;
  /** Include telephone-event as a second codec; default true. */
  telephoneEvent?: boolean;
}

/** `audio/PCMU` from kind and name. */
export function mimeTypeOf(kind: string, name: string): string {
  return `${kind}/${name}`;
}

function toMediasoupParameters(parameters: Readonly<Record<string, string | number>>): Record<string, string | number> {
  const result: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(parameters)) {
    // mediasoup compares e.g. packetization-mode as a number but profile-level-id as a string.
    if (name === 'profile-level-id') result[name] = String(value).padStart(6, '0');
    else result[name] = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  }
  return result;
}

function toMediasoupFeedback(feedback: readonly RtcpFeedback[]): MediasoupRtcpFeedback[] {
  return feedback.map((entry) => ({ type: entry.type, parameter: entry.parameter ?? '' }));
}

/**
 * mediasoup `RtpParameters` for a negotiated stream: the first agreed codec (and
 * telephone-event), negotiated RTCP feedback only, one encoding with the SSRC.
 *
 * @throws SdpError `SDP_INVALID_OPTIONS` when the stream was not accepted, or for `receive`
 *   without an SSRC (none given, none announced)
 */
export function toRtpParameters(media: NegotiatedMedia, options: RtpParametersOptions): MediasoupRtpParameters {
  const codec = media.codecs[0];
  if (!media.accepted || codec === undefined) {
    throw new SdpError(SdpErrorCode.InvalidOptions, `m-line ${media.index} was not accepted: no RTP parameters`, {
      mediaIndex: media.index,
    });
  }
  const receive = options.direction === 'receive';
  const ssrc = options.ssrc ?? (receive ? media.remote.ssrcs[0] : undefined);
  if (receive && ssrc === undefined) {
    throw new SdpError(
      SdpErrorCode.InvalidOptions,
      `m-line ${media.index}: the peer announced no SSRC; pass options.ssrc`,
      { mediaIndex: media.index },
    );
  }
  const codecs: MediasoupRtpCodecParameters[] = [
    {
      mimeType: mimeTypeOf(codec.kind, codec.name),
      payloadType: receive ? codec.localPayloadType : codec.payloadType,
      clockRate: codec.clockRate,
      ...(codec.channels !== 1 ? { channels: codec.channels } : {}),
      parameters: toMediasoupParameters(receive ? codec.localParameters : codec.parameters),
      rtcpFeedback: toMediasoupFeedback(codec.rtcpFeedback),
    },
  ];
  const event = media.telephoneEvent;
  if (event !== undefined && options.telephoneEvent !== false) {
    codecs.push({
      mimeType: 'audio/telephone-event',
      payloadType: receive ? event.localPayloadType : event.payloadType,
      clockRate: event.clockRate,
      parameters: {},
      rtcpFeedback: [],
    });
  }
  const cname = options.cname ?? (receive ? media.remote.cname : undefined);
  return {
    ...(media.mid === undefined ? {} : { mid: media.mid }),
    codecs,
    headerExtensions: [],
    encodings: [ssrc === undefined ? {} : { ssrc }],
    rtcp: { ...(cname === undefined ? {} : { cname }), reducedSize: false },
  };
}

/** mediasoup router `mediaCodecs` for local capabilities (telephone-event included). */
export function toRtpCodecCapabilities(capabilities: MediaCapabilities): MediasoupRtpCodecCapability[] {
  return [...capabilities.audio, ...capabilities.video].map((codec) => ({
    kind: codec.kind,
    mimeType: mimeTypeOf(codec.kind, codec.name),
    ...(codec.payloadType === undefined ? {} : { preferredPayloadType: codec.payloadType }),
    clockRate: codec.clockRate,
    ...(codec.channels === undefined || codec.channels === 1 ? {} : { channels: codec.channels }),
    parameters: toMediasoupParameters(codec.parameters ?? {}),
    rtcpFeedback: toMediasoupFeedback(codec.rtcpFeedback ?? []),
  }));
}

/**
 * A local capability from a mediasoup codec (e.g. a router's `rtpCapabilities.codecs`), so the
 * SDP offers what the router can route. RTX and other non-SIP codecs give undefined.
 */
export function fromRtpCodecCapability(
  codec: MediasoupRtpCodecCapability | (MediasoupRtpCodecParameters & { kind?: MediaKind }),
): CodecCapability | undefined {
  const slash = codec.mimeType.indexOf('/');
  const kind = (codec.kind ?? codec.mimeType.slice(0, slash).toLowerCase()) as string;
  const name = codec.mimeType.slice(slash + 1);
  if (slash <= 0 || (kind !== 'audio' && kind !== 'video') || /^(rtx|red|ulpfec|flexfec)$/i.test(name))
    return undefined;
  const payloadType = 'payloadType' in codec ? codec.payloadType : codec.preferredPayloadType;
  const parameters: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(codec.parameters ?? {}))
    if (typeof value === 'string' || typeof value === 'number') parameters[key] = value;
  const feedback = (codec.rtcpFeedback ?? []).map((entry) =>
    entry.parameter ? { type: entry.type, parameter: entry.parameter } : { type: entry.type },
  );
  return {
    kind,
    name,
    clockRate: codec.clockRate,
    ...(codec.channels === undefined ? {} : { channels: codec.channels }),
    ...(payloadType === undefined ? {} : { payloadType }),
    ...(isTelephoneEvent({ name }) ? { events: '0-16' } : Object.keys(parameters).length > 0 ? { parameters } : {}),
    ...(feedback.length > 0 ? { rtcpFeedback: feedback } : {}),
  };
}

/**
 * Local capabilities from a list of mediasoup codecs (router capabilities or a producer's
 * `rtpParameters.codecs`), order kept, non-SIP codecs dropped.
 */
export function capabilitiesFromMediasoup(
  codecs: ReadonlyArray<MediasoupRtpCodecCapability | (MediasoupRtpCodecParameters & { kind?: MediaKind })>,
): MediaCapabilities {
  const converted = codecs.map(fromRtpCodecCapability).filter((codec): codec is CodecCapability => codec !== undefined);
  return {
    audio: converted.filter((codec) => codec.kind === 'audio'),
    video: converted.filter((codec) => codec.kind === 'video'),
  };
}
