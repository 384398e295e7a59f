/**
 * The account actor's vocabulary: its state, the events its mailbox takes and the effects its
 * transition table asks for (STYLE §4). The table itself is in `account-table.ts`.
 */
import type { EventMap, LoginState, ServerLogoutReason } from '@talkbus/contracts';

/**
 * Where inside a phase the account is:
 * - `registering`: `sending` (a login REGISTER in flight) or `waiting` (to retry, or PROBATION)
 * - `logged-in`: `bound`, `refreshing` (a refresh REGISTER in flight) or `waiting` (to retry a refresh)
 * - `unregistering`: `cancelling` (guide §5.3.3: the login REGISTER is still in flight; its answer
 *   decides whether a removal must follow) or `sending` (Expires: 0 in flight)
 * - `idle`, `local`: `none`
 */
export type Step = 'none' | 'sending' | 'waiting' | 'bound' | 'refreshing' | 'cancelling';

/** What the actor knows. Only the transition table makes a new one. */
export interface AccountState {
  phase: LoginState;
  step: Step;
  /** Number of the REGISTER in flight; answers carrying another number are stale and ignored. */
  attempt: number;
  /** Failed attempts in a row (timeouts, 5xx, transport errors): the backoff exponent. */
  failures: number;
  /** 401/407 answered for the REGISTER in flight (a wrong password must not loop). */
  authRounds: number;
  /** 3xx followed since the login began. */
  redirects: number;
  /** Seconds asked in the next REGISTER (raised by 423 Min-Expires). */
  expires: number;
  /** Clock time (ms) when the binding lapses unless refreshed; null when not bound. */
  boundUntil: number | null;
  /** Our contact as the registrar confirmed it. */
  contact: string | null;
  /** RFC 3608 Service-Route and RFC 3327 Path of the last 2xx. */
  serviceRoute: string[];
  path: string[];
  lastFailure: { sipStatus: number | null; reason: string } | null;
}

/** How a REGISTER ended, as the SIP side classifies the answer (or the lack of one). */
export type RegisterOutcome =
  /** 2xx listing our contact with `expires` seconds (0 for a removal). */
  | { kind: 'ok'; status: number; expires: number; contact: string; serviceRoute: string[]; path: string[] }
  /** 2xx that does not list our contact (RFC 3261 §10.2.4: the binding was not made). */
  | { kind: 'noBinding'; status: number; reason: string }
  /** 401/407; `answerable` when the digest client could answer it (false: wrong password). */
  | { kind: 'challenge'; status: number; reason: string; answerable: boolean }
  /** 423 Interval Too Brief with its Min-Expires (RFC 3261 §10.2.8). */
  | { kind: 'tooBrief'; status: number; reason: string; minExpires: number | null }
  /** 3xx with the first Contact to try (RFC 3261 §8.1.3.4). */
  | { kind: 'redirect'; status: number; reason: string; target: string | null }
  /** Worth retrying: 408/480/5xx, a timeout (408) or a transport error (503); Retry-After seconds. */
  | { kind: 'retryLater'; status: number; reason: string; retryAfter: number | null }
  /** Any other final answer: 403, 404, 4xx, 6xx. */
  | { kind: 'rejected'; status: number; reason: string }
  /** Could not be sent at all (no transport, DNS failure). */
  | { kind: 'unsent'; reason: string };

/** Named timers of the actor (each at most once). */
export type TimerName = 'retry' | 'refresh' | 'expiry' | 'logoutDeadline' | 'keepAlive';

/** What the mailbox takes. */
export type AccountEvent =
  | { type: 'login' }
  | { type: 'logout' }
  | { type: 'answer'; attempt: number; outcome: RegisterOutcome }
  | { type: 'timer'; name: TimerName }
  /** A reg-event NOTIFY (RFC 3680) about our own contact (guide §5.3.5). */
  | { type: 'regEvent'; reason: ServerLogoutReason; retryAfter: number | null }
  /** A keep-alive got no answer: the flow failed (RFC 5626 §4.4). */
  | { type: 'keepAliveFailed'; reason: string };

/** A `client.*` event with its payload. */
export type ClientEvent = {
  [N in keyof EventMap & `client.${string}`]: { name: N; payload: EventMap[N] };
}[keyof EventMap & `client.${string}`];

/** What a transition asks the outside to do, after the state changed. */
export type AccountEffect =
  /** Send REGISTER number `attempt` asking `expires` seconds; `fresh`: a new login (new Call-ID, target from provisioning). */
  | { type: 'register'; attempt: number; expires: number; fresh: boolean }
  /** Send the next REGISTERs to this URI (3xx). */
  | { type: 'retarget'; target: string }
  | { type: 'setTimer'; name: TimerName; ms: number }
  | { type: 'clearTimer'; name: TimerName }
  | { type: 'emit'; event: ClientEvent }
  /** Start / end the reg-event subscription (RFC 3680), when the account asks for it. */
  | { type: 'subscribe' }
  | { type: 'unsubscribe' }
  /** Send one keep-alive on the registration's flow. */
  | { type: 'keepAlive' };

/** Settings of one account's actor (from provisioning and node config). Times in ms. */
export interface AccountSettings {
  loginMode: 'server' | 'local';
  /** Seconds asked in REGISTER (provisioning `registrationExpires`). */
  expires: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxLoginAttempts: number;
  logoutTimeoutMs: number;
  /** Keep-alive period; 0 = off (provisioning `keepAliveInterval`). */
  keepAliveMs: number;
  /** SUBSCRIBE to reg events after login (provisioning `subscribeRegistration`). */
  subscribe: boolean;
  /** 3xx followed per login (loop guard). Default 3. */
  maxRedirects: number;
  /** 401/407 answered per REGISTER. Default 3. */
  maxAuthRounds: number;
  /** Largest Min-Expires a 423 may ask, seconds. Default 86400. */
  maxExpires: number;
}

/** What a transition reads besides the state and the event. */
export interface TransitionContext {
  account: string;
  settings: AccountSettings;
  /** Clock time, ms. */
  now: number;
  /** A number in [0, 1) for backoff jitter. */
  random: () => number;
}

/** A transition's result. */
export interface Transition {
  state: AccountState;
  effects: AccountEffect[];
}

/** The state of a started account that has not logged in. */
export function initialState(settings: AccountSettings): AccountState {
  return {
    phase: 'idle',
    step: 'none',
    attempt: 0,
    failures: 0,
    authRounds: 0,
    redirects: 0,
    expires: settings.expires,
    boundUntil: null,
    contact: null,
    serviceRoute: [],
    path: [],
    lastFailure: null,
  };
}
