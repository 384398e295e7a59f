/**
 * @talkbus/sdp — RFC 3264 offer/answer over sdp-transform: codecs, payload type mapping, ptime,
 * rtcp-mux, directions and hold, refusing and adding streams, SDES-SRTP, and the mapping to
 * mediasoup's RTP parameters. The only public entry of the package.
 */
export { MediaSession } from './media-session.ts';
export type { AnswerOptions, OfferAnswerState, OfferOptions } from './media-session.ts';
export type { LocalConfig, LocalPort, LocalTransport, MediaSessionOptions, SrtpOptions } from './local-config.ts';

export { DEFAULT_SDP_LIMITS, isRtpProtocol, originLine, parseSdp, writeSdp } from './parse.ts';
export type { MediaDescription, SdpLimits, SessionDescription } from './parse.ts';
export { readMediaLine } from './media-line.ts';
export type { MediaLine } from './media-line.ts';

export {
  DEFAULT_AUDIO_CODECS,
  DEFAULT_CAPABILITIES,
  DEFAULT_VIDEO_CODECS,
  G722,
  H264_PACKETIZATION_MODE_0,
  H264_PACKETIZATION_MODE_1,
  OPUS,
  PCMA,
  PCMU,
  TELEPHONE_EVENT,
  VP8,
  codecMatches,
  isG711,
  staticPayloadType,
} from './codecs.ts';
export type {
  CodecCapability,
  FormatParameters,
  MediaCapabilities,
  MediaKind,
  RemoteFormat,
  RtcpFeedback,
} from './codecs.ts';
export { H264Profile, answerProfileLevelId, h264FormatsMatch, parseProfileLevelId } from './h264.ts';
export type { H264ProfileLevel } from './h264.ts';
export { intersectTelephoneEvents, parseTelephoneEvents, writeTelephoneEvents } from './telephone-event.ts';

export { answerDirection, directionForHold, directionReceives, directionSends, reverseDirection } from './direction.ts';
export type { Direction } from './direction.ts';

export {
  DEFAULT_SRTP_SUITES,
  SrtpSuite,
  cryptoUnusableReason,
  generateCryptoAttribute,
  parseCryptoAttribute,
  selectCrypto,
  srtpKeyLength,
  toSrtpParameters,
  writeCryptoAttribute,
} from './crypto.ts';
export type { CryptoAttribute, CryptoMki, SrtpParameters } from './crypto.ts';

export { assertG711Stream, isG711Stream } from './negotiated.ts';
export type {
  LocalEndpointOfStream,
  NegotiatedCodec,
  NegotiatedCrypto,
  NegotiatedMedia,
  NegotiatedTelephoneEvent,
  RemoteEndpointOfStream,
} from './negotiated.ts';
export { isSecureProtocol, isSupportedProtocol } from './negotiate.ts';

export {
  capabilitiesFromMediasoup,
  fromRtpCodecCapability,
  toRtpCodecCapabilities,
  toRtpParameters,
} from './mediasoup.ts';
export type {
  MediasoupRtcpFeedback,
  MediasoupRtcpParameters,
  MediasoupRtpCodecCapability,
  MediasoupRtpCodecParameters,
  MediasoupRtpEncodingParameters,
  MediasoupRtpParameters,
  RtpParametersOptions,
} from './mediasoup.ts';

export { SdpError, SdpErrorCode, SdpWarning, warningHeader } from './errors.ts';
export type { SdpErrorOptions, SdpWarningValue } from './errors.ts';
