/**
 * SIP and SIPS URIs (RFC 3261 §19.1, grammar in §25.1):
 *
 *   SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *
 * Components are held in wire form (escapes kept) so a parsed URI serializes back to the
 * same text; `decodedUser` etc. give the unescaped text.
 */
import { badUri } from '../errors.ts';
import { Params, type ParamEntry } from '../syntax/params.ts';
import {
  escapeUri,
  isEscapedText,
  normalizeEscapes,
  PARAM_CHARS,
  PASSWORD_CHARS,
  unescapeUri,
  USER_CHARS,
  HEADER_CHARS,
} from './escape.ts';
import { hostKind, type HostKind } from './host.ts';

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

/**
 * Parses the part of a sip:/sips: URI after the colon. `text` is the whole URI (for errors);
 * `start` is the offset just past `sip:`/`sips:`.
 */
export function parseSipUriBody(text: string, scheme: 'sip' | 'sips', start: number): SipUri {
  const end = text.length;
  let pos = start;
  let user: string | undefined;
  let password: string | undefined;
  // user and password cannot hold a raw "@" (§25.1), so the first "@" ends the userinfo even
  // though user may contain ";" and "?" (RFC 4475 §3.1.1.9 semiuri, §3.1.1.2 intmeth).
  const at = text.indexOf('@', pos);
  if (at >= 0) {
    const userinfo = text.slice(pos, at);
    const colon = userinfo.indexOf(':');
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!isEscapedText(user, USER_CHARS)) throw badUri('bad user part', text);
    if (colon >= 0) {
      password = userinfo.slice(colon + 1);
      if (password.length > 0 && !isEscapedText(password, PASSWORD_CHARS)) throw badUri('bad password', text);
    }
    pos = at + 1;
  }
  // host
  let hostEnd: number;
  if (text.charCodeAt(pos) === 0x5b) {
    hostEnd = text.indexOf(']', pos);
    if (hostEnd < 0) throw badUri('unterminated IPv6 reference', text);
    hostEnd++;
  } else {
    hostEnd = pos;
    while (hostEnd < end) {
      const c = text.charCodeAt(hostEnd);
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
      hostEnd++;
    }
  }
  const host = text.slice(pos, hostEnd);
  if (hostKind(host) === undefined) throw badUri('bad host', text);
  pos = hostEnd;
  let port: number | undefined;
  if (text.charCodeAt(pos) === 0x3a) {
    pos++;
    const portStart = pos;
    while (pos < end && text.charCodeAt(pos) >= 0x30 && text.charCodeAt(pos) <= 0x39) pos++;
    if (pos === portStart || pos - portStart > 5) throw badUri('bad port', text);
    port = Number(text.slice(portStart, pos));
    if (port > 65535) throw badUri('port out of range', text);
  }
  const params: ParamEntry[] = [];
  while (pos < end && text.charCodeAt(pos) === 0x3b) {
    pos++;
    let stop = pos;
    while (stop < end && text.charCodeAt(stop) !== 0x3b && text.charCodeAt(stop) !== 0x3f) stop++;
    let eq = text.indexOf('=', pos);
    if (eq >= stop) eq = -1;
    const name = text.slice(pos, eq < 0 ? stop : eq);
    const value = eq < 0 ? null : text.slice(eq + 1, stop);
    if (!isEscapedText(name, PARAM_CHARS) || (value !== null && !isEscapedText(value, PARAM_CHARS))) {
      throw badUri('bad URI parameter', text);
    }
    params.push({ name, value });
    pos = stop;
  }
  const headers: UriHeader[] = [];
  if (pos < end) {
    if (text.charCodeAt(pos) !== 0x3f) throw badUri('unexpected character', text);
    for (const part of text.slice(pos + 1).split('&')) {
      const eq = part.indexOf('=');
      if (eq < 0) throw badUri('URI header without "="', text);
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (!isEscapedText(name, HEADER_CHARS) || (value.length > 0 && !isEscapedText(value, HEADER_CHARS))) {
        throw badUri('bad URI header', text);
      }
      headers.push({ name, value });
    }
  }
  return new SipUri({ scheme, user, password, host, port, params: new UriParams(params), headers });
}
