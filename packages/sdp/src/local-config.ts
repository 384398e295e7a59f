/**
 * The options a {@link MediaSession} is created with, and their checked, defaulted form.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { CodecCapability, MediaCapabilities, MediaKind } from './codecs.ts';
import { DEFAULT_AUDIO_CODECS, DEFAULT_VIDEO_CODECS } from './codecs.ts';
import type { SrtpSuite } from './crypto.ts';
import { DEFAULT_SRTP_SUITES, isSrtpSuite, srtpKeyLength } from './crypto.ts';
import { SdpError, SdpErrorCode } from './errors.ts';
import type { SdpLimits } from './parse.ts';

/** Where one kind of media is received locally (a mediasoup PlainTransport's tuple). */
export interface LocalPort {
  /** RTP port, 1..65535. */
  readonly port: number;
  /** RTCP port, announced with a=rtcp (RFC 3605) when given; omit when RTCP is muxed or on port + 1. */
  readonly rtcpPort?: number;
}

/** The local transport addresses the SDP advertises. */
export interface LocalTransport {
  /** IPv4 or IPv6 literal for c= and o= (RFC 4566 §5.7). */
  readonly address: string;
  /** Audio port; without it audio streams are refused. */
  readonly audio?: LocalPort;
  /** Video port; without it video streams are refused (port 0) and never offered. */
  readonly video?: LocalPort;
}

/** SDES-SRTP policy (RFC 4568). */
export interface SrtpOptions {
  /**
   * `off`: RTP only; RTP/SAVP offers are refused. `optional`: offer RTP/AVP with a=crypto
   * (best-effort SRTP) and accept either. `mandatory`: offer RTP/SAVP and refuse plain RTP.
   * Default `off`.
   */
  readonly mode: 'off' | 'optional' | 'mandatory';
  /** Suites in preference order, default {@link DEFAULT_SRTP_SUITES}. */
  readonly suites?: readonly SrtpSuite[];
  /**
   * Local master key||salt (base64) per suite, e.g. from mediasoup's `transport.srtpParameters`;
   * suites without one get a random key from `randomBytes`.
   */
  readonly keys?: Readonly<Partial<Record<SrtpSuite, string>>>;
}

/** Options of a {@link MediaSession}. */
export interface MediaSessionOptions {
  /** Local address and ports. Can be changed later with `setTransport`. */
  readonly transport: LocalTransport;
  /** Codecs per kind in preference order; default audio PCMU, PCMA, telephone-event; video H264, VP8. */
  readonly capabilities?: Partial<MediaCapabilities>;
  /** a=ptime written on audio, ms; default 20. 0 leaves it out. */
  readonly ptime?: number;
  /** a=maxptime written on audio, ms; default none. */
  readonly maxptime?: number;
  /** Offer and accept RTP/RTCP multiplexing (RFC 5761); default true. */
  readonly rtcpMux?: boolean;
  /** SRTP policy; default `{ mode: 'off' }`. */
  readonly srtp?: SrtpOptions;
  /** Put only the first common codec (plus telephone-event) in answers; default true. */
  readonly answerSingleCodec?: boolean;
  /** Whose preference orders codecs in an answer: `offer` (RFC 3264 §6.1, default) or `local`. */
  readonly codecOrder?: 'offer' | 'local';
  /** o= username; default `-`. */
  readonly username?: string;
  /** o= sess-id, decimal digits; default random. */
  readonly sessionId?: string;
  /** First o= sess-version; default 1. */
  readonly sessionVersion?: number;
  /** s= text; default `talkbus`. */
  readonly sessionName?: string;
  /** Limits for incoming SDP. */
  readonly limits?: SdpLimits;
  /** Random source for keys and the session id; default node:crypto `randomBytes`. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** Options after defaults and checks. */
export interface LocalConfig {
  readonly transport: LocalTransport;
  readonly ipVersion: 4 | 6;
  readonly capabilities: MediaCapabilities;
  readonly ptime: number | undefined;
  readonly maxptime: number | undefined;
  readonly rtcpMux: boolean;
  readonly srtp: {
    readonly mode: SrtpOptions['mode'];
    readonly suites: readonly SrtpSuite[];
    readonly keys: SrtpOptions['keys'];
  };
  readonly answerSingleCodec: boolean;
  readonly codecOrder: 'offer' | 'local';
  readonly username: string;
  readonly sessionName: string;
  readonly limits: SdpLimits;
  readonly randomBytes: (size: number) => Uint8Array;
}

function invalid(detail: string): SdpError {
  return new SdpError(SdpErrorCode.InvalidOptions, detail);
}

/** Check a transport and return the IP version of its address. */
export function checkTransport(transport: LocalTransport): 4 | 6 {
  const family = isIP(transport?.address ?? '');
  if (family !== 4 && family !== 6) throw invalid('transport.address must be an IPv4 or IPv6 literal');
  for (const kind of ['audio', 'video'] as const) {
    const local = transport[kind];
    if (local === undefined) continue;
    if (!isPort(local.port)) throw invalid(`transport.${kind}.port must be 1..65535`);
    if (local.rtcpPort !== undefined && !isPort(local.rtcpPort))
      throw invalid(`transport.${kind}.rtcpPort must be 1..65535`);
  }
  return family;
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function checkCodecs(kind: MediaKind, codecs: readonly CodecCapability[]): readonly CodecCapability[] {
  for (const codec of codecs) {
    if (codec.kind !== kind) throw invalid(`capabilities.${kind} holds a ${codec.kind} codec (${codec.name})`);
    if (!/^[A-Za-z0-9._-]+$/.test(codec.name))
      throw invalid(`codec name ${JSON.stringify(codec.name)} is not an rtpmap token`);
    if (!Number.isInteger(codec.clockRate) || codec.clockRate <= 0)
      throw invalid(`codec ${codec.name} has a bad clock rate`);
    if (
      codec.payloadType !== undefined &&
      !(Number.isInteger(codec.payloadType) && codec.payloadType >= 0 && codec.payloadType <= 127)
    ) {
      throw invalid(`codec ${codec.name} has a payload type outside 0..127`);
    }
  }
  return codecs;
}

/** Apply defaults and check options. @throws SdpError `SDP_INVALID_OPTIONS` */
export function resolveOptions(options: MediaSessionOptions): LocalConfig {
  const ipVersion = checkTransport(options.transport);
  const srtpMode = options.srtp?.mode ?? 'off';
  if (srtpMode !== 'off' && srtpMode !== 'optional' && srtpMode !== 'mandatory')
    throw invalid('srtp.mode must be off, optional or mandatory');
  const suites = options.srtp?.suites ?? DEFAULT_SRTP_SUITES;
  if (suites.length === 0 || !suites.every(isSrtpSuite))
    throw invalid('srtp.suites must name SRTP suites mediasoup supports');
  for (const [suite, key] of Object.entries(options.srtp?.keys ?? {})) {
    if (!isSrtpSuite(suite) || typeof key !== 'string' || Buffer.from(key, 'base64').length !== srtpKeyLength(suite)) {
      throw invalid(`srtp.keys.${suite} is not a base64 key of the suite's length`);
    }
  }
  const ptime = options.ptime ?? 20;
  if (!Number.isInteger(ptime) || ptime < 0 || ptime > 1000) throw invalid('ptime must be 0..1000 ms');
  if (options.maxptime !== undefined && !(Number.isInteger(options.maxptime) && options.maxptime > 0))
    throw invalid('maxptime must be a positive integer');
  const username = options.username ?? '-';
  if (!/^\S+$/.test(username)) throw invalid('username must be one token');
  const sessionName = options.sessionName ?? 'talkbus';
  if (/[\r\n]/.test(sessionName) || sessionName.length === 0) throw invalid('sessionName must be one non-empty line');
  return {
    transport: options.transport,
    ipVersion,
    capabilities: {
      audio: checkCodecs('audio', options.capabilities?.audio ?? DEFAULT_AUDIO_CODECS),
      video: checkCodecs('video', options.capabilities?.video ?? DEFAULT_VIDEO_CODECS),
    },
    ptime: ptime === 0 ? undefined : ptime,
    maxptime: options.maxptime,
    rtcpMux: options.rtcpMux ?? true,
    srtp: { mode: srtpMode, suites, keys: options.srtp?.keys },
    answerSingleCodec: options.answerSingleCodec ?? true,
    codecOrder: options.codecOrder ?? 'offer',
    username,
    sessionName,
    limits: options.limits ?? {},
    randomBytes: options.randomBytes ?? ((size) => nodeRandomBytes(size)),
  };
}
