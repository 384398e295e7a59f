/**
 * The offer/answer state of a call, made once its media endpoint knows its address and ports.
 */
import type { MediaEndpointInfo, MediaLocalPort, Provisioning } from '@talkbus/contracts';
import {
  DEFAULT_VIDEO_CODECS,
  G722,
  MediaSession,
  OPUS,
  PCMA,
  PCMU,
  TELEPHONE_EVENT,
  type CodecCapability,
  type LocalPort,
  type LocalTransport,
} from '@talkbus/sdp';

function localPort(port: MediaLocalPort | null): LocalPort | undefined {
  if (!port) return undefined;
  // a=rtcp only when RTCP is neither muxed nor on port + 1 (RFC 3605).
  return port.rtcpPort === port.port || port.rtcpPort === port.port + 1
    ? { port: port.port }
    : { port: port.port, rtcpPort: port.rtcpPort };
}

function pick(all: readonly CodecCapability[], names: readonly string[] | undefined): CodecCapability[] | undefined {
  if (!names) return undefined;
  const chosen = names.flatMap((name) => all.filter((codec) => codec.name.toLowerCase() === name.toLowerCase()));
  return chosen.length > 0 ? chosen : undefined;
}

/** The endpoint's address and ports as a `MediaSession` transport. */
export function localTransport(endpoint: MediaEndpointInfo): LocalTransport {
  const audioPort = localPort(endpoint.audio);
  const videoPort = localPort(endpoint.video);
  return {
    address: endpoint.address,
    ...(audioPort ? { audio: audioPort } : {}),
    ...(videoPort ? { video: videoPort } : {}),
  };
}

/** A `MediaSession` on the endpoint's ports, with the account's codecs in its order. */
export function mediaSessionFor(
  endpoint: MediaEndpointInfo,
  account: Partial<Pick<Provisioning, 'audioCodecs' | 'videoCodecs'>>,
): MediaSession {
  const audio = pick([PCMU, PCMA, G722, OPUS, TELEPHONE_EVENT], account.audioCodecs);
  const video = pick(DEFAULT_VIDEO_CODECS, account.videoCodecs);
  return new MediaSession({
    transport: localTransport(endpoint),
    ...(audio || video ? { capabilities: { ...(audio ? { audio } : {}), ...(video ? { video } : {}) } } : {}),
    ...(endpoint.audio?.srtp
      ? { srtp: { mode: 'optional' as const, keys: { [endpoint.audio.srtp.suite]: endpoint.audio.srtp.keyBase64 } } }
      : {}),
  });
}
