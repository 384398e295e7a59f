/**
 * A media slot: one m-line position of the session, with what must stay stable across offers
 * and answers in it (RFC 3264 §8): its kind and protocol, its payload type numbers, our SRTP
 * keys, and its mid. Also the writers that turn codecs into m-line fields.
 */
import type { CodecCapability, FormatParameters, RtcpFeedback } from './codecs.ts';
import { codecKey, writeFormatParameters } from './codecs.ts';
import type { CryptoAttribute, SrtpSuite } from './crypto.ts';
import { generateCryptoAttribute, toSdpCrypto } from './crypto.ts';
import type { LocalConfig } from './local-config.ts';
import type { MediaDescription } from './parse.ts';

/** One m-line position of the session. */
export interface MediaSlot {
  /** Media type of the m-line. */
  readonly kind: string;
  /** Transport protocol of the m-line. */
  readonly protocol: string;
  /** Our port; 0 when the stream is refused or removed. */
  readonly port: number;
  /** The format list last written, for a port-0 line (RFC 4566 §5.14: at least one format). */
  readonly formats: string;
  /** a=mid, when the session uses them. */
  readonly mid: string | undefined;
  /** codec key → payload type used in this slot so far (RFC 3264 §8.3.2: numbers do not move). */
  readonly payloadTypes: Readonly<Record<string, number>>;
  /** Our last a=crypto attributes (keys are kept across re-offers so the SDP stays unchanged). */
  readonly localCrypto: readonly CryptoAttribute[];
}

/** A codec with the payload type it takes on one m-line. */
export interface PlacedCodec {
  /** Payload type. */
  readonly payloadType: number;
  /** rtpmap name. */
  readonly name: string;
  /** Clock rate, Hz. */
  readonly clockRate: number;
  /** Channels; written in rtpmap only when not 1. */
  readonly channels: number | undefined;
  /** fmtp name=value parameters. */
  readonly parameters: FormatParameters | undefined;
  /** Raw fmtp for telephone-event. */
  readonly events: string | undefined;
  /** a=rtcp-fb entries. */
  readonly rtcpFeedback: readonly RtcpFeedback[];
}

const firstDynamic = 96;
const lastDynamic = 127;

/**
 * Choose payload types for codecs we offer: the one already used for the codec in this slot,
 * else the codec's preferred one, else a free dynamic one (96..127). A number mapped to another
 * codec earlier in the session is never reused for a different codec (RFC 3264 §8.3.2).
 *
 * @returns the placed codecs (codecs with no free number are left out) and the updated map
 */
export function placeCodecs(
  slot: MediaSlot | undefined,
  codecs: readonly CodecCapability[],
): { placed: PlacedCodec[]; payloadTypes: Record<string, number> } {
  const payloadTypes: Record<string, number> = { ...slot?.payloadTypes };
  const taken = new Set<number>();
  const reserved = new Map<number, string>(
    Object.entries(payloadTypes).map(([key, payloadType]) => [payloadType, key]),
  );
  const free = (payloadType: number, key: string): boolean =>
    !taken.has(payloadType) && (reserved.get(payloadType) ?? key) === key;
  const placed: PlacedCodec[] = [];
  for (const codec of codecs) {
    const key = codecKey(codec);
    let payloadType = payloadTypes[key];
    if (payloadType === undefined || !free(payloadType, key)) {
      payloadType = codec.payloadType !== undefined && free(codec.payloadType, key) ? codec.payloadType : undefined;
      for (let candidate = firstDynamic; payloadType === undefined && candidate <= lastDynamic; candidate++) {
        if (free(candidate, key)) payloadType = candidate;
      }
    }
    if (payloadType === undefined) continue;
    taken.add(payloadType);
    reserved.set(payloadType, key);
    payloadTypes[key] = payloadType;
    placed.push(placedFrom(codec, payloadType));
  }
  return { placed, payloadTypes };
}

/** A capability placed at a given payload type. */
export function placedFrom(
  codec: CodecCapability,
  payloadType: number,
  parameters = codec.parameters,
  events = codec.events,
): PlacedCodec {
  return {
    payloadType,
    name: codec.name,
    clockRate: codec.clockRate,
    channels: codec.channels,
    parameters,
    events,
    rtcpFeedback: codec.rtcpFeedback ?? [],
  };
}

/** Fill an m-line's format list, a=rtpmap, a=fmtp and a=rtcp-fb from placed codecs. */
export function writeCodecs(media: MediaDescription, placed: readonly PlacedCodec[]): void {
  media.payloads = placed.map((codec) => codec.payloadType).join(' ');
  media.rtp = placed.map((codec) => ({
    payload: codec.payloadType,
    codec: codec.name,
    rate: codec.clockRate,
    ...(codec.channels !== undefined && codec.channels !== 1 ? { encoding: codec.channels } : {}),
  }));
  media.fmtp = [];
  const feedback: NonNullable<MediaDescription['rtcpFb']> = [];
  for (const codec of placed) {
    const config = codec.events ?? writeFormatParameters(codec.parameters);
    if (config !== undefined) media.fmtp.push({ payload: codec.payloadType, config });
    for (const entry of codec.rtcpFeedback) {
      feedback.push({
        payload: codec.payloadType,
        type: entry.type,
        ...(entry.parameter ? { subtype: entry.parameter } : {}),
      });
    }
  }
  if (feedback.length > 0) media.rtcpFb = feedback;
}

/**
 * Our a=crypto attribute for a suite: the key this slot already uses for it (so a re-offer is
 * unchanged), else the configured key, else a fresh random one.
 */
export function localCryptoFor(
  slot: MediaSlot | undefined,
  suite: SrtpSuite,
  tag: number,
  config: LocalConfig,
): CryptoAttribute {
  const existing = slot?.localCrypto.find((attribute) => attribute.suite === suite);
  if (existing !== undefined) return { tag, suite, keyBase64: existing.keyBase64 };
  const configured = config.srtp.keys?.[suite];
  if (configured !== undefined) return { tag, suite, keyBase64: configured };
  return generateCryptoAttribute(tag, suite, config.randomBytes);
}

/** Write a=crypto lines. */
export function writeCrypto(media: MediaDescription, attributes: readonly CryptoAttribute[]): void {
  if (attributes.length > 0) media.crypto = attributes.map(toSdpCrypto);
}

/** A refused or removed m-line: port 0, the same protocol and formats, no attributes (RFC 3264 §6, §8.2). */
export function disabledMedia(kind: string, protocol: string, formats: string): MediaDescription {
  return { type: kind, port: 0, protocol, payloads: formats.trim() === '' ? '0' : formats, rtp: [], fmtp: [] };
}
