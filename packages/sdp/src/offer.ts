/**
 * Building our offer's m-lines (RFC 3264 §5) and re-offers (§8): the capability list with
 * stable payload types, SDES keys, ptime, rtcp-mux, and the direction for hold.
 */
import type { CodecCapability } from './codecs.ts';
import { codecMatches } from './codecs.ts';
import type { Direction } from './direction.ts';
import type { NegotiatedCodec } from './negotiated.ts';
import type { LocalConfig } from './local-config.ts';
import type { MediaSlot } from './media-slot.ts';
import { disabledMedia, localCryptoFor, placeCodecs, writeCodecs, writeCrypto } from './media-slot.ts';
import type { MediaDescription } from './parse.ts';

/** The protocol a new m-line is offered with: RTP/SAVP when SRTP is mandatory (RFC 3711 §12), else RTP/AVP. */
export function protocolForNewMedia(config: LocalConfig): string {
  return config.srtp.mode === 'mandatory' ? 'RTP/SAVP' : 'RTP/AVP';
}

/** A fresh slot for a new stream of `kind`. */
export function newSlot(kind: 'audio' | 'video', config: LocalConfig, mid: string | undefined): MediaSlot {
  return {
    kind,
    protocol: protocolForNewMedia(config),
    port: config.transport[kind]?.port ?? 0,
    formats: '',
    mid,
    payloadTypes: {},
    localCrypto: [],
  };
}

/**
 * The offer's m-line for a slot. A disabled slot (port 0), a kind we have no transport or codec
 * for, is written with port 0 and no attributes (RFC 3264 §8.2).
 */
export function offerMedia(
  slot: MediaSlot,
  config: LocalConfig,
  direction: Direction,
  current?: NegotiatedCodec,
): { media: MediaDescription; slot: MediaSlot } {
  const disabled = (): { media: MediaDescription; slot: MediaSlot } => {
    const formats = slot.formats === '' ? '0' : slot.formats;
    return { media: disabledMedia(slot.kind, slot.protocol, formats), slot: { ...slot, port: 0, formats } };
  };
  if (slot.port === 0 || (slot.kind !== 'audio' && slot.kind !== 'video')) return disabled();
  const local = config.transport[slot.kind];
  if (local === undefined) return disabled();
  const { placed, payloadTypes } = placeCodecs(slot, preferCurrent(config.capabilities[slot.kind], current));
  if (placed.every((codec) => codec.name.toLowerCase() === 'telephone-event')) return disabled();

  const media: MediaDescription = { type: slot.kind, port: local.port, protocol: slot.protocol, rtp: [], fmtp: [] };
  writeCodecs(media, placed);
  if (slot.kind === 'audio' && config.ptime !== undefined) media.ptime = config.ptime;
  if (slot.kind === 'audio' && config.maxptime !== undefined) media.maxptime = config.maxptime;
  // RFC 5761 §5.1.1: offer multiplexing with a=rtcp-mux; a=rtcp (RFC 3605) when RTCP has its own port.
  if (config.rtcpMux) media.rtcpMux = 'rtcp-mux';
  if (local.rtcpPort !== undefined) media.rtcp = { port: local.rtcpPort };
  if (slot.mid !== undefined) media.mid = slot.mid;
  media.direction = direction;
  // RFC 4568 §7.1.1: one attribute per acceptable suite, most preferred first, distinct tags.
  const localCrypto =
    config.srtp.mode === 'off'
      ? []
      : config.srtp.suites.map((suite, index) => localCryptoFor(slot, suite, index + 1, config));
  writeCrypto(media, localCrypto);
  return {
    media,
    slot: {
      ...slot,
      port: local.port,
      formats: media.payloads ?? '',
      payloadTypes,
      localCrypto: localCrypto.length > 0 ? localCrypto : slot.localCrypto,
    },
  };
}

/**
 * Capabilities with the codec in use moved to the front, so a re-offer for hold or a session
 * refresh keeps the codec (the answerer takes the offer's order) instead of switching it.
 */
function preferCurrent(
  capabilities: readonly CodecCapability[],
  current: NegotiatedCodec | undefined,
): readonly CodecCapability[] {
  if (current === undefined) return capabilities;
  const inUse = {
    payloadType: current.localPayloadType,
    name: current.name,
    clockRate: current.clockRate,
    channels: current.channels,
    parameters: current.parameters,
    events: undefined,
    rtcpFeedback: [],
  };
  const index = capabilities.findIndex((capability) => codecMatches(capability, inUse));
  if (index <= 0) return capabilities;
  return [capabilities[index] as CodecCapability, ...capabilities.slice(0, index), ...capabilities.slice(index + 1)];
}
