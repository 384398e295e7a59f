/**
 * @talkbus/service-session — the `session` Moleculer service (guide chapter 6): one actor per
 * call on the account's home node, every action of table 6-1, the `call.*` events of table 6-2,
 * and (with {@link createImService}) instant messages by SIP MESSAGE (RFC 3428).
 *
 * A session id names its home node; an action for a call that lives elsewhere is forwarded
 * there (ARCHITECTURE.md "Embedded and cluster"). `session.call` and `im.send` go to the
 * account's home node (from `registrar-client.state`).
 */
import type { Context, Logger, ServiceBroker, ServiceSchema } from 'moleculer';
import {
  ErrorCode,
  TalkbusError,
  call,
  imActions,
  sessionActions,
  sessionHomeNode,
  type Caller,
} from '@talkbus/contracts';
import { actionsFrom, emit, type Handlers, type ServiceContext } from '@talkbus/runtime';
import type { Clock } from '@talkbus/sip';
import type { CallActor } from './call-actor.ts';
import { sessionInfo } from './call-data.ts';
import type { CallConfigOverrides } from './call-registry.ts';
import { sessionNode, stopSessionNode, type SessionNode } from './session-node.ts';

export { DEFAULT_CALL_CONFIG, type CallConfig } from './call-steps.ts';

/** What the session service takes: the node's context, plus timer overrides for tests. */
export interface SessionServiceContext extends ServiceContext {
  /** Shorter call timers (no-answer, Session-Expires floor, transfer wait); RFC values by default. */
  calls?: CallConfigOverrides;
  clock?: Clock;
}

interface Routed {
  /** Set on a forwarded call, so it is never forwarded twice. */
  routed?: boolean;
}

/** Runs `local` on the node that owns `home`, forwarding the action there when it is not this one. */
async function onHome<T>(ctx: Context, home: string | null, what: string, local: () => Promise<T>): Promise<T> {
  const nodeID = ctx.broker.nodeID;
  if (!home || home === nodeID) return local();
  if ((ctx.meta as Routed).routed)
    throw new TalkbusError(ErrorCode.SESSION_NOT_FOUND, `${what} is not on this node`, { home });
  try {
    return (await ctx.call(ctx.action!.name!, ctx.params, { nodeID: home, meta: { routed: true } })) as T;
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'SERVICE_NOT_AVAILABLE' || type === 'SERVICE_NOT_FOUND')
      throw new TalkbusError(ErrorCode.SESSION_NOT_FOUND, `${what}: its home node ${home} is not reachable`, { home });
    throw error;
  }
}

/** Makes the `session` service for a node. */
export function createSessionService(context: SessionServiceContext): ServiceSchema {
  let node: SessionNode | undefined;
  let broker: ServiceBroker | undefined;
  let logger: Logger | undefined;

  function ready(): SessionNode {
    if (!node || broker?.stopping)
      throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The session service is not running');
    return node;
  }

  /** Runs `work` on the call's actor, on its home node. */
  function onCall<T>(ctx: Context, sessionId: string, work: (actor: CallActor) => Promise<T>): Promise<T> {
    return onHome(ctx, sessionHomeNode(sessionId), `Session ${sessionId}`, () => work(ready().registry.get(sessionId)));
  }

  const info = (actor: CallActor) => sessionInfo(actor.data, broker!.nodeID);
  const getter =
    <T>(pick: (actor: CallActor) => T) =>
    (params: { sessionId: string }, ctx: Context) =>
      onCall(ctx, params.sessionId, async (actor) => pick(actor));

  const handlers: Handlers<typeof sessionActions> = {
    call: async (params, ctx) => {
      const state = await call(ctx as unknown as Caller, 'registrar-client.state', { account: params.account });
      return onHome(ctx, state.homeNode, `Account ${params.account}`, async () => ({
        sessionId: await ready().registry.outgoing({
          account: params.account,
          uri: params.uri,
          video: params.video ?? false,
          ...(params.acceptVideo !== undefined ? { acceptVideo: params.acceptVideo } : {}),
          cookie: params.cookie ?? null,
        }),
      }));
    },
    answer: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({
          type: 'app.answer',
          video: params.video ?? actor.data.video,
          ...(params.acceptVideo !== undefined ? { acceptVideo: params.acceptVideo } : {}),
          ...(params.cookie !== undefined ? { cookie: params.cookie } : {}),
        });
        return { sessionId: params.sessionId };
      }),
    term: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.term', reason: params.reason ?? 'NORMAL' });
        return { sessionId: params.sessionId, state: actor.data.phase };
      }),
    hold: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.hold' });
        return { sessionId: params.sessionId, localHold: actor.data.localHold };
      }),
    unhold: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.unhold' });
        return { sessionId: params.sessionId, localHold: actor.data.localHold };
      }),
    update: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.update', video: params.video });
        return { sessionId: params.sessionId };
      }),
    video: (params, ctx) => onCall(ctx, params.sessionId, (actor) => actor.video(params.input)),
    transfer: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.transfer', referTo: params.uri });
        return { sessionId: params.sessionId };
      }),
    attendedTransfer: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        // §6.8.2: REFER on this call, Refer-To the other call's peer with Replaces for its dialog.
        const registry = ready().registry;
        const other = registry.get(params.targetSessionId);
        const ids = registry.dialogIds(params.targetSessionId);
        if (!ids || other.data.phase !== 'talking')
          throw new TalkbusError(ErrorCode.SESSION_WRONG_STATE, `Session ${params.targetSessionId} is not talking`);
        const replaces = encodeURIComponent(`${ids.callId};to-tag=${ids.remoteTag};from-tag=${ids.localTag}`);
        await actor.ask({
          type: 'app.transfer',
          referTo: `${other.data.peerUri}?Replaces=${replaces}`,
          targetSessionId: params.targetSessionId,
        });
        return { sessionId: params.sessionId };
      }),
    divert: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.divert', uri: params.uri });
        return { sessionId: params.sessionId };
      }),
    dtmf: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        const { values } = await call(ctx as unknown as Caller, 'profile.get', {
          account: actor.data.account,
          keys: ['dtmfMode'],
        });
        const mode = values.dtmfMode ?? 'auto';
        await actor.ask({ type: 'app.dtmf', digits: params.digits, durationMs: params.durationMs ?? 100, mode });
        const method = mode === 'info' || (mode === 'auto' && !actor.media?.audio?.telephoneEvent) ? 'info' : 'rfc4733';
        return { sent: params.digits, method };
      }),
    setMicMute: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.mute', mic: params.muted });
        return { muted: actor.data.micMuted };
      }),
    getMicMute: getter((actor) => ({ muted: actor.data.micMuted })),
    setSpeakerMute: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.mute', speaker: params.muted });
        return { muted: actor.data.speakerMuted };
      }),
    getSpeakerMute: getter((actor) => ({ muted: actor.data.speakerMuted })),
    setMix: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        await actor.ask({ type: 'app.mix', mixed: params.mixed });
        return { mixed: actor.data.mixed, mixId: null };
      }),
    get: getter(info),
    list: async (params) => ({
      sessions: ready().registry.list(params.account).map(info),
    }),
    state: getter((actor) => ({ state: actor.data.phase })),
    peerUri: getter((actor) => ({ peerUri: actor.data.peerUri })),
    peerId: getter((actor) => actor.data.peerId),
    hasTalk: getter((actor) => ({ value: info(actor).hasTalk })),
    hasHold: getter((actor) => ({ value: info(actor).hasHold })),
    hasHeld: getter((actor) => ({ value: info(actor).hasHeld })),
    hasVideo: getter((actor) => ({ value: actor.data.video })),
    hasOfferAnswer: getter((actor) => ({ value: actor.data.offerAnswerDone })),
    earlyMediaStatus: getter((actor) => ({ earlyMedia: actor.data.earlyMedia })),
    peerIsFocus: getter((actor) => ({ value: actor.data.peerIsFocus })),
    audioLossRatio: (params, ctx) =>
      onCall(ctx, params.sessionId, async (actor) => {
        if (!actor.data.mediaReady) return { lossRatio: 0 };
        const { audio } = await call(
          ctx as unknown as Caller,
          'media.endpoint.stats',
          { sessionId: params.sessionId },
          { nodeID: ctx.broker.nodeID },
        );
        return { lossRatio: audio?.lossRatio ?? 0 };
      }),
    cookie: getter((actor) => ({ cookie: actor.data.cookie })),
  };

  return {
    name: 'session',
    actions: actionsFrom(sessionActions, handlers),
    events: {
      'client.serverLogout'(ctx: Context<{ account: string }>) {
        // §5.3.5: "使用 Mtc_SessTerm 等接口关闭处于活动状态的音视频、短消息等会话".
        node?.directory.invalidate(ctx.params.account);
        node?.registry.serverLogout(ctx.params.account);
      },
      'client.*'(ctx: Context<{ account?: string }>) {
        if (ctx.params.account) node?.directory.invalidate(ctx.params.account);
        if (ctx.eventName === 'client.serverLoginOk' || ctx.eventName === 'client.localLoginOk')
          void node?.directory.learn().catch(() => undefined);
      },
      'profile.changed'(ctx: Context<{ account: string }>) {
        node?.directory.invalidate(ctx.params.account);
      },
      'media.dtmfReceived'(ctx: Context<{ sessionId: string; key: string; durationMs: number }>) {
        node?.registry.post(ctx.params.sessionId, {
          type: 'media.dtmf',
          key: ctx.params.key,
          durationMs: ctx.params.durationMs,
        });
      },
      'media.endpointFailed'(ctx: Context<{ sessionId: string; message: string }>) {
        node?.registry.post(ctx.params.sessionId, { type: 'media.failed', message: ctx.params.message });
      },
    },
    async started() {
      broker = this.broker as ServiceBroker;
      logger = (this as unknown as { logger: Logger }).logger;
      node = await sessionNode({
        config: context.config,
        broker,
        logger,
        ...(context.clock ? { clock: context.clock } : {}),
        ...(context.calls ? { calls: context.calls } : {}),
      });
    },
    async stopped() {
      node = undefined;
      await stopSessionNode(context.config.nodeID);
    },
  };
}

/** Makes the `im` service (RFC 3428 MESSAGE; `im.sent` / `im.received` are logged by profile). */
export function createImService(context: SessionServiceContext): ServiceSchema {
  let node: Promise<SessionNode> | undefined;
  const handlers: Handlers<typeof imActions> = {
    send: async (params, ctx) => {
      // In a call's dialog (RFC 3428 §2): on the call's home node, named by its session id.
      const sessionId = params.sessionId;
      const home = sessionId
        ? sessionHomeNode(sessionId)
        : (await call(ctx as unknown as Caller, 'registrar-client.state', { account: params.account })).homeNode;
      const what = sessionId ? `Session ${sessionId}` : `Account ${params.account}`;
      return onHome(ctx, home, what, async () => {
        const ready = await node!;
        const contentType = params.contentType ?? 'text/plain';
        const messageId = `${ctx.broker.nodeID}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
        const status = sessionId
          ? await ready.registry.message(sessionId, { contentType, body: params.body })
          : await ready.agent
              .message((await ready.directory.require(params.account)).sip, {
                target: params.uri,
                contentType,
                body: params.body,
              })
              .catch(() => 408);
        const delivered = status >= 200 && status < 300;
        await emit(ctx.broker, 'im.sent', {
          account: params.account,
          messageId,
          peerUri: params.uri,
          contentType,
          body: params.body,
          at: Date.now(),
          status: delivered ? 'delivered' : 'failed',
          ...(sessionId ? { sessionId } : {}),
        });
        return { messageId, status: delivered ? 'delivered' : 'failed', sipStatus: status };
      });
    },
  };
  return {
    name: 'im',
    dependencies: ['session'],
    actions: actionsFrom(imActions, handlers),
    started() {
      node = sessionNode({
        config: context.config,
        broker: this.broker as ServiceBroker,
        logger: (this as unknown as { logger: Logger }).logger,
      });
    },
  };
}
