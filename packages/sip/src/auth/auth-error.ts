/**
 * Typed failures of digest authentication (STYLE §7). Everything the auth code rejects, on
 * either side, is a {@link SipAuthError} with a stable `code`; a challenge or credentials from
 * the wire can never make it throw anything else.
 */

/** Readable codes; branch on these, never on the message text. */
export const AuthErrorCode = {
  /** No challenge in the response uses a scheme and algorithm this client supports (RFC 7616 §3.7). */
  NoSupportedChallenge: 'AUTH_NO_SUPPORTED_CHALLENGE',
  /** Every supported challenge names a realm no configured credentials accept. */
  NoCredentials: 'AUTH_NO_CREDENTIALS',
  /** The server challenged again, not stale, after our credentials for that realm (RFC 3261 §22.2): wrong password. */
  Rejected: 'AUTH_REJECTED',
  /** stale=true came back more often than `maxStaleRetries` in a row (a server that never accepts). */
  StaleLoop: 'AUTH_STALE_LOOP',
  /** A challenge header that breaks the grammar or the size limits; no usable challenge was left. */
  MalformedChallenge: 'AUTH_MALFORMED_CHALLENGE',
  /** The response to answer is not a 401/407, or the request has no CSeq to increment. */
  NotAChallenge: 'AUTH_NOT_A_CHALLENGE',
  /** ACK and CANCEL are never challenged (RFC 3261 §22.1); a 401/407 to one is not answered. */
  NotChallengeable: 'AUTH_NOT_CHALLENGEABLE',
  /** Server side: the request carries no credentials for our realm. */
  MissingCredentials: 'AUTH_MISSING_CREDENTIALS',
  /** Server side: credentials that break the grammar, the limits, or lack a required parameter. */
  MalformedCredentials: 'AUTH_MALFORMED_CREDENTIALS',
  /** Server side: a nonce we did not issue (bad HMAC) or for another realm. */
  InvalidNonce: 'AUTH_INVALID_NONCE',
  /** Server side: a correct response over an expired nonce: challenge again with stale=true (RFC 7616 §3.3). */
  StaleNonce: 'AUTH_STALE_NONCE',
  /** Server side: an nc already seen for this nonce (RFC 7616 §3.4 replay protection). */
  Replay: 'AUTH_REPLAY',
  /** Server side: algorithm or qop that was not offered. */
  UnsupportedParameters: 'AUTH_UNSUPPORTED_PARAMETERS',
  /** Server side: the digest-uri names another resource than the Request-URI (RFC 2617 §3.2.2.5). */
  UriMismatch: 'AUTH_URI_MISMATCH',
  /** Server side: unknown user or wrong response. Reported identically so a probe cannot tell them apart. */
  BadCredentials: 'AUTH_BAD_CREDENTIALS',
} as const;

/** One of the {@link AuthErrorCode} values. */
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** Options of {@link SipAuthError}. */
export interface SipAuthErrorOptions {
  /**
   * The SIP status to report upward or answer with: 401/407 for a rejected or missing
   * credential, 403 when the client gives up on a wrong password, 400 for malformed input.
   */
  status?: number;
  /** The realm concerned, when one is. */
  realm?: string;
  /** The error this one wraps. */
  cause?: unknown;
}

/** A typed authentication failure. */
export class SipAuthError extends Error {
  override readonly name = 'SipAuthError';
  /** Stable, readable code. */
  readonly code: AuthErrorCode;
  /** SIP status to report (see {@link SipAuthErrorOptions.status}). */
  readonly status: number | undefined;
  /** Realm concerned. */
  readonly realm: string | undefined;

  /**
   * @param code one of {@link AuthErrorCode}
   * @param message human-readable detail (not for branching; never holds a password or HA1)
   * @param options status, realm, cause
   */
  constructor(code: AuthErrorCode, message: string, options: SipAuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.realm = options.realm;
  }
}
