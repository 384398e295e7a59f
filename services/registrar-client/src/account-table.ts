/**
 * The account actor's transition table (guide §2.2, §5.3; STYLE §4): `phase × event → next
 * state + effects`, in one place. Pure: time and randomness come in the context, effects go out
 * as data and the actor runs them after the state changed.
 *
 * ```
 *                 login (server)                 2xx                     logout
 *   ┌──────┐ ─────────────────────► ┌─────────────┐ ───────► ┌───────────┐ ──────► ┌───────────────┐
 *   │ idle │                        │ registering │          │ logged-in │         │ unregistering │
 *   └──────┘ ◄───────────────────── └─────────────┘          └───────────┘         └───────────────┘
 *    ▲  │ ▲   logout (cancel, §5.3.3)  ▲  │  retry/backoff     │  │ refresh ok             │
 *    │  │ │   403/404/attempts used    │  ▼                    │  ▼ refresh failed,        │ 2xx, failure
 *    │  │ └────────────────────────────┴──┘ PROBATION (§5.3.5) │    expired, DEACTIVATED   │ or deadline
 *    │  │ login (local, §5.3.2)                                └──► idle (serverLogout)    │
 *    │  ▼                                                                                   │
 *   ┌───────┐ logout → idle (localLogout)       idle ◄──────────────────────────────────────┘
 *   │ local │
 *   └───────┘
 * ```
 * Events a phase has no row for are ignored (the service refuses the actions that do not fit:
 * login twice, logout while idle).
 */
import type { ServerLogoutReason } from '@talkbus/contracts';
import { keepAliveDelay, refreshDelay, retryAfterDelay, retryDelay } from './backoff.ts';
import type {
  AccountEffect,
  AccountEvent,
  AccountState,
  ClientEvent,
  RegisterOutcome,
  TimerName,
  Transition,
  TransitionContext,
} from './account-types.ts';

type Row<E extends AccountEvent['type']> = (
  state: AccountState,
  event: Extract<AccountEvent, { type: E }>,
  context: TransitionContext,
) => Transition | undefined;

type PhaseRows = { [E in AccountEvent['type']]?: Row<E> };

const emit = (event: ClientEvent): AccountEffect => ({ type: 'emit', event });
const setTimer = (name: TimerName, ms: number): AccountEffect => ({ type: 'setTimer', name, ms });
const clear = (...names: TimerName[]): AccountEffect[] => names.map((name) => ({ type: 'clearTimer', name }));
const BOUND_TIMERS: TimerName[] = ['refresh', 'expiry', 'keepAlive', 'retry'];

/** The next REGISTER: a new attempt number (stale answers are then ignored). */
function send(state: AccountState, expires: number, fresh: boolean, patch: Partial<AccountState> = {}): Transition {
  const attempt = state.attempt + 1;
  return {
    state: { ...state, ...patch, attempt },
    effects: [{ type: 'register', attempt, expires, fresh }],
  };
}

function statusOf(outcome: RegisterOutcome): number | null {
  return outcome.kind === 'unsent' ? null : outcome.status;
}

function failureOf(outcome: RegisterOutcome): { sipStatus: number | null; reason: string } {
  return { sipStatus: statusOf(outcome), reason: outcome.kind === 'ok' ? 'OK' : outcome.reason };
}

/** Back to idle with no binding. */
function toIdle(state: AccountState, effects: AccountEffect[], patch: Partial<AccountState> = {}): Transition {
  return {
    state: {
      ...state,
      phase: 'idle',
      step: 'none',
      attempt: state.attempt + 1,
      boundUntil: null,
      contact: null,
      ...patch,
    },
    effects: [...clear('retry', 'refresh', 'expiry', 'keepAlive', 'logoutDeadline'), ...effects],
  };
}

/**
 * Outcomes that only need the REGISTER sent again, whatever the phase: a digest challenge we can
 * answer (RFC 3261 §22.2), a 423 with a usable Min-Expires (§10.2.8), a 3xx to follow (§8.1.3.4).
 */
function resend(state: AccountState, outcome: RegisterOutcome, context: TransitionContext, expires: number) {
  const { settings } = context;
  if (outcome.kind === 'challenge' && outcome.answerable && state.authRounds < settings.maxAuthRounds)
    return send(state, expires, false, { authRounds: state.authRounds + 1 });
  if (
    outcome.kind === 'tooBrief' &&
    expires > 0 &&
    outcome.minExpires !== null &&
    outcome.minExpires > state.expires &&
    outcome.minExpires <= settings.maxExpires
  )
    // §10.2.8: "the UA MAY retry the registration with an expiration interval ≥ Min-Expires".
    return send(state, outcome.minExpires, false, { expires: outcome.minExpires });
  if (outcome.kind === 'redirect' && outcome.target !== null && state.redirects < settings.maxRedirects) {
    const next = send(state, expires, false, { redirects: state.redirects + 1 });
    next.effects.unshift({ type: 'retarget', target: outcome.target });
    return next;
  }
  return undefined;
}

function transient(outcome: RegisterOutcome): outcome is Extract<RegisterOutcome, { kind: 'retryLater' | 'unsent' }> {
  return outcome.kind === 'retryLater' || outcome.kind === 'unsent';
}

function backoff(state: AccountState, outcome: RegisterOutcome, context: TransitionContext): number {
  const { retryBaseMs, retryMaxMs } = context.settings;
  // §21.5.4 / RFC 3261 §20.33: a 503 with Retry-After says when to come back.
  if (outcome.kind === 'retryLater' && outcome.retryAfter !== null)
    return retryAfterDelay(outcome.retryAfter, retryMaxMs);
  return retryDelay(state.failures, retryBaseMs, retryMaxMs, context.random);
}

/** Entering logged-in (or staying there) after a 2xx that lists our contact. */
function bound(state: AccountState, outcome: Extract<RegisterOutcome, { kind: 'ok' }>, context: TransitionContext) {
  const { account, settings } = context;
  const refresh = state.phase === 'logged-in';
  const effects: AccountEffect[] = [
    ...clear('retry'),
    setTimer('refresh', refreshDelay(outcome.expires)),
    setTimer('expiry', outcome.expires * 1000),
    emit({ name: 'client.regOk', payload: { account, expires: outcome.expires, contact: outcome.contact, refresh } }),
  ];
  if (!refresh) {
    effects.push(
      emit({
        name: 'client.serverLoginOk',
        payload: { account, contact: outcome.contact, expires: outcome.expires, serviceRoute: outcome.serviceRoute },
      }),
    );
    if (settings.subscribe) effects.push({ type: 'subscribe' });
    // RFC 5626 §4.4.1: each keep-alive 80–100% of the period after the last (CRLF or STUN alike).
    if (settings.keepAliveMs > 0)
      effects.push(setTimer('keepAlive', keepAliveDelay(settings.keepAliveMs, context.random)));
  }
  return {
    state: {
      ...state,
      phase: 'logged-in' as const,
      step: 'bound' as const,
      failures: 0,
      authRounds: 0,
      boundUntil: context.now + outcome.expires * 1000,
      contact: outcome.contact,
      serviceRoute: outcome.serviceRoute,
      path: outcome.path,
      lastFailure: null,
    },
    effects,
  };
}

/** The login ends without success (guide `mtcCliCbLoginFailed`). */
function loginFailed(state: AccountState, outcome: RegisterOutcome, context: TransitionContext): Transition {
  const failure = failureOf(outcome);
  const { account } = context;
  return toIdle(
    state,
    [
      emit({ name: 'client.regFailed', payload: { account, ...failure, refresh: false, retryInMs: null } }),
      emit({ name: 'client.loginFailed', payload: { account, ...failure } }),
    ],
    { lastFailure: failure, failures: 0 },
  );
}

/** The server logged us out (guide §5.3.5, `mtcCliCbServLogout`); PROBATION logs in again later. */
function serverLogout(
  state: AccountState,
  context: TransitionContext,
  reason: ServerLogoutReason,
  retryAfter: number | null,
  sipStatus: number | null,
): Transition {
  const event = emit({
    name: 'client.serverLogout',
    payload: { account: context.account, requested: false, reason, retryAfter, sipStatus },
  });
  const left = toIdle(state, [{ type: 'unsubscribe' }, event], {
    lastFailure: { sipStatus, reason },
    serviceRoute: [],
    path: [],
  });
  if (reason !== 'PROBATION') return left;
  // Table 5-14: "根据超时时间启动注册倒计时窗口，计时结束后，重新发起登录过程".
  const delay = retryAfterDelay(retryAfter ?? 0, context.settings.retryMaxMs);
  return {
    state: { ...left.state, phase: 'registering', step: 'waiting', failures: 0 },
    effects: [...left.effects, setTimer('retry', delay)],
  };
}

/** Logged out as asked (guide §5.3.3, §5.3.4). `unsent`: the removal could not be sent → local logout. */
function loggedOut(state: AccountState, context: TransitionContext, outcome?: RegisterOutcome): Transition {
  const { account } = context;
  const event: ClientEvent =
    outcome?.kind === 'unsent'
      ? { name: 'client.localLogout', payload: { account, reason: outcome.reason } }
      : {
          name: 'client.serverLogout',
          payload: {
            account,
            requested: true,
            reason: null,
            retryAfter: null,
            sipStatus: outcome ? statusOf(outcome) : null,
          },
        };
  return toIdle(state, [{ type: 'unsubscribe' }, emit(event)], { serviceRoute: [], path: [], failures: 0 });
}

/** Start the removal (Expires: 0, §10.2.2) and bound the wait for its answer. */
function unregister(state: AccountState, context: TransitionContext): Transition {
  const next = send(state, 0, false, { phase: 'unregistering', step: 'sending', authRounds: 0 });
  next.effects.unshift(...clear(...BOUND_TIMERS), { type: 'unsubscribe' });
  next.effects.push(setTimer('logoutDeadline', context.settings.logoutTimeoutMs));
  return next;
}

/** The table. */
export const accountTable: Record<AccountState['phase'], PhaseRows> = {
  idle: {
    login: (state, _event, context) => {
      const { account, settings } = context;
      // §5.3.2: local mode calls the login-ok callback at once, no REGISTER.
      if (settings.loginMode === 'local')
        return {
          state: { ...state, phase: 'local', step: 'none' },
          effects: [emit({ name: 'client.localLoginOk', payload: { account } })],
        };
      return send(state, settings.expires, true, {
        phase: 'registering',
        step: 'sending',
        failures: 0,
        authRounds: 0,
        redirects: 0,
        expires: settings.expires,
      });
    },
  },

  local: {
    logout: (state, _event, context) => ({
      state: { ...state, phase: 'idle', step: 'none' },
      effects: [
        emit({ name: 'client.localLogout', payload: { account: context.account, reason: 'logout requested' } }),
      ],
    }),
  },

  registering: {
    answer: (state, { attempt, outcome }, context) => {
      if (attempt !== state.attempt || state.step !== 'sending') return undefined;
      if (outcome.kind === 'ok' && outcome.expires > 0) return bound(state, outcome, context);
      const again = resend(state, outcome, context, state.expires);
      if (again) return again;
      if (transient(outcome)) {
        const failures = state.failures + 1;
        if (failures >= context.settings.maxLoginAttempts) return loginFailed(state, outcome, context);
        const delay = backoff({ ...state, failures }, outcome, context);
        const failure = failureOf(outcome);
        return {
          state: { ...state, step: 'waiting', failures, lastFailure: failure },
          effects: [
            setTimer('retry', delay),
            emit({
              name: 'client.regFailed',
              payload: { account: context.account, ...failure, refresh: false, retryInMs: delay },
            }),
          ],
        };
      }
      // 403, 404, other 4xx/6xx, a wrong password, a 2xx without our contact: final (§5.3.2).
      return loginFailed(state, outcome, context);
    },
    timer: (state, { name }) =>
      name === 'retry' && state.step === 'waiting'
        ? send(state, state.expires, false, { step: 'sending', authRounds: 0 })
        : undefined,
    // §5.3.3 cancel login: nothing in flight → logged out now; a REGISTER in flight → its answer decides.
    logout: (state, _event, context) =>
      state.step === 'waiting'
        ? loggedOut(state, context)
        : {
            state: { ...state, phase: 'unregistering', step: 'cancelling' },
            effects: [setTimer('logoutDeadline', context.settings.logoutTimeoutMs)],
          },
  },

  'logged-in': {
    timer: (state, { name }, context) => {
      if (name === 'refresh' && state.step === 'bound')
        return send(state, state.expires, false, { step: 'refreshing', authRounds: 0 });
      if (name === 'retry' && state.step === 'waiting')
        return send(state, state.expires, false, { step: 'refreshing', authRounds: 0 });
      if (name === 'keepAlive')
        return {
          state,
          effects: [
            { type: 'keepAlive' },
            setTimer('keepAlive', keepAliveDelay(context.settings.keepAliveMs, context.random)),
          ],
        };
      // The binding lapsed before a refresh got through (guide table 5-14 MTC_CLI_REG_ERR_TIMEOUT).
      if (name === 'expiry') return serverLogout(state, context, 'TIMEOUT', null, state.lastFailure?.sipStatus ?? null);
      return undefined;
    },
    answer: (state, { attempt, outcome }, context) => {
      if (attempt !== state.attempt || state.step !== 'refreshing') return undefined;
      if (outcome.kind === 'ok' && outcome.expires > 0) return bound(state, outcome, context);
      const again = resend(state, outcome, context, state.expires);
      if (again) return again;
      const failure = failureOf(outcome);
      if (transient(outcome)) {
        const failures = state.failures + 1;
        const delay = backoff({ ...state, failures }, outcome, context);
        if (state.boundUntil !== null && context.now + delay < state.boundUntil)
          return {
            state: { ...state, step: 'waiting', failures, lastFailure: failure },
            effects: [
              setTimer('retry', delay),
              emit({
                name: 'client.regFailed',
                payload: { account: context.account, ...failure, refresh: true, retryInMs: delay },
              }),
            ],
          };
      }
      // The issue: "a refresh that fails also ends in a server logout with TIMEOUT".
      const failed = serverLogout(state, context, 'TIMEOUT', null, failure.sipStatus);
      failed.effects.unshift(
        emit({
          name: 'client.regFailed',
          payload: { account: context.account, ...failure, refresh: true, retryInMs: null },
        }),
      );
      return failed;
    },
    // RFC 5626 §4.4.1/§4.4.2: a failed flow (no pong, no STUN response, or a new STUN mapped
    // address: the NAT rebound) is recovered by registering again at once.
    keepAliveFailed: (state) =>
      state.step === 'bound' ? send(state, state.expires, false, { step: 'refreshing', authRounds: 0 }) : undefined,
    regEvent: (state, { reason, retryAfter }, context) => serverLogout(state, context, reason, retryAfter, null),
    logout: (state, _event, context) => unregister(state, context),
  },

  unregistering: {
    answer: (state, { attempt, outcome }, context) => {
      if (attempt !== state.attempt) return undefined;
      if (state.step === 'cancelling') {
        // §5.3.3: the login went through after all: remove the binding it made.
        if (outcome.kind === 'ok' && outcome.expires > 0)
          return send(state, 0, false, { step: 'sending', authRounds: 0 });
        return loggedOut(state, context);
      }
      if (outcome.kind === 'challenge' || outcome.kind === 'redirect') {
        const again = resend(state, outcome, context, 0);
        if (again) return again;
      }
      return loggedOut(state, context, outcome);
    },
    timer: (state, { name }, context) => (name === 'logoutDeadline' ? loggedOut(state, context) : undefined),
  },
};

/** Runs one event through the table; undefined when the state has no row for it (ignored). */
export function transition(
  state: AccountState,
  event: AccountEvent,
  context: TransitionContext,
): Transition | undefined {
  const row = accountTable[state.phase][event.type] as Row<typeof event.type> | undefined;
  return row?.(state, event as never, context);
}
