/**
 * The interface the layer above the transactions (the UA core / dialog layer) implements
 * (STYLE §1: a lower layer calls upward only through a small interface; compare SIP.js
 * `src/core/transactions/transaction-user.ts`). Client transactions report to the
 * `ClientTransactionUser` given with each request; everything that arrives without a client
 * transaction comes here.
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { InboundMessage } from '../transport/transport-types.ts';
import type { InviteServerTransaction } from './invite-server-transaction.ts';
import type { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import type { ServerTransactionLike } from './server-transaction.ts';
import type { TransactionError } from './transaction-errors.ts';

/** Either server transaction. */
export type AnyServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the UA core implements. Callbacks run synchronously inside `TransportUser.onMessage`. */
export interface TransactionUser {
  /**
   * A new request (not ACK, not CANCEL, not a retransmission, not a merged request): a server
   * transaction was made for it and waits for the TU's `respond()` / `reply()`. An INVITE
   * transaction sends its own 100 Trying unless the TU answers within `tryingDelay` (§17.2.1).
   */
  onRequest(request: SipRequest, transaction: AnyServerTransaction, inbound: InboundMessage): void;
  /**
   * An ACK for a 2xx (§13.3.1.4, §17.2.3): it matched no INVITE server transaction, or one in
   * RFC 6026's Accepted state (`transaction` is then set). A 2xx retransmission started with
   * `TransactionLayer.retransmit2xx` for the same dialog and CSeq has already been stopped.
   * ACKs for non-2xx responses never come here: their transaction absorbs them.
   */
  onAck(ack: SipRequest, inbound: InboundMessage, transaction: InviteServerTransaction | undefined): void;
  /**
   * A CANCEL matched an INVITE server transaction that had not sent a final response (§9.2):
   * the layer has answered the CANCEL with 200 and the INVITE with 487 Request Terminated;
   * the TU tears down what it set up for the INVITE (early dialog, media).
   */
  onCancel?(cancel: SipRequest, invite: InviteServerTransaction, inbound: InboundMessage): void;
  /**
   * A response that matched no client transaction (§18.1.2: "passed to the core"): in practice
   * a 2xx to INVITE from another fork or a retransmission after the client transaction ended
   * (§13.2.2.4: the UAC core ACKs it, and BYEs a dialog it does not want). Others may be dropped.
   */
  onStrayResponse(response: SipResponse, inbound: InboundMessage): void;
  /**
   * A server transaction failed: `TRANSACTION_TIMEOUT` (Timer H, no ACK for a non-2xx final,
   * §17.2.1), `TRANSPORT_ERROR` (§17.2.4), or `NO_ACK` from `retransmit2xx` without its own
   * `onNoAck` (§13.3.1.4: the TU must send BYE).
   */
  onServerTransactionError?(error: TransactionError, transaction: ServerTransactionLike): void;
  /** A TU callback threw. Default: rethrown in a microtask (a bug must not pass silently). */
  onError?(error: unknown): void;
}
