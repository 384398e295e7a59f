/**
 * The calls of this node: makes an actor per call, admits or refuses incoming INVITEs (guide
 * §6.4.2 max calls, §6.5 call waiting, §6.7.1 barring, RFC 4028 §8.1 422, RFC 3264 488), finds
 * the call a Replaces names (RFC 3891), starts the call a REFER asks for (RFC 3515), ends an
 * account's calls on a server logout (§5.3.5), and keeps the account's local mix.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, SESSION_ID_SEPARATOR, TalkbusError, call, type Caller } from '@talkbus/contracts';
import { MediaSession, SdpError } from '@talkbus/sdp';
import type { Clock } from '@talkbus/sip';
import type { AccountContext, AccountDirectory } from './accounts.ts';
import { CallActor } from './call-actor.ts';
import { newCallData } from './call-data.ts';
import type { CallInput } from './call-model.ts';
import { DEFAULT_CALL_CONFIG, type CallConfig } from './call-steps.ts';
import { callerId } from './caller-id.ts';
import { brokerMediaPort } from './media-port.ts';
import { mediaSessionFor } from './media-session-factory.ts';
import type { CallServicePort } from './ports.ts';
import type { IncomingInvite, SipAgent } from './sip-agent.ts';

/** Overrides of call timers for tests (RFC values stay the defaults). */
export type CallConfigOverrides = Partial<CallConfig>;

/** What the registry is made of. */
export interface CallRegistryOptions {
  nodeID: string;
  caller: Caller;
  agent: SipAgent;
  directory: AccountDirectory;
  clock: Clock;
  wallClock: () => number;
  emit: (event: string, payload: Record<string, unknown>) => void;
  config?: CallConfigOverrides;
  log?: (message: string, details?: Record<string, unknown>) => void;
}

/** Parameters of a new outgoing call. */
export interface OutgoingCall {
  account: string;
  uri: string;
  video: boolean;
  /** Accept the peer adding video later (default: `video`). */
  acceptVideo?: boolean;
  cookie: string | null;
  referredFrom?: string;
  referredBy?: string | null;
  replacesHeader?: string;
}

/** The node's calls. */
export class CallRegistry {
  readonly #options: CallRegistryOptions;
  readonly #calls = new Map<string, { actor: CallActor; context: AccountContext }>();
  readonly #mixes = new Map<string, string>();

  constructor(options: CallRegistryOptions) {
    this.#options = options;
  }

  #newId(): string {
    return `${this.#options.nodeID}${SESSION_ID_SEPARATOR}${randomUUID().slice(0, 13)}`;
  }

  #config(context: AccountContext): CallConfig {
    const settings = context.settings;
    return {
      ...DEFAULT_CALL_CONFIG,
      noAnswerMs: (settings.noAnswerTimeout ?? 60) * 1000,
      sessionInterval: settings.sessionTimerInterval ?? DEFAULT_CALL_CONFIG.sessionInterval,
      ...this.#options.config,
    };
  }

  /** The call, on this node. @throws SESSION_NOT_FOUND */
  get(sessionId: string): CallActor {
    const entry = this.#calls.get(sessionId);
    if (!entry) throw new TalkbusError(ErrorCode.SESSION_NOT_FOUND, `No session ${sessionId}`, { sessionId });
    return entry.actor;
  }

  /** Calls of this node (of one account). */
  list(account?: string): CallActor[] {
    return [...this.#calls.values()]
      .filter((entry) => !account || entry.actor.data.account === account)
      .map((e) => e.actor);
  }

  #live(account: string): CallActor[] {
    return this.list(account).filter((actor) => actor.data.phase !== 'ended');
  }

  #actor(
    context: AccountContext,
    data: ReturnType<typeof newCallData>,
    sipFor: (post: (input: CallInput) => void) => ReturnType<SipAgent['outgoing']>,
  ): CallActor {
    const options = this.#options;
    const service: CallServicePort = {
      emit: options.emit,
      startReferredCall: (from, referTo, referredBy) => void this.#referred(from, referTo, referredBy),
      referredProgress: (to, status) => this.#calls.get(to)?.actor.post({ type: 'referred.progress', status }),
      disposed: (sessionId) => this.#calls.delete(sessionId),
    };
    let post: (input: CallInput) => void = () => undefined;
    const lazySip = sipFor((input) => post(input));
    const actor: CallActor = new CallActor({
      data,
      config: this.#config(context),
      clock: options.clock,
      wallClock: options.wallClock,
      localUri: context.sip.aor,
      sip: lazySip,
      media: brokerMediaPort({
        caller: options.caller,
        nodeID: options.nodeID,
        sessionId: data.sessionId,
        account: data.account,
        portMin: context.settings.mediaPortMin,
        portMax: context.settings.mediaPortMax,
        mix: (sessionId, mixed) => this.#mix(data.account, sessionId, mixed),
      }),
      service,
      mediaSession: (endpoint) => mediaSessionFor(endpoint, context.settings),
      onError: (error, input) =>
        options.log?.('call input failed', {
          sessionId: data.sessionId,
          input: input.type,
          error: (error as Error).message,
        }),
    });
    post = actor.post;
    this.#calls.set(data.sessionId, { actor, context });
    return actor;
  }

  /** `session.call` (guide §6.2.1): a new call, INVITE on its way. */
  async outgoing(params: OutgoingCall): Promise<string> {
    const context = await this.#options.directory.require(params.account);
    if (this.#live(params.account).length >= context.settings.maxCalls)
      throw new TalkbusError(
        ErrorCode.SESSION_LIMIT,
        `Account ${params.account} has ${context.settings.maxCalls} calls already`,
      );
    const sessionId = this.#newId();
    const data = newCallData({
      sessionId,
      account: params.account,
      direction: 'outgoing',
      target: params.uri,
      peerUri: params.uri,
      cookie: params.cookie,
      video: params.video,
      ...(params.acceptVideo !== undefined ? { acceptVideo: params.acceptVideo } : {}),
      startedAt: this.#options.wallClock(),
      sessionInterval: this.#config(context).sessionInterval,
      referredFrom: params.referredFrom ?? null,
      referredBy: params.referredBy ?? null,
    });
    const extra = {
      ...(params.referredBy ? { referredBy: params.referredBy } : {}),
      ...(params.replacesHeader ? { replaces: params.replacesHeader } : {}),
    };
    const actor = this.#actor(context, data, (post) => this.#options.agent.outgoing(context.sip, post, extra));
    await actor.ask({ type: 'app.start' });
    return sessionId;
  }

  /** An incoming INVITE for `account`: admitted (a new call, call.incoming) or refused. */
  async incoming(account: string, invite: IncomingInvite): Promise<void> {
    let context: AccountContext;
    try {
      context = await this.#options.directory.require(account);
    } catch {
      return invite.reject(480);
    }
    const settings = context.settings;
    const config = this.#config(context);
    // §6.7.1 incoming call barring: 603 without ringing.
    if (settings.incomingCallBarring) return invite.reject(603);
    const live = this.#live(account);
    const replaced = invite.replaces ? this.#findReplaced(invite.replaces) : null;
    if (invite.replaces && !replaced) return invite.reject(481); // RFC 3891 §3
    // §6.4.2 busy: beyond max calls 486; §6.5 call waiting off: 486 while a call is up.
    if (!replaced && live.length >= settings.maxCalls) return invite.reject(486);
    if (!replaced && !settings.callWaiting && live.some((actor) => actor.data.phase === 'talking'))
      return invite.reject(486);
    // RFC 4028 §8.1: a Session-Expires below our Min-SE gets 422.
    if (invite.sessionExpires && invite.sessionExpires.interval < config.minSE)
      return invite.reject(422, { 'Min-SE': String(config.minSE) });
    // RFC 3264: an offer we cannot answer is refused before ringing (488 with a Warning; 400 unreadable).
    let video = false;
    if (invite.sdp) {
      try {
        const probe = new MediaSession({
          transport: { address: '127.0.0.1', audio: { port: 9 }, video: { port: 11 } },
        });
        probe.receiveOffer(invite.sdp);
        video = !!probe.video;
      } catch (error) {
        if (!(error instanceof SdpError)) throw error;
        return invite.reject(error.status);
      }
    }
    const peerId = callerId({
      from: invite.from,
      pAssertedIdentity: invite.pAssertedIdentity,
      privacy: invite.privacy,
    });
    const peerUri = /<([^>]+)>/.exec(invite.from)?.[1] ?? invite.from.split(';')[0]!.trim();
    const timer = invite.sessionExpires
      ? {
          interval: Math.max(invite.sessionExpires.interval, config.minSE),
          // RFC 4028 §9: the UAC refreshes when it supports timers and did not ask us to.
          refresher:
            invite.supportsTimer && invite.sessionExpires.refresher !== 'uas'
              ? ('remote' as const)
              : ('local' as const),
        }
      : { interval: config.sessionInterval, refresher: 'local' as const };
    const data = newCallData({
      sessionId: this.#newId(),
      account,
      direction: 'incoming',
      target: invite.requestUri,
      peerUri,
      peerId,
      video,
      startedAt: this.#options.wallClock(),
      sessionInterval: config.sessionInterval,
      remoteOffer: invite.sdp,
      timer,
      referredBy: invite.referredBy,
      replaces: replaced?.data.sessionId ?? null,
      waiting: live.some((actor) => actor.data.phase === 'talking'),
      peerAllowsUpdate: invite.allowsUpdate ?? false,
    });
    const actor = this.#actor(context, data, (post) => invite.accept(post));
    await actor.ask({ type: 'app.start' });
    if (replaced) {
      // RFC 3891 §3: the new call takes the old one's place and is answered at once.
      replaced.post({ type: 'replaced.by', sessionId: data.sessionId });
      await actor.ask({ type: 'app.answer', video });
    }
  }

  #findReplaced(ids: { callId: string; toTag: string; fromTag: string }): CallActor | null {
    for (const { actor } of this.#calls.values()) {
      const own = actor.data.phase !== 'ended' ? actor.dialogIds() : null;
      // Replaces names the dialog from the sender's view: to-tag is our local tag.
      if (own && own.callId === ids.callId && own.localTag === ids.toTag && own.remoteTag === ids.fromTag) return actor;
    }
    return null;
  }

  /** Dialog ids of a call (for Replaces in an attended transfer, §6.8.2). */
  dialogIds(sessionId: string): { callId: string; localTag: string; remoteTag: string } | null {
    return this.#calls.get(sessionId)?.actor.dialogIds() ?? null;
  }

  async #referred(fromSessionId: string, referTo: string, referredBy: string | null): Promise<void> {
    const from = this.#calls.get(fromSessionId);
    if (!from) return;
    const target = referTo.replace(/^<|>$/g, '');
    const [uri, query] = target.split('?', 2) as [string, string | undefined];
    const replacesHeader = query
      ?.split('&')
      .map((part) => part.split('='))
      .find(([name]) => name?.toLowerCase() === 'replaces')?.[1];
    try {
      const sessionId = await this.outgoing({
        account: from.actor.data.account,
        uri,
        video: false,
        cookie: null,
        referredFrom: fromSessionId,
        referredBy,
        ...(replacesHeader ? { replacesHeader: decodeURIComponent(replacesHeader) } : {}),
      });
      this.#options.emit('call.refered', {
        sessionId,
        account: from.actor.data.account,
        cookie: from.actor.data.cookie,
        referredFrom: fromSessionId,
        referTo: uri,
        referredBy,
      });
    } catch {
      from.actor.post({ type: 'referred.progress', status: 503 });
    }
  }

  /** §5.3.5: the server logged the account out; its calls end. */
  serverLogout(account: string): void {
    for (const actor of this.#live(account)) actor.post({ type: 'account.logout' });
  }

  /**
   * `im.send` with a sessionId: a MESSAGE in the call's dialog (RFC 3428 §2), through its actor
   * (refused with a clear error unless the dialog is up). Resolves to the final status.
   */
  message(sessionId: string, request: { contentType: string; body: string }): Promise<number> {
    const actor = this.get(sessionId);
    return new Promise((resolve, reject) => {
      actor.ask({ type: 'app.message', ...request, reply: resolve }).catch(reject);
    });
  }

  /** Posts an input to a call of this node, if it is here. */
  post(sessionId: string, input: CallInput): void {
    this.#calls.get(sessionId)?.actor.post(input);
  }

  /** Joins or leaves the account's local mix (`Mtc_SessSetMixVoice`): one mix of its mixed calls. */
  async #mix(account: string, _sessionId: string, _mixed: boolean): Promise<void> {
    const caller = this.#options.caller;
    const local = { nodeID: this.#options.nodeID };
    const old = this.#mixes.get(account);
    if (old) {
      this.#mixes.delete(account);
      await call(caller, 'media.mix.stop', { mixId: old }, local).catch(() => undefined);
    }
    const members = this.#live(account)
      .filter((actor) => actor.data.mixed)
      .map((actor) => actor.data.sessionId);
    if (members.length >= 2) {
      const { mixId } = await call(caller, 'media.mix.start', { sessionIds: members }, local);
      this.#mixes.set(account, mixId);
    }
  }

  /** Ends every call (service stop). */
  async close(): Promise<void> {
    for (const { actor } of this.#calls.values()) {
      if (actor.data.phase !== 'ended') actor.post({ type: 'account.logout' });
    }
    await Promise.allSettled([...this.#calls.values()].map(({ actor }) => actor.settled()));
  }
}
