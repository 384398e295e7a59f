/**
 * name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route, Path,
 * Service-Route, Refer-To, Referred-By, P-Asserted-Identity, Diversion, History-Info
 * (RFC 3261 §20.10, §25.1):
 *
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *
 * "If the URI contains a comma, question mark or semicolon, the URI MUST be enclosed in angle
 * brackets" (§20.10): without brackets, `;` starts the header parameters.
 */
import { badHeader, SipParseError } from '../../errors.ts';
import { CHAR_CLASS, hasWordAt, TOKEN } from '../../syntax/charset.ts';
import { parseParams, parsePlainParams, type Params } from '../../syntax/params.ts';
import { quote, splitList, ValueScanner } from '../../syntax/scanner.ts';
import { parseSipUriBody } from '../../uri/sip-uri.ts';
import { MAX_URI_LENGTH, parseUri, type Uri } from '../../uri/uri.ts';
import { inPlaceText, unfold, type HeaderField, type WireField } from '../headers.ts';

/** A parsed name-addr or addr-spec with its header parameters. */
export interface NameAddr {
  /** Display name, unquoted; undefined when absent. */
  displayName: string | undefined;
  /** The address. */
  uri: Uri;
  /** Header parameters (`tag`, `expires`, `q`, ...), not URI parameters. */
  params: Params;
}

/** A From/To value: a name-addr plus its `tag` (undefined when absent, RFC 2543 peers). */
export interface FromTo extends NameAddr {
  /** The tag parameter (§19.3). */
  tag: string | undefined;
}

/** One Contact value, with `expires` and `q` read out (§20.10). */
export interface ContactValue extends NameAddr {
  /** `expires` parameter in seconds, when present and numeric (clamped to 2**32-1). */
  expires: number | undefined;
  /** `q` parameter 0..1, when present and valid. */
  q: number | undefined;
}

/** The Contact header: either `*` (REGISTER removal, §10.2.2) or a list. */
export interface ContactHeader {
  /** True for `Contact: *`. */
  wildcard: boolean;
  /** The contacts (empty for `*`). */
  contacts: ContactValue[];
}

function isTokenCode(c: number): boolean {
  return c < 256 && (CHAR_CLASS[c]! & TOKEN) !== 0;
}

function uriError(header: string, error: unknown): SipParseError {
  const detail = error instanceof SipParseError ? error.message : String(error);
  const wrapped = badHeader(header, detail);
  return new SipParseError(wrapped.code, wrapped.message, {
    status: 400,
    reasonPhrase: wrapped.reasonPhrase!,
    header,
    cause: error,
  });
}

/**
 * Parses one name-addr / addr-spec followed by header params (the whole `text`).
 * @throws SipParseError `INVALID_HEADER_VALUE` naming `header`
 */
export function parseNameAddr(text: string, header: string): NameAddr {
  const scanner = new ValueScanner(text, header);
  scanner.skipSws();
  let displayName: string | undefined;
  let bracketed = false;
  const first = scanner.peek();
  if (first === 0x22) {
    const raw = scanner.quotedRaw();
    displayName = unquoteDisplay(raw);
    scanner.skipSws();
    if (scanner.peek() !== 0x3c) throw scanner.fail('expected "<" after display name');
    bracketed = true;
  } else if (first === 0x3c) {
    bracketed = true;
  } else {
    // Look ahead over *(token LWS): ending at "<" it was a display name (RFC 4475 §3.1.1.6
    // lwsdisp: none needed before "<"), anything else means an addr-spec.
    let pos = scanner.pos;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (isTokenCode(c) || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) pos++;
      else break;
    }
    if (text.charCodeAt(pos) === 0x3c) {
      displayName = collapseWhitespace(text.slice(scanner.pos, pos).trim());
      scanner.pos = pos;
      bracketed = true;
    }
  }
  let uriText: string;
  if (bracketed) {
    scanner.pos++;
    const close = text.indexOf('>', scanner.pos);
    if (close < 0) throw scanner.fail('missing ">"');
    uriText = text.slice(scanner.pos, close);
    // LAQUOT/RAQUOT carry no inner whitespace: "< sip:x >" is RFC 4475 §3.1.2.14 badaspec.
    const firstCode = uriText.charCodeAt(0);
    const lastCode = uriText.charCodeAt(uriText.length - 1);
    if (uriText.length === 0 || firstCode <= 0x20 || lastCode <= 0x20)
      throw scanner.fail('whitespace inside <addr-spec>');
    scanner.pos = close + 1;
  } else {
    let stop = scanner.pos;
    while (stop < text.length) {
      const c = text.charCodeAt(stop);
      if (c === 0x3b || c === 0x2c || c <= 0x20) break;
      stop++;
    }
    uriText = text.slice(scanner.pos, stop);
    scanner.pos = stop;
    if (uriText.length === 0) throw scanner.fail('expected an address');
    // §20.10: an addr-spec holding "?" must be in brackets (RFC 4475 §3.1.2.13 regbadct).
    if (uriText.indexOf('?') >= 0) throw scanner.fail('"?" in a URI outside <>');
  }
  let uri: Uri;
  try {
    uri = parseUri(uriText);
  } catch (error) {
    throw uriError(header, error);
  }
  const params = parseParams(scanner);
  return { displayName, uri, params };
}

/** Runs of whitespace as one SP (`*(token LWS)` display names); most names have none to fold. */
function collapseWhitespace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0d || c === 0x0a || (c === 0x20 && i + 1 < text.length && text.charCodeAt(i + 1) <= 0x20))
      return text.replace(/\s+/g, ' ');
  }
  return text;
}

/** Display names are TEXT: strip the quotes and the quoted-pair backslashes. */
function unquoteDisplay(raw: string): string {
  const inner = raw.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\([\s\S])/g, '$1');
}

/**
 * A name-addr read in place (see {@link readNameAddrInPlace}): display name and parameters are
 * read, the bracketed sip/sips URI is parsed on first use of `uri` (npm `sip` and sofia-sip
 * also leave a From's URI unparsed until asked). A bad URI therefore throws from `uri`, with the
 * error {@link parseNameAddr} would give; `validateRequest` reads every URI the stack relies on.
 * One class for From/To, Contact and route values keeps the readers' property loads monomorphic.
 */
class InPlaceNameAddr implements FromTo, ContactValue {
  displayName: string | undefined;
  params: Params;
  tag: string | undefined;
  expires: number | undefined;
  q: number | undefined;
  #uri: Uri | undefined;
  readonly #text: string;
  readonly #start: number;
  readonly #end: number;
  readonly #header: string;

  constructor(
    displayName: string | undefined,
    params: Params,
    text: string,
    start: number,
    end: number,
    header: string,
  ) {
    this.displayName = displayName;
    this.params = params;
    this.tag = undefined;
    this.expires = undefined;
    this.q = undefined;
    this.#uri = undefined;
    this.#text = text;
    this.#start = start;
    this.#end = end;
    this.#header = header;
  }

  /** The address, parsed on first use. @throws SipParseError naming the header */
  get uri(): Uri {
    if (this.#uri !== undefined) return this.#uri;
    const text = this.#text;
    const start = this.#start;
    // readNameAddrInPlace only accepts the two schemes as written here.
    const sips = text.charCodeAt(start + 3) === 0x73;
    try {
      this.#uri = parseSipUriBody(text, sips ? 'sips' : 'sip', start + (sips ? 5 : 4), this.#end, start);
    } catch (error) {
      throw uriError(this.#header, error);
    }
    return this.#uri;
  }

  set uri(value: Uri) {
    this.#uri = value;
  }
}

/** True if `value` is a name-addr read in place, whose URI is a sip/sips URI by construction. */
function isInPlace(value: NameAddr): boolean {
  return value instanceof InPlaceNameAddr;
}

/**
 * The common shapes `[token *(SP token) SP] <sip:...>;params`, `"quoted" <sip:...>;params` and
 * `sip:...;params` read in place from `text[start, end)` (a header section; see `WireField.text`): the display
 * name, the bracketed sip/sips URI's bounds and plain parameters in one pass. Returns
 * undefined for anything else: {@link parseNameAddr} then reads the value with the full
 * grammar and makes the error. For the text it accepts, the result is the one parseNameAddr
 * gives, except that a bad URI throws when `uri` is read (see {@link InPlaceNameAddr}).
 */
function readNameAddrInPlace(text: string, start: number, end: number, header: string): InPlaceNameAddr | undefined {
  let pos = start;
  let displayName: string | undefined;
  const first = text.charCodeAt(pos);
  if (hasWordAt(text, start, 'sip:') || hasWordAt(text, start, 'sips:')) {
    // A bare addr-spec (":" is not a token char, so this is no display name): the URI runs to
    // the first ";" or whitespace (§20.10), and may not hold "?" (RFC 4475 §3.1.2.13 regbadct).
    let stop = start + 4;
    while (stop < end) {
      const c = text.charCodeAt(stop);
      if (c === 0x3b || c <= 0x20) break;
      if (c === 0x3f) return undefined;
      stop++;
    }
    if (stop - start > MAX_URI_LENGTH) return undefined;
    const params = parsePlainParams(text, stop, end);
    if (params === undefined) return undefined;
    return new InPlaceNameAddr(undefined, params, text, start, stop, header);
  }
  if (first === 0x22) {
    // quoted-string without quoted-pairs or controls: its inner text is the display name.
    pos++;
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c === 0x5c || c < 0x20 || c >= 0x7f) return undefined;
      pos++;
    }
    if (pos >= end) return undefined;
    displayName = text.slice(start + 1, pos);
    pos++;
    while (pos < end && text.charCodeAt(pos) === 0x20) pos++;
    if (pos >= end || text.charCodeAt(pos) !== 0x3c) return undefined;
  } else if (first !== 0x3c) {
    // *(token SP): single spaces only, so nothing needs folding.
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c === 0x20) {
        if (text.charCodeAt(pos + 1) === 0x20) return undefined;
      } else if (!isTokenCode(c)) break;
      pos++;
    }
    if (pos >= end || text.charCodeAt(pos) !== 0x3c) return undefined;
    let nameEnd = pos;
    if (text.charCodeAt(nameEnd - 1) === 0x20) nameEnd--;
    displayName = text.slice(start, nameEnd);
  }
  // LAQUOT addr-spec RAQUOT, the addr-spec a sip/sips URI without surrounding whitespace.
  const uriStart = pos + 1;
  const close = text.indexOf('>', uriStart);
  if (close < 0 || close >= end || close - uriStart > MAX_URI_LENGTH || text.charCodeAt(close - 1) <= 0x20)
    return undefined;
  if (!hasWordAt(text, uriStart, 'sip:') && !hasWordAt(text, uriStart, 'sips:')) return undefined;
  const params = parsePlainParams(text, close + 1, end);
  if (params === undefined) return undefined;
  return new InPlaceNameAddr(displayName, params, text, uriStart, close, header);
}

/** A name-addr value read in place when the field allows it (see {@link readNameAddrInPlace}), else undefined. */
function nameAddrInPlace(field: HeaderField, header: string): InPlaceNameAddr | undefined {
  const text = inPlaceText(field);
  if (text === undefined || field.raw.indexOf(',') >= 0) return undefined;
  const at = (field as WireField).at!;
  return readNameAddrInPlace(text, at, at + field.raw.length, header);
}

/** Parses a single-valued name-addr header (From, To, Refer-To, Referred-By). */
export function parseSingleNameAddr(fields: HeaderField[], header: string): NameAddr | undefined {
  if (fields.length === 0) return undefined;
  return parseNameAddr(unfold(fields[0]!.raw), header);
}

/** Parses From or To (adds `tag`) from its first field. */
export function parseFromTo(field: HeaderField, header: string): FromTo {
  const inPlace = nameAddrInPlace(field, header);
  const value = inPlace ?? parseNameAddr(unfold(field.raw), header);
  const tag = value.params.get('tag');
  if (tag === null) throw badHeader(header, 'tag without a value');
  if (inPlace === undefined) return { displayName: value.displayName, uri: value.uri, params: value.params, tag };
  inPlace.tag = tag;
  return inPlace;
}

/**
 * Parses every value of a list header of name-addrs (Route, Record-Route, Path,
 * Service-Route, P-Asserted-Identity, Diversion, History-Info, Contact). Empty elements are an
 * error (RFC 4475 §3.1.2.1 badinv01).
 */
export function parseNameAddrList(fields: HeaderField[], header: string): NameAddr[] {
  const out: NameAddr[] = [];
  for (const field of fields) {
    const inPlace = nameAddrInPlace(field, header);
    if (inPlace !== undefined) {
      out.push(inPlace);
      continue;
    }
    for (const part of splitList(unfold(field.raw))) {
      if (part.trim().length === 0) throw badHeader(header, 'empty list element');
      out.push(parseNameAddr(part, header));
    }
  }
  return out;
}

/** Parses Contact: `*` or a list of contacts with expires/q (§20.10, §10.2.2). */
export function parseContact(fields: HeaderField[]): ContactHeader {
  if (fields.length === 1 && unfold(fields[0]!.raw).trim() === '*') return { wildcard: true, contacts: [] };
  const values = parseNameAddrList(fields, 'Contact');
  const contacts: ContactValue[] = [];
  for (const value of values) {
    let expires: number | undefined;
    let q: number | undefined;
    if (value.params.size > 0) {
      const expiresText = value.params.get('expires');
      const qText = value.params.get('q');
      if (typeof expiresText === 'string' && /^\d+$/.test(expiresText))
        expires = Math.min(Number(expiresText), 0xffffffff);
      if (typeof qText === 'string' && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(qText)) q = Number(qText);
    }
    if (isInPlace(value)) {
      // A sip/sips URI by construction, so not the "*" checked below.
      const contact = value as InPlaceNameAddr;
      contact.expires = expires;
      contact.q = q;
      contacts.push(contact);
      continue;
    }
    if (value.uri.kind === 'absolute' && value.uri.opaque === '*')
      throw badHeader('Contact', '"*" mixed with contacts');
    contacts.push({ displayName: value.displayName, uri: value.uri, params: value.params, expires, q });
  }
  return { wildcard: false, contacts };
}

/** Wire form of a name-addr: display name quoted when it is not a token run, URI in brackets. */
export function formatNameAddr(value: {
  displayName?: string | undefined;
  uri: Uri | string;
  params?: Params;
}): string {
  let out = '';
  if (value.displayName !== undefined && value.displayName.length > 0) {
    out += /^[A-Za-z0-9\-.!%*_+`'~]+( [A-Za-z0-9\-.!%*_+`'~]+)*$/.test(value.displayName)
      ? value.displayName
      : quote(value.displayName);
    out += ' ';
  }
  out += `<${value.uri.toString()}>`;
  if (value.params !== undefined) out += value.params.toString();
  return out;
}
