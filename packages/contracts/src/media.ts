/**
 * The media service's API (guide §4.3.1 audio devices, §6.9 ring tones and early media, table
 * 6-1 per-call mute/DTMF/mix): per call a media endpoint on a mediasoup worker, what the local
 * side says and hears (virtual devices, files, tones, other calls), and the audio devices.
 *
 * Calls are addressed by `sessionId` (the session service's id of the call): one endpoint per
 * session. The negotiated streams come from `packages/sdp` (`NegotiatedMedia`), reduced to the
 * wire shape {@link MediaStreamParams} by {@link mediaStreamFromNegotiated}.
 */
import { action } from './action.ts';
import { accountName } from './profile.ts';
import { t, type TypeOf } from './schema.ts';

const sessionId = t.string({ min: 1, max: 128 });
const sessionRef = { sessionId };
const ipLiteral = t.string({
  min: 2,
  max: 45,
  pattern: /^[0-9a-fA-F:.]+$/,
  patternMessage: "The '{field}' field must be an IP address literal.",
});
const filePath = t.string({ min: 1, max: 4096 });
const payloadType = t.integer({ min: 0, max: 127 });

/** SRTP suites a PlainTransport can use (RFC 4568 / RFC 7714 names, as mediasoup spells them). */
export const MEDIA_SRTP_SUITES = [
  'AEAD_AES_256_GCM',
  'AEAD_AES_128_GCM',
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
] as const;
/** One of {@link MEDIA_SRTP_SUITES}. */
export type MediaSrtpSuite = (typeof MEDIA_SRTP_SUITES)[number];

/** Stream directions seen from our side (RFC 3264 §5.1; sendonly/inactive for hold, guide §6.6). */
export const MEDIA_DIRECTIONS = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;
/** One of {@link MEDIA_DIRECTIONS}. */
export type MediaDirection = (typeof MEDIA_DIRECTIONS)[number];

/** Tones `media.ring.play` knows (guide §6.9.1 EN_MTC_RING_*, plus busy, call waiting, dial). */
export const MEDIA_TONES = ['ring', 'ringback', 'call-ended', 'call-failed', 'busy', 'call-waiting', 'dial'] as const;
/** One of {@link MEDIA_TONES}. */
export type MediaTone = (typeof MEDIA_TONES)[number];

/** Tone regions (cadences and frequencies differ per country). */
export const MEDIA_TONE_REGIONS = ['CN', 'US', 'EU'] as const;

/** The virtual audio input devices (guide §4.3.1.1: a talkbus node has no microphone). */
export const AUDIO_INPUT_DEVICES = ['silence', 'tone'] as const;
/** The virtual audio output devices (guide §4.3.1.2: a talkbus node has no speaker). */
export const AUDIO_OUTPUT_DEVICES = ['null', 'wav'] as const;

const codecRule = t.object({
  name: t.string({ min: 1, max: 32 }),
  clockRate: t.integer({ min: 1000, max: 192_000 }),
  channels: t.optional(t.integer({ min: 1, max: 8 })),
  payloadType,
  localPayloadType: payloadType,
  parameters: t.optional(t.record(t.string({ max: 256 }), { maxKeys: 16 })),
});

const streamRule = t.object({
  index: t.integer({ min: 0, max: 15 }),
  kind: t.enum(['audio', 'video'] as const),
  accepted: t.boolean(),
  direction: t.enum(MEDIA_DIRECTIONS),
  rtcpMux: t.boolean(),
  remote: t.object({
    address: ipLiteral,
    port: t.integer({ min: 0, max: 65535 }),
    rtcpPort: t.optional(t.integer({ min: 0, max: 65535 })),
    ssrcs: t.optional(t.array(t.integer({ min: 0, max: 0xffffffff }), { max: 8 })),
  }),
  codecs: t.array(codecRule, { min: 0, max: 16 }),
  telephoneEvent: t.optional(
    t.object({ payloadType, localPayloadType: payloadType, clockRate: t.integer({ min: 8000, max: 48_000 }) }),
  ),
  ptime: t.optional(t.integer({ min: 10, max: 120 })),
  crypto: t.optional(t.object({ suite: t.enum(MEDIA_SRTP_SUITES), remoteKeyBase64: t.string({ min: 16, max: 128 }) })),
});

/** One negotiated m-line as `media.endpoint.update` takes it (a reduced `NegotiatedMedia`). */
export type MediaStreamParams = TypeOf<typeof streamRule>;

/**
 * The subset of `packages/sdp`'s `NegotiatedMedia` that {@link mediaStreamFromNegotiated} reads
 * (structural, so contracts do not depend on the SDP package).
 */
export interface NegotiatedMediaLike {
  readonly index: number;
  readonly kind: string;
  readonly accepted: boolean;
  readonly direction: MediaDirection;
  readonly rtcpMux: boolean;
  readonly remote: {
    readonly address: string;
    readonly port: number;
    readonly rtcpPort: number;
    readonly ssrcs: readonly number[];
  };
  readonly codecs: readonly {
    readonly name: string;
    readonly clockRate: number;
    readonly channels: number;
    readonly payloadType: number;
    readonly localPayloadType: number;
    readonly parameters: Readonly<Record<string, string>>;
  }[];
  readonly telephoneEvent:
    { readonly payloadType: number; readonly localPayloadType: number; readonly clockRate: number } | undefined;
  readonly ptime: number | undefined;
  readonly crypto: { readonly suite: string; readonly remote: { readonly keyBase64: string } } | undefined;
}

/** Reduces a negotiated m-line (from `MediaSession`) to the params of `media.endpoint.update`. */
export function mediaStreamFromNegotiated(media: NegotiatedMediaLike): MediaStreamParams {
  return {
    index: media.index,
    kind: media.kind === 'video' ? 'video' : 'audio',
    accepted: media.accepted && (media.kind === 'audio' || media.kind === 'video'),
    direction: media.direction,
    rtcpMux: media.rtcpMux,
    remote: {
      address: media.remote.address,
      port: media.remote.port,
      rtcpPort: media.remote.rtcpPort,
      ssrcs: [...media.remote.ssrcs],
    },
    codecs: media.codecs.map((codec) => ({
      name: codec.name,
      clockRate: codec.clockRate,
      channels: codec.channels,
      payloadType: codec.payloadType,
      localPayloadType: codec.localPayloadType,
      parameters: { ...codec.parameters },
    })),
    // Only the fields the schema takes: the SDP layer's object also carries the fmtp event list.
    ...(media.telephoneEvent
      ? {
          telephoneEvent: {
            payloadType: media.telephoneEvent.payloadType,
            localPayloadType: media.telephoneEvent.localPayloadType,
            clockRate: media.telephoneEvent.clockRate,
          },
        }
      : {}),
    ...(media.ptime !== undefined ? { ptime: media.ptime } : {}),
    ...(media.crypto
      ? { crypto: { suite: media.crypto.suite as MediaSrtpSuite, remoteKeyBase64: media.crypto.remote.keyBase64 } }
      : {}),
  };
}

/** Our side of one kind of media: what the SDP advertises. */
export interface MediaLocalPort {
  /** RTP port. */
  port: number;
  /** RTCP port: `port` when muxed, else `port + 1`. */
  rtcpPort: number;
  /** Our SDES key when SRTP is on (give it to the SDP layer's `srtp.keys`). */
  srtp: { suite: MediaSrtpSuite; keyBase64: string } | null;
}

/** What the local side says (the endpoint's input). */
export type MediaInput = TypeOf<typeof inputRule>;
/** What the local side hears (the endpoint's output). */
export type MediaOutput = TypeOf<typeof outputRule>;

const inputRule = t.object({
  kind: t.enum(['device', 'silence', 'tone', 'file'] as const),
  /** tone: frequencies in Hz (1–4). */
  frequencies: t.optional(t.array(t.integer({ min: 50, max: 4000 }), { min: 1, max: 4 })),
  /** tone: level in dBm0, default -10. */
  levelDbm0: t.optional(t.integer({ min: -60, max: 0 })),
  /** file: a WAV file (8 kHz G.711 or PCM16). */
  path: t.optional(filePath),
  /** file: loop (default true). */
  loop: t.optional(t.boolean()),
});
/** What the local side shows (the endpoint's virtual video input, sent through ffmpeg). */
export type MediaVideoInput = TypeOf<typeof videoInputRule>;
/** `media.endpoint.video`'s input (also taken by `session.video`). */
export const videoInputRule = t.object({
  /** none: stop; pattern: ffmpeg's test pattern (320×240, 15 fps); file: a looped video file. */
  kind: t.enum(['none', 'pattern', 'file'] as const),
  /** file: the video file ffmpeg reads. */
  path: t.optional(filePath),
});
const outputRule = t.object({
  kind: t.enum(['device', 'null', 'wav'] as const),
  /** wav: where to write (inside the node's data directory). */
  path: t.optional(filePath),
});

/** An endpoint as the media service reports it. */
export interface MediaEndpointInfo {
  endpointId: string;
  sessionId: string;
  account: string;
  /** The worker process carrying the endpoint. */
  workerPid: number;
  /** The address for our c= line. */
  address: string;
  audio: MediaLocalPort | null;
  video: MediaLocalPort | null;
  /** Whether `media.endpoint.update` has applied a negotiation. */
  negotiated: boolean;
  /** Direction of the audio stream from our side, null before negotiation. */
  direction: MediaDirection | null;
  /** The other call this one is bridged to, if any. */
  bridgedTo: string | null;
  /** Local ringback or the network's early media (guide §6.9.2). */
  earlyMedia: 'local-ringback' | 'network';
  mic: { muted: boolean };
  speaker: { muted: boolean };
  input: MediaInput;
  output: MediaOutput;
}

/** Audio statistics of an endpoint (RTCP and receive counters). */
export interface MediaAudioStats {
  packetsReceived: number;
  packetsLost: number;
  /** packetsLost / (packetsReceived + packetsLost), 0..1. */
  lossRatio: number;
  /** Last RTCP fraction lost, 0..1. */
  fractionLost: number;
  /** Interarrival jitter, RTP timestamp units. */
  jitter: number;
  packetsSent: number;
  /** The peer's SSRC, once learnt. */
  remoteSsrc: number | null;
}

const volume = t.integer({ min: 0, max: 100, convert: true });
const deviceIndex = t.integer({ min: 0, max: 64, convert: true });

/** Actions of the `media` service. */
export const mediaActions = {
  endpointCreate: action<MediaEndpointInfo>()(
    'media.endpoint.create',
    {
      ...sessionRef,
      account: accountName,
      audio: t.optional(t.boolean()),
      video: t.optional(t.boolean()),
      comedia: t.optional(t.boolean()),
      rtcpMux: t.optional(t.boolean()),
      srtpSuite: t.optional(t.enum(MEDIA_SRTP_SUITES)),
      portMin: t.optional(t.integer({ min: 1024, max: 65535 })),
      portMax: t.optional(t.integer({ min: 1024, max: 65535 })),
      listenIp: t.optional(ipLiteral),
      announcedAddress: t.optional(t.string({ min: 1, max: 255 })),
      /** Placement hint: the worker of this session's endpoint (a call it will be bridged to). */
      colocateWith: t.optional(sessionId),
    },
    'Creates the media endpoint of a call: a PlainTransport per kind; answers the local address/ports for SDP',
  ),
  endpointVideo: action<MediaVideoInputInfo>()(
    'media.endpoint.video',
    { ...sessionRef, input: videoInputRule },
    'What the local side shows (Mtc_SessStartVideo/StopVideo): a test pattern or looped file as RTP, or none',
  ),
  endpointUpdate: action<MediaEndpointInfo>()(
    'media.endpoint.update',
    {
      ...sessionRef,
      streams: t.array(streamRule, { min: 0, max: 4 }),
      /** true: first add a video PlainTransport to an endpoint made audio-only (answered in `video`). */
      video: t.optional(t.boolean()),
    },
    'Applies a negotiation (remote address, codecs, direction, SRTP keys) to the endpoint; video: true adds a video transport first',
  ),
  endpointClose: action<{ closed: boolean }>()(
    'media.endpoint.close',
    sessionRef,
    'Closes the endpoint and frees all it holds',
  ),
  endpointGet: action<MediaEndpointInfo>()('media.endpoint.get', sessionRef, 'One endpoint'),
  endpointList: action<{ endpoints: MediaEndpointInfo[] }>()('media.endpoint.list', {}, 'Every endpoint of this node'),
  endpointInput: action<MediaEndpointInfo>()(
    'media.endpoint.input',
    { ...sessionRef, input: inputRule },
    'What the local side says: the input device, silence, a tone or a looped WAV file',
  ),
  endpointOutput: action<MediaEndpointInfo>()(
    'media.endpoint.output',
    { ...sessionRef, output: outputRule },
    'What the local side hears goes to: the output device, nowhere, or a WAV file',
  ),
  endpointBridge: action<MediaEndpointInfo>()(
    'media.endpoint.bridge',
    { ...sessionRef, otherSessionId: sessionId },
    'Connects two calls locally: each hears the other (local bridge)',
  ),
  endpointUnbridge: action<MediaEndpointInfo>()('media.endpoint.unbridge', sessionRef, 'Ends a local bridge'),
  endpointEarlyMedia: action<MediaEndpointInfo>()(
    'media.endpoint.earlyMedia',
    { ...sessionRef, mode: t.enum(['local-ringback', 'network'] as const) },
    'Local ringback or the network early media (guide §6.9.2; the session decides from 180/183)',
  ),
  endpointMute: action<MediaEndpointInfo>()(
    'media.endpoint.mute',
    { ...sessionRef, mic: t.optional(t.boolean()), speaker: t.optional(t.boolean()) },
    'Per-call microphone / speaker mute',
  ),
  endpointDtmf: action<{ sent: string; durationMs: number }>()(
    'media.endpoint.dtmf',
    {
      ...sessionRef,
      digits: t.string({
        min: 1,
        max: 32,
        pattern: /^[0-9*#A-Da-d]+$/,
        patternMessage: "The '{field}' field must be DTMF keys 0-9 * # A-D.",
      }),
      durationMs: t.optional(t.integer({ min: 40, max: 5000, convert: true })),
      gapMs: t.optional(t.integer({ min: 40, max: 5000, convert: true })),
    },
    'Sends DTMF as RFC 4733 telephone events; answers once the last key went out',
  ),
  endpointStats: action<{ audio: MediaAudioStats | null }>()(
    'media.endpoint.stats',
    sessionRef,
    'Audio loss ratio and counters from RTCP',
  ),

  mixStart: action<{ mixId: string; sessionIds: string[] }>()(
    'media.mix.start',
    { sessionIds: t.array(sessionId, { min: 2, max: 8, unique: true }) },
    'Local mix on: every call hears the others and the local input (3-way conference, G.711)',
  ),
  mixStop: action<{ stopped: boolean }>()('media.mix.stop', { mixId: t.string({ min: 1, max: 64 }) }, 'Local mix off'),

  ringPlay: action<{ playing: boolean }>()(
    'media.ring.play',
    {
      tone: t.enum(MEDIA_TONES),
      region: t.optional(t.enum(MEDIA_TONE_REGIONS)),
      sessionId: t.optional(sessionId),
      durationMs: t.optional(t.integer({ min: 20, max: 600_000, convert: true })),
    },
    'Plays a ring/tone to the local side of a call or to the output device (guide §6.9.1 Mtc_RingPlay)',
  ),
  ringStop: action<{ stopped: boolean }>()(
    'media.ring.stop',
    { sessionId: t.optional(sessionId) },
    'Stops a ring/tone',
  ),

  inputDeviceCount: action<{ count: number }>()(
    'media.audio.inputDeviceCount',
    {},
    'Number of input devices (Mtc_AudioGetInputDevCnt)',
  ),
  inputDeviceName: action<{ device: string }>()(
    'media.audio.inputDeviceName',
    { index: deviceIndex },
    'Input device by index (Mtc_AudioEnumInputDev)',
  ),
  getInputDevice: action<{ device: string }>()(
    'media.audio.getInputDevice',
    {},
    'Current input device (Mtc_AudioGetInputDev)',
  ),
  setInputDevice: action<{ device: string }>()(
    'media.audio.setInputDevice',
    { device: t.string({ min: 1, max: 64 }) },
    'Sets the input device (Mtc_AudioSetInputDev)',
  ),
  getInputVolume: action<{ volume: number }>()(
    'media.audio.getInputVolume',
    {},
    'Microphone volume 0-100 (Mtc_AudioGetInputVol)',
  ),
  setInputVolume: action<{ volume: number }>()(
    'media.audio.setInputVolume',
    { volume },
    'Microphone volume 0-100 (Mtc_AudioSetInputVol)',
  ),
  muteInput: action<{ muted: boolean }>()(
    'media.audio.muteInput',
    { muted: t.boolean() },
    'Microphone mute (Mtc_AudioMuteInput)',
  ),
  outputDeviceCount: action<{ count: number }>()(
    'media.audio.outputDeviceCount',
    {},
    'Number of output devices (Mtc_AudioGetOutputDevCnt)',
  ),
  outputDeviceName: action<{ device: string }>()(
    'media.audio.outputDeviceName',
    { index: deviceIndex },
    'Output device by index (Mtc_AudioEnumOutputDev)',
  ),
  getOutputDevice: action<{ device: string }>()(
    'media.audio.getOutputDevice',
    {},
    'Current output device (Mtc_AudioGetOutputDev)',
  ),
  setOutputDevice: action<{ device: string }>()(
    'media.audio.setOutputDevice',
    { device: t.string({ min: 1, max: 64 }) },
    'Sets the output device (Mtc_AudioSetOutputDev)',
  ),
  getOutputVolume: action<{ volume: number }>()(
    'media.audio.getOutputVolume',
    {},
    'Speaker volume 0-100 (Mtc_AudioGetOutputVol)',
  ),
  setOutputVolume: action<{ volume: number }>()(
    'media.audio.setOutputVolume',
    { volume },
    'Speaker volume 0-100 (Mtc_AudioSetOutputVol)',
  ),
  muteOutput: action<{ muted: boolean }>()(
    'media.audio.muteOutput',
    { muted: t.boolean() },
    'Speaker mute (Mtc_AudioMuteOutput)',
  ),
} as const;

/** Which side of a call a tap copies: what we `send` (the local side's producer) or `receive` (the peer's). */
export const MEDIA_TAP_DIRECTIONS = ['send', 'receive'] as const;
/** One of {@link MEDIA_TAP_DIRECTIONS}. */
export type MediaTapDirection = (typeof MEDIA_TAP_DIRECTIONS)[number];

/** The codec a tap sends with: the router's payload type and parameters (mediasoup never rewrites them). */
export interface MediaTapCodec {
  /** `audio/PCMU`, `video/H264`, … */
  mimeType: string;
  payloadType: number;
  clockRate: number;
  channels?: number;
  /** fmtp parameters (e.g. H.264 `packetization-mode`, `profile-level-id`). */
  parameters: Record<string, string | number>;
}

/** A tap as `media.tap.create` reports it. */
export interface MediaTapInfo {
  tapId: string;
  /** The node whose media service holds the tap: later tap actions go there. */
  nodeID: string;
  sessionId: string;
  account: string;
  kind: 'audio' | 'video';
  direction: MediaTapDirection;
  /** Where its RTP goes. */
  target: { ip: string; port: number; rtcpPort: number | null };
  /**
   * The codec and SSRC of the RTP it sends now; null while the source is not there yet (peer's
   * SSRC not learnt, call not negotiated). They change when the source changes (re-INVITE).
   */
  codec: MediaTapCodec | null;
  ssrc: number | null;
}

const tapRef = { tapId: t.string({ min: 1, max: 64 }) };

/**
 * The tap API (for the recorder, in this process or another): a PlainTransport consumer that
 * copies one side of a call's RTP to a UDP address, plus key frame requests (PLI/FIR).
 */
export const mediaTapActions = {
  tapCreate: action<MediaTapInfo>()(
    'media.tap.create',
    {
      ...sessionRef,
      direction: t.enum(MEDIA_TAP_DIRECTIONS),
      kind: t.enum(['audio', 'video'] as const),
      target: t.object({
        ip: ipLiteral,
        port: t.integer({ min: 1, max: 65535 }),
        /** RTCP to this port (no rtcp-mux); omitted: RTCP muxed on `port`. */
        rtcpPort: t.optional(t.integer({ min: 1, max: 65535 })),
      }),
      /** Ask the source for a key frame once the tap is wired (video; default true). */
      requestKeyFrame: t.optional(t.boolean()),
    },
    "Copies one side of a call's RTP (what we send or what we receive) to a UDP address",
  ),
  tapClose: action<{ closed: boolean }>()('media.tap.close', tapRef, 'Closes a tap (no error if already gone)'),
  tapGet: action<MediaTapInfo>()('media.tap.get', tapRef, 'One tap: its current codec and SSRC'),
  keyFrame: action<{ requested: boolean }>()(
    'media.keyFrame',
    tapRef,
    "Asks the tap's video source for a key frame (RTCP PLI or FIR towards the peer)",
  ),
} as const;

/** The virtual video input of an endpoint, as `media.endpoint.video` reports it. */
export interface MediaVideoInputInfo {
  sessionId: string;
  input: MediaVideoInput;
  /** The ffmpeg process sending it, while one runs (it starts once video is negotiated). */
  pid: number | null;
  /** The codec and payload type it reaches the peer with (the peer's numbers), once running. */
  codec: string | null;
  payloadType: number | null;
}

/** A DTLS fingerprint (RFC 8122), as mediasoup and the browser's SDP give it. */
export interface MediaDtlsFingerprint {
  algorithm: string;
  value: string;
}

/** DTLS parameters: the role of the side that sends them and its certificate fingerprints. */
export interface MediaDtlsParameters {
  role?: 'auto' | 'client' | 'server';
  fingerprints: MediaDtlsFingerprint[];
}

/** A WebRTC peer's transport as `media.webrtc.create` answers it (mediasoup-client's `createSendTransport`/`createRecvTransport` input). */
export interface MediaWebRtcTransportInfo {
  sessionId: string;
  transportId: string;
  /** ICE-lite on our side: the browser is the controlling agent. */
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: {
    foundation: string;
    priority: number;
    address: string;
    protocol: 'udp' | 'tcp';
    port: number;
    type: string;
    tcpType?: string;
  }[];
  dtlsParameters: MediaDtlsParameters;
  /** The router's RTP capabilities (mediasoup `RtpCapabilities`), for the browser's device. */
  routerRtpCapabilities: Record<string, unknown>;
}

/** The consumer the browser receives the call with (mediasoup-client's `transport.consume` input). */
export interface MediaWebRtcConsumerInfo {
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  /** mediasoup `RtpParameters`: the codec, payload type and SSRC the browser gets. */
  rtpParameters: Record<string, unknown>;
}

/**
 * A WebRTC peer (a browser) as the local side of a call: its microphone becomes what we send to
 * the SIP peer (instead of the virtual input) and it hears what the SIP peer sends. One per call,
 * on a mediasoup WebRtcTransport (ICE-lite, DTLS-SRTP) in the call's audio router.
 */
export const mediaWebRtcActions = {
  webrtcCreate: action<MediaWebRtcTransportInfo>()(
    'media.webrtc.create',
    {
      ...sessionRef,
      /** Address to listen on (default: the service's listen IP). */
      listenIp: t.optional(ipLiteral),
      /** Address announced in ICE candidates (default: the service's announced address). */
      announcedAddress: t.optional(t.string({ min: 1, max: 253 })),
    },
    "Makes the browser's WebRTC transport on a call's media endpoint",
  ),
  webrtcConnect: action<{ connected: boolean }>()(
    'media.webrtc.connect',
    {
      ...sessionRef,
      dtlsParameters: t.object({
        role: t.optional(t.enum(['auto', 'client', 'server'] as const)),
        fingerprints: t.array(
          t.object({ algorithm: t.string({ min: 1, max: 32 }), value: t.string({ min: 1, max: 256 }) }),
          { min: 1, max: 8 },
        ),
      }),
    },
    "Gives the browser's DTLS parameters (the browser's role and fingerprints)",
  ),
  webrtcProduce: action<{ producerId: string }>()(
    'media.webrtc.produce',
    {
      ...sessionRef,
      kind: t.enum(['audio'] as const),
      /** mediasoup `RtpParameters` of the browser's microphone (≤ 16 KiB of JSON). */
      rtpParameters: t.any(),
    },
    "The browser's microphone: what the local side says to the SIP peer (its codec must be the call's)",
  ),
  webrtcConsume: action<MediaWebRtcConsumerInfo>()(
    'media.webrtc.consume',
    {
      ...sessionRef,
      /** The browser device's mediasoup `RtpCapabilities` (≤ 16 KiB of JSON). */
      rtpCapabilities: t.any(),
    },
    'What the SIP peer says, for the browser to hear (once the peer’s RTP has started)',
  ),
  webrtcClose: action<{ closed: boolean }>()(
    'media.webrtc.close',
    sessionRef,
    "Closes the browser's transport; the virtual input speaks again (no error if there is none)",
  ),
} as const;
