/**
 * Handlers of the tap actions (`mediaTapActions`): the recorder's way to the RTP of a call.
 */
import { ErrorCode, TalkbusError, type mediaTapActions } from '@talkbus/contracts';
import type { Handlers } from '@talkbus/runtime';
import type { TapManager } from './tap.ts';

/** The handlers, over the running service's tap manager (`SHUTTING_DOWN` when there is none) on node `nodeID`. */
export function tapHandlers(
  taps: () => TapManager | undefined,
  nodeID: () => string,
): Handlers<typeof mediaTapActions> {
  const running = (): TapManager => {
    const manager = taps();
    if (!manager) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The media service is not running');
    return manager;
  };
  return {
    async tapCreate(params) {
      const tap = await running().create({
        sessionId: params.sessionId,
        kind: params.kind,
        direction: params.direction,
        target: params.target,
        requestKeyFrame: params.requestKeyFrame ?? true,
      });
      return tap.info(nodeID());
    },
    tapClose: async (params) => ({ closed: running().close(params.tapId) }),
    tapGet: async (params) => running().get(params.tapId).info(nodeID()),
    keyFrame: async (params) => ({ requested: await running().keyFrame(params.tapId) }),
  };
}
