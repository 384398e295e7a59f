/**
 * The codec model: what this side can send and receive, the defaults talkbus offers, RFC 3551
 * static payload types, and the rule that says whether a remote format is one of ours.
 */
import { h264FormatsMatch, packetizationMode, parseProfileLevelId } from './h264.ts';

/** Media kinds this layer negotiates codecs for. Other m-lines (application, image) are refused. */
export type MediaKind = 'audio' | 'video';

/** One RTCP feedback mechanism (RFC 4585 §4.2 `a=rtcp-fb`), e.g. `{ type: 'nack', parameter: 'pli' }`. */
export interface RtcpFeedback {
  /** `nack`, `ccm`, `goog-remb`, `transport-cc`, … */
  readonly type: string;
  /** `pli`, `fir`, … ; absent or empty for none. */
  readonly parameter?: string;
}

/** fmtp parameters (RFC 4566 §6 `a=fmtp`) as name → value. */
export type FormatParameters = Readonly<Record<string, string | number>>;

/** A codec this side supports, in preference order within a list. */
export interface CodecCapability {
  /** `audio` or `video`. */
  readonly kind: MediaKind;
  /** Encoding name as in `a=rtpmap` (`PCMU`, `telephone-event`, `H264`); compared case-insensitively. */
  readonly name: string;
  /** RTP clock rate in Hz (8000 for G.722 too, RFC 3551 §4.5.2). */
  readonly clockRate: number;
  /** Audio channels; default 1 (opus is 2, RFC 7587 §7). */
  readonly channels?: number;
  /** Payload type to offer: static ones are fixed (RFC 3551 §6); dynamic ones 96..127 default in order. */
  readonly payloadType?: number;
  /** fmtp parameters; for H.264 these drive the RFC 6184 matching. */
  readonly parameters?: FormatParameters;
  /** telephone-event only: the events offered, RFC 4733 §7.1.1 syntax (default `0-16`). */
  readonly events?: string;
  /** RTCP feedback this side supports with the codec; only those both sides list are used. */
  readonly rtcpFeedback?: readonly RtcpFeedback[];
}

/** Local capabilities: codecs per kind, most preferred first. */
export interface MediaCapabilities {
  /** Audio codecs including `telephone-event`. Default {@link DEFAULT_AUDIO_CODECS}. */
  readonly audio: readonly CodecCapability[];
  /** Video codecs. Default {@link DEFAULT_VIDEO_CODECS}. */
  readonly video: readonly CodecCapability[];
}

/** G.711 µ-law, static payload type 0 (RFC 3551 §6). */
export const PCMU: CodecCapability = { kind: 'audio', name: 'PCMU', clockRate: 8000, payloadType: 0 };
/** G.711 A-law, static payload type 8 (RFC 3551 §6). */
export const PCMA: CodecCapability = { kind: 'audio', name: 'PCMA', clockRate: 8000, payloadType: 8 };
/** G.722, static payload type 9; its RTP clock is 8000 though it samples at 16 kHz (RFC 3551 §4.5.2). */
export const G722: CodecCapability = { kind: 'audio', name: 'G722', clockRate: 8000, payloadType: 9 };
/** Opus (RFC 7587 §7: always `opus/48000/2`), pass-through only. */
export const OPUS: CodecCapability = {
  kind: 'audio',
  name: 'opus',
  clockRate: 48000,
  channels: 2,
  payloadType: 111,
  parameters: { useinbandfec: 1 },
};
/** RFC 4733 events at 8 kHz, default payload type 101, `a=fmtp:101 0-16` (DTMF and flash). */
export const TELEPHONE_EVENT: CodecCapability = {
  kind: 'audio',
  name: 'telephone-event',
  clockRate: 8000,
  payloadType: 101,
  events: '0-16',
};

const videoFeedback: readonly RtcpFeedback[] = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
];

/** H.264 Constrained Baseline 3.1, packetization-mode 1 (RFC 6184), dynamic pt 96. */
export const H264_PACKETIZATION_MODE_1: CodecCapability = {
  kind: 'video',
  name: 'H264',
  clockRate: 90000,
  payloadType: 96,
  parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  rtcpFeedback: videoFeedback,
};
/** H.264 Constrained Baseline 3.1, packetization-mode 0, dynamic pt 97. */
export const H264_PACKETIZATION_MODE_0: CodecCapability = {
  ...H264_PACKETIZATION_MODE_1,
  payloadType: 97,
  parameters: { 'packetization-mode': 0, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
};
/** VP8 (RFC 7741), dynamic pt 98. */
export const VP8: CodecCapability = {
  kind: 'video',
  name: 'VP8',
  clockRate: 90000,
  payloadType: 98,
  rtcpFeedback: videoFeedback,
};

/** The default audio offer: PCMU 0, PCMA 8, telephone-event 101. Add {@link G722}/{@link OPUS} for pass-through. */
export const DEFAULT_AUDIO_CODECS: readonly CodecCapability[] = [PCMU, PCMA, TELEPHONE_EVENT];
/** The default video offer: H.264 (mode 1, then mode 0), VP8. */
export const DEFAULT_VIDEO_CODECS: readonly CodecCapability[] = [
  H264_PACKETIZATION_MODE_1,
  H264_PACKETIZATION_MODE_0,
  VP8,
];
/** Default capabilities. */
export const DEFAULT_CAPABILITIES: MediaCapabilities = { audio: DEFAULT_AUDIO_CODECS, video: DEFAULT_VIDEO_CODECS };

/** A format as read from a remote m-line (rtpmap, or the static table when rtpmap is absent). */
export interface RemoteFormat {
  /** The payload type in the remote SDP. */
  readonly payloadType: number;
  /** Encoding name. */
  readonly name: string;
  /** Clock rate, Hz. */
  readonly clockRate: number;
  /** Channels (1 when absent). */
  readonly channels: number;
  /** fmtp parameters (telephone-event ranges appear in `events`). */
  readonly parameters: Readonly<Record<string, string>>;
  /** telephone-event fmtp (e.g. `0-15`), when the fmtp is not name=value. */
  readonly events: string | undefined;
  /** rtcp-fb lines for this payload type or `*`. */
  readonly rtcpFeedback: readonly RtcpFeedback[];
}

/** RFC 3551 §6 static audio/video payload types that may appear without an rtpmap. */
const staticPayloadTypes: Readonly<Record<number, readonly [string, number]>> = {
  0: ['PCMU', 8000],
  3: ['GSM', 8000],
  4: ['G723', 8000],
  8: ['PCMA', 8000],
  9: ['G722', 8000],
  13: ['CN', 8000],
  18: ['G729', 8000],
  26: ['JPEG', 90000],
  31: ['H261', 90000],
  34: ['H263', 90000],
};

/** The name and clock rate RFC 3551 §6 assigns to a static payload type, if any. */
export function staticPayloadType(payloadType: number): { name: string; clockRate: number } | undefined {
  const entry = staticPayloadTypes[payloadType];
  return entry === undefined ? undefined : { name: entry[0], clockRate: entry[1] };
}

/** Channels with the RFC 4566 §6 default of 1. */
export function channelsOf(codec: { readonly channels?: number | undefined }): number {
  return codec.channels ?? 1;
}

/**
 * Whether a remote format is the same codec as a local capability: name (case-insensitive),
 * clock rate and channels; for H.264 also packetization-mode and profile (RFC 6184 §8.2.2).
 */
export function codecMatches(
  local: {
    readonly name: string;
    readonly clockRate: number;
    readonly channels?: number;
    readonly parameters?: FormatParameters;
  },
  remote: RemoteFormat,
): boolean {
  if (local.name.toLowerCase() !== remote.name.toLowerCase()) return false;
  if (local.clockRate !== remote.clockRate || channelsOf(local) !== remote.channels) return false;
  if (local.name.toLowerCase() === 'h264') return h264FormatsMatch(local.parameters ?? {}, remote.parameters);
  return true;
}

/**
 * A key that identifies a codec configuration across offers, for keeping payload type numbers
 * stable in a session (RFC 3264 §8.3.2).
 */
export function codecKey(codec: {
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly parameters?: FormatParameters;
}): string {
  const base = `${codec.name.toLowerCase()}/${codec.clockRate}/${codec.channels ?? 1}`;
  if (codec.name.toLowerCase() !== 'h264') return base;
  const parameters = codec.parameters ?? {};
  const profile = parseProfileLevelId(
    parameters['profile-level-id'] === undefined ? undefined : String(parameters['profile-level-id']).padStart(6, '0'),
  );
  return `${base}/${packetizationMode(parameters)}/${profile?.profile ?? '?'}`;
}

/** Whether the codec is RFC 4733 telephone-event. */
export function isTelephoneEvent(codec: { readonly name: string }): boolean {
  return codec.name.toLowerCase() === 'telephone-event';
}

/** Whether the codec is comfort noise (RFC 3389), which is never the primary codec. */
export function isComfortNoise(codec: { readonly name: string }): boolean {
  return codec.name.toLowerCase() === 'cn';
}

/**
 * Parse fmtp config text `a=b;c=d` into name → value. Values stay strings: sdp-transform's own
 * parser turns `420010` into a number and loses leading zeros.
 */
export function parseFormatParameters(config: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const part of config.split(';')) {
    const text = part.trim();
    const equals = text.indexOf('=');
    if (equals <= 0) continue;
    const name = text.slice(0, equals).trim().toLowerCase();
    // Own-property keys only: an fmtp named __proto__ must not reach the prototype.
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
    parameters[name] = text.slice(equals + 1).trim();
  }
  return parameters;
}

/** Write fmtp parameters as `a=b;c=d` (undefined when there are none). */
export function writeFormatParameters(parameters: FormatParameters | undefined): string | undefined {
  const entries = Object.entries(parameters ?? {});
  return entries.length === 0 ? undefined : entries.map(([name, value]) => `${name}=${value}`).join(';');
}

/** Whether a codec is G.711 (PCMU or PCMA at 8 kHz, mono): the codecs tones, mixing and WAV work on. */
export function isG711(codec: {
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
}): boolean {
  const name = codec.name.toUpperCase();
  return (name === 'PCMU' || name === 'PCMA') && codec.clockRate === 8000 && (codec.channels ?? 1) === 1;
}

/** Whether a codec is a feedback entry both lists contain. */
export function feedbackIncludes(list: readonly RtcpFeedback[], entry: RtcpFeedback): boolean {
  return list.some((item) => item.type === entry.type && (item.parameter ?? '') === (entry.parameter ?? ''));
}
