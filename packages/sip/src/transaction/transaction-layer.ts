/**
 * The transaction layer (RFC 3261 §17): it sits on the transport (it is the transport's
 * `TransportUser`), matches what arrives to transactions (§17.1.3, §17.2.3), creates server
 * transactions for new requests and hands them to the {@link TransactionUser}, answers CANCEL
 * (§9.2) and merged requests (§8.2.2.2) itself, and runs the UAS core's 2xx retransmission
 * (§13.3.1.4). Terminated transactions leave at once; a cap bounds the live ones.
 */
import { authorizeCancel } from '../auth/cancel-ack.ts';
import { systemClock, type Clock } from '../clock.ts';
import { SipParseError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type {
  InboundMessage,
  SendTarget,
  TransportFailure,
  TransportLayer,
  TransportUser,
} from '../transport/transport-types.ts';
import { rethrowLater, type ClientTransactionUser } from './client-transaction.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { newTag, type ServerTransactionHooks, type ServerTransactionOptions } from './server-transaction.ts';
import { resolveTimerConfig, type TimerConfig } from './timer-config.ts';
import { TransactionError, TransactionErrorCode } from './transaction-errors.ts';
import { ackKey, clientKey } from './transaction-keys.ts';
import { ServerTransactionIndex } from './server-transaction-index.ts';
import type { AnyServerTransaction, TransactionUser } from './transaction-user.ts';
import { UasInviteRetransmitter } from './uas-invite-retransmitter.ts';
import { isRfc3261Branch } from '../message/values/via.ts';

/** Either client transaction. */
export type AnyClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** Default cap on live transactions (client and server together). */
export const DEFAULT_MAX_TRANSACTIONS = 16_384;

/** Options of {@link TransactionLayer}. */
export interface TransactionLayerOptions {
  /** What sends (the transport layer). Can be set later with `setTransport` (construction order). */
  transport?: TransportLayer;
  /** The UA core. */
  user: TransactionUser;
  /** Default: the system clock. Tests pass a `SimulatedClock`. */
  clock?: Clock;
  /** T1/T2/T4/tryingDelay; defaults are the RFC's (500 ms, 4 s, 5 s, 200 ms). */
  timers?: Partial<TimerConfig>;
  /** Cap on live transactions; beyond it new requests get 503 and `sendRequest` throws. Default 16384. */
  maxTransactions?: number;
  /**
   * Finishes a CANCEL built by {@link TransactionLayer.cancel} before it is sent. Default
   * `authorizeCancel`: the CANCEL carries the INVITE's Authorization and Proxy-Authorization
   * (§22.1: a CANCEL cannot be challenged and resubmitted, so proxies that authenticated the
   * INVITE must find the same credentials on it).
   */
  prepareCancel?: (cancel: SipRequest, invite: SipRequest) => void;
}

/** Options of {@link TransactionLayer.retransmit2xx}. */
export interface Retransmit2xxOptions {
  /** No ACK within 64*T1 (§13.3.1.4). Default: `TransactionUser.onServerTransactionError`. */
  onNoAck?: (error: TransactionError) => void;
}

/** RFC 3261 §17 transaction layer. */
export class TransactionLayer implements TransportUser {
  #transport: TransportLayer | undefined;
  readonly #user: TransactionUser;
  readonly #clock: Clock;
  readonly #timers: TimerConfig;
  readonly #max: number;
  readonly #live = new Set<AnyClientTransaction | AnyServerTransaction>();
  readonly #clients = new Map<string, AnyClientTransaction>();
  readonly #servers = new ServerTransactionIndex();
  readonly #awaitingAck = new Map<string, UasInviteRetransmitter>();
  readonly #pendingCancels = new Map<
    InviteClientTransaction,
    { user: ClientTransactionUser; reason: string | undefined }
  >();
  readonly #hooks: ServerTransactionHooks;
  readonly #reportError: (error: unknown) => void;
  readonly #prepareCancel: (cancel: SipRequest, invite: SipRequest) => void;

  /** @param options transport, user, clock, timers, maxTransactions */
  constructor(options: TransactionLayerOptions) {
    this.#transport = options.transport;
    this.#user = options.user;
    this.#clock = options.clock ?? systemClock;
    this.#timers = resolveTimerConfig(options.timers);
    this.#max = options.maxTransactions ?? DEFAULT_MAX_TRANSACTIONS;
    this.#prepareCancel = options.prepareCancel ?? authorizeCancel;
    this.#reportError = (error) => (this.#user.onError ? this.#user.onError(error) : rethrowLater(error));
    this.#hooks = {
      onFailure: (error, transaction) => this.#user.onServerTransactionError?.(error, transaction),
      onAck: (ack, inbound, transaction) => this.#ackForSuccess(ack, inbound, transaction as InviteServerTransaction),
    };
  }

  /** Binds the transport (when it had to be created after the layer). */
  setTransport(transport: TransportLayer): void {
    this.#transport = transport;
  }

  /** Live transactions (client and server). Back to 0 once everything has terminated. */
  get size(): number {
    return this.#live.size;
  }

  /** 2xx responses still being retransmitted while waiting for their ACK. */
  get pendingAcks(): number {
    return this.#awaitingAck.size;
  }

  /** The timer values in use. */
  get timers(): Readonly<TimerConfig> {
    return this.#timers;
  }

  /**
   * Starts a client transaction: INVITE → {@link InviteClientTransaction}, any other method
   * (CANCEL included) → {@link NonInviteClientTransaction}. The request must carry a top Via
   * whose branch starts with `z9hG4bK` (§8.1.1.7; see `createBranch`); the transport fills in
   * its sent-by. An ACK is not a transaction: the non-2xx ACK is made by the INVITE client
   * transaction, the 2xx ACK is sent by the UAC core through the transport (§13.2.2.4).
   * @throws TransactionError `INVALID_REQUEST`, `DUPLICATE_TRANSACTION`, `TOO_MANY_TRANSACTIONS`
   */
  sendRequest(request: SipRequest, target: SendTarget, user: ClientTransactionUser): AnyClientTransaction {
    if (request.method === 'ACK')
      throw new TransactionError(
        TransactionErrorCode.InvalidRequest,
        'ACK is not sent in a client transaction (§17.1.1.3, §13.2.2.4)',
      );
    if (!isRfc3261Branch(request.topVia?.branch))
      throw new TransactionError(
        TransactionErrorCode.InvalidRequest,
        'the top Via needs an RFC 3261 branch (§8.1.1.7)',
      );
    if (request.cseq?.method !== request.method)
      throw new TransactionError(
        TransactionErrorCode.InvalidRequest,
        'CSeq method must equal the request method (§8.1.1.5)',
      );
    const id = clientKey(request)!;
    if (this.#clients.has(id))
      throw new TransactionError(TransactionErrorCode.DuplicateTransaction, `a client transaction ${id} is live`);
    this.#checkCapacity();
    const options = {
      request,
      target,
      transport: this.#requireTransport(),
      clock: this.#clock,
      timers: this.#timers,
      id,
      reportError: this.#reportError,
    };
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction({ ...options, user: this.#watchForProvisional(user) })
        : new NonInviteClientTransaction({ ...options, user });
    this.#clients.set(id, transaction);
    this.#live.add(transaction);
    transaction.onTerminated(() => {
      this.#live.delete(transaction);
      if (this.#clients.get(id) === transaction) this.#clients.delete(id);
      if (transaction instanceof InviteClientTransaction) this.#pendingCancels.delete(transaction);
    });
    transaction.start();
    return transaction;
  }

  /**
   * Cancels an INVITE (§9.1). In Proceeding the CANCEL goes now, to the INVITE's destination;
   * in Calling it waits for the first provisional response ("the client MUST wait for the
   * arrival of a provisional response before sending the request") and is dropped if a final
   * response comes first. Returns the CANCEL's transaction, or undefined when it waits or when
   * a final response already arrived (nothing left to cancel).
   * @param user receives the CANCEL's own responses (200, or 481 if the UAS had none)
   */
  cancel(
    invite: InviteClientTransaction,
    user: ClientTransactionUser,
    reason?: string,
  ): NonInviteClientTransaction | undefined {
    if (invite.state === 'calling') {
      this.#pendingCancels.set(invite, { user, reason });
      return undefined;
    }
    if (!invite.cancellable) return undefined;
    const cancel = invite.createCancel(reason);
    this.#prepareCancel(cancel, invite.request);
    return this.sendRequest(
      cancel,
      { destination: invite.target.destination, connectionId: invite.connectionId },
      user,
    ) as NonInviteClientTransaction;
  }

  /**
   * Sends a 2xx on an INVITE server transaction and keeps retransmitting it, as the UAS core
   * must (§13.3.1.4: T1, doubling up to T2), until the ACK arrives (matched by Call-ID, CSeq
   * number and tags; the ACK still goes to `onAck`) or 64*T1 passes (`NO_ACK`: send BYE).
   */
  retransmit2xx(
    transaction: InviteServerTransaction,
    response: SipResponse,
    options: Retransmit2xxOptions = {},
  ): UasInviteRetransmitter {
    transaction.respond(response);
    const key = ackKey(response);
    const retransmitter = new UasInviteRetransmitter({
      response,
      clock: this.#clock,
      timers: this.#timers,
      send: (again) => {
        // RFC 6026: through the transaction while it is Accepted; statelessly afterwards.
        if (transaction.state === 'accepted') transaction.respond(again);
        else this.#sendStateless(again, transaction.target);
      },
      onNoAck: (error) => {
        if (key !== undefined && this.#awaitingAck.get(key) === retransmitter) this.#awaitingAck.delete(key);
        try {
          if (options.onNoAck) options.onNoAck(error);
          else this.#user.onServerTransactionError?.(error, transaction);
        } catch (thrown) {
          this.#reportError(thrown);
        }
      },
    });
    if (key !== undefined) {
      this.#awaitingAck.get(key)?.stop();
      this.#awaitingAck.set(key, retransmitter);
    }
    return retransmitter;
  }

  /** The client transaction a response would match (§17.1.3), if live. */
  findClientTransaction(response: SipResponse): AnyClientTransaction | undefined {
    const key = clientKey(response);
    return key === undefined ? undefined : this.#clients.get(key);
  }

  /** TransportUser: one message off the wire. Never throws for what the wire sent. */
  onMessage(inbound: InboundMessage): void {
    try {
      const message = inbound.message;
      if (message.kind === 'response') this.#onResponse(message, inbound);
      else this.#onRequest(message, inbound);
    } catch (error) {
      // A header the transport did not validate broke its grammar while matching: drop it.
      if (error instanceof SipParseError) return;
      this.#reportError(error);
    }
  }

  /** TransportUser: nothing to do; the transport answered or dropped the message. */
  onMalformed(): void {}

  /** TransportUser: transactions on that connection fail (§17.1.4) or re-target (§18.2.2). */
  onConnectionClosed(connectionId: string, failure: TransportFailure | null): void {
    for (const transaction of [...this.#live]) transaction.connectionClosed(connectionId, failure);
  }

  /** Ends every transaction and retransmission at once, telling no one (shutdown). */
  close(): void {
    for (const transaction of [...this.#live]) transaction.abort();
    for (const retransmitter of this.#awaitingAck.values()) retransmitter.stop();
    this.#awaitingAck.clear();
    this.#pendingCancels.clear();
  }

  #onResponse(response: SipResponse, inbound: InboundMessage): void {
    const transaction = this.findClientTransaction(response);
    if (transaction !== undefined) transaction.receiveResponse(response);
    else this.#user.onStrayResponse(response, inbound);
  }

  #onRequest(request: SipRequest, inbound: InboundMessage): void {
    if (request.method === 'ACK') {
      this.#onAck(request, inbound);
      return;
    }
    const existing = this.#servers.find(request, request.method, 'request');
    if (existing !== undefined) {
      existing.receiveRequest(request); // a retransmission (§17.2.1, §17.2.2)
      return;
    }
    if (request.method === 'CANCEL') {
      this.#onCancel(request, inbound);
      return;
    }
    if (this.#servers.mergedWith(request) !== undefined) {
      // §8.2.2.2: a merged request (same From tag, Call-ID and CSeq, another branch): 482.
      this.#createServer(request, inbound)?.reply(482);
      return;
    }
    const transaction = this.#createServer(request, inbound);
    if (transaction === undefined) return;
    try {
      this.#user.onRequest(request, transaction, inbound);
    } catch (error) {
      this.#reportError(error);
    }
  }

  #onAck(ack: SipRequest, inbound: InboundMessage): void {
    const invite = this.#servers.find(ack, 'INVITE', 'ack');
    if (invite instanceof InviteServerTransaction) {
      // Completed → Confirmed (the non-2xx ACK, §17.2.1), or Accepted → to the TU (RFC 6026).
      invite.receiveAck(ack, inbound);
      return;
    }
    // §17.2.3 / §13.3.1.4: an ACK that matches no transaction acknowledges a 2xx: the core's.
    this.#ackForSuccess(ack, inbound, undefined);
  }

  #ackForSuccess(ack: SipRequest, inbound: InboundMessage, transaction: InviteServerTransaction | undefined): void {
    const key = ackKey(ack);
    const retransmitter = key === undefined ? undefined : this.#awaitingAck.get(key);
    if (retransmitter !== undefined) {
      retransmitter.stop();
      this.#awaitingAck.delete(key!);
    }
    try {
      this.#user.onAck(ack, inbound, transaction);
    } catch (error) {
      this.#reportError(error);
    }
  }

  #onCancel(cancel: SipRequest, inbound: InboundMessage): void {
    // §9.2: "The TU determines the transaction to be cancelled by taking the CANCEL request,
    // and then assuming that the request method is anything but CANCEL or ACK and applying the
    // transaction matching procedures of Section 17.2.3." Only INVITE is looked for: a CANCEL
    // for a non-INVITE (which a UAC SHOULD NOT send, §9.1) gets 481.
    const invite = this.#servers.find(cancel, 'INVITE', 'request');
    const transaction = this.#createServer(cancel, inbound);
    if (transaction === undefined) return;
    if (!(invite instanceof InviteServerTransaction)) {
      // §9.2: "If the UAS did not find a matching transaction for the CANCEL according to the
      // procedure above, it SHOULD respond to the CANCEL with a 481 (Call Leg/Transaction Does
      // Not Exist)."
      transaction.reply(481);
      return;
    }
    // §9.2: "The To tag of the response to the CANCEL and the To tag in the response to the
    // original request SHOULD be the same."
    const toTag = invite.lastResponse?.to?.tag ?? newTag();
    // §9.2: "Regardless of the method of the original request, as long as the CANCEL matched
    // an existing transaction, the UAS answers the CANCEL request itself with a 200 (OK)
    // response." If a final response was sent already, "the CANCEL request has no effect".
    transaction.reply(200, { toTag });
    if (invite.state !== 'proceeding') return;
    // §9.2: "If the original request was an INVITE, the UAS SHOULD immediately respond to the
    // INVITE with a 487 (Request Terminated)."
    invite.reply(487, { toTag });
    try {
      this.#user.onCancel?.(cancel, invite, inbound);
    } catch (error) {
      this.#reportError(error);
    }
  }

  /** A server transaction for a request, or a stateless 503 when the cap is reached. */
  #createServer(request: SipRequest, inbound: InboundMessage): AnyServerTransaction | undefined {
    if (this.#live.size >= this.#max) {
      const busy = createResponse(request, 503, {
        toTag: newTag(),
        reason: 'Service Unavailable (transaction limit)',
        headers: [['Retry-After', '5']],
      });
      if (busy !== undefined) this.#sendStateless(busy, this.#requireTransport().responseTarget(request, inbound));
      return undefined;
    }
    const options: ServerTransactionOptions = {
      request,
      inbound,
      transport: this.#requireTransport(),
      clock: this.#clock,
      timers: this.#timers,
      id: ServerTransactionIndex.idFor(request),
      hooks: this.#hooks,
      reportError: this.#reportError,
    };
    const transaction =
      request.method === 'INVITE' ? new InviteServerTransaction(options) : new NonInviteServerTransaction(options);
    this.#live.add(transaction);
    this.#servers.add(transaction);
    transaction.onTerminated(() => this.#live.delete(transaction));
    transaction.start();
    return transaction;
  }

  /** Wraps an INVITE's user so a CANCEL waiting for a provisional response goes out on the first one. */
  #watchForProvisional(user: ClientTransactionUser): ClientTransactionUser {
    return {
      onResponse: (response, transaction) => {
        user.onResponse(response, transaction);
        const invite = transaction as InviteClientTransaction;
        const pending = this.#pendingCancels.get(invite);
        if (pending === undefined) return;
        if (response.status >= 200) {
          this.#pendingCancels.delete(invite); // §9.1: a final response came first; nothing to cancel
          return;
        }
        if (!invite.cancellable) return;
        this.#pendingCancels.delete(invite);
        this.cancel(invite, pending.user, pending.reason);
      },
      onTimeout: user.onTimeout?.bind(user),
      onTransportError: user.onTransportError?.bind(user),
      onTerminated: user.onTerminated?.bind(user),
    };
  }

  #checkCapacity(): void {
    if (this.#live.size >= this.#max) {
      throw new TransactionError(
        TransactionErrorCode.TooManyTransactions,
        `${this.#live.size} live transactions (cap ${this.#max})`,
        { status: 503 },
      );
    }
  }

  #requireTransport(): TransportLayer {
    if (this.#transport === undefined)
      throw new TransactionError(TransactionErrorCode.InvalidState, 'no transport bound (setTransport)');
    return this.#transport;
  }

  #sendStateless(response: SipResponse, target: SendTarget): void {
    // A stateless response has no transaction to fail: a send error is only the peer's loss.
    try {
      this.#requireTransport()
        .send(response, target)
        .catch(() => undefined);
    } catch {
      // same: nothing to report
    }
  }
}
