/**
 * Out-of-dialog requests built by the UAC core (RFC 3261 §8.1.1): Request-URI, To, From with a
 * new tag, Call-ID, CSeq, Max-Forwards 70, a preloaded Route set (an outbound proxy is a loose
 * route, §8.1.2), and the redirect targets of a 3xx (§8.1.3.4).
 */
import { randomBytes } from 'node:crypto';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { parseUri } from '../uri/uri.ts';
import { SipUri } from '../uri/sip-uri.ts';
import { SipError, UaErrorCode } from '../dialog/sip-error.ts';

/** §8.1.1.4: "Call-ID … MUST be unique across space and time" — 128 random bits. */
export function newCallId(): string {
  return randomBytes(16).toString('hex');
}

/** A header value in name-addr form: a bare URI gets angle brackets (§20.10 needs them with params). */
export function nameAddr(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('<') ? trimmed : `<${trimmed}>`;
}

/**
 * The Route value for an outbound proxy: "the UAC … SHOULD place the proxy's URI in a Route
 * header field … with the lr parameter" (§8.1.2, §16.12.1.1).
 * @throws SipError `INVALID_ARGUMENT` for a URI that is not sip/sips
 */
export function proxyRoute(proxy: string): string {
  const text = proxy.trim().replace(/^<|>$/g, '');
  let uri;
  try {
    uri = parseUri(text);
  } catch (error) {
    throw new SipError(UaErrorCode.InvalidArgument, `bad proxy URI ${JSON.stringify(proxy)}`, { cause: error });
  }
  if (!(uri instanceof SipUri)) throw new SipError(UaErrorCode.InvalidArgument, `proxy ${proxy} is not a SIP URI`);
  if (!uri.lr) uri.params.set('lr', null);
  return `<${uri.toString()}>`;
}

/** Fields of {@link buildOutOfDialogRequest}. */
export interface OutOfDialogRequestInit {
  method: string;
  /** Request-URI. */
  uri: string;
  /** From value without tag. */
  from: string;
  fromTag: string;
  /** To value (no tag: §8.1.1.2). */
  to: string;
  callId: string;
  cseq: number;
  /** Route values, in order. */
  routeSet: readonly string[];
  /** Further headers, in order. */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
}

/** §8.1.1: the mandatory headers plus Route, then the caller's headers. Via and Contact come at send time. */
export function buildOutOfDialogRequest(init: OutOfDialogRequestInit): SipRequest {
  const headers: Array<readonly [string, string]> = [
    ['From', `${nameAddr(init.from)};tag=${init.fromTag}`],
    ['To', nameAddr(init.to)],
    ['Call-ID', init.callId],
    ['CSeq', `${init.cseq} ${init.method}`],
    ['Max-Forwards', '70'],
  ];
  for (const route of init.routeSet) headers.push(['Route', route]);
  for (const header of init.headers) headers.push(header);
  return new SipRequest({ method: init.method, uri: init.uri, headers, body: init.body });
}

/**
 * §8.1.3.4: the Contact URIs of a 3xx, highest q first ("the UAC MAY … try each … in order of
 * q"), skipping ones already tried (a redirect loop) and non-SIP URIs we cannot reach. Never throws.
 */
export function redirectTargets(response: SipResponse, tried: ReadonlySet<string>): string[] {
  let contacts;
  try {
    contacts = response.contact.contacts;
  } catch {
    return [];
  }
  return contacts
    .map((contact, index) => ({ uri: contact.uri, q: contact.q ?? 1, index }))
    .filter(({ uri }) => uri.kind === 'sip')
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ uri }) => {
      const copy = (uri as SipUri).clone();
      copy.headers = []; // §19.1.5: URI headers become request headers; not carried over here
      return copy.toString();
    })
    .filter((uri) => !tried.has(uri));
}
