/**
 * One account's actor (STYLE §4): a mailbox that takes one event at a time, runs it through the
 * transition table and then runs the effects. Nothing else changes the state. Timers run on the
 * injected clock (STYLE §5) and come back as `timer` events; the SIP side reports back through
 * {@link AccountActor.post}.
 */
import type { Clock, TimerHandle } from '@talkbus/sip';
import { transition } from './account-table.ts';
import {
  initialState,
  type AccountEffect,
  type AccountEvent,
  type AccountSettings,
  type AccountState,
  type ClientEvent,
  type TimerName,
} from './account-types.ts';

/** What the actor's effects act on: the SIP side and the event bus. */
export interface AccountPorts {
  /** Sends REGISTER number `attempt`; its outcome must come back as an `answer` event. */
  register(attempt: number, expires: number, fresh: boolean): void;
  /** Points later REGISTERs at a 3xx's contact. */
  retarget(target: string): void;
  subscribe(): void;
  unsubscribe(): void;
  /** Sends a keep-alive; a failure comes back as `keepAliveFailed`. */
  keepAlive(): void;
  emit(event: ClientEvent): void;
}

/** Options of {@link AccountActor}. */
export interface AccountActorOptions {
  account: string;
  settings: AccountSettings;
  clock: Clock;
  ports: AccountPorts;
  /** Jitter source, [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called after each transition (tests, diagnostics). */
  onTransition?: (from: AccountState, event: AccountEvent, to: AccountState) => void;
  /** An effect threw (a bug in a port): reported here, never into the mailbox. */
  onError?: (error: unknown) => void;
}

/** Mailbox events processed in one drain before yielding; bounds a runaway loop. */
const MAX_DRAIN = 10_000;

/** The account actor. */
export class AccountActor {
  readonly account: string;
  #state: AccountState;
  #settings: AccountSettings;
  readonly #options: AccountActorOptions;
  readonly #mailbox: AccountEvent[] = [];
  readonly #timers = new Map<TimerName, TimerHandle>();
  readonly #idleWaiters = new Set<() => void>();
  #draining = false;
  #disposed = false;

  constructor(options: AccountActorOptions) {
    this.account = options.account;
    this.#options = options;
    this.#settings = options.settings;
    this.#state = initialState(options.settings);
  }

  /** The current state (a snapshot: the actor never mutates it). */
  get state(): Readonly<AccountState> {
    return this.#state;
  }

  get settings(): Readonly<AccountSettings> {
    return this.#settings;
  }

  /** New settings from provisioning; they apply from the next login. */
  configure(settings: AccountSettings): void {
    this.#settings = settings;
  }

  /** Names of the timers running (tests). */
  get runningTimers(): TimerName[] {
    return [...this.#timers.keys()];
  }

  /** Queues an event; it runs after the events before it. Ignored once disposed. */
  post(event: AccountEvent): void {
    if (this.#disposed) return;
    this.#mailbox.push(event);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < MAX_DRAIN && this.#mailbox.length > 0; i++) this.#step(this.#mailbox.shift()!);
    } finally {
      this.#draining = false;
    }
  }

  /** Resolves once the account is idle (or local is left), or after `timeoutMs`; true when idle. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#state.phase === 'idle') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        this.#idleWaiters.delete(wake);
        this.#options.clock.clearTimeout(timer);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = this.#options.clock.setTimeout(() => done(false), timeoutMs);
      this.#idleWaiters.add(wake);
    });
  }

  /** Stops every timer and takes no more events. */
  dispose(): void {
    this.#disposed = true;
    this.#mailbox.length = 0;
    for (const handle of this.#timers.values()) this.#options.clock.clearTimeout(handle);
    this.#timers.clear();
    for (const wake of [...this.#idleWaiters]) wake();
  }

  #step(event: AccountEvent): void {
    const from = this.#state;
    const result = transition(from, event, {
      account: this.account,
      settings: this.#settings,
      now: this.#options.clock.now(),
      random: this.#options.random ?? Math.random,
    });
    if (!result) return;
    this.#state = result.state;
    this.#options.onTransition?.(from, event, result.state);
    for (const effect of result.effects) {
      try {
        this.#run(effect);
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
    if (this.#state.phase === 'idle' && from.phase !== 'idle') for (const wake of [...this.#idleWaiters]) wake();
  }

  #run(effect: AccountEffect): void {
    const ports = this.#options.ports;
    switch (effect.type) {
      case 'register':
        return ports.register(effect.attempt, effect.expires, effect.fresh);
      case 'retarget':
        return ports.retarget(effect.target);
      case 'setTimer': {
        this.#clearTimer(effect.name);
        const name = effect.name;
        const handle = this.#options.clock.setTimeout(() => {
          this.#timers.delete(name);
          this.post({ type: 'timer', name });
        }, effect.ms);
        this.#timers.set(name, handle);
        return;
      }
      case 'clearTimer':
        return this.#clearTimer(effect.name);
      case 'emit':
        return ports.emit(effect.event);
      case 'subscribe':
        return ports.subscribe();
      case 'unsubscribe':
        return ports.unsubscribe();
      case 'keepAlive':
        return ports.keepAlive();
    }
  }

  #clearTimer(name: TimerName): void {
    const handle = this.#timers.get(name);
    if (handle === undefined) return;
    this.#options.clock.clearTimeout(handle);
    this.#timers.delete(name);
  }
}
