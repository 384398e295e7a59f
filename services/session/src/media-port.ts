/**
 * A call's media port over the broker: the `media` service's endpoint actions, addressed by the
 * call's session id, on this node (the endpoint lives where the call's RTP is: its home node).
 */
import {
  call,
  type Caller,
  type MediaEndpointInfo,
  type MediaStreamParams,
  type MediaVideoInputInfo,
} from '@talkbus/contracts';
import type { CallMediaPort } from './ports.ts';

/** What a media port needs of the node. */
export interface MediaPortOptions {
  caller: Caller;
  /** This node: endpoints are made here, next to the SIP endpoint. */
  nodeID: string;
  sessionId: string;
  account: string;
  /** RTP port range of the account (provisioning `mediaPortMin`/`mediaPortMax`). */
  portMin?: number;
  portMax?: number;
  /** Local mix membership of the account's calls (kept by the registry). */
  mix: (sessionId: string, mixed: boolean) => Promise<void>;
}

/** Makes the media port of one call. */
export function brokerMediaPort(options: MediaPortOptions): CallMediaPort {
  const { caller, sessionId } = options;
  const local = { nodeID: options.nodeID };
  return {
    async create({ video }): Promise<MediaEndpointInfo> {
      return call(
        caller,
        'media.endpoint.create',
        {
          sessionId,
          account: options.account,
          audio: true,
          video,
          ...(options.portMin ? { portMin: options.portMin } : {}),
          ...(options.portMax ? { portMax: options.portMax } : {}),
        },
        local,
      );
    },
    async update(streams: MediaStreamParams[]): Promise<void> {
      await call(caller, 'media.endpoint.update', { sessionId, streams }, local);
    },
    async addVideo(): Promise<MediaEndpointInfo> {
      return call(caller, 'media.endpoint.update', { sessionId, streams: [], video: true }, local);
    },
    async video(input): Promise<MediaVideoInputInfo> {
      return call(caller, 'media.endpoint.video', { sessionId, input }, local);
    },
    async earlyMedia(mode): Promise<void> {
      await call(caller, 'media.endpoint.earlyMedia', { sessionId, mode }, local);
    },
    async dtmf(digits, durationMs): Promise<void> {
      await call(caller, 'media.endpoint.dtmf', { sessionId, digits, durationMs }, local);
    },
    async mute(mute): Promise<void> {
      await call(caller, 'media.endpoint.mute', { sessionId, ...mute }, local);
    },
    mix: (mixed) => options.mix(sessionId, mixed),
    async close(): Promise<void> {
      await call(caller, 'media.endpoint.close', { sessionId }, local).catch(() => undefined);
    },
  };
}
