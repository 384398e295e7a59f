/**
 * The one error class of the SIP message layer. Everything the parser, the URI code, the
 * framer and the validators reject surfaces as a {@link SipParseError}; nothing else may be
 * thrown from bytes that came off the wire (ARCHITECTURE.md, "Bad input never crashes a process").
 */
import type { SipHeaders } from './message/headers.ts';

/**
 * Readable error codes. The transport and transaction layers branch on `code`, never on the
 * message text.
 */
export const SipErrorCode = {
  /** The input holds nothing but CRLF (a keep-alive) or nothing at all. */
  EmptyMessage: 'EMPTY_MESSAGE',
  /** The header section has no terminating empty line (datagram cut short, or garbage). */
  IncompleteMessage: 'INCOMPLETE_MESSAGE',
  /** The header section is longer than `maxHeaderBytes`. */
  HeadersTooLarge: 'HEADERS_TOO_LARGE',
  /** More header fields than `maxHeaderCount`. */
  TooManyHeaders: 'TOO_MANY_HEADERS',
  /** Content-Length is larger than `maxBodyBytes`. */
  BodyTooLarge: 'BODY_TOO_LARGE',
  /** The first line is neither a Request-Line nor a Status-Line (RFC 3261 §7.1, §7.2). */
  InvalidStartLine: 'INVALID_START_LINE',
  /** The method is not a token (RFC 3261 §25.1 Method). */
  InvalidMethod: 'INVALID_METHOD',
  /** The Request-URI is malformed or carries what §19.1.1 Table 1 forbids there. */
  InvalidRequestUri: 'INVALID_REQUEST_URI',
  /** The SIP-Version is not of the form `SIP/x.y`. */
  InvalidVersion: 'INVALID_VERSION',
  /** A well-formed version other than SIP/2.0 (RFC 3261 §8.2.2.x, answered with 505). */
  VersionNotSupported: 'VERSION_NOT_SUPPORTED',
  /** The Status-Code is not three digits in 100..699 (RFC 3261 §7.2, §21). */
  InvalidStatusCode: 'INVALID_STATUS_CODE',
  /** A header line has no colon, an empty or non-token name, or a bare CR. */
  InvalidHeaderLine: 'INVALID_HEADER_LINE',
  /** Header text is not valid UTF-8 (RFC 3261 §25.1 TEXT-UTF8char). */
  InvalidUtf8: 'INVALID_UTF8',
  /** Content-Length is not a non-negative decimal integer. */
  InvalidContentLength: 'INVALID_CONTENT_LENGTH',
  /** More than one Content-Length value (RFC 4475 §3.3.9). */
  MultipleContentLength: 'MULTIPLE_CONTENT_LENGTH',
  /** Content-Length names more octets than the datagram holds (RFC 3261 §18.3). */
  ContentLengthExceedsBody: 'CONTENT_LENGTH_EXCEEDS_BODY',
  /** A stream message without Content-Length, which framing needs (RFC 3261 §18.3, §20.14). */
  MissingContentLength: 'MISSING_CONTENT_LENGTH',
  /** A mandatory header is absent (RFC 3261 §8.1.1). */
  MissingHeader: 'MISSING_HEADER',
  /** A header that takes one value appears more than once (RFC 4475 §3.3.8). */
  DuplicateHeader: 'DUPLICATE_HEADER',
  /** A header value does not match its grammar. `header` names it. */
  InvalidHeaderValue: 'INVALID_HEADER_VALUE',
  /** CSeq is malformed or its number is not below 2**31 (RFC 3261 §8.1.1.5). */
  InvalidCSeq: 'INVALID_CSEQ',
  /** The CSeq method differs from the request method (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17). */
  CSeqMethodMismatch: 'CSEQ_METHOD_MISMATCH',
  /** Max-Forwards is not an integer in 0..255 (RFC 3261 §20.22). */
  InvalidMaxForwards: 'INVALID_MAX_FORWARDS',
  /** A Date that is not an RFC 1123 date in GMT (RFC 3261 §20.17, RFC 4475 §3.1.2.12). */
  InvalidDate: 'INVALID_DATE',
  /** A URI scheme the element does not handle (RFC 3261 §8.2.2.1, answered with 416). */
  UnsupportedUriScheme: 'UNSUPPORTED_URI_SCHEME',
  /** A Require option tag the element does not support (RFC 3261 §8.2.2.3, answered with 420). */
  BadExtension: 'BAD_EXTENSION',
  /** A URI that does not match RFC 3261 §25.1 or RFC 3966 §3. */
  InvalidUri: 'INVALID_URI',
  /** A dial string that cannot be turned into a SIP or tel URI. */
  InvalidDialString: 'INVALID_DIAL_STRING',
  /** A multipart body that is not RFC 2046 §5.1.1 framed. */
  InvalidMultipart: 'INVALID_MULTIPART',
} as const;

/** One of the {@link SipErrorCode} values. */
export type SipErrorCode = (typeof SipErrorCode)[keyof typeof SipErrorCode];

/** Options of {@link SipParseError}. */
export interface SipParseErrorOptions {
  /**
   * The SIP response status a UAS or proxy answers a *request* with (400, 413, 416, 420, 505,
   * 513). Absent where there is nothing to answer: the message is dropped (e.g. a broken
   * response, or framing that cannot find the message boundaries).
   */
  status?: number;
  /** Reason-Phrase to send with `status`, e.g. `Missing Call-ID Header`. */
  reasonPhrase?: string;
  /** Canonical name of the header at fault, e.g. `Via`. */
  header?: string;
  /** The error this one wraps. */
  cause?: unknown;
}

/**
 * A typed rejection of SIP input. `code` is stable; `status`/`reasonPhrase` tell the layer
 * above which response to send (if any); `headers`, when present, are the header fields the
 * parser could read, so a stateless error response can still copy Via/From/To/Call-ID/CSeq
 * (RFC 3261 §8.2.6).
 */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  /** Stable, readable code. */
  readonly code: SipErrorCode;
  /** Response status for a request, when one should be sent. */
  readonly status: number | undefined;
  /** Reason-Phrase to go with `status`. */
  readonly reasonPhrase: string | undefined;
  /** Canonical name of the offending header, if one is at fault. */
  readonly header: string | undefined;
  /** Header fields read before the failure (set by the parser / validator). */
  headers: SipHeaders | undefined;

  /**
   * @param code one of {@link SipErrorCode}
   * @param message human-readable detail (not for branching)
   * @param options status, reason, header, cause
   */
  constructor(code: SipErrorCode, message: string, options: SipParseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.reasonPhrase = options.reasonPhrase;
    this.header = options.header;
    this.headers = undefined;
  }
}

/** Shorthand for the common 400 case: a header whose value breaks its grammar. */
export function badHeader(
  header: string,
  detail: string,
  code: SipErrorCode = SipErrorCode.InvalidHeaderValue,
): SipParseError {
  return new SipParseError(code, `${header}: ${detail}`, {
    status: 400,
    reasonPhrase: `Bad ${header} Header`,
    header,
  });
}

/** Shorthand for a URI that breaks RFC 3261 §25.1 / RFC 3966 §3. */
export function badUri(detail: string, text: string): SipParseError {
  return new SipParseError(SipErrorCode.InvalidUri, `${detail}: ${JSON.stringify(text.slice(0, 200))}`, {
    status: 400,
    reasonPhrase: 'Bad URI',
  });
}
