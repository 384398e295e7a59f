/**
 * Typed errors of the transaction layer (STYLE §7): a fixed `name`, a readable `code`, the SIP
 * `status` the failure stands for where there is one (§8.1.3.1: a timeout is a 408, a transport
 * error a 503), and the transport's `failure` or `cause` when it wraps one.
 */
import type { TransportFailure } from '../transport/transport-types.ts';

/** Readable codes of {@link TransactionError}. */
export const TransactionErrorCode = {
  /** Timer B or F fired (§17.1.1.2, §17.1.2.2), or Timer H: no ACK for a non-2xx final (§17.2.1). */
  Timeout: 'TRANSACTION_TIMEOUT',
  /** The transport failed to send, or a connection the transaction used closed (§17.1.4, §17.2.4). */
  TransportError: 'TRANSPORT_ERROR',
  /** The UAS core retransmitted a 2xx for 64*T1 without an ACK (§13.3.1.4): the session should end with BYE. */
  NoAck: 'NO_ACK',
  /** The call is not allowed in the transaction's current state (e.g. a final response twice). */
  InvalidState: 'INVALID_STATE',
  /** A request the transaction layer cannot send (no top Via with an RFC 3261 branch, ACK, no CSeq …). */
  InvalidRequest: 'INVALID_REQUEST',
  /** §9.1: CANCEL only for INVITE, and only once a provisional response has arrived. */
  CancelNotAllowed: 'CANCEL_NOT_ALLOWED',
  /** The cap on live transactions was reached (inbound requests get 503). */
  TooManyTransactions: 'TOO_MANY_TRANSACTIONS',
  /** A client transaction with the same branch and method is already live. */
  DuplicateTransaction: 'DUPLICATE_TRANSACTION',
} as const;

/** One of the {@link TransactionErrorCode} values. */
export type TransactionErrorCode = (typeof TransactionErrorCode)[keyof typeof TransactionErrorCode];

/** Options of {@link TransactionError}. */
export interface TransactionErrorOptions {
  /** The SIP status this failure is treated as (408, 503, 500 …). */
  status?: number;
  /** The transport failure behind a `TRANSPORT_ERROR`. */
  failure?: TransportFailure;
  /** The error this one wraps. */
  cause?: unknown;
}

/** A transaction layer failure. Branch on `code`, never on the message. */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  /** Stable, readable code. */
  readonly code: TransactionErrorCode;
  /** The SIP status it stands for, when there is one. */
  readonly status: number | undefined;
  /** The transport failure behind a `TRANSPORT_ERROR`. */
  readonly failure: TransportFailure | undefined;

  /**
   * @param code one of {@link TransactionErrorCode}
   * @param message human-readable detail (not for branching)
   * @param options status, failure, cause
   */
  constructor(code: TransactionErrorCode, message: string, options: TransactionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.failure = options.failure;
  }
}

/**
 * Reads a {@link TransportFailure} out of whatever `TransportLayer.send` rejected with: the
 * contract promises an error carrying `failure`; anything else becomes `SEND_FAILED`.
 */
export function toTransportFailure(reason: unknown): TransportFailure {
  const candidate = (reason as { failure?: unknown } | null)?.failure;
  if (isFailure(candidate)) return candidate;
  if (isFailure(reason)) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  return { code: 'SEND_FAILED', message, destination: null, connectionId: null };
}

function isFailure(value: unknown): value is TransportFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TransportFailure).code === 'string' &&
    'destination' in value
  );
}
