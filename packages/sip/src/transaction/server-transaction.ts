/**
 * What the two server transactions share: the response target (§18.2.2), the TU's responses as
 * table events, and how failures go up. The TU of a server transaction is the UA core; it
 * answers through {@link ServerTransaction.respond} or {@link ServerTransaction.reply}.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse, type CreateResponseOptions } from '../message/response.ts';
import type { InboundMessage, TransportFailure, TransportLayer } from '../transport/transport-types.ts';
import { responseEvent, rethrowLater, type ResponseEvent } from './client-transaction.ts';
import type { TimerConfig } from './timer-config.ts';
import { TransactionError, TransactionErrorCode } from './transaction-errors.ts';
import { TransactionMachine, type MachineOptions } from './transaction-machine.ts';

/** What a server transaction reports upward. */
export type ServerNotice =
  | { kind: 'timeout'; timer: 'H' }
  | { kind: 'transportError'; failure: TransportFailure }
  /** RFC 6026 IST diagram, Accepted: "ACK / to TU". */
  | { kind: 'ack'; ack: SipRequest; inbound: InboundMessage };

/** Where a server transaction's notices go (the layer wires them to its `TransactionUser`). */
export interface ServerTransactionHooks {
  /** Timer H fired (no ACK for a non-2xx final, §17.2.1) or the transport failed (§17.2.4). */
  onFailure(error: TransactionError, transaction: ServerTransactionLike): void;
  /** An ACK the transaction passes up (Accepted state, RFC 6026). */
  onAck(ack: SipRequest, inbound: InboundMessage, transaction: ServerTransactionLike): void;
}

/** What the UA core sees of a server transaction. */
export interface ServerTransactionLike {
  /** The §17.2.3 matching key. */
  readonly id: string;
  readonly request: SipRequest;
  /** How the request arrived (source, local address, connection). */
  readonly inbound: InboundMessage;
  readonly state: string;
  readonly terminated: boolean;
  /** The last response sent, if any. */
  readonly lastResponse: SipResponse | undefined;
  /** Sends a response built by the TU (§17.2.1, §17.2.2). */
  respond(response: SipResponse): void;
  /** Builds a response with `createResponse` (adding a To tag to non-100 responses if needed) and sends it. */
  reply(status: number, options?: CreateResponseOptions): SipResponse;
}

/** A retransmitted request, or an ACK that matched (§17.2.3). */
export type RequestEvent =
  { type: 'request'; request: SipRequest } | { type: 'ack'; ack: SipRequest; inbound: InboundMessage };

/** Options of a server transaction. */
export interface ServerTransactionOptions {
  request: SipRequest;
  inbound: InboundMessage;
  transport: TransportLayer;
  clock: Clock;
  timers?: Partial<TimerConfig>;
  /** The §17.2.3 key (computed by the layer). */
  id: string;
  hooks: ServerTransactionHooks;
  /** Errors thrown by callbacks go here. Default: rethrown in a microtask. */
  reportError?: (error: unknown) => void;
}

/** A To tag for a response that creates or ends an early dialog (§19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomBytes(8).toString('hex');
}

/** Base class of {@link InviteServerTransaction} and {@link NonInviteServerTransaction}. */
export abstract class ServerTransaction<
  State extends string,
  Event extends { type: string },
  Context extends { readonly request: SipRequest; lastResponse: SipResponse | undefined },
>
  extends TransactionMachine<State, Event, Context, ServerNotice>
  implements ServerTransactionLike
{
  /** The §17.2.3 matching key. */
  readonly id: string;
  /** How the request arrived. */
  readonly inbound: InboundMessage;
  readonly #hooks: ServerTransactionHooks;
  readonly #transport: TransportLayer;

  protected constructor(
    options: ServerTransactionOptions,
    machine: Omit<
      MachineOptions<State, Event, Context, ServerNotice>,
      'clock' | 'transport' | 'target' | 'reportError'
    >,
  ) {
    super({
      ...machine,
      clock: options.clock,
      transport: options.transport,
      // §17.2.1/§17.2.2 send responses "to the transport layer", which routes them per §18.2.2.
      target: options.transport.responseTarget(options.request, options.inbound),
      reportError: options.reportError ?? rethrowLater,
    });
    this.id = options.id;
    this.inbound = options.inbound;
    this.#hooks = options.hooks;
    this.#transport = options.transport;
  }

  /** The last response sent. */
  get lastResponse(): SipResponse | undefined {
    return this.context.lastResponse;
  }

  /** Starts the transaction's own timers (the 100 Trying timer of an INVITE). */
  abstract start(): void;

  /**
   * Sends a response from the TU.
   * @throws TransactionError `INVALID_STATE` when the state takes no such response (a second
   *   final response, a 1xx after a final one, anything after Terminated), `INVALID_REQUEST`
   *   for a status outside 100..699
   */
  respond(response: SipResponse): void {
    if (!Number.isInteger(response.status) || response.status < 100 || response.status > 699) {
      throw new TransactionError(TransactionErrorCode.InvalidRequest, `status ${response.status} is not 100..699`);
    }
    const event = responseEvent(response);
    if (!this.handles(event.type as Event['type'])) {
      throw new TransactionError(
        TransactionErrorCode.InvalidState,
        `${this.request.method} server transaction in state ${this.state} cannot send ${response.status}`,
      );
    }
    this.dispatch(event as unknown as Event);
  }

  /** Builds a response to the request (with a new To tag for non-100 responses unless given) and sends it. */
  reply(status: number, options: CreateResponseOptions = {}): SipResponse {
    const toTag = options.toTag ?? (this.request.to?.tag === undefined && status > 100 ? newTag() : undefined);
    const response = createResponse(this.request, status, toTag === undefined ? options : { ...options, toTag });
    if (response === undefined)
      throw new TransactionError(TransactionErrorCode.InvalidRequest, 'request lacks the headers a response needs');
    this.respond(response);
    return response;
  }

  /** A retransmission of the request matched this transaction (§17.2.3). */
  receiveRequest(request: SipRequest): void {
    this.dispatch({ type: 'request', request } as RequestEvent as unknown as Event);
  }

  /**
   * A connection closed. §18.2.2: over TCP/TLS a response goes on the request's connection "if
   * that connection is still open … If that connection is no longer open, the server SHOULD open
   * a connection to the IP address in the 'received' parameter", so the transaction re-targets
   * and lives on; only a WebSocket flow (RFC 7118 §5: the server cannot connect back) fails.
   */
  override connectionClosed(connectionId: string, failure: TransportFailure | null): void {
    if (this.connectionId !== connectionId) return;
    const protocol = this.inbound.source.protocol;
    if (protocol === 'ws' || protocol === 'wss') {
      super.connectionClosed(connectionId, failure);
      return;
    }
    this.setConnection(null);
    this.target = this.#transport.responseTarget(this.request, { ...this.inbound, connectionId: null });
  }

  protected deliver(notice: ServerNotice): void {
    switch (notice.kind) {
      case 'timeout':
        this.#hooks.onFailure(
          new TransactionError(TransactionErrorCode.Timeout, 'Timer H fired: no ACK for the final response', {
            status: 408,
          }),
          this,
        );
        return;
      case 'transportError':
        this.#hooks.onFailure(
          new TransactionError(TransactionErrorCode.TransportError, notice.failure.message, {
            status: 503,
            failure: notice.failure,
          }),
          this,
        );
        return;
      case 'ack':
        this.#hooks.onAck(notice.ack, notice.inbound, this);
        return;
    }
  }
}

export type { ResponseEvent };
