/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): "The 2xx response is passed to the
 * transport with an interval that starts at T1 seconds and doubles for each retransmission
 * until it reaches T2 seconds. Response retransmissions cease when an ACK request for the
 * response is received. … If the server retransmits the 2xx response for 64*T1 seconds without
 * receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated. This is
 * accomplished with a BYE."
 *
 * The rule is end to end and does not depend on the first hop's transport (a proxy further on
 * may use UDP), so it retransmits over reliable transports too.
 *
 * Transition table (one actor, STYLE §4):
 *
 * | state     | retransmit timer            | give-up timer (64*T1)      | ACK / stop |
 * | --------- | --------------------------- | -------------------------- | ---------- |
 * | waiting   | send, interval=min(2i, T2)  | → timedOut, onNoAck        | → done     |
 * | done      | –                           | –                          | –          |
 * | timedOut  | –                           | –                          | –          |
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipResponse } from '../message/message.ts';
import { resolveTimerConfig, type TimerConfig } from './timer-config.ts';
import { TransactionError, TransactionErrorCode } from './transaction-errors.ts';

/** Options of {@link UasInviteRetransmitter}. */
export interface UasInviteRetransmitterOptions {
  /** The 2xx, already sent once. */
  response: SipResponse;
  clock: Clock;
  /** T1/T2 (RFC defaults for missing values). */
  timers?: Partial<TimerConfig>;
  /** Sends one retransmission. */
  send(response: SipResponse): void;
  /** No ACK within 64*T1: the TU must end the session with BYE. Gets a `NO_ACK` error. */
  onNoAck(error: TransactionError): void;
}

/** States of {@link UasInviteRetransmitter}. */
export type UasInviteRetransmitterState = 'waiting' | 'done' | 'timedOut';

/** Retransmits a 2xx to INVITE until the ACK arrives or 64*T1 passes (§13.3.1.4). */
export class UasInviteRetransmitter {
  #state: UasInviteRetransmitterState = 'waiting';
  #interval: number;
  #retransmissions = 0;
  #retransmitTimer: TimerHandle | undefined;
  #giveUpTimer: TimerHandle | undefined;
  readonly #options: UasInviteRetransmitterOptions;
  readonly #T2: number;

  /** Starts the schedule at once: first retransmission after T1, give up after 64*T1. */
  constructor(options: UasInviteRetransmitterOptions) {
    this.#options = options;
    const { T1, T2 } = resolveTimerConfig(options.timers);
    this.#T2 = T2;
    this.#interval = T1;
    this.#retransmitTimer = options.clock.setTimeout(() => this.#retransmit(), T1);
    this.#giveUpTimer = options.clock.setTimeout(() => this.#giveUp(), 64 * T1);
  }

  /** The response being retransmitted. */
  get response(): SipResponse {
    return this.#options.response;
  }

  /** `waiting`, `done` (ACK or stop) or `timedOut`. */
  get state(): UasInviteRetransmitterState {
    return this.#state;
  }

  /** How many retransmissions went out. */
  get retransmissions(): number {
    return this.#retransmissions;
  }

  /** The ACK arrived (or the TU is done with the dialog): retransmissions cease. */
  stop(): void {
    if (this.#state !== 'waiting') return;
    this.#state = 'done';
    this.#clearTimers();
  }

  #retransmit(): void {
    this.#retransmitTimer = undefined;
    if (this.#state !== 'waiting') return;
    this.#retransmissions++;
    this.#interval = Math.min(this.#interval * 2, this.#T2);
    this.#retransmitTimer = this.#options.clock.setTimeout(() => this.#retransmit(), this.#interval);
    this.#options.send(this.#options.response);
  }

  #giveUp(): void {
    this.#giveUpTimer = undefined;
    if (this.#state !== 'waiting') return;
    this.#state = 'timedOut';
    this.#clearTimers();
    this.#options.onNoAck(
      new TransactionError(
        TransactionErrorCode.NoAck,
        '§13.3.1.4: no ACK for the 2xx within 64*T1; end the session with BYE',
        { status: 408 },
      ),
    );
  }

  #clearTimers(): void {
    if (this.#retransmitTimer !== undefined) this.#options.clock.clearTimeout(this.#retransmitTimer);
    if (this.#giveUpTimer !== undefined) this.#options.clock.clearTimeout(this.#giveUpTimer);
    this.#retransmitTimer = undefined;
    this.#giveUpTimer = undefined;
  }
}
