/**
 * SIP and SIPS URIs (RFC 3261 §19.1, grammar in §25.1):
 *
 *   SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *
 * Components are held in wire form (escapes kept) so a parsed URI serializes back to the
 * same text; `decodedUser` etc. give the unescaped text.
 */
import { badUri, type SipParseError } from '../errors.ts';
import { Params, type ParamEntry } from '../syntax/params.ts';
import {
  escapeUri,
  isEscapedText,
  isHexCode,
  normalizeEscapes,
  PARAM_CHARS,
  PASSWORD_CHARS,
  unescapeUri,
  USER_CHARS,
  HEADER_CHARS,
} from './escape.ts';
import { hostKind, hostKindAt, scanHostAt, type HostKind } from './host.ts';
import { CHAR_CLASS } from '../syntax/charset.ts';

/**
 * URI parameters: names compare after unescaping and lower-casing (`;%6C%72` is `;lr`),
 * values read unescaped once (RFC 3261 §19.1.4, RFC 4475 §3.1.1.3).
 */
export class UriParams extends Params {
  protected override normalizeName(name: string): string {
    return name.indexOf('%') < 0 ? name.toLowerCase() : unescapeUri(name).toLowerCase();
  }

  protected override sameName(name: string, wanted: string, asciiWanted: boolean): boolean {
    // An escaped name ("%6C%72" for "lr") is longer than what it decodes to.
    if (name.indexOf('%') >= 0) return this.normalizeName(name) === wanted;
    return super.sameName(name, wanted, asciiWanted);
  }

  protected override decodeValue(wire: string): string {
    return unescapeUri(wire);
  }

  protected override encodeValue(text: string): string {
    return escapeUri(text, PARAM_CHARS);
  }
}

/** A `?name=value` URI header, both in wire (escaped) form. */
export interface UriHeader {
  /** hname, escaped */
  name: string;
  /** hvalue, escaped (may be empty) */
  value: string;
}

/** Fields to build a {@link SipUri} from. Text fields are wire form unless noted. */
export interface SipUriInit {
  /** `sip` (default) or `sips` */
  scheme?: 'sip' | 'sips';
  /** user part in wire form; use {@link escapeUser} for raw text */
  user?: string | undefined;
  /** password in wire form */
  password?: string | undefined;
  /** hostname, IPv4 address or bracketed IPv6 reference */
  host: string;
  /** port, 1..65535; absent means "resolve per RFC 3263" (not 5060, §19.1.4) */
  port?: number | undefined;
  /** URI parameters */
  params?: UriParams | ParamEntry[];
  /** URI headers */
  headers?: UriHeader[];
}

/** A parsed or built sip:/sips: URI. */
export class SipUri {
  /** Discriminant shared by all URI classes. */
  readonly kind = 'sip' as const;
  /** `sip` or `sips` (lower-cased). */
  scheme: 'sip' | 'sips';
  /** User part, wire form. */
  user: string | undefined;
  /** Password, wire form. */
  password: string | undefined;
  /** Host as written (IPv6 with brackets). */
  host: string;
  /** Port, when given. */
  port: number | undefined;
  /** URI parameters, in order. */
  params: UriParams;
  /** URI headers, in order. */
  headers: UriHeader[];

  /** @param init components (see {@link SipUriInit}) */
  constructor(init: SipUriInit) {
    this.scheme = init.scheme ?? 'sip';
    this.user = init.user;
    this.password = init.password;
    this.host = init.host;
    this.port = init.port;
    this.params = init.params instanceof UriParams ? init.params : new UriParams(init.params ?? []);
    this.headers = init.headers ?? [];
  }

  /** The user part unescaped (e.g. `sips:user@example.com` for esc01's Request-URI). */
  get decodedUser(): string | undefined {
    return this.user === undefined ? undefined : unescapeUri(this.user);
  }

  /** `transport` parameter, lower-cased (`udp`, `tcp`, `tls`, `ws`, `wss`, `sctp`...). */
  get transport(): string | undefined {
    const value = this.params.get('transport');
    return typeof value === 'string' ? value.toLowerCase() : undefined;
  }

  /** True if the `lr` parameter is present (loose routing, RFC 3261 §16.12). */
  get lr(): boolean {
    return this.params.has('lr');
  }

  /** `maddr` parameter. */
  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }

  /** `user` parameter, lower-cased (`phone`, `ip`, `dialstring`). */
  get userParam(): string | undefined {
    return this.params.get('user')?.toLowerCase();
  }

  /** `method` parameter. */
  get method(): string | undefined {
    return this.params.get('method') ?? undefined;
  }

  /** `ttl` parameter as a number, when valid (0..255). */
  get ttl(): number | undefined {
    const value = this.params.get('ttl');
    if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) return undefined;
    const ttl = Number(value);
    return ttl <= 255 ? ttl : undefined;
  }

  /** `host[:port]`. */
  get hostport(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  /** Host classification (hostname, IPv4, IPv6). */
  get hostKind(): HostKind | undefined {
    return hostKind(this.host);
  }

  /** A deep copy. */
  clone(): SipUri {
    return new SipUri({
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: this.params.clone(),
      headers: this.headers.map((h) => ({ ...h })),
    });
  }

  /** Wire form. */
  toString(): string {
    let out = `${this.scheme}:`;
    if (this.user !== undefined) {
      out += this.user;
      if (this.password !== undefined) out += `:${this.password}`;
      out += '@';
    }
    out += this.host;
    if (this.port !== undefined) out += `:${this.port}`;
    out += this.params.toString();
    for (let i = 0; i < this.headers.length; i++) {
      const h = this.headers[i]!;
      out += `${i === 0 ? '?' : '&'}${h.name}=${h.value}`;
    }
    return out;
  }
}

/** Escapes raw text for use as a SIP URI user part. */
export function escapeUser(text: string): string {
  return escapeUri(text, USER_CHARS);
}

/** The shape of a parameter name or value compared by §19.1.4: unescaped where allowed, case-folded. */
export function normalizeComponent(text: string): string {
  return normalizeEscapes(text).toLowerCase();
}

/** True if `c` may appear unescaped in a URI component of class `allowed` (see `escape.ts`). */
function isAllowed(c: number, allowed: number): boolean {
  return c < 256 && (CHAR_CLASS[c]! & allowed) !== 0;
}

/** True if `text[at]` and `text[at + 1]` are hex digits (the tail of an `escaped`). */
function isHexPair(text: string, at: number): boolean {
  return isHexCode(text.charCodeAt(at)) && isHexCode(text.charCodeAt(at + 1));
}

/**
 * End of the run of `allowed` chars and `%XX` escapes from `pos`, stopping at the first other
 * char (or `end`); -1 if a malformed escape comes first. The one-pass form of
 * {@link isEscapedText}: a component is valid when the run reaches its delimiter.
 */
function escapedRun(text: string, pos: number, end: number, allowed: number): number {
  let at = pos;
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c === 0x25) {
      if (!isHexPair(text, at + 1)) return -1;
      at += 3;
    } else if (isAllowed(c, allowed)) at++;
    else break;
  }
  return at;
}

/** The error for a URI that is `text[uriStart, end)` (in place inside a header value, or the whole of `text`). */
function uriFailure(detail: string, text: string, uriStart: number, end: number): SipParseError {
  return badUri(detail, uriStart === 0 && end === text.length ? text : text.slice(uriStart, end));
}

/**
 * Parses the part of a sip:/sips: URI after the colon. `text` is the whole URI (for errors);
 * `start` is the offset just past `sip:`/`sips:`; `uriStart` and `end` bound the
 * URI when it is read in place from a longer text (a header value). One pass: every component is checked where
 * it lies and cut out once (the host is classified in place by {@link hostKindAt}).
 */
export function parseSipUriBody(
  text: string,
  scheme: 'sip' | 'sips',
  start: number,
  end = text.length,
  uriStart = 0,
): SipUri {
  let pos = start;
  let user: string | undefined;
  let password: string | undefined;
  // user and password cannot hold a raw "@" (§25.1), so the first "@" ends the userinfo even
  // though user may contain ";" and "?" (RFC 4475 §3.1.1.9 semiuri, §3.1.1.2 intmeth).
  let at = pos;
  while (at < end && text.charCodeAt(at) !== 0x40) at++;
  if (at < end) {
    // user = 1*( unreserved / escaped / user-unreserved ), up to ":" (not a user char) or "@".
    const userEnd = escapedRun(text, pos, at, USER_CHARS);
    const colon = userEnd >= 0 && userEnd < at && text.charCodeAt(userEnd) === 0x3a;
    if (userEnd <= pos || (userEnd < at && !colon)) throw uriFailure('bad user part', text, uriStart, end);
    user = text.slice(pos, userEnd);
    if (colon) {
      const passwordEnd = escapedRun(text, userEnd + 1, at, PASSWORD_CHARS);
      if (passwordEnd !== at) throw uriFailure('bad password', text, uriStart, end);
      password = text.slice(userEnd + 1, at);
    }
    pos = at + 1;
  }
  // host
  let hostEnd: number;
  if (text.charCodeAt(pos) === 0x5b) {
    hostEnd = text.indexOf(']', pos);
    if (hostEnd < 0 || hostEnd >= end) throw uriFailure('unterminated IPv6 reference', text, uriStart, end);
    hostEnd++;
    if (hostKindAt(text, pos, hostEnd) === undefined) throw uriFailure('bad host', text, uriStart, end);
  } else {
    // The host ends at ":", ";", "?" or the end; any other char there makes it a bad host.
    hostEnd = scanHostAt(text, pos, end);
    const c = text.charCodeAt(hostEnd);
    if (hostEnd < 0 || (hostEnd < end && c !== 0x3a && c !== 0x3b && c !== 0x3f))
      throw uriFailure('bad host', text, uriStart, end);
  }
  const host = text.slice(pos, hostEnd);
  pos = hostEnd;
  let port: number | undefined;
  if (text.charCodeAt(pos) === 0x3a) {
    pos++;
    const portStart = pos;
    let value = 0;
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      pos++;
    }
    if (pos === portStart || pos - portStart > 5) throw uriFailure('bad port', text, uriStart, end);
    if (value > 65535) throw uriFailure('port out of range', text, uriStart, end);
    port = value;
  }
  // Checked here, cut into entries on first use (UriParams.lazy).
  const paramsStart = pos;
  while (pos < end && text.charCodeAt(pos) === 0x3b) {
    pos++;
    // pname = 1*paramchar, pvalue = 1*paramchar; "=" is not a paramchar, so each run must end
    // exactly at the next delimiter ("=" after the name, ";" or "?" or the end after each).
    const nameEnd = escapedRun(text, pos, end, PARAM_CHARS);
    if (nameEnd <= pos) throw uriFailure('bad URI parameter', text, uriStart, end);
    let stop = nameEnd;
    if (text.charCodeAt(nameEnd) === 0x3d) {
      stop = escapedRun(text, nameEnd + 1, end, PARAM_CHARS);
      if (stop <= nameEnd + 1) throw uriFailure('bad URI parameter', text, uriStart, end);
    }
    if (stop < end) {
      const c = text.charCodeAt(stop);
      if (c !== 0x3b && c !== 0x3f) throw uriFailure('bad URI parameter', text, uriStart, end);
    }
    pos = stop;
  }
  const params = UriParams.lazy(text, paramsStart, pos);
  const headers: UriHeader[] = [];
  if (pos < end) {
    if (text.charCodeAt(pos) !== 0x3f) throw uriFailure('unexpected character', text, uriStart, end);
    for (const part of text.slice(pos + 1, end).split('&')) {
      const eq = part.indexOf('=');
      if (eq < 0) throw uriFailure('URI header without "="', text, uriStart, end);
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (!isEscapedText(name, HEADER_CHARS) || (value.length > 0 && !isEscapedText(value, HEADER_CHARS))) {
        throw uriFailure('bad URI header', text, uriStart, end);
      }
      headers.push({ name, value });
    }
  }
  return new SipUri({ scheme, user, password, host, port, params, headers });
}
