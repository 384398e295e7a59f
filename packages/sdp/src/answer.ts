/**
 * Building our answer to one offered m-line (RFC 3264 §6): accept it with the codecs we share,
 * in the offer's payload type numbers, or refuse it with port 0, keeping the m-line.
 */
import type { CodecCapability, RemoteFormat } from './codecs.ts';
import { codecKey, codecMatches, feedbackIncludes, isComfortNoise, isTelephoneEvent } from './codecs.ts';
import type { CryptoAttribute, SrtpSuite } from './crypto.ts';
import { selectCrypto } from './crypto.ts';
import type { Direction } from './direction.ts';
import { answerDirection } from './direction.ts';
import type { SdpWarningValue } from './errors.ts';
import { SdpWarning } from './errors.ts';
import { answerProfileLevelId, packetizationMode } from './h264.ts';
import type { LocalConfig } from './local-config.ts';
import type { MediaLine } from './media-line.ts';
import type { MediaSlot, PlacedCodec } from './media-slot.ts';
import { disabledMedia, localCryptoFor, placedFrom, writeCodecs, writeCrypto } from './media-slot.ts';
import { isSecureProtocol, isSupportedProtocol } from './negotiate.ts';
import type { MediaDescription } from './parse.ts';
import { isAddressOfFamily } from './parse.ts';
import { intersectTelephoneEvents } from './telephone-event.ts';

/** Why an offered stream was refused. */
export interface Refusal {
  /** Short reason for logs and the error message. */
  readonly reason: 'removed' | 'media-type' | 'duplicate' | 'no-transport' | 'protocol' | 'address' | 'srtp' | 'codec';
  /** RFC 3261 §20.43 warning; undefined for a stream the offer itself removed. */
  readonly warning: SdpWarningValue | undefined;
}

/** The answer m-line, the slot it leaves, and the refusal if it is refused. */
export interface AnsweredMedia {
  /** The m-line to write. */
  readonly media: MediaDescription;
  /** The slot state after this answer. */
  readonly slot: MediaSlot;
  /** Set when the stream is refused. */
  readonly refusal: Refusal | undefined;
}

/** Context shared by the m-lines of one answer. */
export interface AnswerContext {
  /** Kinds already accepted earlier in this answer: one audio and one video stream per call. */
  readonly acceptedKinds: ReadonlySet<string>;
  /** The direction we want: sendrecv, or sendonly while we hold. */
  readonly wanted: Direction;
}

/** Answer one offered m-line. */
export function answerMedia(
  offer: MediaLine,
  previous: MediaSlot | undefined,
  config: LocalConfig,
  context: AnswerContext,
): AnsweredMedia {
  const sameKind = previous !== undefined && previous.kind === offer.kind ? previous : undefined;
  const refuse = (reason: Refusal['reason'], warning?: SdpWarningValue): AnsweredMedia => ({
    // RFC 3264 §6: "To reject an offered stream, the port number in the corresponding stream in
    // the answer MUST be set to zero. Any media formats listed are ignored."
    media: disabledMedia(offer.kind, offer.protocol, offer.formats.join(' ')),
    slot: {
      kind: offer.kind,
      protocol: offer.protocol,
      port: 0,
      formats: offer.formats.join(' '),
      mid: offer.mid,
      payloadTypes: sameKind?.payloadTypes ?? {},
      localCrypto: sameKind?.localCrypto ?? [],
    },
    refusal: { reason, warning },
  });
  if (offer.port === 0) return refuse('removed');
  if (offer.kind !== 'audio' && offer.kind !== 'video') return refuse('media-type', SdpWarning.MediaTypeNotAvailable);
  if (context.acceptedKinds.has(offer.kind)) return refuse('duplicate', SdpWarning.MediaTypeNotAvailable);
  const local = config.transport[offer.kind];
  if (local === undefined) return refuse('no-transport', SdpWarning.MediaTypeNotAvailable);
  if (!isSupportedProtocol(offer.protocol)) return refuse('protocol', SdpWarning.IncompatibleTransport);
  if (
    offer.address === undefined ||
    offer.ipVersion === undefined ||
    !isAddressOfFamily(offer.address, offer.ipVersion)
  ) {
    return refuse('address', SdpWarning.IncompatibleAddressFormat);
  }

  // RFC 4568 §7.1.2 / RFC 3711: an RTP/SAVP stream needs one crypto attribute we can use; a
  // plain RTP/AVP stream may carry them too (best-effort SRTP), which we take when SRTP is on.
  let chosenCrypto: CryptoAttribute | undefined;
  if (config.srtp.mode === 'off') {
    if (isSecureProtocol(offer.protocol)) return refuse('srtp', SdpWarning.IncompatibleTransport);
  } else {
    chosenCrypto = selectCrypto(offer.crypto, config.srtp.suites);
    if (chosenCrypto === undefined && (isSecureProtocol(offer.protocol) || config.srtp.mode === 'mandatory')) {
      return refuse('srtp', SdpWarning.IncompatibleTransport);
    }
  }

  const capabilities = config.capabilities[offer.kind];
  const common = commonCodecs(offer.rtpFormats, capabilities, config.codecOrder);
  if (common.length === 0) return refuse('codec', SdpWarning.IncompatibleMediaFormat);
  const selected = config.answerSingleCodec ? common.slice(0, 1) : common;
  const placed: PlacedCodec[] = selected.map(({ remote, local: capability }) => placeForAnswer(remote, capability));
  const primary = selected[0] as { remote: RemoteFormat; local: CodecCapability };
  const telephoneEvent =
    offer.kind === 'audio' ? answerTelephoneEvent(offer.rtpFormats, capabilities, primary.remote.clockRate) : undefined;
  if (telephoneEvent !== undefined) placed.push(telephoneEvent.placed);

  const media: MediaDescription = { type: offer.kind, port: local.port, protocol: offer.protocol, rtp: [], fmtp: [] };
  writeCodecs(media, placed);
  if (offer.kind === 'audio' && config.ptime !== undefined) media.ptime = config.ptime;
  if (offer.kind === 'audio' && config.maxptime !== undefined) media.maxptime = config.maxptime;
  // RFC 5761 §5.1.1: the answerer includes a=rtcp-mux only if the offer did and it will mux.
  if (offer.rtcpMux && config.rtcpMux) media.rtcpMux = 'rtcp-mux';
  if (local.rtcpPort !== undefined) media.rtcp = { port: local.rtcpPort };
  if (offer.mid !== undefined) media.mid = offer.mid;
  media.direction = answerDirection(offer.direction, context.wanted);
  const localCrypto =
    chosenCrypto === undefined
      ? []
      : [localCryptoFor(sameKind, chosenCrypto.suite as SrtpSuite, chosenCrypto.tag, config)];
  writeCrypto(media, localCrypto);

  const payloadTypes = { ...sameKind?.payloadTypes };
  const remember = (key: string, payloadType: number): void => {
    // The offerer's numbers win; drop a stale key that pointed at the same number.
    for (const [other, number] of Object.entries(payloadTypes))
      if (number === payloadType && other !== key) delete payloadTypes[other];
    payloadTypes[key] = payloadType;
  };
  for (const { remote, local: capability } of selected) remember(codecKey(capability), remote.payloadType);
  if (telephoneEvent !== undefined) remember(codecKey(telephoneEvent.capability), telephoneEvent.placed.payloadType);
  return {
    media,
    slot: {
      kind: offer.kind,
      protocol: offer.protocol,
      port: local.port,
      formats: media.payloads ?? '',
      mid: offer.mid,
      payloadTypes,
      localCrypto: localCrypto.length > 0 ? localCrypto : (sameKind?.localCrypto ?? []),
    },
    refusal: undefined,
  };
}

/**
 * Offered media formats we support, each with our matching capability, in the offer's order
 * (RFC 3264 §6.1 lets the answerer order by its own preference: `codecOrder: 'local'`).
 */
function commonCodecs(
  formats: readonly RemoteFormat[],
  capabilities: readonly CodecCapability[],
  order: 'offer' | 'local',
): Array<{ remote: RemoteFormat; local: CodecCapability }> {
  const common: Array<{ remote: RemoteFormat; local: CodecCapability; rank: number }> = [];
  for (const remote of formats) {
    if (isTelephoneEvent(remote) || isComfortNoise(remote)) continue;
    const rank = capabilities.findIndex(
      (capability) => !isTelephoneEvent(capability) && codecMatches(capability, remote),
    );
    if (rank >= 0) common.push({ remote, local: capabilities[rank] as CodecCapability, rank });
  }
  if (order === 'local') common.sort((a, b) => a.rank - b.rank);
  return common;
}

function placeForAnswer(remote: RemoteFormat, local: CodecCapability): PlacedCodec {
  let parameters = local.parameters;
  if (local.name.toLowerCase() === 'h264') {
    // RFC 6184 §8.2.2: same packetization-mode, the offer's profile at a level we can receive.
    const profileLevelId = answerProfileLevelId(local.parameters ?? {}, remote.parameters);
    parameters = {
      ...local.parameters,
      'packetization-mode': packetizationMode(remote.parameters),
      ...(profileLevelId === undefined ? {} : { 'profile-level-id': profileLevelId }),
    };
  }
  const placed = placedFrom(local, remote.payloadType, parameters);
  // RFC 4585 §4.2: only feedback both sides listed.
  return {
    ...placed,
    channels: remote.channels,
    rtcpFeedback: placed.rtcpFeedback.filter((entry) => feedbackIncludes(remote.rtcpFeedback, entry)),
  };
}

function answerTelephoneEvent(
  formats: readonly RemoteFormat[],
  capabilities: readonly CodecCapability[],
  clockRate: number,
): { placed: PlacedCodec; capability: CodecCapability } | undefined {
  // RFC 4733 §2.1/§7.1.1: events at the audio codec's clock rate; the answer lists the events
  // both sides accept.
  const capability = capabilities.find((candidate) => isTelephoneEvent(candidate) && candidate.clockRate === clockRate);
  const offered = formats.find((format) => isTelephoneEvent(format) && format.clockRate === clockRate);
  if (capability === undefined || offered === undefined) return undefined;
  const events = intersectTelephoneEvents(capability.events ?? '0-16', offered.events);
  if (events === undefined) return undefined;
  return { placed: placedFrom(capability, offered.payloadType, undefined, events), capability };
}
