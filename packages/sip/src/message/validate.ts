/**
 * The checks a UAS (and a proxy, §16.3) makes before handing a request on, and the ones a UAC
 * transaction makes on a response. The parser only frames; these read the headers the stack
 * depends on, so every grammar error in them surfaces here with the status to answer.
 */
import { SipErrorCode, SipParseError } from '../errors.ts';
import type { SipHeaders } from './headers.ts';
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { isRfc3261Branch } from './values/via.ts';

/** Options of {@link validateRequest}. */
export interface ValidateRequestOptions {
  /**
   * Request-URI schemes this element serves; others get 416 (§8.2.2.1, RFC 4475 §3.3.2).
   * Default `['sip', 'sips', 'tel']`.
   */
  supportedSchemes?: readonly string[];
}

/** Headers every request carries (§8.1.1); Max-Forwards is checked separately (RFC 2543 peers). */
const REQUIRED_REQUEST_HEADERS = [
  ['to', 'To'],
  ['from', 'From'],
  ['cseq', 'CSeq'],
  ['call-id', 'Call-ID'],
  ['via', 'Via'],
] as const;

/** Headers that hold exactly one value (RFC 4475 §3.3.8 multi01; Content-Length is framing). */
const SINGLE_VALUE_HEADERS = [
  ['to', 'To'],
  ['from', 'From'],
  ['cseq', 'CSeq'],
  ['call-id', 'Call-ID'],
  ['max-forwards', 'Max-Forwards'],
  ['content-type', 'Content-Type'],
  ['expires', 'Expires'],
] as const;

function missing(name: string): SipParseError {
  return new SipParseError(SipErrorCode.MissingHeader, `missing ${name}`, {
    status: 400,
    reasonPhrase: `Missing ${name} Header`,
    header: name,
  });
}

function duplicate(name: string): SipParseError {
  return new SipParseError(SipErrorCode.DuplicateHeader, `more than one ${name}`, {
    status: 400,
    reasonPhrase: `Multiple ${name} Headers`,
    header: name,
  });
}

/** Runs `check`, attaching the message's headers to any SipParseError (and rethrowing it). */
function guarded(headers: SipHeaders, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof SipParseError) {
      error.headers ??= headers;
      throw error;
    }
    throw new SipParseError(SipErrorCode.InvalidHeaderValue, `unexpected failure: ${String(error)}`, {
      status: 400,
      cause: error,
    });
  }
}

function checkCommon(message: SipMessage): void {
  const headers = message.headers;
  for (const [key, name] of SINGLE_VALUE_HEADERS) {
    if (headers.count(key) > 1) throw duplicate(name);
  }
  // Reading each accessor parses it; a grammar error throws with status 400.
  if (message.via.length === 0) throw missing('Via');
  // Name-addr URIs are parsed on first use (values/name-addr.ts), so each is read here.
  void message.from?.uri;
  void message.to?.uri;
  void message.callId;
  void message.cseq;
  for (const contact of message.contact.contacts) void contact.uri;
  void message.contentType;
  for (const entry of message.recordRoute) void entry.uri;
  for (const entry of message.route) void entry.uri;
  // §20.17: "the time zone MUST be GMT"; RFC 4475 §3.1.2.12 baddate.
  void message.date;
}

/**
 * Validates a received request the way a UAS must before processing it (§8.2, §16.3):
 * version (505), Request-URI scheme (416) and syntax (400, no URI headers: §19.1.1 Table 1),
 * mandatory headers (400 `Missing X Header`), single-value headers, the grammar of every
 * header the stack reads, CSeq method = request method (§8.1.1.5), Max-Forwards 0..255.
 *
 * Max-Forwards may be absent only in an RFC 2543 request (no magic-cookie branch,
 * RFC 4475 §3.4.1 inv2543), which §16.6 step 3 lets a proxy repair.
 *
 * @throws SipParseError with `status` set and `headers` attached
 */
export function validateRequest(request: SipRequest, options: ValidateRequestOptions = {}): void {
  guarded(request.headers, () => {
    if (request.version.toUpperCase() !== 'SIP/2.0') {
      throw new SipParseError(SipErrorCode.VersionNotSupported, `unsupported ${request.version}`, {
        status: 505,
        reasonPhrase: 'Version Not Supported',
      });
    }
    for (const [key, name] of REQUIRED_REQUEST_HEADERS) if (!request.headers.has(key)) throw missing(name);
    checkCommon(request);
    const cseq = request.cseq!;
    // §8.1.1.5: "The method MUST match the method of the request" (RFC 4475 §3.1.2.17-18).
    if (cseq.method !== request.method) {
      throw new SipParseError(
        SipErrorCode.CSeqMethodMismatch,
        `CSeq method ${cseq.method} differs from ${request.method}`,
        {
          status: 400,
          reasonPhrase: 'CSeq Method Does Not Match Request Method',
          header: 'CSeq',
        },
      );
    }
    if (request.maxForwards === undefined && isRfc3261Branch(request.topVia?.branch)) throw missing('Max-Forwards');
    const uri = request.uri;
    const schemes = options.supportedSchemes ?? ['sip', 'sips', 'tel'];
    if (!schemes.includes(uri.scheme)) {
      throw new SipParseError(SipErrorCode.UnsupportedUriScheme, `Request-URI scheme ${uri.scheme}`, {
        status: 416,
        reasonPhrase: 'Unsupported URI Scheme',
      });
    }
    // §19.1.1 Table 1: headers are "not allowed" in a Request-URI (RFC 4475 §3.1.2.11 escruri).
    if (uri.kind === 'sip' && uri.headers.length > 0) {
      throw new SipParseError(SipErrorCode.InvalidRequestUri, 'headers in the Request-URI', {
        status: 400,
        reasonPhrase: 'Bad Request-URI (headers not allowed)',
      });
    }
    void request.maxForwards;
  });
}

/**
 * Validates a received response (§8.1.3, §18.1.2): a response that fails is dropped, so the
 * errors carry no status. Checks version, mandatory Via/From/To/Call-ID/CSeq, their grammar
 * and single-valued headers.
 *
 * @throws SipParseError without `status`
 */
export function validateResponse(response: SipResponse): void {
  try {
    if (response.version.toUpperCase() !== 'SIP/2.0') {
      throw new SipParseError(SipErrorCode.VersionNotSupported, `unsupported ${response.version}`);
    }
    for (const [key, name] of REQUIRED_REQUEST_HEADERS) if (!response.headers.has(key)) throw missing(name);
    checkCommon(response);
  } catch (error) {
    if (!(error instanceof SipParseError))
      throw new SipParseError(SipErrorCode.InvalidHeaderValue, String(error), { cause: error });
    // Responses are never answered: keep the code, drop the status.
    const dropped = new SipParseError(error.code, error.message, { header: error.header, cause: error.cause });
    dropped.headers = response.headers;
    throw dropped;
  }
}

/** Validates either kind. */
export function validateMessage(message: SipMessage, options?: ValidateRequestOptions): void {
  if (message.kind === 'request') validateRequest(message, options);
  else validateResponse(message);
}

/**
 * §8.2.2.3: a UAS that does not understand a Require option tag answers 420 Bad Extension
 * listing the tags in Unsupported (RFC 4475 §3.3.5 bext01). Returns the unsupported tags; an
 * empty array means the request may proceed. ACK and CANCEL are exempt (§8.2.2.3, §9.2).
 */
export function unsupportedRequirements(request: SipRequest, supported: readonly string[]): string[] {
  if (request.method === 'ACK' || request.method === 'CANCEL') return [];
  const known = new Set(supported.map((tag) => tag.toLowerCase()));
  return request.require.filter((tag) => !known.has(tag.toLowerCase()));
}

/** Throws the 420 error for {@link unsupportedRequirements}; the tags are in the message. */
export function checkRequire(request: SipRequest, supported: readonly string[]): void {
  const unknown = unsupportedRequirements(request, supported);
  if (unknown.length === 0) return;
  const error = new SipParseError(SipErrorCode.BadExtension, `unsupported: ${unknown.join(', ')}`, {
    status: 420,
    reasonPhrase: 'Bad Extension',
    header: 'Require',
  });
  error.headers = request.headers;
  throw error;
}
