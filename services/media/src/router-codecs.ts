/**
 * The codecs of the routers, and the payload-type profiles they are created with.
 *
 * Two facts about mediasoup 3.27 shape this file (both checked against its worker sources):
 *
 * 1. A consumer sends with the *router's* payload types; it never rewrites them to what the remote
 *    side asked for. RFC 3264 §5.1 makes the peer's SDP choose the numbers we send with, so a
 *    router is created per payload-type profile (the numbers one call sends with), and calls with
 *    the same profile share it. Most calls use the default profile.
 * 2. Consumers forward only "media" codecs: `audio/telephone-event` is a complementary codec and
 *    is dropped by every consumer (`Consumer.cpp`, `supportedCodecPayloadTypes`). RFC 4733 events
 *    therefore travel inside mediasoup labelled as a media codec that SIP calls never use,
 *    {@link DTMF_CARRIER_MIME} (iLBC at 8 kHz), on the telephone-event payload type of the call:
 *    the packets keep the audio stream's SSRC and sequence numbers (RFC 4733 §2.1), and each hop
 *    maps the number like any other codec's.
 */
import type { types } from 'mediasoup';

/** The media codec name that carries RFC 4733 events through mediasoup (see the file comment). */
export const DTMF_CARRIER_MIME = 'audio/iLBC';

/** A router codec with its default payload type. */
interface TableEntry {
  key: string;
  capability: types.RtpCodecCapability;
}

const h264Parameters = { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 };

/** Every codec a router carries (guide §4.3 codec lists), with default payload types. */
const TABLE: readonly TableEntry[] = [
  {
    key: 'audio/pcmu/8000',
    capability: { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, preferredPayloadType: 0 },
  },
  {
    key: 'audio/pcma/8000',
    capability: { kind: 'audio', mimeType: 'audio/PCMA', clockRate: 8000, preferredPayloadType: 8 },
  },
  {
    key: 'audio/g722/8000',
    capability: { kind: 'audio', mimeType: 'audio/G722', clockRate: 8000, preferredPayloadType: 9 },
  },
  {
    key: 'audio/opus/48000',
    capability: { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 111 },
  },
  {
    key: 'dtmf/8000',
    capability: { kind: 'audio', mimeType: DTMF_CARRIER_MIME, clockRate: 8000, preferredPayloadType: 101 },
  },
  {
    key: 'video/vp8/90000',
    capability: { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96 },
  },
  {
    key: 'video/h264/90000',
    capability: {
      kind: 'video',
      mimeType: 'video/H264',
      clockRate: 90000,
      preferredPayloadType: 102,
      parameters: h264Parameters,
    },
  },
];

/** The key of a codec in the table (`audio/pcmu/8000`), or undefined for one routers do not carry. */
export function codecKey(kind: 'audio' | 'video', name: string, clockRate: number): string | undefined {
  const key = `${kind}/${name.toLowerCase()}/${clockRate}`;
  return TABLE.some((entry) => entry.key === key) ? key : undefined;
}

/** The key of the DTMF carrier. */
export const DTMF_KEY = 'dtmf/8000';

/** Payload types one call sends with: codec key → payload type. */
export type PayloadProfile = ReadonlyMap<string, number>;

/** A stable name of a profile (the default profile is `default`). */
export function profileName(profile: PayloadProfile): string {
  const entries = [...profile.entries()].filter(
    ([key, pt]) => TABLE.find((entry) => entry.key === key)?.capability.preferredPayloadType !== pt,
  );
  if (entries.length === 0) return 'default';
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, pt]) => `${key}=${pt}`)
    .join(',');
}

/** mediasoup's dynamic payload types, in the order it hands them to RTX (`ortc.js`). */
const DYNAMIC_PAYLOAD_TYPES = [...Array.from({ length: 28 }, (_, index) => 100 + index), 96, 97, 98, 99];

/**
 * Router `mediaCodecs` for a profile: the profile's codecs on its payload types, every other
 * codec moved to a free dynamic number when its default is taken.
 *
 * mediasoup gives each video codec an RTX codec on the first dynamic number that no codec
 * *listed before it* uses, and refuses a later codec on that number ("duplicated
 * codec.preferredPayloadType": VP8 on the peer's 100 took RTX 102, H.264's default). So the
 * profile's codecs come first, and the others are numbered knowing the RTX numbers taken so far.
 */
export function routerCodecs(profile: PayloadProfile): types.RtpCodecCapability[] {
  const ordered = [
    ...TABLE.filter((entry) => profile.has(entry.key)),
    ...TABLE.filter((entry) => !profile.has(entry.key)),
  ];
  const used = new Set<number>(profile.values());
  const dynamic = [...DYNAMIC_PAYLOAD_TYPES];
  const result: types.RtpCodecCapability[] = [];
  for (const entry of ordered) {
    let pt = profile.get(entry.key) ?? entry.capability.preferredPayloadType!;
    if (!profile.has(entry.key) && used.has(pt)) pt = dynamic.find((candidate) => !used.has(candidate))!;
    used.add(pt);
    if (dynamic.includes(pt)) dynamic.splice(dynamic.indexOf(pt), 1);
    if (entry.capability.kind === 'video') used.add(dynamic.shift()!); // its RTX
    result.push({ ...entry.capability, preferredPayloadType: pt });
  }
  return result;
}

/** The router capability for a codec key in a router's codecs. */
export function capabilityOf(
  codecs: readonly types.RtpCodecCapability[],
  key: string,
): types.RtpCodecCapability | undefined {
  // By MIME type and clock rate, not position: a router's capabilities add video/rtx after each video codec.
  const wanted = TABLE.find((entry) => entry.key === key)?.capability;
  if (!wanted) return undefined;
  return codecs.find(
    (codec) =>
      codec.mimeType.toLowerCase() === wanted.mimeType.toLowerCase() &&
      codec.clockRate === wanted.clockRate &&
      (codec.channels ?? 1) === (wanted.channels ?? 1),
  );
}
