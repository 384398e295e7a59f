/**
 * The message model: {@link SipRequest} and {@link SipResponse} over a {@link SipHeaders}
 * list and a body Buffer. Typed accessors parse their header on first use and cache the
 * result; they throw {@link SipParseError} (status 400) when the header breaks its grammar.
 * Accessor results are read-only views: to change a header, `headers.set(...)` its new text.
 */
import { badHeader } from '../errors.ts';
import { isCallIdAt } from '../syntax/charset.ts';
import { parseUri, type Uri } from '../uri/uri.ts';
import { SipHeaders, unfold, WireField, type HeaderField } from './headers.ts';
import { SIP_VERSION } from './start-line.ts';
import { parseAuthFields, type AuthValue } from './values/auth.ts';
import { parseDate } from './values/date.ts';
import {
  parseContact,
  parseFromTo,
  parseNameAddrList,
  parseSingleNameAddr,
  type ContactHeader,
  type FromTo,
  type NameAddr,
} from './values/name-addr.ts';
import {
  parseCSeq,
  parseDeltaHeader,
  parseMaxForwards,
  parseRAck,
  parseRSeq,
  type CSeq,
  type RAck,
} from './values/numbers.ts';
import {
  parseContentType,
  parseEvent,
  parsePrivacy,
  parseReasons,
  parseReplaces,
  parseRetryAfter,
  parseSessionExpires,
  parseSubscriptionState,
  parseTokenList,
  type ContentType,
  type EventHeader,
  type Reason,
  type Replaces,
  type RetryAfter,
  type SessionExpires,
  type SubscriptionState,
} from './values/token-params.ts';
import { parseTopVia, parseVias, type Via } from './values/via.ts';
import { SipErrorCode, SipParseError } from '../errors.ts';

/** Headers given to a message constructor: a list, or `[name, value]` pairs in order. */
export type HeadersInit = SipHeaders | ReadonlyArray<readonly [name: string, value: string]>;

function toHeaders(init: HeadersInit | undefined): SipHeaders {
  if (init === undefined) return new SipHeaders();
  if (init instanceof SipHeaders) return init;
  return new SipHeaders(init.map(([name, value]) => SipHeaders.field(name, value)));
}

function toBody(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return EMPTY;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

const EMPTY = Buffer.alloc(0);

/** Call-ID = word [ "@" word ] (§25.1). */
function parseCallId(field: HeaderField): string {
  // In place (see WireField), a valid value is the raw text itself: one line, trimmed.
  if (field instanceof WireField && isCallIdAt(field.text, field.start, field.end)) return field.raw;
  // Otherwise (folded, or built by code) the trimmed value must be one by the same rule.
  const value = unfold(field.raw).trim();
  if (!isCallIdAt(value, 0, value.length)) throw badHeader('Call-ID', 'expected word ["@" word]');
  return value;
}

// Parsers per header, made once (a closure per getter call would be allocated on every read).
const parseFrom = (field: HeaderField) => parseFromTo(field, 'From');
const parseTo = (field: HeaderField) => parseFromTo(field, 'To');
const parseRoute = (fields: HeaderField[]) => parseNameAddrList(fields, 'Route');
const parseRecordRoute = (fields: HeaderField[]) => parseNameAddrList(fields, 'Record-Route');
const parsePath = (fields: HeaderField[]) => parseNameAddrList(fields, 'Path');
const parseServiceRoute = (fields: HeaderField[]) => parseNameAddrList(fields, 'Service-Route');
const parseExpires = (fields: HeaderField[]) => parseDeltaHeader(fields, 'Expires');
const parseMinExpires = (fields: HeaderField[]) => parseDeltaHeader(fields, 'Min-Expires');
const parseAuthorization = (fields: HeaderField[]) => parseAuthFields(fields, 'Authorization');
const parseProxyAuthorization = (fields: HeaderField[]) => parseAuthFields(fields, 'Proxy-Authorization');
const parseWwwAuthenticate = (fields: HeaderField[]) => parseAuthFields(fields, 'WWW-Authenticate');
const parseProxyAuthenticate = (fields: HeaderField[]) => parseAuthFields(fields, 'Proxy-Authenticate');
const parseReferTo = (fields: HeaderField[]) => parseSingleNameAddr(fields, 'Refer-To');
const parseReferredBy = (fields: HeaderField[]) => parseSingleNameAddr(fields, 'Referred-By');
const parseSessionExpiresHeader = (fields: HeaderField[]) => parseSessionExpires(fields);
const parseMinSe = (fields: HeaderField[]) => parseSessionExpires(fields, 'Min-SE')?.seconds;
const parsePAssertedIdentity = (fields: HeaderField[]) => parseNameAddrList(fields, 'P-Asserted-Identity');
const parsePPreferredIdentity = (fields: HeaderField[]) => parseNameAddrList(fields, 'P-Preferred-Identity');
const parseDiversion = (fields: HeaderField[]) => parseNameAddrList(fields, 'Diversion');
const parseHistoryInfo = (fields: HeaderField[]) => parseNameAddrList(fields, 'History-Info');
const parseRequire = (fields: HeaderField[]) => parseTokenList(fields, 'Require');
const parseProxyRequire = (fields: HeaderField[]) => parseTokenList(fields, 'Proxy-Require');
const parseSupported = (fields: HeaderField[]) => parseTokenList(fields, 'Supported');
const parseUnsupported = (fields: HeaderField[]) => parseTokenList(fields, 'Unsupported');
const parseAllow = (fields: HeaderField[]) => parseTokenList(fields, 'Allow');
const parseAllowEvents = (fields: HeaderField[]) => parseTokenList(fields, 'Allow-Events');

/**
 * A SIP message. Requests and responses are one class told apart by `kind`, so code that reads
 * both (the transport, the transaction layer, a proxy) sees one object shape, which V8 keeps
 * monomorphic: with two classes, reading a 200 OK after requests cost ~70 ns more
 * (bench/sip-parser). {@link SipRequest} and {@link SipResponse} are its two typed views, built
 * with `new SipRequest(...)` / `new SipResponse(...)`.
 */
class SipMessageObject {
  /** Discriminant. */
  readonly kind: 'request' | 'response';
  /** Header fields, in order. */
  readonly headers: SipHeaders;
  /** Body bytes (never decoded here; binary parts survive, RFC 4475 §3.1.1.11). */
  body: Buffer;
  /** SIP-Version as written (`SIP/2.0`). */
  version: string;
  /** Request: the method, case-sensitive (`INVITE`, or any token: RFC 4475 §3.1.1.2). */
  method: string;
  /** Response: the Status-Code. */
  status: number;
  /** Response: the Reason-Phrase (may be empty, may be UTF-8). */
  reason: string;
  #uriText: string;
  #uriParsed: Uri | undefined;

  constructor(init: SipRequestInit | SipResponseInit) {
    this.headers = toHeaders(init.headers);
    this.body = toBody(init.body);
    this.version = init.version ?? SIP_VERSION;
    if ('method' in init) {
      this.kind = 'request';
      this.method = init.method;
      this.status = 0;
      this.reason = '';
      this.#uriText = typeof init.uri === 'string' ? init.uri : init.uri.toString();
      this.#uriParsed = typeof init.uri === 'string' ? undefined : init.uri;
    } else {
      this.kind = 'response';
      this.method = '';
      this.status = init.status;
      this.reason = init.reason;
      this.#uriText = '';
      this.#uriParsed = undefined;
    }
  }

  /** Request: the Request-URI text as received or set. */
  get requestUri(): string {
    return this.#uriText;
  }

  /**
   * Request: the Request-URI, parsed on first use.
   * @throws SipParseError `INVALID_REQUEST_URI` (400)
   */
  get uri(): Uri {
    if (this.#uriParsed === undefined) {
      try {
        this.#uriParsed = parseUri(this.#uriText);
      } catch (error) {
        throw new SipParseError(SipErrorCode.InvalidRequestUri, `bad Request-URI: ${(error as Error).message}`, {
          status: 400,
          reasonPhrase: 'Bad Request-URI',
          cause: error,
        });
      }
    }
    return this.#uriParsed;
  }

  /** Request: replaces the Request-URI (e.g. with the next hop's, §16.6 / §12.2.1.1). */
  set uri(value: Uri | string) {
    this.#uriText = value.toString();
    this.#uriParsed = typeof value === 'string' ? undefined : value;
  }

  /** Via values, topmost first (§20.42). Empty when absent. */
  get via(): Via[] {
    return this.headers.parsed('via', parseVias);
  }

  /** The topmost Via, which names the transaction (§17.1.3, §17.2.3). */
  get topVia(): Via | undefined {
    return this.headers.parsedTop('via', 'via#top', parseTopVia);
  }

  /** From (§20.20). */
  get from(): FromTo | undefined {
    return this.headers.parsedFirst('from', parseFrom);
  }

  /** To (§20.39). */
  get to(): FromTo | undefined {
    return this.headers.parsedFirst('to', parseTo);
  }

  /** Call-ID (§20.8). */
  get callId(): string | undefined {
    return this.headers.parsedFirst('call-id', parseCallId);
  }

  /** CSeq (§20.16). */
  get cseq(): CSeq | undefined {
    return this.headers.parsedFirst('cseq', parseCSeq);
  }

  /** Max-Forwards (§20.22). */
  get maxForwards(): number | undefined {
    return this.headers.parsedFirst('max-forwards', parseMaxForwards);
  }

  /** Contact (§20.10): `*` or a list; `{ wildcard: false, contacts: [] }` when absent. */
  get contact(): ContactHeader {
    return this.headers.parsed('contact', parseContact);
  }

  /** Route (§20.34), in order. */
  get route(): NameAddr[] {
    return this.headers.parsed('route', parseRoute);
  }

  /** Record-Route (§20.30), in order. */
  get recordRoute(): NameAddr[] {
    return this.headers.parsed('record-route', parseRecordRoute);
  }

  /** Path (RFC 3327). */
  get path(): NameAddr[] {
    return this.headers.parsed('path', parsePath);
  }

  /** Service-Route (RFC 3608). */
  get serviceRoute(): NameAddr[] {
    return this.headers.parsed('service-route', parseServiceRoute);
  }

  /** Content-Type (§20.15). */
  get contentType(): ContentType | undefined {
    return this.headers.parsed('content-type', parseContentType);
  }

  /** Content-Length as written (the serializer always writes the body's real length). */
  get contentLength(): number | undefined {
    const text = this.headers.get('content-length');
    return text === undefined ? undefined : Number(text.trim());
  }

  /** Expires (§20.19), seconds. */
  get expires(): number | undefined {
    return this.headers.parsed('expires', parseExpires);
  }

  /** Min-Expires (§20.23), seconds. */
  get minExpires(): number | undefined {
    return this.headers.parsed('min-expires', parseMinExpires);
  }

  /** Authorization values (§20.7). */
  get authorization(): AuthValue[] {
    return this.headers.parsed('authorization', parseAuthorization);
  }

  /** Proxy-Authorization values (§20.28). */
  get proxyAuthorization(): AuthValue[] {
    return this.headers.parsed('proxy-authorization', parseProxyAuthorization);
  }

  /** WWW-Authenticate challenges (§20.44). */
  get wwwAuthenticate(): AuthValue[] {
    return this.headers.parsed('www-authenticate', parseWwwAuthenticate);
  }

  /** Proxy-Authenticate challenges (§20.27). */
  get proxyAuthenticate(): AuthValue[] {
    return this.headers.parsed('proxy-authenticate', parseProxyAuthenticate);
  }

  /** Event (RFC 6665). */
  get event(): EventHeader | undefined {
    return this.headers.parsed('event', parseEvent);
  }

  /** Subscription-State (RFC 6665). */
  get subscriptionState(): SubscriptionState | undefined {
    return this.headers.parsed('subscription-state', parseSubscriptionState);
  }

  /** RSeq (RFC 3262). */
  get rseq(): number | undefined {
    return this.headers.parsed('rseq', parseRSeq);
  }

  /** RAck (RFC 3262). */
  get rack(): RAck | undefined {
    return this.headers.parsed('rack', parseRAck);
  }

  /** Refer-To (RFC 3515); its URI may carry headers such as Replaces. */
  get referTo(): NameAddr | undefined {
    return this.headers.parsed('refer-to', parseReferTo);
  }

  /** Referred-By (RFC 3892). */
  get referredBy(): NameAddr | undefined {
    return this.headers.parsed('referred-by', parseReferredBy);
  }

  /** Replaces (RFC 3891). */
  get replaces(): Replaces | undefined {
    return this.headers.parsed('replaces', parseReplaces);
  }

  /** Session-Expires (RFC 4028). */
  get sessionExpires(): SessionExpires | undefined {
    return this.headers.parsed('session-expires', parseSessionExpiresHeader);
  }

  /** Min-SE (RFC 4028), seconds. */
  get minSE(): number | undefined {
    return this.headers.parsed('min-se', parseMinSe);
  }

  /** Retry-After (§20.33). */
  get retryAfter(): RetryAfter | undefined {
    return this.headers.parsed('retry-after', parseRetryAfter);
  }

  /** Reason values (RFC 3326). */
  get reasons(): Reason[] {
    return this.headers.parsed('reason', parseReasons);
  }

  /** Privacy values (RFC 3323), lower-cased. */
  get privacy(): string[] {
    return this.headers.parsed('privacy', parsePrivacy);
  }

  /** P-Asserted-Identity (RFC 3325). */
  get pAssertedIdentity(): NameAddr[] {
    return this.headers.parsed('p-asserted-identity', parsePAssertedIdentity);
  }

  /** P-Preferred-Identity (RFC 3325). */
  get pPreferredIdentity(): NameAddr[] {
    return this.headers.parsed('p-preferred-identity', parsePPreferredIdentity);
  }

  /** Diversion (RFC 5806), newest first. */
  get diversion(): NameAddr[] {
    return this.headers.parsed('diversion', parseDiversion);
  }

  /** History-Info (RFC 7044). */
  get historyInfo(): NameAddr[] {
    return this.headers.parsed('history-info', parseHistoryInfo);
  }

  /** Require option tags (§20.32). */
  get require(): string[] {
    return this.headers.parsed('require', parseRequire);
  }

  /** Proxy-Require option tags (§20.29). */
  get proxyRequire(): string[] {
    return this.headers.parsed('proxy-require', parseProxyRequire);
  }

  /** Supported option tags (§20.37). */
  get supported(): string[] {
    return this.headers.parsed('supported', parseSupported);
  }

  /** Unsupported option tags (§20.40). */
  get unsupported(): string[] {
    return this.headers.parsed('unsupported', parseUnsupported);
  }

  /** Allow methods (§20.5). */
  get allow(): string[] {
    return this.headers.parsed('allow', parseAllow);
  }

  /** Allow-Events packages (RFC 6665). */
  get allowEvents(): string[] {
    return this.headers.parsed('allow-events', parseAllowEvents);
  }

  /** Date (§20.17). */
  get date(): Date | undefined {
    return this.headers.parsed('date', parseDate);
  }
}

/** What both kinds of message share: headers, body, version and the typed header getters. */
type SipMessageCommon = Omit<SipMessageObject, 'kind' | 'method' | 'status' | 'reason' | 'requestUri' | 'uri'>;

/** Fields to build a {@link SipRequest}. */
export interface SipRequestInit {
  /** Method, case-sensitive. */
  method: string;
  /** Request-URI. */
  uri: Uri | string;
  /** Header fields. */
  headers?: HeadersInit;
  /** Body (strings are UTF-8 encoded). */
  body?: Buffer | string;
  /** SIP-Version, default `SIP/2.0`. */
  version?: string;
}

/** A SIP request. */
export interface SipRequest extends SipMessageCommon {
  /** Discriminant. */
  readonly kind: 'request';
  /** Method, case-sensitive (`INVITE`, or any token: RFC 4475 §3.1.1.2). */
  method: string;
  /** The Request-URI text as received or set. */
  readonly requestUri: string;
  /**
   * The Request-URI, parsed on first use.
   * @throws SipParseError `INVALID_REQUEST_URI` (400)
   */
  get uri(): Uri;
  /** Replaces the Request-URI (e.g. with the next hop's, §16.6 / §12.2.1.1). */
  set uri(value: Uri | string);
}

/** Fields to build a {@link SipResponse}. */
export interface SipResponseInit {
  /** Status-Code 100..699. */
  status: number;
  /** Reason-Phrase; default from {@link defaultReasonPhrase} is applied by the builders. */
  reason: string;
  /** Header fields. */
  headers?: HeadersInit;
  /** Body. */
  body?: Buffer | string;
  /** SIP-Version, default `SIP/2.0`. */
  version?: string;
}

/** A SIP response. */
export interface SipResponse extends SipMessageCommon {
  /** Discriminant. */
  readonly kind: 'response';
  /** Status-Code. */
  status: number;
  /** Reason-Phrase (may be empty, may be UTF-8). */
  reason: string;
}

/** `new SipRequest(init)`; `value instanceof SipRequest` is true for requests. */
interface SipRequestConstructor {
  new (init: SipRequestInit): SipRequest;
  [Symbol.hasInstance](value: unknown): value is SipRequest;
}

/** `new SipResponse(init)`; `value instanceof SipResponse` is true for responses. */
interface SipResponseConstructor {
  new (init: SipResponseInit): SipResponse;
  [Symbol.hasInstance](value: unknown): value is SipResponse;
}

/** Builds a request (a {@link SipMessageObject} of kind `request`). */
export const SipRequest = class SipRequest {
  constructor(init: SipRequestInit) {
    // A constructor may return another object: the message, of the one message class.
    return new SipMessageObject(init);
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof SipMessageObject && value.kind === 'request';
  }
} as unknown as SipRequestConstructor;

/** Builds a response (a {@link SipMessageObject} of kind `response`). */
export const SipResponse = class SipResponse {
  constructor(init: SipResponseInit) {
    return new SipMessageObject(init);
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof SipMessageObject && value.kind === 'response';
  }
} as unknown as SipResponseConstructor;

/** Either kind of message; switch on `kind`. */
export type SipMessage = SipRequest | SipResponse;
