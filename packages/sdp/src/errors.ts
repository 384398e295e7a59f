/**
 * The typed errors of the SDP layer. Every rejection carries the SIP status the UA answers the
 * offer's request with (400 for SDP it cannot read, 488 when nothing is acceptable, 491 on an
 * offer/answer glare) and, for 488, the RFC 3261 §20.43 warn-code that says why. Nothing else is
 * thrown from SDP that came off the wire (ARCHITECTURE.md, "Bad input never crashes a process").
 */

/** Readable, stable error codes. Callers branch on `code`, never on the message text. */
export const SdpErrorCode = {
  /** The body is larger than `maxBytes` (default 64 KiB). Status 400. */
  TooLarge: 'SDP_TOO_LARGE',
  /** More m-lines than `maxMediaLines` (default 32). Status 400. */
  TooManyMedia: 'SDP_TOO_MANY_MEDIA',
  /** A line or field the offer/answer logic relies on is absent or out of range. Status 400. */
  Malformed: 'SDP_MALFORMED',
  /** No offered stream can be accepted (every m-line refused). Status 488, Warning 304. */
  NoAcceptableMedia: 'SDP_NO_ACCEPTABLE_MEDIA',
  /** A stream the answer accepted has no codec in common with the offer. Status 488, Warning 305. */
  NoCommonCodec: 'SDP_NO_COMMON_CODEC',
  /** The answer does not fit the offer (m-line count, kinds, crypto tags). Status 488. */
  AnswerMismatch: 'SDP_ANSWER_MISMATCH',
  /** An answer arrived with no offer outstanding, and it is not a repeat of the last one. */
  UnexpectedAnswer: 'SDP_UNEXPECTED_ANSWER',
  /** An offer arrived while ours is outstanding (RFC 3261 §14.2 glare). Status 491. */
  OfferPending: 'SDP_OFFER_PENDING',
  /** A call option or capability the caller gave is invalid (a programming error). */
  InvalidOptions: 'SDP_INVALID_OPTIONS',
  /** An `a=crypto` line (RFC 4568 §9.1) that does not parse. Status 400 when standalone. */
  InvalidCrypto: 'SDP_INVALID_CRYPTO',
  /** A feature that works on G.711 only (tones, mixing, WAV) was asked of another codec. Status 488. */
  CodecNotG711: 'SDP_CODEC_NOT_G711',
} as const;

/** One of the {@link SdpErrorCode} values. */
export type SdpErrorCode = (typeof SdpErrorCode)[keyof typeof SdpErrorCode];

/**
 * RFC 3261 §20.43 warn-codes the SDP layer uses in a `Warning` header of a 488 response.
 * `text` is the RFC's own warn-text.
 */
export const SdpWarning = {
  IncompatibleNetworkProtocol: { code: 300, text: 'Incompatible network protocol' },
  IncompatibleAddressFormat: { code: 301, text: 'Incompatible network address formats' },
  IncompatibleTransport: { code: 302, text: 'Incompatible transport protocol' },
  MediaTypeNotAvailable: { code: 304, text: 'Media type not available' },
  IncompatibleMediaFormat: { code: 305, text: 'Incompatible media format' },
  AttributeNotUnderstood: { code: 306, text: 'Attribute not understood' },
  Miscellaneous: { code: 399, text: 'Miscellaneous warning' },
} as const;

/** A warn-code and its text, as in {@link SdpWarning}. */
export interface SdpWarningValue {
  /** Three-digit warn-code (RFC 3261 §20.43). */
  readonly code: number;
  /** warn-text. */
  readonly text: string;
}

/** Options of {@link SdpError}. */
export interface SdpErrorOptions {
  /** SIP status to answer the request that carried the SDP with (400, 488, 491). */
  status?: number;
  /** Warn-code for the Warning header of a 488. */
  warning?: SdpWarningValue;
  /** Zero-based m-line index at fault, when one is. */
  mediaIndex?: number;
  /** The error this one wraps. */
  cause?: unknown;
}

/** Default SIP status per code, used when the thrower does not give one. */
const defaultStatus: Record<SdpErrorCode, number> = {
  SDP_TOO_LARGE: 400,
  SDP_TOO_MANY_MEDIA: 400,
  SDP_MALFORMED: 400,
  SDP_NO_ACCEPTABLE_MEDIA: 488,
  SDP_NO_COMMON_CODEC: 488,
  SDP_ANSWER_MISMATCH: 488,
  SDP_UNEXPECTED_ANSWER: 400,
  SDP_OFFER_PENDING: 491,
  SDP_INVALID_OPTIONS: 500,
  SDP_INVALID_CRYPTO: 400,
  SDP_CODEC_NOT_G711: 488,
};

/**
 * A typed SDP rejection. `code` is stable; `status` is the SIP response to send for the request
 * that carried the SDP; `warning` (for 488) goes in a Warning header, see {@link warningHeader}.
 */
export class SdpError extends Error {
  override readonly name = 'SdpError';
  /** Stable, readable code. */
  readonly code: SdpErrorCode;
  /** SIP status: 400 unreadable, 488 not acceptable, 491 glare, 500 misuse. */
  readonly status: number;
  /** RFC 3261 §20.43 warning for a 488, if one applies. */
  readonly warning: SdpWarningValue | undefined;
  /** Zero-based m-line index at fault, if one is. */
  readonly mediaIndex: number | undefined;

  /**
   * @param code one of {@link SdpErrorCode}
   * @param message human-readable detail (not for branching)
   * @param options status (default per code), warning, m-line index, cause
   */
  constructor(code: SdpErrorCode, message: string, options: SdpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? defaultStatus[code];
    this.warning = options.warning;
    this.mediaIndex = options.mediaIndex;
  }
}

/** Shorthand for the common 400: SDP that is missing or breaks something we rely on. */
export function malformed(detail: string, mediaIndex?: number): SdpError {
  const where = mediaIndex === undefined ? '' : ` (m-line ${mediaIndex})`;
  return new SdpError(SdpErrorCode.Malformed, `${detail}${where}`, mediaIndex === undefined ? {} : { mediaIndex });
}

/**
 * The value of a SIP `Warning` header (RFC 3261 §20.43) for an error that carries a warning,
 * e.g. `305 talkbus "Incompatible media format"`; undefined when it carries none.
 *
 * @param error the rejection
 * @param agent warn-agent: the host name or pseudonym of this UA (default `talkbus`)
 */
export function warningHeader(error: SdpError, agent = 'talkbus'): string | undefined {
  if (error.warning === undefined) return undefined;
  return `${error.warning.code} ${agent} "${error.warning.text}"`;
}
