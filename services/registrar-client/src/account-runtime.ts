/**
 * One started account on its home node: the actor, and the SIP pieces its effects drive (the
 * REGISTER flow, the reg event subscription, keep-alives) on the stack the account uses — the
 * node's shared one, or its own when provisioning names a local IP/port (guide §4.2.2).
 */
import type { AccountLoginInfo, Provisioning, SipAddress } from '@talkbus/contracts';
import type { SipStack } from '@talkbus/runtime';
import type { Clock } from '@talkbus/sip';
import { AccountActor } from './account-actor.ts';
import type { AccountSip } from './account-sip.ts';
import type { AccountEvent, AccountSettings, ClientEvent } from './account-types.ts';
import type { Limiter } from './limiter.ts';
import { RegEventSubscription } from './reg-event-subscription.ts';
import { RegistrationFlow } from './registration-flow.ts';

/** Options of {@link AccountRuntime}. */
export interface AccountRuntimeOptions {
  account: string;
  homeNode: string;
  /** Null in local login mode (no REGISTER). */
  sip: AccountSip | null;
  settings: AccountSettings;
  stack: SipStack;
  /** Whether the stack is the account's own (released on stop). */
  ownStack: boolean;
  instanceId: string;
  clock: Clock;
  limiter: Limiter;
  emit: (event: ClientEvent) => void;
  log: { debug(message: string): void; warn(message: string): void };
}

/** A started account. */
export class AccountRuntime {
  readonly account: string;
  readonly actor: AccountActor;
  readonly stack: SipStack;
  readonly ownStack: boolean;
  readonly #options: AccountRuntimeOptions;
  readonly #flow: RegistrationFlow | null;
  readonly #subscription: RegEventSubscription | null;

  constructor(options: AccountRuntimeOptions) {
    this.#options = options;
    this.account = options.account;
    this.stack = options.stack;
    this.ownStack = options.ownStack;
    const post = (event: AccountEvent) => this.actor.post(event);
    const { sip } = options;
    this.#flow = sip
      ? new RegistrationFlow({
          account: options.account,
          sip,
          stack: options.stack,
          instanceId: options.instanceId,
          post,
          limiter: options.limiter,
        })
      : null;
    this.#subscription =
      sip && this.#flow
        ? new RegEventSubscription({
            sip,
            stack: options.stack,
            digest: this.#flow.digest,
            registration: () => ({
              target: this.#flow!.target,
              contact: this.actor.state.contact ?? this.#flow!.contact,
              serviceRoute: this.actor.state.serviceRoute,
            }),
            expires: options.settings.expires,
            post,
            log: (message) => options.log.warn(`${options.account}: ${message}`),
          })
        : null;
    const flow = this.#flow;
    const subscription = this.#subscription;
    this.actor = new AccountActor({
      account: options.account,
      settings: options.settings,
      clock: options.clock,
      ports: {
        register: (attempt, expires, fresh) =>
          flow
            ? flow.register(attempt, expires, fresh)
            : post({ type: 'answer', attempt, outcome: { kind: 'unsent', reason: 'the account has no SIP settings' } }),
        retarget: (target) => flow?.retarget(target),
        subscribe: () => subscription?.start(),
        unsubscribe: () => subscription?.stop(),
        keepAlive: () => flow?.keepAlive(),
        emit: options.emit,
      },
      onTransition: (from, event, to) => {
        if (from.phase !== to.phase || from.step !== to.step)
          options.log.debug(`${options.account}: ${from.phase}/${from.step} → ${to.phase}/${to.step} on ${event.type}`);
      },
      onError: (error) => options.log.warn(`${options.account}: effect failed: ${(error as Error)?.message}`),
    });
  }

  /** The account's login state (guide §2.2) for `registrar-client.state`. */
  info(loginMode: Provisioning['loginMode']): AccountLoginInfo {
    const state = this.actor.state;
    const clock = this.#options.clock;
    return {
      account: this.account,
      started: true,
      state: state.phase,
      loggedIn: state.phase === 'logged-in' || state.phase === 'local',
      loginMode,
      homeNode: this.#options.homeNode,
      aor: this.#options.sip?.aor ?? null,
      contact: state.phase === 'logged-in' ? state.contact : null,
      expiresAt:
        state.phase === 'logged-in' && state.boundUntil !== null
          ? Math.round(Date.now() + (state.boundUntil - clock.now()))
          : null,
      serviceRoute: state.serviceRoute,
      path: state.path,
      instanceId: this.#options.instanceId,
      local: this.stack.listeners as SipAddress[],
      lastFailure: state.lastFailure,
    };
  }

  /** Ends everything of the account (after a logout, or bounded by the caller). */
  dispose(): void {
    this.actor.dispose();
    this.#subscription?.stop(false);
    this.#flow?.dispose();
  }
}
