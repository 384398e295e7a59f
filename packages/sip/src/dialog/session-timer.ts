/**
 * Session timers (RFC 4028), minimal: negotiation of Session-Expires / Min-SE on INVITE and its
 * 2xx (and on re-INVITE/UPDATE refreshes), the 422 retry, and one timer per dialog that either
 * asks for a refresh at half the interval (we are the refresher, §10) or ends the session
 * shortly before it expires (the peer is, §10: "the minimum of 32 seconds and one third of the
 * session interval" before).
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';

/** Local session-timer policy. */
export interface SessionTimerConfig {
  /** Session interval we ask for, seconds. Default 1800 (RFC 4028 §4 recommends 30 minutes). */
  expires: number;
  /** Smallest interval we accept, seconds; never below 90 (§4: "MUST NOT be less than 90 seconds"). Default 90. */
  minSE: number;
}

/** Defaults of {@link SessionTimerConfig}. */
export const DEFAULT_SESSION_TIMER: Readonly<SessionTimerConfig> = Object.freeze({ expires: 1800, minSE: 90 });

/** Negotiated terms: the interval and who refreshes. */
export interface SessionTimerTerms {
  /** Seconds. */
  interval: number;
  refresher: 'uac' | 'uas';
}

/** §7.1: what a UAC puts in an INVITE (or a refresh). */
export function sessionTimerRequestHeaders(config: SessionTimerConfig): Array<[string, string]> {
  const minSE = Math.max(90, config.minSE);
  return [
    ['Session-Expires', String(Math.max(config.expires, minSE))],
    ['Min-SE', String(minSE)],
  ];
}

/**
 * §7.2: the terms in a 2xx to our INVITE. No Session-Expires in the 2xx: no session timer (the
 * peer does not support it and we do not force ourselves as refresher).
 */
export function termsFromResponse(response: SipResponse): SessionTimerTerms | undefined {
  const value = response.sessionExpires;
  if (value === undefined) return undefined;
  return { interval: value.seconds, refresher: value.refresher === 'uas' ? 'uas' : 'uac' };
}

/** What a UAS does with the Session-Expires of an INVITE/UPDATE (§9). */
export type UasSessionTimerDecision =
  | { kind: 'none' }
  | { kind: 'reject'; minSE: number }
  | { kind: 'accept'; terms: SessionTimerTerms; headers: Array<[string, string]> };

/**
 * §9: a request whose Session-Expires is below our Min-SE gets 422 with our Min-SE; otherwise
 * the 2xx carries Session-Expires with a refresher ("If the request did not contain a refresher
 * parameter … the UAS … MUST set it" — we let the UAC refresh when it supports timers, else
 * ourselves) and `Require: timer` when the UAC said `Supported: timer`.
 */
export function uasSessionTimer(request: SipRequest, config: SessionTimerConfig | undefined): UasSessionTimerDecision {
  const asked = request.sessionExpires;
  if (config === undefined || asked === undefined) return { kind: 'none' };
  const minSE = Math.max(90, config.minSE);
  if (asked.seconds < minSE) return { kind: 'reject', minSE };
  const uacSupports = request.supported.includes('timer');
  const refresher: 'uac' | 'uas' = asked.refresher === 'uas' || !uacSupports ? 'uas' : 'uac';
  const headers: Array<[string, string]> = [['Session-Expires', `${asked.seconds};refresher=${refresher}`]];
  if (uacSupports) headers.push(['Require', 'timer']);
  return { kind: 'accept', terms: { interval: asked.seconds, refresher }, headers };
}

/** Options of {@link SessionTimer}. */
export interface SessionTimerOptions {
  clock: Clock;
  /** We send the refreshes (at half the interval). */
  onRefresh(): void;
  /** No refresh came in time: end the session with BYE (§10). */
  onExpired(): void;
}

/**
 * One dialog's session timer. `start(terms, localIsRefresher)` after each successful
 * (re)negotiation; `stop()` when the dialog ends. States: idle | refreshing | watching.
 */
export class SessionTimer {
  readonly #options: SessionTimerOptions;
  #timer: TimerHandle | undefined;
  #state: 'idle' | 'refreshing' | 'watching' = 'idle';

  constructor(options: SessionTimerOptions) {
    this.#options = options;
  }

  /** `idle`, `refreshing` (we refresh) or `watching` (the peer refreshes). */
  get state(): 'idle' | 'refreshing' | 'watching' {
    return this.#state;
  }

  /** (Re)starts the timer for new terms. */
  start(terms: SessionTimerTerms, localIsRefresher: boolean): void {
    this.stop();
    const ms = terms.interval * 1000;
    if (localIsRefresher) {
      this.#state = 'refreshing';
      this.#timer = this.#options.clock.setTimeout(() => this.#fire(), ms / 2);
    } else {
      this.#state = 'watching';
      this.#timer = this.#options.clock.setTimeout(() => this.#fire(), ms - Math.min(32_000, ms / 3));
    }
  }

  /** Releases the timer. */
  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#state = 'idle';
  }

  #fire(): void {
    const state = this.#state;
    this.#timer = undefined;
    this.#state = 'idle';
    if (state === 'refreshing') this.#options.onRefresh();
    else if (state === 'watching') this.#options.onExpired();
  }
}
