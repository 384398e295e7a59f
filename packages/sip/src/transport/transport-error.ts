/**
 * The one error class of the transport layer (STYLE §7): a fixed `name`, a readable `code` the
 * transaction layer branches on (§17.1.4 / §17.2.4: "a transport error"), the
 * {@link TransportFailure} it reports, and the socket or DNS error it wraps as `cause`.
 */
import type { TransportAddress, TransportFailure } from './transport-types.ts';

/** Readable names of the {@link TransportFailure} codes. */
export const TransportErrorCode = {
  /** The TCP/TLS/WebSocket connection could not be made (refused, timed out, certificate, limit). */
  ConnectFailed: 'CONNECT_FAILED',
  /** The connection closed before or while the message was written. */
  ConnectionClosed: 'CONNECTION_CLOSED',
  /** The socket refused the write (error, or the bounded write buffer is full). */
  SendFailed: 'SEND_FAILED',
  /** No listener or socket can carry this protocol/address family, or the layer is stopped. */
  NoTransport: 'NO_TRANSPORT',
  /** The message cannot be carried at all (a datagram over 65,507 bytes). */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** RFC 3263 server location found no usable target. */
  ResolveFailed: 'RESOLVE_FAILED',
} as const;

/** One of {@link TransportErrorCode}. */
export type TransportErrorCode = TransportFailure['code'];

/** A send, connection or resolution that failed. Never thrown for what a peer sends. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  /** Stable code; same as `failure.code`. */
  readonly code: TransportErrorCode;
  /** What the transaction layer gets (also passed to `onConnectionClosed`). */
  readonly failure: TransportFailure;

  /**
   * @param code one of {@link TransportErrorCode}
   * @param message detail for logs (not for branching)
   * @param context the destination and connection concerned, and the wrapped error
   */
  constructor(
    code: TransportErrorCode,
    message: string,
    context: { destination?: TransportAddress | null; connectionId?: string | null; cause?: unknown } = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.failure = {
      code,
      message,
      destination: context.destination ?? null,
      connectionId: context.connectionId ?? null,
    };
  }
}
