/**
 * Via (RFC 3261 §20.42, §25.1):
 *
 *   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by       = host [ COLON port ]
 *
 * SLASH and COLON are SWS-wrapped, so `SIP  /   2.0\r\n /UDP` is one sent-protocol
 * (RFC 4475 §3.1.1.1 wsinv).
 */
import { isIPv6 } from 'node:net';
import { badHeader } from '../../errors.ts';
import { CHAR_CLASS, HOSTNAME, isSip20SlashAt, TOKEN, wordIndexAt } from '../../syntax/charset.ts';
import { Params, parseParams, scanPlainParams, skipSwsAt } from '../../syntax/params.ts';
import { listElementEnd, ValueScanner } from '../../syntax/scanner.ts';
import { hostKind, isIPv4At, scanHostAt } from '../../uri/host.ts';
import { valueSpan, WireField, type HeaderField } from '../headers.ts';

/** One Via value. */
export interface Via {
  /** protocol-name, normally `SIP`. */
  protocolName: string;
  /** protocol-version, normally `2.0`. */
  protocolVersion: string;
  /** Transport, upper-cased: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS`, or an extension. */
  transport: string;
  /** sent-by host (IPv6 bracketed). */
  host: string;
  /** sent-by port, when given. */
  port: number | undefined;
  /** All parameters, in order. */
  params: Params;
  /** `branch` (§8.1.1.7); undefined for RFC 2543 peers. */
  branch: string | undefined;
  /** `received` (§18.2.1). */
  received: string | undefined;
  /** `rport` (RFC 3581): null when present without a value (a request for it), else the port. */
  rport: number | null | undefined;
  /** `maddr` (§18.2.2). */
  maddr: string | undefined;
  /** `ttl` 0..255 (§18.2.1 multicast). */
  ttl: number | undefined;
}

/** The RFC 3261 branch magic cookie (§8.1.1.7). */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/**
 * True if `branch` was made by an RFC 3261 element: it starts with the magic cookie *and has
 * something after it*. A bare `z9hG4bK` (RFC 4475 §3.2.1 badbranch) is not unique, so matching
 * falls back to the RFC 2543 rules (§17.2.3).
 */
export function isRfc3261Branch(branch: string | undefined): boolean {
  return branch !== undefined && branch.length > BRANCH_MAGIC_COOKIE.length && branch.startsWith(BRANCH_MAGIC_COOKIE);
}

function readPort(scanner: ValueScanner): number {
  const digits = scanner.digits();
  const port = Number(digits);
  if (digits.length === 0 || digits.length > 5 || port > 65535) throw scanner.fail('bad port');
  return port;
}

/** Transports as written by nearly every peer, so the common case allocates no string. */
const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'];

/**
 * The common shape `SIP/2.0/UDP host[:port];params` (no whitespace but the one SP, no IPv6)
 * in `text[start, end)`, read in one pass; undefined for anything else, which
 * {@link parseViaValue} then reads with the full grammar. Both paths give the same result
 * for the text this one accepts. `inPlace`: called for a field read in place, so parameters
 * written another way go to the full grammar as a whole, which also makes the error.
 */
function parseCommonVia(text: string, start: number, end: number, inPlace: boolean): Via | undefined {
  if (!isSip20SlashAt(text, start)) return undefined;
  const transportStart = start + 8;
  let pos = transportStart;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c >= 128 || (CHAR_CLASS[c]! & TOKEN) === 0) break;
    pos++;
  }
  if (pos === transportStart || pos >= end || text.charCodeAt(pos) !== 0x20) return undefined;
  const known = wordIndexAt(text, transportStart, pos, TRANSPORTS);
  const transport = known >= 0 ? TRANSPORTS[known]! : text.slice(transportStart, pos).toUpperCase();
  const hostStart = ++pos;
  pos = scanHostAt(text, hostStart, end);
  if (pos < 0) return undefined;
  const host = text.slice(hostStart, pos);
  let port: number | undefined;
  if (pos < end && text.charCodeAt(pos) === 0x3a) {
    const portStart = ++pos;
    let value = 0;
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      pos++;
    }
    if (pos === portStart || pos - portStart > 5 || value > 65535) return undefined;
    port = value;
  }
  if (pos < end && text.charCodeAt(pos) !== 0x3b) return undefined;
  if (!inPlace)
    return checkedVia(
      'SIP',
      '2.0',
      transport,
      host,
      port,
      parseParams(new ValueScanner(text, 'Via', pos, end), VIA_PARAMS, FOUND),
    );
  // In place, the parameters the Via reads are picked out while the list is checked; the list
  // itself is cut into entries only if someone asks (Params.lazy).
  if (!scanPlainParams(text, pos, end, VIA_PARAMS, FOUND)) return undefined;
  return checkedVia('SIP', '2.0', transport, host, port, Params.lazy(text, pos, end));
}

/** The parameters a Via gives meaning to (§18, §20.42, RFC 3581), in the order of {@link FOUND}. */
const VIA_PARAMS = ['branch', 'received', 'rport', 'maddr', 'ttl'];
/** Their values for the Via being read (null: a flag; undefined: absent). Filled, then read at once. */
const FOUND: Array<string | null | undefined> = [undefined, undefined, undefined, undefined, undefined];

/** Parses one via-parm: the whole `text`, or `text[start, end)` (folds included: they are SWS). */
export function parseViaValue(text: string, start = 0, end = text.length): Via {
  const common = parseCommonVia(text, start, end, false);
  if (common !== undefined) return common;
  const scanner = new ValueScanner(text, 'Via', start, end);
  scanner.skipSws();
  const protocolName = scanner.requireToken('protocol name');
  scanner.skipSws();
  scanner.expect(0x2f, '"/"');
  scanner.skipSws();
  const protocolVersion = scanner.requireToken('protocol version');
  scanner.skipSws();
  scanner.expect(0x2f, '"/"');
  scanner.skipSws();
  const transport = scanner.requireToken('transport').toUpperCase();
  if (!scanner.skipSws()) throw scanner.fail('expected LWS before sent-by');
  let host: string;
  if (scanner.peek() === 0x5b) {
    const close = text.indexOf(']', scanner.pos);
    if (close < 0 || close >= end) throw scanner.fail('unterminated IPv6 reference');
    host = text.slice(scanner.pos, close + 1);
    scanner.pos = close + 1;
  } else host = scanner.charsOf(HOSTNAME);
  if (hostKind(host) === undefined) throw scanner.fail('bad sent-by host');
  scanner.skipSws();
  let port: number | undefined;
  if (scanner.eat(0x3a)) {
    scanner.skipSws();
    port = readPort(scanner);
  }
  return checkedVia(protocolName, protocolVersion, transport, host, port, parseParams(scanner, VIA_PARAMS, FOUND));
}

/** The values in {@link FOUND} checked (§18.2.1, RFC 3581), and the Via built. */
function checkedVia(
  protocolName: string,
  protocolVersion: string,
  transport: string,
  host: string,
  port: number | undefined,
  params: Params,
): Via {
  const branch = FOUND[0];
  const received = FOUND[1];
  const rportText = FOUND[2];
  const maddr = FOUND[3];
  const ttlText = FOUND[4];
  if (branch === null) throw badHeader('Via', 'branch without a value');
  if (
    received === null ||
    (received !== undefined && !isIPv4At(received, 0, received.length) && !isIPv6(received.replace(/^\[|\]$/g, '')))
  ) {
    throw badHeader('Via', 'received is not an IP address');
  }
  let rport: number | null | undefined;
  if (rportText === null) rport = null;
  else if (rportText !== undefined) {
    if (!isShortNumber(rportText, 5) || Number(rportText) > 65535) throw badHeader('Via', 'bad rport');
    rport = Number(rportText);
  }
  if (maddr === null || (maddr !== undefined && hostKind(maddr) === undefined)) throw badHeader('Via', 'bad maddr');
  let ttl: number | undefined;
  if (ttlText !== undefined) {
    if (ttlText === null || !isShortNumber(ttlText, 3) || Number(ttlText) > 255) throw badHeader('Via', 'bad ttl');
    ttl = Number(ttlText);
  }
  return { protocolName, protocolVersion, transport, host, port, params, branch, received, rport, maddr, ttl };
}

/** `/^\d{1,max}$/` without the regex. */
function isShortNumber(text: string, max: number): boolean {
  if (text.length === 0 || text.length > max) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * A field holding one Via value written the common way, read in place; else undefined. (A
 * list never passes: the common reader takes no "," outside a quoted parameter value.)
 */
function viaInPlace(field: HeaderField): Via | undefined {
  if (!(field instanceof WireField) || field.start === field.end) return undefined;
  return parseCommonVia(field.text, field.start, field.end, true);
}

/**
 * The values of one Via field through the grammar, in place, top first; `first`: only the
 * topmost. Empty list elements are errors (RFC 4475 §3.1.2.1).
 */
function fieldVias(field: HeaderField, out: Via[], first: boolean): void {
  const { text, start, end } = valueSpan(field);
  for (let pos = start; ;) {
    const stop = listElementEnd(text, pos, end);
    if (skipSwsAt(text, pos, stop) >= stop) throw badHeader('Via', 'empty list element');
    out.push(parseViaValue(text, pos, stop));
    if (first || stop >= end) return;
    pos = stop + 1;
  }
}

/** Parses every Via value of every Via field, top first. */
export function parseVias(fields: HeaderField[]): Via[] {
  const out: Via[] = [];
  for (const field of fields) {
    const via = viaInPlace(field);
    if (via !== undefined) out.push(via);
    else fieldVias(field, out, false);
  }
  return out;
}

/** Parses the topmost Via value only: the one in the first Via field (see `SipHeaders.parsedTop`). */
export function parseTopVia(field: HeaderField): Via {
  const via = viaInPlace(field);
  if (via !== undefined) return via;
  const out: Via[] = [];
  fieldVias(field, out, true);
  return out[0]!;
}

/** Options of {@link formatVia}. */
export interface ViaInit {
  /** Transport token, e.g. `UDP`. */
  transport: string;
  /** sent-by host (IPv6 bracketed). */
  host: string;
  /** sent-by port. */
  port?: number;
  /** branch; should start with {@link BRANCH_MAGIC_COOKIE}. */
  branch: string;
  /** Add an empty `rport` (RFC 3581 §3). Default false. */
  rport?: boolean;
  /** Further parameters written after branch/rport, in wire form. */
  extra?: string;
}

/** Builds a Via value `SIP/2.0/UDP host:port;branch=...[;rport]`. */
export function formatVia(init: ViaInit): string {
  const port = init.port === undefined ? '' : `:${init.port}`;
  return `SIP/2.0/${init.transport.toUpperCase()} ${init.host}${port};branch=${init.branch}${init.rport === true ? ';rport' : ''}${init.extra ?? ''}`;
}
