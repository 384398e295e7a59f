/**
 * Typed errors of the dialog and user-agent layers (STYLE §7): a fixed `name`, a readable `code`,
 * and the SIP `status`/`reason` of the final response behind the failure (drachtio-srf
 * `lib/sip_error.js` carries the same two fields).
 */
import type { SipResponse } from '../message/message.ts';
import { defaultReasonPhrase } from '../message/reason-phrases.ts';

/** Readable codes of {@link SipError}. */
export const UaErrorCode = {
  /** The peer answered with a final response ≥ 300 (`status`/`reason` are its). */
  FinalResponse: 'FINAL_RESPONSE',
  /** Timer B/F fired: treated as a 408 (§8.1.3.1). */
  RequestTimeout: 'REQUEST_TIMEOUT',
  /** Every target failed at the transport level: treated as a 503 (§8.1.3.1, RFC 3263 §4.3). */
  TransportFailed: 'TRANSPORT_FAILED',
  /** The request was cancelled locally (CANCEL, §9.1) or its AbortSignal fired: 487. */
  Canceled: 'CANCELED',
  /** The UAS sent a 2xx and no ACK came within 64*T1 (§13.3.1.4): the dialog was ended with BYE. */
  NoAck: 'NO_ACK',
  /** Challenged again after answering, or no credentials for the realm (§22.2). */
  AuthFailed: 'AUTH_FAILED',
  /** Redirects went past `maxRedirects`, or looped (§8.1.3.4). */
  RedirectLimit: 'REDIRECT_LIMIT',
  /** The dialog ended (BYE, 481/408, session timer) before the operation completed. */
  DialogTerminated: 'DIALOG_TERMINATED',
  /** The call is not possible in the current state (e.g. a second final response, modify on an ended dialog). */
  InvalidState: 'INVALID_STATE',
  /** An argument the API cannot use (bad URI, unsupported option). */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** A limit of the user agent was reached (`maxDialogs`). */
  LimitReached: 'LIMIT_REACHED',
} as const;

/** One of the {@link UaErrorCode} values. */
export type UaErrorCode = (typeof UaErrorCode)[keyof typeof UaErrorCode];

/** Options of {@link SipError}. */
export interface SipErrorOptions {
  /** SIP status (default: 500). */
  status?: number;
  /** Reason phrase (default: the status' standard phrase). */
  reason?: string;
  /** The final response behind the error, when one was received. */
  response?: SipResponse;
  /** The error this one wraps. */
  cause?: unknown;
}

/** A failed SIP operation. Branch on `code` or `status`, never on the message. */
export class SipError extends Error {
  override readonly name = 'SipError';
  /** Stable, readable code. */
  readonly code: UaErrorCode;
  /** The SIP status: the peer's final response, or the one the failure stands for (408, 503, 487). */
  readonly status: number;
  /** Its reason phrase. */
  readonly reason: string;
  /** The response, when the peer sent one. */
  readonly response: SipResponse | undefined;

  /**
   * @param code one of {@link UaErrorCode}
   * @param message human-readable detail
   * @param options status, reason, response, cause
   */
  constructor(code: UaErrorCode, message: string, options: SipErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.reason = options.reason ?? defaultReasonPhrase(this.status);
    this.response = options.response;
  }

  /**
   * The error for a final response ≥ 300, or for a 408/503 made locally (§8.1.3.1).
   * @param origin `timeout` / `transport` when the response was made locally for Timer B/F or a transport failure
   */
  static fromResponse(response: SipResponse, what: string, origin?: 'timeout' | 'transport'): SipError {
    const code =
      origin === 'timeout'
        ? UaErrorCode.RequestTimeout
        : origin === 'transport'
          ? UaErrorCode.TransportFailed
          : response.status === 487
            ? UaErrorCode.Canceled
            : UaErrorCode.FinalResponse;
    return new SipError(code, `${what}: ${response.status} ${response.reason}`, {
      status: response.status,
      reason: response.reason,
      response,
    });
  }
}
