/**
 * What the two client transactions share: how they talk to their TU, and how responses become
 * table events. The TU of a client transaction is whoever sent the request (UAC core, dialog).
 */
import type { Clock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type { SendTarget, TransportFailure, TransportLayer } from '../transport/transport-types.ts';
import type { TimerConfig } from './timer-config.ts';
import { TransactionError, TransactionErrorCode } from './transaction-errors.ts';
import { TransactionMachine, type MachineOptions } from './transaction-machine.ts';

/**
 * The TU of one client transaction. `onResponse` is required; without `onTimeout` /
 * `onTransportError`, the locally made 408 / 503 goes to `onResponse` (§8.1.3.1: a timeout "MUST
 * be treated as if a 408 … had been received", a transport error "as a 503").
 */
export interface ClientTransactionUser {
  /**
   * A response the transaction passes up: every 1xx, the first 3xx–6xx, and for INVITE every
   * 2xx (RFC 6026: the Accepted state passes retransmitted and forked 2xx up, so the UAC core
   * can ACK each one, §13.2.2.4).
   */
  onResponse(response: SipResponse, transaction: ClientTransactionLike): void;
  /** Timer B or F fired (§17.1.1.2, §17.1.2.2). `response` is a locally made 408. */
  onTimeout?(response: SipResponse, error: TransactionError, transaction: ClientTransactionLike): void;
  /** The transport failed (§17.1.4); the TU may retry to the next RFC 3263 target. `response` is a locally made 503. */
  onTransportError?(response: SipResponse, error: TransactionError, transaction: ClientTransactionLike): void;
  /** The transaction reached Terminated and left the layer. */
  onTerminated?(transaction: ClientTransactionLike): void;
}

/** What a client TU sees of its transaction. */
export interface ClientTransactionLike {
  /** `branch|METHOD`, the §17.1.3 matching key. */
  readonly id: string;
  readonly request: SipRequest;
  readonly state: string;
  readonly terminated: boolean;
}

/** What a client transaction tells its TU. */
export type ClientNotice =
  | { kind: 'response'; response: SipResponse }
  | { kind: 'timeout'; timer: 'B' | 'F' }
  | { kind: 'transportError'; failure: TransportFailure };

/** Response events, named after the RFC diagrams' arrows. */
export type ResponseEvent =
  | { type: '1xx'; response: SipResponse }
  | { type: '2xx'; response: SipResponse }
  | { type: '300-699'; response: SipResponse };

/** Options of a client transaction. */
export interface ClientTransactionOptions {
  /** The request, with a top Via whose branch starts with `z9hG4bK` (§8.1.1.7). */
  request: SipRequest;
  /** Where it goes (after RFC 3263 resolution); retransmissions and the non-2xx ACK go there too. */
  target: SendTarget;
  transport: TransportLayer;
  clock: Clock;
  /** T1/T2/T4 (RFC defaults for missing values). */
  timers?: Partial<TimerConfig>;
  user: ClientTransactionUser;
  /** §17.1.3 key; computed by the layer. */
  id: string;
  /** Errors thrown by the TU's callbacks go here. Default: rethrown in a microtask. */
  reportError?: (error: unknown) => void;
}

/** Classifies a response for the tables. */
export function responseEvent(response: SipResponse): ResponseEvent {
  if (response.status < 200) return { type: '1xx', response };
  if (response.status < 300) return { type: '2xx', response };
  return { type: '300-699', response };
}

/** Default for `reportError`: do not swallow a TU's bug, but do not break the transaction either. */
export function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Base class of {@link InviteClientTransaction} and {@link NonInviteClientTransaction}. */
export abstract class ClientTransaction<
  State extends string,
  Event extends { type: string },
  Context extends { readonly request: SipRequest },
>
  extends TransactionMachine<State, Event, Context, ClientNotice>
  implements ClientTransactionLike
{
  /** `branch|METHOD` (§17.1.3). */
  readonly id: string;
  readonly #user: ClientTransactionUser;

  protected constructor(
    options: ClientTransactionOptions,
    machine: Omit<
      MachineOptions<State, Event, Context, ClientNotice>,
      'clock' | 'transport' | 'target' | 'reportError'
    >,
  ) {
    super({
      ...machine,
      clock: options.clock,
      transport: options.transport,
      target: options.target,
      reportError: options.reportError ?? rethrowLater,
    });
    this.id = options.id;
    this.#user = options.user;
    this.onTerminated(() => this.#user.onTerminated?.(this));
  }

  /** Sends the request and starts the timers (the "request from TU" arrow). */
  abstract start(): void;

  /** A response matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    this.dispatch(responseEvent(response) as unknown as Event);
  }

  protected deliver(notice: ClientNotice): void {
    switch (notice.kind) {
      case 'response':
        this.#user.onResponse(notice.response, this);
        return;
      case 'timeout': {
        const response = this.#local(408);
        const error = new TransactionError(
          TransactionErrorCode.Timeout,
          `Timer ${notice.timer} fired for ${this.request.method}`,
          { status: 408 },
        );
        if (this.#user.onTimeout) this.#user.onTimeout(response, error, this);
        else this.#user.onResponse(response, this);
        return;
      }
      case 'transportError': {
        const response = this.#local(503);
        const error = new TransactionError(TransactionErrorCode.TransportError, notice.failure.message, {
          status: 503,
          failure: notice.failure,
        });
        if (this.#user.onTransportError) this.#user.onTransportError(response, error, this);
        else this.#user.onResponse(response, this);
        return;
      }
    }
  }

  /** A response made here for a failure the TU treats like a received one (§8.1.3.1). */
  #local(status: number): SipResponse {
    const response = createResponse(this.request, status);
    if (response === undefined)
      throw new TransactionError(TransactionErrorCode.InvalidRequest, 'request lacks the headers a response needs');
    return response;
  }
}
