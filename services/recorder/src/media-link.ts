/**
 * The recorder's view of the media service, over the broker only (services never import each
 * other): endpoints, and taps that copy a side of a call to a UDP socket of ours. Tap actions
 * after the first go to the node that holds the tap.
 */
import {
  call,
  ErrorCode,
  TalkbusError,
  type Caller,
  type MediaEndpointInfo,
  type MediaTapDirection,
  type MediaTapInfo,
} from '@talkbus/contracts';

/** What the recorder asks of the media service. */
export interface MediaLink {
  /** A call's endpoint; `RECORDER_SESSION_NOT_FOUND` when there is none. */
  endpoint(sessionId: string): Promise<MediaEndpointInfo>;
  /** Every endpoint of an account. */
  endpointsOf(account: string): Promise<MediaEndpointInfo[]>;
  createTap(options: {
    sessionId: string;
    kind: 'audio' | 'video';
    direction: MediaTapDirection;
    target: { ip: string; port: number; rtcpPort?: number };
    requestKeyFrame?: boolean;
  }): Promise<MediaTapInfo>;
  getTap(tap: MediaTapInfo): Promise<MediaTapInfo>;
  /** Closes a tap; never fails (the endpoint or the media service may be gone already). */
  closeTap(tap: MediaTapInfo): Promise<void>;
  /** Asks for a key frame; never fails. */
  keyFrame(tap: MediaTapInfo): Promise<void>;
}

/** A {@link MediaLink} over a broker. */
export function mediaLink(broker: Caller): MediaLink {
  const at = (tap: MediaTapInfo) => (tap.nodeID ? { nodeID: tap.nodeID } : {});
  const notFound = (sessionId: string, err: unknown) =>
    TalkbusError.is(err, ErrorCode.MEDIA_ENDPOINT_NOT_FOUND)
      ? new TalkbusError(
          ErrorCode.RECORDER_SESSION_NOT_FOUND,
          `No call with session id ${sessionId} has media here`,
          { sessionId, field: 'sessionId' },
          { cause: err },
        )
      : err;
  return {
    async endpoint(sessionId) {
      try {
        return await call(broker, 'media.endpoint.get', { sessionId });
      } catch (err) {
        throw notFound(sessionId, err);
      }
    },
    async endpointsOf(account) {
      const { endpoints } = await call(broker, 'media.endpoint.list', {});
      return endpoints.filter((endpoint) => endpoint.account === account);
    },
    async createTap(options) {
      try {
        return await call(broker, 'media.tap.create', options);
      } catch (err) {
        throw notFound(options.sessionId, err);
      }
    },
    getTap: (tap) => call(broker, 'media.tap.get', { tapId: tap.tapId }, at(tap)),
    async closeTap(tap) {
      await call(broker, 'media.tap.close', { tapId: tap.tapId }, at(tap)).catch(() => undefined);
    },
    async keyFrame(tap) {
      await call(broker, 'media.keyFrame', { tapId: tap.tapId }, at(tap)).catch(() => undefined);
    },
  };
}
