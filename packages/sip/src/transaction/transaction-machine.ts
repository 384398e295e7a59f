/**
 * The engine under the four transaction kinds (STYLE §4): a transaction is an actor with one
 * transition table `state × event → next state + effects`. The table's handlers are pure: they
 * read the context and the event and return a {@link Step}. This class applies the step and then
 * runs its effects (send, start/stop a timer, tell the TU); what the effects produce (a send that
 * failed, a timer that fired, a response the TU sends from a callback) comes back as a new event
 * through the mailbox, one event at a time.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipMessage, SipRequest } from '../message/message.ts';
import {
  isReliable,
  type SendResult,
  type SendTarget,
  type TransportFailure,
  type TransportLayer,
} from '../transport/transport-types.ts';
import { toTransportFailure } from './transaction-errors.ts';

/** The timers a transaction can run (`Trying` is §17.2.1's 200 ms before the IST's own 100). */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying';

/** The event a fired timer puts in the mailbox. */
export type TimerEvent<N extends TimerName> = { type: `timer${N}` };

/** Events every transaction receives from the machinery itself. */
export type MachineEvent =
  /** `TransportLayer.send` rejected, or a connection the transaction uses closed. */
  | { type: 'transportError'; failure: TransportFailure }
  /** The first send went over a reliable transport although the target was unreliable (§18.1.1). */
  | { type: 'reliable' };

/** What a transition asks for; run after the state has changed. */
export type Effect<Notice> =
  | { type: 'send'; message: SipMessage }
  | { type: 'startTimer'; timer: TimerName; ms: number }
  | { type: 'stopTimer'; timer: TimerName }
  | { type: 'notify'; notice: Notice };

/** The result of one transition. */
export interface Step<State, Context, Notice> {
  next: State;
  effects?: ReadonlyArray<Effect<Notice>>;
  /** Context fields that change with the transition (retransmit interval, last response …). */
  update?: Partial<Context>;
}

/** A transition table: for each state, the events it handles. An event a state lacks is absorbed. */
export type TransitionTable<State extends string, Event extends { type: string }, Context, Notice> = {
  readonly [S in State]: {
    readonly [T in Event['type']]?: (
      context: Readonly<Context>,
      event: Extract<Event, { type: T }>,
    ) => Step<State, Context, Notice>;
  };
};

/** The final state every transaction kind shares. */
export const TERMINATED = 'terminated';

/** Effect helpers, so tables read like the RFC's diagrams. */
export const send = (message: SipMessage): { type: 'send'; message: SipMessage } => ({ type: 'send', message });
/** Starts (or restarts) a timer. */
export const startTimer = (timer: TimerName, ms: number): { type: 'startTimer'; timer: TimerName; ms: number } => ({
  type: 'startTimer',
  timer,
  ms,
});
/** Stops a timer. */
export const stopTimer = (timer: TimerName): { type: 'stopTimer'; timer: TimerName } => ({ type: 'stopTimer', timer });
/** Tells the TU. */
export const notify = <Notice>(notice: Notice): { type: 'notify'; notice: Notice } => ({ type: 'notify', notice });

/** What every machine is built from. */
export interface MachineOptions<State extends string, Event extends { type: string }, Context, Notice> {
  initial: State;
  context: Context;
  table: TransitionTable<State, Event, Context, Notice>;
  clock: Clock;
  transport: TransportLayer;
  /** Where sends go. */
  target: SendTarget;
  /** Called with errors thrown by TU callbacks, so one bad callback cannot wedge a transaction. */
  reportError: (error: unknown) => void;
}

/** Base of the four transaction classes. `Context` must carry the `request` that created it. */
export abstract class TransactionMachine<
  State extends string,
  Event extends { type: string },
  Context extends { readonly request: SipRequest },
  Notice,
> {
  #state: State;
  readonly #context: Context;
  readonly #table: TransitionTable<State, Event, Context, Notice>;
  readonly #clock: Clock;
  readonly #transport: TransportLayer;
  readonly #reportError: (error: unknown) => void;
  readonly #timers = new Map<TimerName, TimerHandle>();
  readonly #mailbox: Event[] = [];
  readonly #terminatedListeners: Array<() => void> = [];
  #busy = false;
  #target: SendTarget;
  #connectionId: string | null;
  /** The connection retained from idle close while this transaction lives, and its release. */
  #retained: { connectionId: string; release: () => void } | undefined;

  protected constructor(options: MachineOptions<State, Event, Context, Notice>) {
    this.#state = options.initial;
    this.#context = options.context;
    this.#table = options.table;
    this.#clock = options.clock;
    this.#transport = options.transport;
    this.#target = options.target;
    this.#reportError = options.reportError;
    this.#connectionId = options.target.connectionId ?? null;
    this.#retain();
  }

  /** The current state (RFC 3261 §17 names, lower-case). */
  get state(): State {
    return this.#state;
  }

  /** True once the transaction reached Terminated; it is then gone from the layer. */
  get terminated(): boolean {
    return this.#state === TERMINATED;
  }

  /** The request that created the transaction. */
  get request(): SipRequest {
    return this.#context.request;
  }

  /** Whether the transport is reliable (no retransmissions, zero D/I/J/K). */
  get reliable(): boolean {
    return (this.#context as { timers?: { reliable: boolean } }).timers?.reliable ?? false;
  }

  /** Timers running now, by name (for tests and diagnostics). */
  get activeTimers(): TimerName[] {
    return [...this.#timers.keys()];
  }

  /** The connection this transaction's messages use (connection-oriented transports), if known. */
  get connectionId(): string | null {
    return this.#connectionId;
  }

  /** Records (or forgets, with null) the connection this transaction uses. */
  protected setConnection(connectionId: string | null): void {
    this.#connectionId = connectionId;
    this.#retain();
  }

  /** Where this transaction sends. */
  get target(): SendTarget {
    return this.#target;
  }

  protected set target(target: SendTarget) {
    this.#target = target;
  }

  /** The context, read-only, for subclasses. */
  protected get context(): Readonly<Context> {
    return this.#context;
  }

  /** Runs `listener` once when the transaction terminates. */
  onTerminated(listener: () => void): void {
    if (this.terminated) listener();
    else this.#terminatedListeners.push(listener);
  }

  /**
   * A connection closed. Default (§17.1.4): the transaction fails with a transport error if it
   * used that connection.
   */
  connectionClosed(connectionId: string, failure: TransportFailure | null): void {
    if (this.#connectionId !== connectionId) return;
    this.dispatch({
      type: 'transportError',
      failure: failure ?? {
        code: 'CONNECTION_CLOSED',
        message: `connection ${connectionId} closed`,
        destination: this.#target.destination,
        connectionId,
      },
    } as MachineEvent as Event);
  }

  /** Ends the transaction at once, without telling the TU (layer shutdown). */
  abort(): void {
    if (this.terminated) return;
    this.#mailbox.length = 0;
    this.#enter(TERMINATED as State);
  }

  /** Whether the current state has a transition for an event type (used to refuse TU calls). */
  protected handles(type: Event['type']): boolean {
    return (this.#table[this.#state] as Record<string, unknown>)[type] !== undefined;
  }

  /** Puts an event in the mailbox and, unless already busy, processes the mailbox. */
  protected dispatch(event: Event): void {
    this.#mailbox.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let next = this.#mailbox.shift(); next !== undefined; next = this.#mailbox.shift()) this.#step(next);
    } finally {
      this.#busy = false;
    }
  }

  /** Delivers a notice to the TU (subclasses know which callback). */
  protected abstract deliver(notice: Notice): void;

  /** A send completed (subclasses may record the connection). */
  protected sent(result: SendResult): void {
    if (result.connectionId !== null) {
      this.#connectionId = result.connectionId;
      this.#retain();
    }
    if (!this.reliable && isReliable(result.destination.protocol))
      this.dispatch({ type: 'reliable' } as MachineEvent as Event);
  }

  #step(event: Event): void {
    if (this.terminated) return;
    const row = this.#table[this.#state] as Record<
      string,
      ((context: Context, event: Event) => Step<State, Context, Notice>) | undefined
    >;
    const handler = row[event.type];
    if (handler === undefined) return; // absorbed: the RFC's diagram has no arrow for it
    const step = handler(this.#context, event);
    if (step.update !== undefined) Object.assign(this.#context, step.update);
    this.#state = step.next;
    for (const effect of step.effects ?? []) this.#run(effect);
    if (step.next === TERMINATED) this.#enter(step.next);
  }

  #run(effect: Effect<Notice>): void {
    switch (effect.type) {
      case 'send':
        this.#send(effect.message);
        return;
      case 'startTimer': {
        this.#stop(effect.timer);
        const name = effect.timer;
        this.#timers.set(
          name,
          this.#clock.setTimeout(() => {
            this.#timers.delete(name);
            this.dispatch({ type: `timer${name}` } as Event);
          }, effect.ms),
        );
        return;
      }
      case 'stopTimer':
        this.#stop(effect.timer);
        return;
      case 'notify':
        try {
          this.deliver(effect.notice);
        } catch (error) {
          this.#reportError(error);
        }
        return;
    }
  }

  #stop(timer: TimerName): void {
    const handle = this.#timers.get(timer);
    if (handle === undefined) return;
    this.#clock.clearTimeout(handle);
    this.#timers.delete(timer);
  }

  #send(message: SipMessage): void {
    let pending: Promise<SendResult>;
    try {
      pending = this.#transport.send(message, { ...this.#target, connectionId: this.#connectionId });
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => {
        if (!this.terminated) this.sent(result);
      },
      (reason: unknown) =>
        this.dispatch({ type: 'transportError', failure: toTransportFailure(reason) } as MachineEvent as Event),
    );
  }

  /**
   * Keeps the connection in use (TCP, TLS, WS: only they have connection ids) from being closed
   * as idle for as long as this transaction lives (§18: a response or retransmission must find
   * it open); the previous connection, if another, is released. Nothing once terminated.
   */
  #retain(): void {
    const connectionId = this.terminated ? null : this.#connectionId;
    if (this.#retained?.connectionId === connectionId) return;
    this.#retained?.release();
    this.#retained = undefined;
    if (connectionId === null || this.#transport.retainConnection === undefined) return;
    try {
      this.#retained = { connectionId, release: this.#transport.retainConnection(connectionId) };
    } catch (error) {
      this.#reportError(error);
    }
  }

  #enter(state: State): void {
    this.#state = state;
    for (const handle of this.#timers.values()) this.#clock.clearTimeout(handle);
    this.#timers.clear();
    this.#retain(); // terminated: releases the connection
    for (const listener of this.#terminatedListeners.splice(0)) {
      try {
        listener();
      } catch (error) {
        this.#reportError(error);
      }
    }
  }
}
