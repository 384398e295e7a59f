/**
 * What an offer m-line and its answer m-line agree on. The same function reads an exchange in
 * both roles: when we answered, the answer is ours; when we offered, it is the peer's, and
 * `strict` makes it check that the answer fits the offer (RFC 3264 §6, §6.1).
 */
import type { RemoteFormat, RtcpFeedback } from './codecs.ts';
import { codecMatches, feedbackIncludes, isComfortNoise, isTelephoneEvent } from './codecs.ts';
import type { SrtpSuite } from './crypto.ts';
import { cryptoUnusableReason, isSrtpSuite } from './crypto.ts';
import { directionFrom, directionReceives, directionSends } from './direction.ts';
import { SdpError, SdpErrorCode, SdpWarning } from './errors.ts';
import type { MediaLine } from './media-line.ts';
import type { NegotiatedCodec, NegotiatedCrypto, NegotiatedMedia, NegotiatedTelephoneEvent } from './negotiated.ts';
import { isAddressOfFamily } from './parse.ts';

/** Whether a transport protocol is SRTP (RFC 3711 §12 `RTP/SAVP`, RFC 5124 `RTP/SAVPF`). */
export function isSecureProtocol(protocol: string): boolean {
  return /^RTP\/SAVPF?$/i.test(protocol);
}

/** Whether a transport protocol is one we carry: RTP over UDP, with or without SRTP (SDES) and AVPF. */
export function isSupportedProtocol(protocol: string): boolean {
  return /^RTP\/S?AVPF?$/i.test(protocol);
}

/** Inputs of {@link negotiateMedia}. */
export interface NegotiationInput {
  /** The offer's m-line. */
  readonly offer: MediaLine;
  /** The answer's m-line (same index). */
  readonly answer: MediaLine;
  /** True when we made the offer (the answer is the peer's). */
  readonly localIsOfferer: boolean;
  /** Check that a peer's answer fits the offer, and throw when it does not. */
  readonly strict: boolean;
}

interface FormatPair {
  readonly offer: RemoteFormat;
  readonly answer: RemoteFormat;
}

/**
 * The negotiated view of one stream.
 *
 * @throws SdpError (only when `strict`): `SDP_ANSWER_MISMATCH` when the answer changes the media
 *   type, omits crypto on an SRTP stream or answers with a tag that was not offered;
 *   `SDP_NO_COMMON_CODEC` when an accepted stream shares no codec with the offer
 */
export function negotiateMedia({ offer, answer, localIsOfferer, strict }: NegotiationInput): NegotiatedMedia {
  const local = localIsOfferer ? offer : answer;
  const remote = localIsOfferer ? answer : offer;
  const fail = (
    code: SdpErrorCode,
    detail: string,
    warning: { code: number; text: string } = SdpWarning.Miscellaneous,
  ): never => {
    throw new SdpError(code, `answer m-line ${offer.index}: ${detail}`, { mediaIndex: offer.index, warning });
  };
  if (strict && answer.kind !== offer.kind)
    fail(SdpErrorCode.AnswerMismatch, `media type ${answer.kind} answers ${offer.kind}`);
  let accepted = offer.port !== 0 && answer.port !== 0 && isSupportedProtocol(offer.protocol);
  if (strict && accepted && answer.protocol.toUpperCase() !== offer.protocol.toUpperCase()) {
    fail(
      SdpErrorCode.AnswerMismatch,
      `protocol ${answer.protocol} answers ${offer.protocol}`,
      SdpWarning.IncompatibleTransport,
    );
  }
  if (
    accepted &&
    (remote.address === undefined ||
      remote.ipVersion === undefined ||
      !isAddressOfFamily(remote.address, remote.ipVersion))
  ) {
    if (strict)
      fail(
        SdpErrorCode.AnswerMismatch,
        'connection address is not an IP literal',
        SdpWarning.IncompatibleAddressFormat,
      );
    accepted = false;
  }
  const pairs = accepted ? pairFormats(offer, answer) : [];
  const codecs = pairs
    .filter((pair) => !isTelephoneEvent(pair.answer) && !isComfortNoise(pair.answer))
    .map((pair) => toCodec(pair, offer.kind, localIsOfferer));
  if (accepted && codecs.length === 0) {
    if (strict)
      fail(SdpErrorCode.NoCommonCodec, 'no codec in common with the offer', SdpWarning.IncompatibleMediaFormat);
    accepted = false;
  }
  const crypto = accepted ? pairCrypto(offer, answer, localIsOfferer) : undefined;
  if (strict && accepted && crypto === undefined && (isSecureProtocol(offer.protocol) || answer.crypto.length > 0)) {
    fail(
      SdpErrorCode.AnswerMismatch,
      'no a=crypto in the answer matches an offered one',
      SdpWarning.IncompatibleTransport,
    );
  }
  const first = codecs[0];
  const telephoneEvent =
    accepted && first !== undefined ? pairTelephoneEvent(pairs, first.clockRate, localIsOfferer) : undefined;
  const rtcpMux = offer.rtcpMux && answer.rtcpMux;
  const remoteAddress = remote.address ?? '';
  const sends = accepted && directionSends(local.direction) && directionReceives(remote.direction);
  const receives = accepted && directionReceives(local.direction) && directionSends(remote.direction);
  return {
    index: offer.index,
    kind: offer.kind,
    mid: offer.mid,
    protocol: offer.protocol,
    accepted,
    direction: directionFrom(sends, receives),
    localDirection: local.direction,
    remoteDirection: remote.direction,
    local: { address: local.address ?? '', port: local.port, rtcpPort: local.rtcp?.port },
    remote: {
      address: remoteAddress,
      port: remote.port,
      rtcpAddress: remote.rtcp?.address ?? remoteAddress,
      // RFC 5761 §5.1.3: with rtcp-mux agreed, RTCP goes to the RTP port; RFC 3605 a=rtcp;
      // otherwise RFC 3550 §11: the next higher (odd) port.
      rtcpPort: rtcpMux ? remote.port : (remote.rtcp?.port ?? (remote.port === 0 ? 0 : remote.port + 1)),
      ssrcs: remote.ssrcs,
      cname: remote.cname,
    },
    rtcpMux,
    codecs: accepted ? codecs : [],
    telephoneEvent,
    ptime: remote.ptime,
    maxptime: remote.maxptime,
    localPtime: local.ptime,
    crypto,
  };
}

/**
 * Pair each answer format with the offer format it stands for: the same payload type when the
 * codec matches (RFC 3264 §6.1: the answer SHOULD use the offer's numbers), else the first
 * matching codec. Answer formats with no counterpart are ignored.
 */
function pairFormats(offer: MediaLine, answer: MediaLine): FormatPair[] {
  const pairs: FormatPair[] = [];
  for (const format of answer.rtpFormats) {
    const same = offer.rtpFormats.find(
      (candidate) => candidate.payloadType === format.payloadType && sameCodec(candidate, format),
    );
    const match = same ?? offer.rtpFormats.find((candidate) => sameCodec(candidate, format));
    if (match !== undefined && !pairs.some((pair) => pair.offer === match))
      pairs.push({ offer: match, answer: format });
  }
  return pairs;
}

function sameCodec(a: RemoteFormat, b: RemoteFormat): boolean {
  return codecMatches(a, b);
}

function toCodec(pair: FormatPair, kind: string, localIsOfferer: boolean): NegotiatedCodec {
  const local = localIsOfferer ? pair.offer : pair.answer;
  const remote = localIsOfferer ? pair.answer : pair.offer;
  return {
    kind: kind === 'video' ? 'video' : 'audio',
    name: local.name,
    clockRate: local.clockRate,
    channels: local.channels,
    payloadType: remote.payloadType,
    localPayloadType: local.payloadType,
    parameters: remote.parameters,
    localParameters: local.parameters,
    rtcpFeedback: intersectFeedback(local.rtcpFeedback, remote.rtcpFeedback),
  };
}

function intersectFeedback(local: readonly RtcpFeedback[], remote: readonly RtcpFeedback[]): RtcpFeedback[] {
  const result: RtcpFeedback[] = [];
  for (const entry of local)
    if (feedbackIncludes(remote, entry) && !feedbackIncludes(result, entry)) result.push(entry);
  return result;
}

function pairTelephoneEvent(
  pairs: readonly FormatPair[],
  clockRate: number,
  localIsOfferer: boolean,
): NegotiatedTelephoneEvent | undefined {
  // RFC 4733 §2.1: the event clock is the audio codec's; events at other rates are not used.
  const pair = pairs.find(
    (candidate) => isTelephoneEvent(candidate.answer) && candidate.answer.clockRate === clockRate,
  );
  if (pair === undefined) return undefined;
  const local = localIsOfferer ? pair.offer : pair.answer;
  const remote = localIsOfferer ? pair.answer : pair.offer;
  return {
    payloadType: remote.payloadType,
    localPayloadType: local.payloadType,
    clockRate,
    events: remote.events ?? '0-15',
  };
}

/**
 * RFC 4568 §5.1.2/§6.1: the answer carries one crypto attribute whose tag and suite are those
 * of an offered attribute; each side's attribute holds the key it sends with.
 */
function pairCrypto(offer: MediaLine, answer: MediaLine, localIsOfferer: boolean): NegotiatedCrypto | undefined {
  const chosen = answer.crypto[0];
  if (chosen === undefined) return undefined;
  const offered = offer.crypto.find((attribute) => attribute.tag === chosen.tag && attribute.suite === chosen.suite);
  if (offered === undefined || !isSrtpSuite(chosen.suite)) return undefined;
  // The peer's attribute must be one mediasoup can use (no MKI, one key of the right length).
  const theirs = localIsOfferer ? chosen : offered;
  if (cryptoUnusableReason(theirs, [chosen.suite]) !== undefined) return undefined;
  return {
    suite: chosen.suite as SrtpSuite,
    tag: chosen.tag,
    local: localIsOfferer ? offered : chosen,
    remote: localIsOfferer ? chosen : offered,
  };
}
